/* The HTTP side of zws-fake-lookup (libevent evhttp): JSON-RPC on POST to
 * any path, the /fake/ control endpoints, faults, and block production on a
 * timer. */
#ifndef ZWS_FAKE_SERVER_H
#define ZWS_FAKE_SERVER_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>

#include "fake_chain.h"

struct fake_server_config {
	const char *host;
	int port; /* 0 = any free port */
	int interval_ms; /* produce a block every interval_ms; 0 = never */
	int max_batch;
};

struct fake_server;

/* Binds and starts serving on base. chain stays the caller's. */
struct fake_server *fake_server_new(struct event_base *base, struct fake_chain *chain,
				    const struct fake_server_config *cfg, char *err, size_t errlen);
void fake_server_free(struct fake_server *s);
/* The port actually bound. */
int fake_server_port(const struct fake_server *s);

#endif
