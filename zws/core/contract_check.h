/* The contract-check engine behind EventLog queries: "which of these
 * addresses are contracts?", answered from the contracts seen before,
 * then the database, then the lookup node, each address asked about once
 * however many checks wait for it. Pure: it does no I/O and keeps no
 * clock. The caller (app/contracts.c) takes the batches it hands out to
 * the database or the lookup and reports their answers back, passes the
 * time in, wakes it for deadlines and lets it answer the checks that are
 * ready.
 *
 * - Known contracts answer from memory (contract_cache). "Not a contract"
 *   is not kept: ingest may see the address deployed at any moment.
 * - Any other address becomes an inquiry that every check asking for it
 *   waits on. Queued inquiries go to the database in batches of at most
 *   db_batch addresses; those it does not know go to the lookup in batches
 *   of lookup_batch, at most lookups_running at a time.
 * - Every check and every lookup batch waits timeout_us, so each sits in a
 *   FIFO that appending keeps ordered by deadline. A check out of time
 *   answers with what it has; its inquiries go on and still fill the cache.
 * - After a failed lookup, unknown addresses are not asked about for
 *   lookup_rest_us: a lookup that is down is not hammered. */
#ifndef ZWS_CONTRACT_CHECK_H
#define ZWS_CONTRACT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "contract_rpc.h"
#include "dlist.h"

struct contract_checks;
struct contract_check;

enum contract_check_outcome {
	CONTRACT_CHECK_ANSWERED,      /* every address answered */
	CONTRACT_CHECK_LOOKUP_FAILED, /* some unknown: the lookup failed for them */
	CONTRACT_CHECK_LATE,          /* some unknown: out of time */
};

/* states[i] answers addrs[i]; CONTRACT_UNKNOWN where no source could tell
 * in time. The check is freed after done returns. */
typedef void (*contract_check_done_fn)(void *ctx, const enum contract_state *states, size_t n);

struct contract_check_config {
	size_t cache_limit;       /* most contracts remembered */
	size_t db_batch;          /* addresses per database query */
	size_t lookup_batch;      /* addresses per lookup request */
	unsigned lookups_running; /* lookup requests at a time */
	uint64_t timeout_us;      /* a check's and a lookup request's wait */
	uint64_t lookup_rest_us;  /* no lookup requests this long after one failed */
	bool have_lookup;         /* false: unknown addresses stay unknown */
	/* What the engine reports, to ctx (the caller logs). */
	void *ctx;
	/* A check of n addresses is answered, just before its done runs. */
	void (*answered)(void *ctx, enum contract_check_outcome outcome, size_t n);
	/* Once: the cache is full at count contracts. */
	void (*cache_full)(void *ctx, size_t count);
};

/* A database query's or a lookup request's addresses. */
struct contract_check_batch {
	size_t n;
	uint8_t (*addrs)[ADDRESS_BYTES];
	void *request; /* the caller's: the lookup request carrying it */
	/* The engine's. */
	struct contract_checks *cs;
	struct dlist link, inquiries;
	uint64_t deadline;
	bool lookup;
};

/* cfg is copied. NULL on OOM. */
struct contract_checks *contract_check_new(const struct contract_check_config *cfg);
/* Frees the engine with every batch and check it still holds; the ctx of
 * a check not answered is not freed (cancel checks first). NULL is ignored. */
void contract_check_free(struct contract_checks *cs);

/* Starts a check of n addresses at now. done is called from
 * contract_check_answer_ready, never from inside this call. NULL on OOM. */
struct contract_check *contract_check_start(struct contract_checks *cs, const uint8_t (*addrs)[ADDRESS_BYTES],
					    size_t n, contract_check_done_fn done, void *ctx, uint64_t now_us);
/* Abandons a check and frees it; done is not called. Its ctx stays the
 * caller's, who frees it. NULL is ignored. */
void contract_check_cancel(struct contract_check *c);
/* addr is a contract (it emitted an event). */
void contract_check_learn(struct contract_checks *cs, const uint8_t addr[ADDRESS_BYTES]);

/* The ctx of the engine b belongs to (contract_check_config.ctx). */
void *contract_check_batch_ctx(const struct contract_check_batch *b);

/* The next batch for the database, or NULL when none is queued (*oom set
 * if memory ran out: the queued addresses were answered unknown). The
 * caller reports its rows with contract_check_db_row, then
 * contract_check_db_done (also when the query failed or never ran). */
struct contract_check_batch *contract_check_next_db(struct contract_checks *cs, bool *oom);
void contract_check_db_row(struct contract_check_batch *b, const uint8_t addr[ADDRESS_BYTES], bool is_contract);
/* Frees b: the addresses it answered are settled, the others go to the lookup. */
void contract_check_db_done(struct contract_check_batch *b);

/* The next batch for the lookup at now, or NULL when none is queued, as
 * many requests as allowed run, or the lookup rests (then the queued
 * addresses are answered unknown). The caller sets b->request and reports
 * with contract_check_lookup_done. */
struct contract_check_batch *contract_check_next_lookup(struct contract_checks *cs, uint64_t now_us);
/* The lookup answered b (states[i] for b->addrs[i]) or failed (states
 * NULL, why says how). Frees b. */
void contract_check_lookup_done(struct contract_check_batch *b, const enum contract_state *states,
				const char *why, uint64_t now_us);
/* Why the last lookup failure left addresses unknown. */
const char *contract_check_lookup_why(const struct contract_checks *cs);

/* When the next check or lookup request runs out of time; UINT64_MAX if
 * nothing waits. */
uint64_t contract_check_next_deadline(const struct contract_checks *cs);
/* Checks out of time at now become ready; returns a lookup batch out of
 * time, or NULL. The caller cancels its request and reports it failed;
 * call until NULL. */
struct contract_check_batch *contract_check_expire(struct contract_checks *cs, uint64_t now_us);

/* Whether a check is ready to answer. */
bool contract_check_any_ready(const struct contract_checks *cs);
/* Answers the checks ready now (answered, then done, then frees each). A
 * done may start or cancel checks; those it starts answer in a later call. */
void contract_check_answer_ready(struct contract_checks *cs);

#endif
