/* Answering JSON-RPC reads (docs/protocol.md, "Reading the chain") for
 * WebSocket sessions and HTTP POSTs. A message becomes a job: its calls
 * are answered from the recent blocks held in memory or by queries on
 * PostgreSQL connections of their own (RPC_QUERY_FEEDS of them), so a
 * slow query never holds up the block feed; when every call has its
 * answer, the job delivers the response text to its owner. An owner that
 * goes away cancels its jobs; they finish quietly. */
#ifndef ZWS_RPC_H
#define ZWS_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include "block_feed.h"

struct zws;
struct rpc;
struct rpc_job;
struct session;

/* Gets the whole response text (lent for the call); len 0: the message
 * held only notifications and is answered with nothing. */
typedef void rpc_deliver_fn(void *owner, const char *text, size_t len);

struct rpc *rpc_new(struct zws *app);
/* Connects the query feeds on the app's loop. */
void rpc_start(struct rpc *r);
/* Detaches from the loop (before the lws context is destroyed). */
void rpc_stop(struct rpc *r);
/* After the lws context is gone; frees jobs still waiting. */
void rpc_free(struct rpc *r);

/* A live block was read: its TxBlock and hash lists are kept among the
 * recent blocks answered from memory. */
void rpc_learn_block(struct rpc *r, const struct block *b);

/* Starts answering text if it is a JSON-RPC message; false if it is not
 * (a subscription query). deliver gets the answer, possibly before this
 * returns, or NULL text if the server ran out of memory. At most
 * RPC_OWNER_JOBS messages of one owner wait at once; beyond that the
 * calls are answered "busy". */
bool rpc_begin(struct rpc *r, const char *text, size_t len, rpc_deliver_fn *deliver, void *owner);
/* The owner is going away: its jobs deliver nothing. */
void rpc_cancel_owner(struct rpc *r, const void *owner);

/* A WebSocket message: answered with a reply frame if it is JSON-RPC
 * (true), else left to the subscription parser (false). */
bool rpc_session_message(struct session *s, const char *text, size_t len);

#endif
