/* The lookup node's JSON-RPC over HTTP(S), as an lws client inside the
 * server's own loop: one POST per request, never blocking. Used to ask
 * GetSmartContractInit for addresses the database does not know. */
#ifndef ZWS_CONTRACT_LOOKUP_H
#define ZWS_CONTRACT_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "contract_rpc.h"

#include <libwebsockets.h>

struct contract_lookup;
struct contract_lookup_request;

/* ok false: the lookup could not be asked or did not answer (err says
 * why); states are then all CONTRACT_UNKNOWN. */
typedef void (*contract_lookup_done_fn)(void *ctx, const enum contract_state *states, size_t n, bool ok,
			       const char *err);

/* url: http://host[:port][/path] or https://…. Requests run on cx's loop
 * in vh, whose protocol "zws-lookup" is contract_lookup_callback. NULL
 * (err filled) if the URL does not parse. */
struct contract_lookup *contract_lookup_new(struct lws_context *cx, struct lws_vhost *vh, const char *url,
					    char *err, size_t errlen);
void contract_lookup_free(struct contract_lookup *l);

/* Asks whether each address is a contract. NULL on OOM; done is called
 * later, never from inside this call, with states that live for the
 * call. The request frees itself once answered or cancelled. */
struct contract_lookup_request *contract_lookup_ask(struct contract_lookup *l, const uint8_t (*addrs)[ADDRESS_BYTES],
					size_t n, contract_lookup_done_fn done, void *ctx);
/* done will not be called; the connection is closed. The request is
 * freed by this module once lws is done with its connection; the ctx
 * given to contract_lookup_ask stays the caller's, who frees it. NULL is
 * ignored. */
void contract_lookup_cancel(struct contract_lookup_request *r);

/* The client protocol callback ("zws-lookup"). */
int contract_lookup_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

#endif
