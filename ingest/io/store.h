/* The block store: a writer thread that owns the PostgreSQL connection and
 * commits queued blocks in order, in groups of consecutive blocks (what is
 * queued, so a live block goes alone), one transaction per group holding
 * its rows, the cursor and each block's NOTIFY. The event loop never waits
 * on PostgreSQL: it queues blocks and is woken (through a pipe watched by
 * the loop) when the store becomes ready or blocks are committed.
 * PostgreSQL outages are retried with backoff by the thread; nothing
 * queued is lost. A block PostgreSQL refuses for its data (an SQLSTATE of
 * class 22, 23 or 54: a data exception, a violated constraint, a value
 * past a limit) is not
 * retried as it is: the store drops it and everything queued after it and
 * reports the refusal, for the block to be fetched again. */
#ifndef INGEST_STORE_H
#define INGEST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest_health.h"
#include "chain.h"

struct event_base;
struct ingest_block;
struct block_sql_rows;
struct store;

struct store_commit {
	uint64_t num;
	uint32_t txns;
	uint32_t events;
	double ms;  /* from sending the block to its COMMIT */
	bool live;
};

/* A block PostgreSQL refused for its data. */
struct store_refusal {
	uint64_t num;
	char sqlstate[6];
	char message[600];         /* PostgreSQL's message and detail */
	struct chain_tip committed; /* the last block committed before it */
};

typedef void (*store_wake_cb)(void *arg);

/* The store's connection and role, for /healthz and /metrics. */
struct store_status {
	enum ingest_pg_state pg;
	enum ingest_role role;     /* LEADER: holds the leader lock (leader_lock.h) */
	int leader_pid;            /* STANDBY: the leader's backend pid, 0 unknown */
	bool misconfigured;        /* PG_DOWN because of the configuration */
	char error[512];           /* PG_DOWN: why, one line */
};

/* Starts the thread; it connects, migrates, deletes the last rewind
 * blocks (0: none; see store_rewind_sql) and reads the cursor, then wakes
 * the loop. */
struct store *store_new(struct event_base *base, const char *conninfo, int backoff_max_ms,
			uint64_t rewind, store_wake_cb cb, void *arg, char *err, size_t errlen);

/* Stops the thread after the group of blocks it is committing (each group
 * is atomic: committed or not at all) and frees everything queued. */
void store_free(struct store *s);

/* After a wake: whether the store is connected and migrated, and the
 * last committed block with its hash (cursor->known false on a fresh
 * database). */
bool store_ready(struct store *s, struct chain_tip *cursor);

/* Queues b and its serialized rows (ownership of both passes to the store
 * on success; rows may be NULL: the store serializes b, repairing invalid
 * UTF-8); blocks must be submitted in order without gaps. False (out of
 * memory): both stay the caller's. */
bool store_submit_take(struct store *s, struct ingest_block *b, struct block_sql_rows *rows,
		       uint64_t head, bool live) __attribute__((warn_unused_result));

/* After a wake: the refusal the store has stopped at, if any (true). It
 * drops every block still queued; the store commits again once the next
 * block submitted is out->num. */
bool store_take_refusal(struct store *s, struct store_refusal *out);

/* Moves up to max commit records into out; returns how many. Also frees
 * the blocks committed so far: call it from the thread that submits. */
size_t store_take_commits(struct store *s, struct store_commit *out, size_t max);

/* A copy of the current status; any thread. */
void store_status(struct store *s, struct store_status *out);

/* Blocks queued and not yet committed. */
size_t store_backlog(struct store *s);

#endif
