/* evhttp glue: every POST outside /fake/ is a JSON-RPC request answered by
 * fake_rpc; the fault plan decides first whether the request is answered
 * normally. HTTP/1.1 keep-alive is evhttp's. Slow answers wait on a timer
 * owned by the server, so shutting down frees them. */
#include "fake_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event_struct.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fake_fault.h"
#include "fake_rpc.h"
#include "fake_taint.h"
#include "fake_template.h"
#include "log.h"

#define MAX_PRODUCE 1000000000ULL

/* An answer held back by the "slow" fault. */
struct slow_reply {
	struct event timer;
	struct evhttp_request *req;
	struct evbuffer *body;
	struct fake_server *server;
	struct slow_reply *prev, *next;
};

struct fake_server {
	struct event_base *base;
	struct evhttp *http;
	struct fake_chain *chain;
	struct fake_fault_plan fault;
	struct event tick;
	bool ticking;
	int port;
	int max_batch;
	struct slow_reply *slow; /* pending, doubly linked */
	unsigned long long requests, calls, batches, faulted;
};

/* ---- replies ---- */

static void reply(struct evhttp_request *req, int code, const char *reason,
		  const char *content_type, const char *body, size_t len)
{
	struct evbuffer *buf = evbuffer_new();
	if (!buf) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(buf, body, len);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", content_type);
	evhttp_send_reply(req, code, reason, buf);
	evbuffer_free(buf);
}

static void reply_json(struct evhttp_request *req, int code, const char *reason, const char *json)
{
	reply(req, code, reason, "application/json", json, strlen(json));
}

static void peer_name(struct evhttp_request *req, char *out, size_t outlen)
{
	char *host = NULL;
	ev_uint16_t port = 0;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	if (evcon)
		evhttp_connection_get_peer(evcon, &host, &port);
	snprintf(out, outlen, "%s:%u", host ? host : "?", (unsigned)port);
}

/* ---- control endpoints ---- */

static void control_produce(struct fake_server *s, struct evhttp_request *req)
{
	struct evkeyvalq query = { 0 };
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	unsigned long long count = 1;
	bool ok = true;
	if (q && evhttp_parse_query_str(q, &query) == 0) {
		const char *text = evhttp_find_header(&query, "count");
		char *end;
		if (text) {
			count = strtoull(text, &end, 10);
			ok = *text >= '0' && *text <= '9' && !*end && count <= MAX_PRODUCE;
		}
		evhttp_clear_headers(&query);
	}
	if (!ok) {
		reply_json(req, HTTP_BADREQUEST, "Bad Request", "{\"error\":\"count must be 0..1000000000\"}");
		return;
	}
	unsigned long long head = fake_chain_produce(s->chain, count);
	char body[64];
	snprintf(body, sizeof(body), "{\"head\":%llu}", head);
	log_info("produce count=%llu blk=%llu", count, head);
	reply_json(req, HTTP_OK, "OK", body);
}

/* POST /fake/fork?at=N: generated blocks from N on belong to another
 * chain (0: none). */
static void control_fork(struct fake_server *s, struct evhttp_request *req)
{
	struct evkeyvalq query = { 0 };
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	unsigned long long at = 0;
	bool ok = false;
	if (q && evhttp_parse_query_str(q, &query) == 0) {
		const char *text = evhttp_find_header(&query, "at");
		char *end;
		if (text) {
			at = strtoull(text, &end, 10);
			ok = *text >= '0' && *text <= '9' && !*end && at <= FAKE_MAX_BLOCK;
		}
		evhttp_clear_headers(&query);
	}
	if (!ok) {
		reply_json(req, HTTP_BADREQUEST, "Bad Request", "{\"error\":\"at must be a block number\"}");
		return;
	}
	fake_chain_fork(s->chain, at);
	char body[64];
	snprintf(body, sizeof(body), "{\"fork_at\":%llu}", at);
	log_info("fork at blk=%llu", at);
	reply_json(req, HTTP_OK, "OK", body);
}

static void control_status(struct fake_server *s, struct evhttp_request *req)
{
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"head\":%llu,\"requests\":%llu,\"calls\":%llu,\"batches\":%llu,\"faulted\":%llu}",
		 (unsigned long long)fake_chain_head(s->chain), s->requests, s->calls, s->batches,
		 s->faulted);
	reply_json(req, HTTP_OK, "OK", body);
}

