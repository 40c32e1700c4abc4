/* HTTP(S) client for the lookup node's JSON-RPC: a small pool of keep-alive
 * evhttp connections, one request in flight on each. https:// URLs go
 * through OpenSSL bufferevents with certificate and host name checks. */
#ifndef INGEST_LOOKUP_H
#define INGEST_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "diagnose.h"

struct event_base;
struct lookup;

struct lookup_response {
	int status;        /* HTTP status; 0 when no response arrived */
	const char *body;  /* valid during the callback only */
	size_t len;
	const char *error; /* why no response arrived (status 0) */
	enum lookup_failure failure; /* status 0: the kind (timeout, refused, dns, ...) */
	bool misconfigured;          /* status 0: a host name that does not exist */
};

typedef void (*lookup_cb)(const struct lookup_response *resp, void *arg);

struct lookup *lookup_new(struct event_base *base, const char *url, int conns,
			  int timeout_ms, char *err, size_t errlen);
void lookup_free(struct lookup *lk);

/* Number of connections free for a new request. */
int lookup_idle(const struct lookup *lk);

/* POSTs body (copied) on an idle connection; cb runs exactly once, from
 * the event loop, or from lookup_free (status 0, "cancelled") when the
 * lookup is freed first. Do not call from inside a lookup callback: defer
 * to the next loop turn. */
bool lookup_post(struct lookup *lk, const char *body, size_t len, lookup_cb cb, void *arg)
	__attribute__((warn_unused_result));

/* "host:port" for log lines. */
const char *lookup_peer(const struct lookup *lk);

#endif
