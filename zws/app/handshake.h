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
/* Answers status with why as a text body, written straight to the socket
 * and shut down for writing; returns -1 for the callback to return, so
 * lws closes the connection. */
int handshake_refuse(struct lws *wsi, int status, const char *why);

#endif