static void control_fault(struct fake_server *s, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *text = (const char *)evbuffer_pullup(in, -1);
	char err[256], body[320];
	struct fake_fault_plan plan;
	if (!fake_fault_parse(text ? text : "", len, &plan, err, sizeof(err))) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "error", json_object_new_string(err));
		log_warn("fault rejected: %s", err);
		reply_json(req, HTTP_BADREQUEST, "Bad Request", json_object_to_json_string_ext(o, FAKE_JSON_FLAGS));
		json_object_put(o);
		return;
	}
	s->fault = plan;
	snprintf(body, sizeof(body), "{\"mode\":\"%s\",\"count\":%lld,\"delay_ms\":%d}",
		 fake_fault_name(plan.mode), (long long)plan.remaining, plan.delay_ms);
	log_info("fault mode=%s count=%lld delay_ms=%d", fake_fault_name(plan.mode),
		 (long long)plan.remaining, plan.delay_ms);
	reply_json(req, HTTP_OK, "OK", body);
}

static void control(struct fake_server *s, struct evhttp_request *req, const char *path)
{
	bool post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
	if (strcmp(path, "/fake/status") == 0)
		control_status(s, req);
	else if (strcmp(path, "/fake/produce") == 0 && post)
		control_produce(s, req);
	else if (strcmp(path, "/fake/fault") == 0 && post)
		control_fault(s, req);
	else if (strcmp(path, "/fake/fork") == 0 && post)
		control_fork(s, req);
	else
		reply_json(req, HTTP_NOTFOUND, "Not Found", "{\"error\":\"unknown control endpoint\"}");
}

/* ---- JSON-RPC ---- */

static void slow_unlink(struct slow_reply *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		p->server->slow = p->next;
	if (p->next)
		p->next->prev = p->prev;
}

static void slow_fire(evutil_socket_t fd, short what, void *arg)
{
	struct slow_reply *p = arg;
	slow_unlink(p);
	evhttp_add_header(evhttp_request_get_output_headers(p->req), "Content-Type", "application/json");
	evhttp_send_reply(p->req, HTTP_OK, "OK", p->body);
	evbuffer_free(p->body);
	free(p);
}

/* Sends body after delay_ms; takes body. */
static void send_slow(struct fake_server *s, struct evhttp_request *req, struct evbuffer *body)
{
	struct slow_reply *p = calloc(1, sizeof(*p));
	if (!p) {
		evhttp_send_reply(req, HTTP_OK, "OK", body);
		evbuffer_free(body);
		return;
	}
	*p = (struct slow_reply){ .req = req, .body = body, .server = s, .next = s->slow };
	if (s->slow)
		s->slow->prev = p;
	s->slow = p;
	struct timeval tv = { s->fault.delay_ms / 1000, (s->fault.delay_ms % 1000) * 1000 };
	evtimer_assign(&p->timer, s->base, slow_fire, p);
	evtimer_add(&p->timer, &tv);
}

static void trace_call(void *arg, const char *method, const char *param, int code)
{
	log_debug("rpc %s %s(%s) code=%d", (const char *)arg, method, param ? param : "", code);
}

/* Answers the faults that replace the HTTP exchange; true if it did. */
static bool http_fault(struct evhttp_request *req, enum fake_fault_mode mode)
{
	static const char garbage[] = "<html><body>upstream connect error</body></html>\n";
	switch (mode) {
	case FAKE_FAULT_HTTP500:
		reply(req, HTTP_INTERNAL, "Internal Server Error", "text/plain", "Internal Server Error\n", 22);
		return true;
	case FAKE_FAULT_HTTP429:
		reply(req, 429, "Too Many Requests", "text/plain", "Too Many Requests\n", 18);
		return true;
	case FAKE_FAULT_GARBAGE:
		reply(req, HTTP_OK, "OK", "application/json", garbage, sizeof(garbage) - 1);
		return true;
	case FAKE_FAULT_CLOSE:
		evhttp_connection_free(evhttp_request_get_connection(req));
		return true;
	default:
		return false;
	}
}

static enum fake_rpc_fault rpc_fault(enum fake_fault_mode mode)
{
	switch (mode) {
	case FAKE_FAULT_RATELIMIT: return FAKE_RPC_FAULT_RATELIMIT;
	case FAKE_FAULT_MISSING: return FAKE_RPC_FAULT_MISSING;
	case FAKE_FAULT_DUPTXNS: return FAKE_RPC_FAULT_DUPTXNS;
	case FAKE_FAULT_BIGHEAD: return FAKE_RPC_FAULT_BIGHEAD;
	default: return FAKE_RPC_FAULT_NONE;
	}
}

