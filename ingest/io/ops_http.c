/* The --http listener. Requests are answered at once from the loop: the
 * hooks only read state the follower already has, nothing waits. */
#include "ops_http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEALTHZ_MAX 2048
#define METRICS_FIRST_TRY 16384

struct ops_http {
	struct evhttp *http;
	struct ops_http_hooks hooks;
};

static void reply(struct evhttp_request *req, int status, const char *type, const char *body, size_t len)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
		evbuffer_add(out, body, len);
	evhttp_send_reply(req, status, status == 200 ? "OK" : status == 503 ? "Service Unavailable"
			  : status == 404 ? "Not Found" : "Internal Server Error", NULL);
}

static void serve_healthz(struct ops_http *h, struct evhttp_request *req)
{
	char body[HEALTHZ_MAX];
	int status = h->hooks.healthz(h->hooks.arg, body, sizeof(body));
	reply(req, status, "application/json", body, strlen(body));
}

static void serve_metrics(struct ops_http *h, struct evhttp_request *req)
{
	size_t cap = METRICS_FIRST_TRY;
	char *body = malloc(cap);
	size_t need = body ? h->hooks.metrics(h->hooks.arg, body, cap) : 0;
	if (body && need >= cap) {
		free(body);
		cap = need + 1;
		body = malloc(cap);
		need = body ? h->hooks.metrics(h->hooks.arg, body, cap) : 0;
	}
	if (!body || need >= cap)
		reply(req, 500, "text/plain", "out of memory\n", 14);
	else
		reply(req, 200, h->hooks.metrics_content_type, body, need);
	free(body);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct ops_http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	if (path && strcmp(path, "/healthz") == 0)
		serve_healthz(h, req);
	else if (path && strcmp(path, "/metrics") == 0)
		serve_metrics(h, req);
	else
		reply(req, 404, "text/plain", "not found: try /healthz or /metrics\n", 36);
}

struct ops_http *ops_http_new(struct event_base *base, const char *addr, int port,
			      const struct ops_http_hooks *hooks, char *err, size_t errlen)
{
	struct ops_http *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->hooks = *hooks;
	h->http = evhttp_new(base);
	if (!h->http) {
		snprintf(err, errlen, "cannot create the HTTP listener");
		goto fail;
	}
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(h->http, on_request, h);
	errno = 0;
	if (!evhttp_bind_socket_with_handle(h->http, addr, (unsigned short)port)) {
		snprintf(err, errlen, "--http: cannot listen on %s:%d: %s", addr, port,
			 errno ? strerror(errno) : "no such address");
		goto fail;
	}
	return h;
fail:
	ops_http_free(h);
	return NULL;
}

void ops_http_free(struct ops_http *h)
{
	if (!h)
		return;
	if (h->http)
		evhttp_free(h->http);
	free(h);
}
