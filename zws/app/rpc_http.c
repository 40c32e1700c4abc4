/* JSON-RPC over HTTP POST / on the zws port (see rpc_http.h). The request
 * lives in a struct hung on the connection's opaque user data while its
 * body arrives, its calls are answered (rpc.h) and the response goes
 * out, RPC_HTTP_CHUNK bytes per writable callback; it is freed when the
 * response is complete or the connection closes, whichever comes first. */
#include "rpc_http.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr_rate.h"
#include "app.h"
#include "clock.h"
#include "buf.h"
#include "log.h"
#include "rpc.h"
#include "rpc_request.h"

#define RPC_HTTP_CHUNK (64 * 1024)

enum rpc_http_state {
	RPC_HTTP_READING, /* the body is arriving */
	RPC_HTTP_ANSWERING, /* its calls are being answered */
	RPC_HTTP_HEADERS, /* the answer is ready: headers next */
	RPC_HTTP_BODY,    /* sending the body */
};

struct rpc_http {
	struct zws *app;
	struct lws *wsi;
	enum rpc_http_state state;
	unsigned status;
	struct buf body;     /* the request, then LWS_PRE + the response */
	size_t sent;
	bool too_big;
	bool limited; /* over --rate-limit from this address */
};

static struct rpc_http *of(struct lws *wsi)
{
	return lws_get_opaque_user_data(wsi);
}

static void http_free(struct rpc_http *h)
{
	if (!h)
		return;
	rpc_cancel_owner(h->app->rpc, h);
	lws_set_opaque_user_data(h->wsi, NULL);
	buf_free(&h->body);
	free(h);
}

static void deliver(void *owner, const char *text, size_t len);

bool rpc_http_wants(struct lws *wsi, const char *uri)
{
	return lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0 && uri && strcmp(uri, "/") == 0;
}

/* One request from the client's address: within --rate-limit? The table
 * is made at the first request (none when the limit is off); without
 * memory for it requests go unlimited but for the process-wide bounds. */
static bool rate_take(struct zws *app, struct lws *wsi)
{
	if (!app->cfg->rate_limit)
		return true;
	if (!app->http_rates && !(app->http_rates = addr_rate_new(app->cfg->rate_limit)))
		return true;
	char peer[64] = "";
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	return addr_rate_take(app->http_rates, peer, clock_now_ms());
}

int rpc_http_begin(struct zws *app, struct lws *wsi)
{
	if (of(wsi))
		return -1; /* a request while the last is answered: one at a time */
	struct rpc_http *h = calloc(1, sizeof(*h));
	if (!h)
		return -1;
	*h = (struct rpc_http){ .app = app, .wsi = wsi, .state = RPC_HTTP_READING, .status = HTTP_STATUS_OK };
	lws_set_opaque_user_data(wsi, h);
	/* Refused once the body has been read: closing with it unread would
	 * reset the connection and lose the answer. */
	h->limited = !rate_take(app, wsi);
	if (!lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH)) {
		/* A body without a length (chunked) would never be complete. */
		static const char err[] = "{\"id\":null,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
					  "\"message\":\"a JSON-RPC POST needs a Content-Length\"}}";
		h->status = HTTP_STATUS_LENGTH_REQUIRED;
		deliver(h, err, sizeof(err) - 1);
	}
	return 0;
}

int rpc_http_body(struct lws *wsi, const void *in, size_t len)
{
	struct rpc_http *h = of(wsi);
	if (!h || h->state != RPC_HTTP_READING)
		return 0; /* not ours, or already answered (a body without a length) */
	if (h->body.len + len > h->app->cfg->max_message)
		h->too_big = true;
	else
		buf_append(&h->body, in, len);
	return 0;
}

