/* WebSocket keepalive for every session on one timer: a client that has
 * sent nothing (no message, no pong) for KEEPALIVE_PING_S gets a ping;
 * one still silent KEEPALIVE_HANGUP_S after its last frame is dropped.
 * Sessions sit in one list ordered by deadline, so hearing from a client
 * is O(1) and each tick touches only the sessions that are due. */
#ifndef ZWS_KEEPALIVE_H
#define ZWS_KEEPALIVE_H

#include "app.h"

struct session;

/* Starts the tick on app->context; keepalive_stop cancels it. */
void keepalive_start(struct zws *app);
void keepalive_stop(struct zws *app);
/* A frame arrived from s (also puts a new session on the list). */
void keepalive_heard(struct session *s);
/* Takes s off the list (it closed). */
void keepalive_forget(struct session *s);

#endif
