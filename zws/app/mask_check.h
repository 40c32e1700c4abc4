/* RFC 6455 section 5.1 on zws's connections: a client frame that came
 * unmasked fails the connection with 1002. The wire watches (rx_tap.h,
 * wire_watch.h) say which frame it was; this acts as lws delivers it, so
 * the frames the client sent before it are handled and none after. lws
 * answers a ping and drops an empty pong on its own: an unmasked one
 * closes the connection at the end of that loop turn (after lws's pong),
 * and any frame after it that lws delivers first is refused. */
#ifndef ZWS_MASK_CHECK_H
#define ZWS_MASK_CHECK_H

#include <stdbool.h>

#include <libwebsockets.h>

#include "session.h"

/* The listener's accepted hook: watch fd from its first byte. */
void mask_check_accepted(void *ctx, int fd);
/* wsi's request is served as plain HTTP. */
void mask_check_http(struct lws *wsi);
/* s, on wsi, became a WebSocket session. */
void mask_check_established(struct session *s, struct lws *wsi);
/* The data frame lws delivers now came masked (true), or zws closes s
 * with 1002 (false: return -1 to lws). */
bool mask_check_data(struct session *s, struct lws *wsi);
/* The same for a pong. */
bool mask_check_pong(struct session *s, struct lws *wsi);
/* The close frame lws delivers now came masked (true); if not, it is
 * logged and counted, and the caller answers it with 1002
 * (session_peer_close). */
bool mask_check_close(struct session *s, struct lws *wsi);
/* Closes, with 1002, every session that sent an unmasked ping or empty
 * pong. */
void mask_check_sweep(void);
/* wsi's connection is gone. */
void mask_check_forget(struct lws *wsi);
/* Frees the watches (at exit). */
void mask_check_free(void);

#endif
