/* The last look at a WebSocket upgrade request before lws answers it
 * (LWS_CALLBACK_HTTP_CONFIRM_UPGRADE): what core/upgrade_check.h refuses
 * gets its HTTP status here instead of a 101 or a silent hang-up. */
#ifndef ZWS_HANDSHAKE_H
#define ZWS_HANDSHAKE_H

struct lws;

/* 0: let lws upgrade; -1: answered with an error status, lws closes the
 * connection. internal lists subprotocols no client may
 * ask for, NULL-terminated. */
int handshake_confirm(struct lws *wsi, const char *const *internal);

#endif
