/* The lookup node's JSON-RPC over HTTP(S), as an lws client inside the
 * server's own loop: one POST per request, never blocking. Used to ask
 * GetSmartContractInit for addresses the database does not know. */
#ifndef ZWS_LOOKUP_H
#define ZWS_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "app.h"
#include "contract_rpc.h"

#include <libwebsockets.h>

struct lookup;
struct lookup_request;

/* ok false: the lookup could not be asked or did not answer (err says
 * why); states are then all CONTRACT_UNKNOWN. */
typedef void (*lookup_done_fn)(void *ctx, const enum contract_state *states, size_t n, bool ok,
			       const char *err);

/* url: http://host[:port][/path] or https://…. NULL (err filled) if it
 * does not parse. */
struct lookup *lookup_new(struct zws *app, const char *url, char *err, size_t errlen);
void lookup_free(struct lookup *l);

/* Asks whether each address is a contract. NULL on OOM; done is called
 * later, never from inside this call. */
struct lookup_request *lookup_contracts(struct lookup *l, const uint8_t (*addrs)[ADDRESS_BYTES],
					size_t n, lookup_done_fn done, void *ctx);
/* done will not be called; the connection is closed. */
void lookup_cancel(struct lookup_request *r);

/* The client protocol callback ("zws-lookup"). */
int lookup_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

#endif
