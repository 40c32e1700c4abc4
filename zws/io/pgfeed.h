/* zws's PostgreSQL connection: LISTENs on zws_block, fetches each live
 * block ingest announces and hands it to fan-out, and answers contract
 * questions. libpq runs non-blocking; its socket is watched by the lws
 * loop through an adopted dup() (lws closes what it adopts). Queries run
 * one at a time in FIFO order. When PostgreSQL goes away the feed
 * reconnects with backoff and LISTENs again. */
#ifndef ZWS_PGFEED_H
#define ZWS_PGFEED_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "app.h"
#include "contract_rpc.h"

#include <libwebsockets.h>

struct pgfeed;
struct pgfeed_request;

/* res is NULL if the query could not run (no connection, error); it is
 * cleared by the feed after the call. */
typedef void (*pgfeed_result_fn)(void *ctx, const PGresult *res);

struct pgfeed *pgfeed_new(struct zws *app);
/* Starts connecting (from inside the loop). */
void pgfeed_start(struct pgfeed *f);
/* Detaches from the loop (before the lws context is destroyed). */
void pgfeed_stop(struct pgfeed *f);
/* Frees the feed (after the lws context is gone). */
void pgfeed_free(struct pgfeed *f);

/* SELECT address, is_contract of the known ones among addrs. */
struct pgfeed_request *pgfeed_known_contracts(struct pgfeed *f, const uint8_t (*addrs)[ADDRESS_BYTES],
					      size_t n, pgfeed_result_fn cb, void *ctx);
/* Caches lookup answers (CONTRACT_UNKNOWN entries are skipped). */
void pgfeed_store_contracts(struct pgfeed *f, const uint8_t (*addrs)[ADDRESS_BYTES],
			    const enum contract_state *states, size_t n);
/* The callback of r will not be called. */
void pgfeed_cancel(struct pgfeed_request *r);

/* The raw-file protocol callback for the adopted libpq socket. */
int pgfeed_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

#endif
