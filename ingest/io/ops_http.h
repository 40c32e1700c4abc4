/* zws-ingest's --http listener: GET /healthz and GET /metrics on an evhttp
 * server sharing the follower's event loop; any other path answers 404.
 * It knows only HTTP: the bodies come from the hooks handed in at _new. */
#ifndef INGEST_OPS_HTTP_H
#define INGEST_OPS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct ops_http;

struct ops_http_hooks {
	/* Writes the /healthz JSON into out (terminated); returns the HTTP
	 * status to answer with. */
	int (*healthz)(void *arg, char *out, size_t outlen);
	/* Writes the /metrics text into out (terminated); returns the length
	 * the whole text needs, as snprintf does. */
	size_t (*metrics)(void *arg, char *out, size_t outlen);
	const char *metrics_content_type;
	void *arg;
};

/* Listens on addr:port; NULL with err set when it cannot (address in
 * use, no such address). */
struct ops_http *ops_http_new(struct event_base *base, const char *addr, int port,
			      const struct ops_http_hooks *hooks, char *err, size_t errlen);
void ops_http_free(struct ops_http *h);

#endif
