/* The event loop under lws. lws 4.1.6 runs its default poll() loop or, via
 * its libev event-lib plugin, a libev loop. With libev zws owns
 * the loop ("foreign" to lws) so it can run it one turn at a time and stop
 * when the server is done; lws watches its sockets, timers and the
 * descriptors zws adopts (the listener, the libpq socket) on it. */
#ifndef ZWS_EVLOOP_H
#define ZWS_EVLOOP_H

#include <stdbool.h>

#include <libwebsockets.h>

#include "zws_config.h"

struct evloop;

/* A loop of the given kind. NULL on failure. */
struct evloop *evloop_new(enum zws_event_loop kind);
/* Sets info's event-lib option and foreign loop. */
void evloop_configure(struct evloop *l, struct lws_context_creation_info *info);
/* Waits for and services one round of events. false if the loop failed. */
bool evloop_run_once(struct evloop *l, struct lws_context *cx)
	__attribute__((warn_unused_result));
/* Destroys cx and lets the loop finish closing what lws had on it. */
void evloop_destroy_context(struct evloop *l, struct lws_context *cx);
void evloop_free(struct evloop *l);

#endif
