/* WebSocket keepalive deadlines: a client that has sent nothing (no
 * message, no pong) for ping_after seconds is to be pinged; one still
 * silent drop_after seconds after its last frame is to be dropped. Every
 * client waits in one of two lists, for its ping or for its answer; a
 * deadline always goes to the tail with the same delay, which keeps both
 * lists sorted, so hearing from a client is O(1) and a tick touches only
 * the clients that are due. Pure: time is passed in (seconds of a
 * monotonic clock), the caller carries out the decisions. */
#ifndef ZWS_KEEPALIVE_H
#define ZWS_KEEPALIVE_H

#include <stdint.h>

#include "dlist.h"

/* Embedded in each client. Zeroed, it is on no list. */
struct keepalive_entry {
	struct dlist link;
	uint32_t deadline; /* when to ping it or, once pinged, drop it */
};

struct keepalive {
	struct dlist alive;  /* heard from, waiting for their ping; oldest first */
	struct dlist pinged; /* pinged, waiting for an answer; oldest first */
	unsigned ping_after_s, drop_after_s;
};

enum keepalive_action {
	KEEPALIVE_NONE, /* nothing is due */
	KEEPALIVE_PING, /* ping the client */
	KEEPALIVE_DROP, /* drop the client: no answer to its ping */
};

/* drop_after_s > ping_after_s. */
void keepalive_init(struct keepalive *ka, unsigned ping_after_s, unsigned drop_after_s);
/* A frame arrived from e's client at now (a new client is put on the list). */
void keepalive_heard(struct keepalive *ka, struct keepalive_entry *e, uint32_t now);
/* Takes e off the lists (its client closed). */
void keepalive_forget(struct keepalive_entry *e);
/* The next client due at now and what to do with it (*what), or NULL
 * (*what KEEPALIVE_NONE). Drops come before pings. A client to drop
 * leaves the lists; one to ping moves to the pinged list. Call until it
 * returns NULL. */
struct keepalive_entry *keepalive_next(struct keepalive *ka, uint32_t now, enum keepalive_action *what);

#endif
