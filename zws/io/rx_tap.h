/* What lws reads from each client socket, shown to a wire_watch (see
 * core/wire_watch.h). lws 4.1.6 reads a ws:// client with recv() and a
 * wss:// one with SSL_read(); this module defines both, so lws's calls
 * come here: it passes each on and feeds what it returned to the
 * socket's watch. Only sockets the listener accepted are watched, until
 * their connection ends: other callers (libpq, the lookup client) pass
 * through, their bytes at most read by the stale watch of a connection
 * that ended before it was established, which no session asks. One
 * thread per process: a table by descriptor, grown as descriptors are. */
#ifndef ZWS_RX_TAP_H
#define ZWS_RX_TAP_H

#include "wire_watch.h"

/* Watches fd, a client just accepted, from its first byte. A socket it
 * has no memory for is served unwatched. */
void rx_tap_watch(int fd);
/* fd's connection is gone: not watched any more. */
void rx_tap_forget(int fd);
/* fd's watch; NULL if it is not watched. */
struct wire_watch *rx_tap_get(int fd);
/* Ties what owns fd's connection to its watch, for rx_tap_sweep. */
void rx_tap_own(int fd, void *owner);
/* Calls fn once for the owner of every watched socket that sent an
 * unmasked frame lws does not deliver (a ping, an empty pong) since the
 * last sweep. */
void rx_tap_sweep(void (*fn)(void *ctx, void *owner), void *ctx);
/* Frees the table (at exit). */
void rx_tap_free(void);

#endif
