/* The fetch window: which blocks ahead of the last submitted one are being
 * fetched, which JSON-RPC calls the next batch request should carry, and
 * what the lookup's replies mean for each block (complete, empty, not
 * there yet, paginated, failed). Blocks leave the window in order, only
 * when complete. Pure: time is passed in, no I/O. */
#ifndef INGEST_WINDOW_H
#define INGEST_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc.h"

struct ingest_block;
struct window;

enum window_call_kind {
	WINDOW_CALL_TXBLOCK,      /* GetTxBlock */
	WINDOW_CALL_HASHES,       /* GetTransactionsForTxBlock */
	WINDOW_CALL_BODIES,       /* GetTxnBodiesForTxBlock */
	WINDOW_CALL_HASHES_PAGE,  /* GetTransactionsForTxBlockEx */
	WINDOW_CALL_BODIES_PAGE,  /* GetTxnBodiesForTxBlockEx */
};

struct window_call {
	uint64_t num;
	enum window_call_kind kind;
	int page;
	char params[RPC_MAX_PARAMS][24];
};

/* What applying one response found. */
struct window_outcome {
	int completed;    /* blocks now complete */
	int not_ready;    /* blocks to ask again shortly (future, not finalized, missing) */
	int rate_limited; /* calls refused by the node's rate limit */
	int failed;       /* calls that failed otherwise */
	char error[256];  /* the first failure, for the log */
};

/* size: how many blocks may be in the window; retry_ms: delay before
 * asking again for a block the node did not have yet. */
struct window *window_new(int size, int retry_ms);
void window_free(struct window *w);

/* Empties the window; the next block to fetch and submit is next. */
void window_reset(struct window *w, uint64_t next);
uint64_t window_next(const struct window *w);

/* Plans up to max calls for blocks <= head that need fetching at now_ms
 * (pages of paginated blocks first) and marks them in flight. */
size_t window_plan(struct window *w, uint64_t head, uint64_t now_ms,
		   struct window_call *calls, size_t max);

/* The rpc_call form of planned calls (strings point into calls). */
void window_rpc_calls(const struct window_call *calls, size_t n, struct rpc_call *out);

/* Applies the replies to planned calls (replies[i] answers calls[i]). */
void window_apply(struct window *w, const struct window_call *calls, size_t n,
		  const struct rpc_reply *replies, uint64_t now_ms, struct window_outcome *out);

/* The request carrying calls failed as a whole: they will be planned again. */
void window_abandon(struct window *w, const struct window_call *calls, size_t n);

/* The next block in order if it is complete (ownership passes to the
 * caller), else NULL. */
struct ingest_block *window_pop(struct window *w);

/* Earliest time a delayed block may be asked again (0: none waiting). */
uint64_t window_next_retry(const struct window *w);

#endif
