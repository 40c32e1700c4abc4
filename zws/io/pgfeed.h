/* zws's PostgreSQL connection: LISTENs on zws_block, reads each block to
 * push (core/continuity.h: in order from the first live block, backfill
 * included) and reports it through its hooks,
 * and runs other queries for its users (contract_store.h). libpq runs
 * non-blocking; its socket is watched by the lws loop through an adopted
 * dup() (lws closes what it adopts). Queries run one at a time in FIFO
 * order. When PostgreSQL goes away the feed reconnects with backoff and
 * LISTENs again. It knows nothing of sessions or the server: it reports
 * upward only through the hooks given to pgfeed_new. */
#ifndef ZWS_PGFEED_H
#define ZWS_PGFEED_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "block_feed.h"

struct pgfeed;

/* What the feed reports, to ctx. */
struct pgfeed_hooks {
	void *ctx;
	/* LISTEN is active: after the first connect and every reconnect. */
	void (*ready)(void *ctx);
	/* Block num is stored (announced by ingest, or found after a
	 * reconnect), whether or not it is pushed. */
	void (*announced)(void *ctx, uint64_t num);
	/* A block to push, read; in block order (core/continuity.h says
	 * which). The hook takes b (block_free). NULL: the feed runs queries
	 * only (pgfeed_query_take) and LISTENs to nothing. */
	void (*block)(void *ctx, struct block *b);
};

/* pgfeed_read_block's answer: b (the callee takes it; NULL if the block
 * is not stored or could not be read), ran: false if the query could
 * not run (connection lost), so asking again later may work. */
typedef void (*pgfeed_block_fn)(void *ctx, uint64_t num, struct block *b, bool ran);

/* res is NULL if the query could not run (no connection, error); it is
 * cleared by the feed after the call. */
typedef void (*pgfeed_result_fn)(void *ctx, const PGresult *res);

/* conninfo and hooks must outlive the feed; max_resume: the longest gap
 * after the last block pushed that is still pushed (core/continuity.h;
 * 0 for a feed that runs queries only).
 * NULL on OOM. */
struct pgfeed *pgfeed_new(const char *conninfo, const struct pgfeed_hooks *hooks, uint64_t max_resume);
/* Starts connecting on cx's loop; the socket is adopted into vh, whose
 * protocol "zws-pg" is pgfeed_callback. */
void pgfeed_start(struct pgfeed *f, struct lws_context *cx, struct lws_vhost *vh);
/* Detaches from the loop (before the lws context is destroyed). */
void pgfeed_stop(struct pgfeed *f);
/* Frees the feed (after the lws context is gone). */
void pgfeed_free(struct pgfeed *f);

/* Whether the feed is connected and LISTENing or about to. */
bool pgfeed_connected(const struct pgfeed *f);
/* Queues sql with nparams (0-2) text parameters p0, p1, which the feed
 * takes (and frees; NULL where a parameter is expected means out of
 * memory). cb (may be NULL) gets the result later, never from inside
 * this call; NULL if the query could not run. Queries fail at once when
 * the connection is lost. false on OOM: cb is not called. */
bool pgfeed_query_take(struct pgfeed *f, const char *sql, int nparams, char *p0, char *p1,
		       pgfeed_result_fn cb, void *ctx) __attribute__((warn_unused_result));

/* Reads block num (not a push: for a client that resumes), after the
 * queries queued before it; cb gets it later, never from inside this
 * call. false on OOM: cb is not called. */
bool pgfeed_read_block(struct pgfeed *f, uint64_t num, pgfeed_block_fn cb, void *ctx)
	__attribute__((warn_unused_result));

/* The raw-file protocol callback for the adopted libpq socket. */
int pgfeed_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

#endif
