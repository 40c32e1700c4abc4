/* "Which of these addresses are contracts?" for EventLog queries, on the
 * loop: the contract-check engine (core/contract_check.h) driven by lws
 * timers, the contracts table and the lookup node's GetSmartContractInit,
 * whose answers are cached in the contracts table. Each check is bounded
 * by --lookup-timeout-ms; checks running at the same time share their
 * queries, so a burst of thousands costs a few. Never blocks the loop. */
#ifndef ZWS_CONTRACTS_H
#define ZWS_CONTRACTS_H

#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "contract_check.h"
#include "zws_stats.h"

struct lws_context;
struct pgfeed;
struct contract_lookup;
struct contracts;

struct contracts_limits {
	unsigned timeout_ms;  /* the longest a check waits */
	size_t max_negative;  /* the lookup's "not a contract" rows kept */
	unsigned workers;     /* processes saving such rows */
};

/* Checks on cx's loop, asking feed's database and lookup (NULL: none),
 * within limits (copied); outcomes are counted in stats. NULL on OOM. */
struct contracts *contracts_new(struct lws_context *cx, struct pgfeed *feed, struct contract_lookup *lookup,
				const struct contracts_limits *limits, struct stats_slot *stats);
/* Before the lws context is destroyed: no timer runs after this, and no
 * check is answered (the sessions cancel theirs as they close). */
void contracts_stop(struct contracts *cs);
/* After the lws context and the feed are gone. NULL is ignored. */
void contracts_free(struct contracts *cs);

/* addr is a contract (it emitted an event in a block zws read). */
void contracts_learn(struct contracts *cs, const uint8_t addr[ADDRESS_BYTES]);

/* Starts a check of n addresses. done (see contract_check_done_fn) is
 * called later from the loop, never from inside this call. NULL on OOM. */
struct contract_check *contracts_check_start(struct contracts *cs, const uint8_t (*addrs)[ADDRESS_BYTES],
					     size_t n, contract_check_done_fn done, void *ctx);
/* Abandons a check and frees it; done is not called. The ctx given to
 * contracts_check_start stays the caller's, who frees it. NULL is
 * ignored. */
void contracts_check_cancel(struct contract_check *c);

#endif
