/* JSON-RPC reads over HTTP: POST / on the zws port takes one request or
 * a batch (docs/protocol.md, "Reading the chain") and answers it with
 * application/json. The server's HTTP callback hands these connections
 * here; every other HTTP request is someone else's. A body over
 * --max-message is answered 413. */
#ifndef ZWS_RPC_HTTP_H
#define ZWS_RPC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct lws;
struct zws;

/* LWS_CALLBACK_HTTP: whether this request (uri: its path) is a POST /. */
bool rpc_http_wants(struct lws *wsi, const char *uri);
/* LWS_CALLBACK_HTTP for a request rpc_http_wants: starts reading its
 * body. Returns the callback's return value. */
int rpc_http_begin(struct zws *app, struct lws *wsi);
/* LWS_CALLBACK_HTTP_BODY. */
int rpc_http_body(struct lws *wsi, const void *in, size_t len);
/* LWS_CALLBACK_HTTP_BODY_COMPLETION. */
int rpc_http_body_done(struct lws *wsi);
/* LWS_CALLBACK_HTTP_WRITEABLE; 0 for a connection that is not ours. */
int rpc_http_writeable(struct lws *wsi);
/* LWS_CALLBACK_CLOSED_HTTP: frees what a POST left. */
void rpc_http_closed(struct lws *wsi);

#endif