static void rpc_request(struct fake_server *s, struct evhttp_request *req)
{
	char peer[80];
	peer_name(req, peer, sizeof(peer));
	s->requests++;
	enum fake_fault_mode mode = fake_fault_peek(&s->fault);
	if (!fake_fault_rewrites_text(mode))
		mode = fake_fault_next(&s->fault);
	if (mode != FAKE_FAULT_NONE && !fake_fault_rewrites_text(mode)) {
		s->faulted++;
		log_debug("rpc %s fault=%s", peer, fake_fault_name(mode));
	}
	if (http_fault(req, mode))
		return;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	struct fake_rpc_opts o = {
		.max_batch = s->max_batch,
		.fault = rpc_fault(mode),
		.trace = trace_call,
		.trace_arg = peer,
	};
	struct fake_rpc_reply r = fake_rpc_handle(s->chain, body ? body : "", len, &o);
	s->calls += r.calls;
	s->batches += r.batch;
	if (r.http_status == 413) {
		log_debug("rpc %s batch of %u over --max-batch %d", peer, r.calls, s->max_batch);
		reply(req, 413, "Payload Too Large", "text/plain", "Payload Too Large\n", 18);
		return;
	}
	size_t n = 0;
	const char *text = r.response ? json_object_to_json_string_length(r.response, FAKE_JSON_FLAGS, &n) : "";
	if (mode == FAKE_FAULT_TRUNCATED)
		n /= 2;
	size_t tainted_len = 0;
	char *tainted = fake_taint_apply(mode, s->fault.bytes, text, n, &tainted_len);
	if (tainted) {
		fake_fault_next(&s->fault);
		s->faulted++;
		log_debug("rpc %s fault=%s", peer, fake_fault_name(mode));
	}
	struct evbuffer *out = evbuffer_new();
	if (out)
		evbuffer_add(out, tainted ? tainted : text, tainted ? tainted_len : n);
	free(tainted);
	json_object_put(r.response);
	if (out && mode == FAKE_FAULT_SLOW) {
		send_slow(s, req, out);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_send_reply(req, out ? HTTP_OK : HTTP_INTERNAL, out ? "OK" : "Internal Server Error", out);
	if (out)
		evbuffer_free(out);
}

/* Answers leave in several writes (bufferevent writes at most 16 KiB at a
 * time); without TCP_NODELAY the last one waits for the client's delayed
 * ACK, ~40 ms per request. */
static void set_nodelay(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	int one = 1;
	if (bev)
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct fake_server *s = arg;
	set_nodelay(req);
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path && strncmp(path, "/fake/", 6) == 0)
		control(s, req, path);
	else if (evhttp_request_get_command(req) == EVHTTP_REQ_POST)
		rpc_request(s, req);
	else
		reply(req, 405, "Method Not Allowed", "text/plain", "JSON-RPC needs POST\n", 20);
}

/* ---- lifecycle ---- */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fake_server *s = arg;
	/* Not inside log_debug(): its arguments are skipped below that level. */
	uint64_t head = fake_chain_produce(s->chain, 1);
	log_debug("produce blk=%llu", (unsigned long long)head);
}

static int bound_port(struct evhttp_bound_socket *sock)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

struct fake_server *fake_server_new(struct event_base *base, struct fake_chain *chain,
				    const struct fake_server_config *cfg, char *err, size_t errlen)
{
	struct fake_server *s = calloc(1, sizeof(*s));
	struct evhttp_bound_socket *sock;
	if (!s || !(s->http = evhttp_new(base))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	s->base = base;
	s->chain = chain;
	s->max_batch = cfg->max_batch;
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(s->http, on_request, s);
	sock = evhttp_bind_socket_with_handle(s->http, cfg->host, (ev_uint16_t)cfg->port);
	if (!sock || (s->port = bound_port(sock)) < 0) {
		snprintf(err, errlen, "cannot listen on %s:%d", cfg->host, cfg->port);
		goto fail;
	}
	if (cfg->interval_ms > 0) {
		struct timeval tv = { cfg->interval_ms / 1000, (cfg->interval_ms % 1000) * 1000 };
		event_assign(&s->tick, base, -1, EV_PERSIST, on_tick, s);
		event_add(&s->tick, &tv);
		s->ticking = true;
	}
	return s;
fail:
	fake_server_free(s);
	return NULL;
}

void fake_server_free(struct fake_server *s)
{
	if (!s)
		return;
	if (s->ticking)
		event_del(&s->tick);
	while (s->slow) {
		struct slow_reply *p = s->slow;
		s->slow = p->next;
		event_del(&p->timer);
		evbuffer_free(p->body);
		free(p);
	}
	if (s->http)
		evhttp_free(s->http);
	free(s);
}

int fake_server_port(const struct fake_server *s)
{
	return s->port;
}