/* The answer text is ready (rpc_deliver_fn); NULL: out of memory. */
static void deliver(void *owner, const char *text, size_t len)
{
	struct rpc_http *h = owner;
	static const char pre[LWS_PRE];
	buf_reset(&h->body);
	buf_append(&h->body, pre, LWS_PRE);
	buf_append(&h->body, text ? text : "", text ? len : 0);
	if (!text || h->body.failed) {
		h->status = HTTP_STATUS_INTERNAL_SERVER_ERROR;
		buf_free(&h->body);
		buf_append(&h->body, pre, LWS_PRE);
	} else if (!len && h->status == HTTP_STATUS_OK) {
		h->status = HTTP_STATUS_NO_CONTENT;
	}
	if (h->body.failed) {
		lws_set_timeout(h->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	h->state = RPC_HTTP_HEADERS;
	lws_callback_on_writable(h->wsi);
}

int rpc_http_body_done(struct lws *wsi)
{
	struct rpc_http *h = of(wsi);
	if (!h)
		return 0; /* not ours */
	if (h->state != RPC_HTTP_READING)
		return -1;
	if (h->limited) {
		char msg[160];
		struct buf err = BUF_INIT;
		snprintf(msg, sizeof(msg), "rate limit exceeded: at most %u requests a second from one address "
			 "(--rate-limit); try again later", h->app->cfg->rate_limit);
		rpc_error_json(&err, "null", RPC_RATE_LIMITED, msg);
		h->status = 429; /* Too Many Requests: not among lws's names */
		deliver(h, err.failed ? NULL : err.data, err.len);
		buf_free(&err);
		return 0;
	}
	if (h->too_big || h->body.failed) {
		char msg[96];
		struct buf err = BUF_INIT;
		snprintf(msg, sizeof(msg), "the request is over %zu bytes (--max-message)", h->app->cfg->max_message);
		rpc_error_json(&err, "null", RPC_INVALID_REQUEST, msg);
		h->status = h->too_big ? HTTP_STATUS_REQ_ENTITY_TOO_LARGE : HTTP_STATUS_INTERNAL_SERVER_ERROR;
		deliver(h, err.failed ? NULL : err.data, err.len);
		buf_free(&err);
		return 0;
	}
	h->state = RPC_HTTP_ANSWERING;
	const char *text = h->body.data ? h->body.data : "";
	if (!rpc_begin(h->app->rpc, text, h->body.len, deliver, h)) {
		struct buf err = BUF_INIT;
		rpc_not_rpc_json(&err, text, h->body.len);
		deliver(h, err.failed ? NULL : err.data, err.len);
		buf_free(&err);
	}
	return 0;
}

static int write_headers(struct rpc_http *h)
{
	unsigned char head[LWS_PRE + 256], *start = head + LWS_PRE, *p = start, *end = head + sizeof(head) - 1;
	size_t len = h->body.len - LWS_PRE;
	if (lws_add_http_common_headers(h->wsi, h->status, "application/json", len, &p, end) ||
	    lws_finalize_write_http_header(h->wsi, start, &p, end))
		return -1;
	h->state = RPC_HTTP_BODY;
	h->sent = 0;
	lws_callback_on_writable(h->wsi);
	return 0;
}

int rpc_http_writeable(struct lws *wsi)
{
	struct rpc_http *h = of(wsi);
	if (!h)
		return 0; /* not ours */
	if (h->state == RPC_HTTP_HEADERS)
		return write_headers(h);
	if (h->state != RPC_HTTP_BODY)
		return 0;
	size_t left = h->body.len - LWS_PRE - h->sent, n = left < RPC_HTTP_CHUNK ? left : RPC_HTTP_CHUNK;
	bool last = n == left;
	/* lws may write its framing into the LWS_PRE bytes before the chunk;
	 * what lies there was sent already. */
	unsigned char *at = (unsigned char *)h->body.data + LWS_PRE + h->sent;
	if (n && lws_write(wsi, at, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
		return -1;
	h->sent += n;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	/* After an error status the rest of what the client sent is not
	 * trusted to be a next request. */
	bool keep = h->status == HTTP_STATUS_OK || h->status == HTTP_STATUS_NO_CONTENT;
	http_free(h);
	return !keep || lws_http_transaction_completed(wsi) ? -1 : 0;
}

void rpc_http_closed(struct lws *wsi)
{
	http_free(of(wsi));
}
