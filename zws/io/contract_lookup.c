/* Lookup node JSON-RPC client (see lookup.h). Each request is one lws
 * HTTP client connection: POST the batch body, collect the reply, decode
 * it with contract_rpc. A request is freed once both lws is done with its
 * connection and its caller has been answered or has cancelled. */
#include "contract_lookup.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define LOOKUP_MAX_REPLY (1024 * 1024)

struct contract_lookup {
	struct lws_context *cx;
	struct lws_vhost *vh;
	char *host;
	char *path;
	int port;
	bool tls;
};

struct contract_lookup_request {
	struct lws *wsi;
	size_t n;
	struct buf body;
	struct buf reply;
	contract_lookup_done_fn done; /* NULL once answered or cancelled */
	void *ctx;
	bool wsi_gone;
	bool connecting; /* inside lws_client_connect_via_info */
	bool body_sent;  /* lws may offer another body write after the last */
	char hostport[300];
};

struct contract_lookup *contract_lookup_new(struct lws_context *cx, struct lws_vhost *vh, const char *url,
					    char *err, size_t errlen)
{
	struct contract_lookup *l = calloc(1, sizeof(*l));
	char *copy = strdup(url);
	const char *prot, *ads, *path;
	if (!l || !copy)
		goto fail;
	if (lws_parse_uri(copy, &prot, &ads, &l->port, &path) || !*ads ||
	    (strcmp(prot, "http") != 0 && strcmp(prot, "https") != 0)) {
		snprintf(err, errlen, "lookup URL '%s' is not http(s)://host[:port][/path]", url);
		goto fail;
	}
	l->cx = cx;
	l->vh = vh;
	l->tls = strcmp(prot, "https") == 0;
	l->host = strdup(ads);
	l->path = malloc(strlen(path) + 2);
	if (!l->host || !l->path)
		goto fail;
	sprintf(l->path, "/%s", path);
	free(copy);
	return l;
fail:
	if (!err[0])
		snprintf(err, errlen, "out of memory");
	free(copy);
	contract_lookup_free(l);
	return NULL;
}

void contract_lookup_free(struct contract_lookup *l)
{
	if (!l)
		return;
	free(l->host);
	free(l->path);
	free(l);
}

static void release(struct contract_lookup_request *r)
{
	if (!r->wsi_gone || r->done || r->connecting)
		return;
	buf_free(&r->body);
	buf_free(&r->reply);
	free(r);
}

/* Answers the caller once. */
static void answer(struct contract_lookup_request *r, bool ok, const char *err)
{
	contract_lookup_done_fn done = r->done;
	if (!done)
		return;
	r->done = NULL;
	enum contract_state *states = calloc(r->n ? r->n : 1, sizeof(*states));
	char perr[128] = "";
	if (ok && states && !contract_rpc_parse(r->reply.data ? r->reply.data : "", r->reply.len, r->n,
						states, perr, sizeof(perr))) {
		ok = false;
		err = perr;
	}
	if (!states) {
		ok = false;
		err = "out of memory";
	}
	if (!ok && states)
		memset(states, 0, r->n * sizeof(*states));
	done(r->ctx, states, r->n, ok, err);
	free(states);
}

void contract_lookup_cancel(struct contract_lookup_request *r)
{
	if (!r)
		return;
	r->done = NULL;
	if (r->wsi && !r->wsi_gone)
		lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	release(r);
}

struct contract_lookup_request *contract_lookup_ask(struct contract_lookup *l, const uint8_t (*addrs)[ADDRESS_BYTES],
					size_t n, contract_lookup_done_fn done, void *ctx)
{
	struct contract_lookup_request *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	*r = (struct contract_lookup_request){ .n = n, .done = done, .ctx = ctx };
	if (!contract_rpc_request(addrs, n, &r->body)) {
		buf_free(&r->body);
		free(r);
		return NULL;
	}
	snprintf(r->hostport, sizeof(r->hostport), "%s:%d", l->host, l->port);
	struct lws_client_connect_info i = {
		.context = l->cx, .vhost = l->vh, .address = l->host, .port = l->port,
		.path = l->path, .host = r->hostport, .origin = r->hostport, .method = "POST",
		.protocol = "zws-lookup", .local_protocol_name = "zws-lookup",
		.ssl_connection = l->tls ? LCCSCF_USE_SSL : 0, .opaque_user_data = r, .pwsi = &r->wsi,
	};
	r->connecting = true;
	struct lws *wsi = lws_client_connect_via_info(&i);
	r->connecting = false;
	if (!wsi || r->wsi_gone) {
		/* Failed at once: the caller learns it from the NULL, not from done. */
		r->wsi = NULL;
		r->wsi_gone = true;
		r->done = NULL;
		release(r);
		return NULL;
	}
	return r;
}

static int append_headers(struct contract_lookup_request *r, void *in, size_t len)
{
	unsigned char **p = (unsigned char **)in, *end = (*p) + len;
	char cl[24];
	int n = snprintf(cl, sizeof(cl), "%zu", r->body.len);
	if (lws_add_http_header_by_token(r->wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
					 (const unsigned char *)"application/json", 16, p, end) ||
	    lws_add_http_header_by_token(r->wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, (unsigned char *)cl, n, p,
					 end))
		return -1;
	lws_client_http_body_pending(r->wsi, 1);
	lws_callback_on_writable(r->wsi);
	return 0;
}

static int write_body(struct contract_lookup_request *r)
{
	if (r->body_sent)
		return 0;
	r->body_sent = true;
	unsigned char *buf = malloc(LWS_PRE + r->body.len);
	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, r->body.data, r->body.len);
	int n = lws_write(r->wsi, buf + LWS_PRE, r->body.len, LWS_WRITE_HTTP_FINAL);
	free(buf);
	lws_client_http_body_pending(r->wsi, 0);
	return n < 0 ? -1 : 0;
}

static int read_reply(struct contract_lookup_request *r)
{
	char buf[LWS_PRE + 4096];
	char *px = buf + LWS_PRE;
	int lenx = (int)sizeof(buf) - LWS_PRE;
	return lws_http_client_read(r->wsi, &px, &lenx) < 0 ? -1 : 0;
}

static void connection_over(struct contract_lookup_request *r, const char *why)
{
	r->wsi_gone = true;
	r->wsi = NULL;
	if (!r->connecting)
		answer(r, false, why);
	release(r);
}

int contract_lookup_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
	struct contract_lookup_request *r = lws_get_opaque_user_data(wsi);
	if (!r)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return append_headers(r, in, len);
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		return write_body(r);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		return read_reply(r);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		if (r->reply.len + len > LOOKUP_MAX_REPLY)
			return -1;
		buf_append(&r->reply, in, len);
		return 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP: {
		int status = (int)lws_http_client_http_response(wsi);
		char why[48];
		snprintf(why, sizeof(why), "HTTP status %d", status);
		answer(r, status == 200 && !r->reply.failed, why);
		return 0;
	}
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		lws_set_opaque_user_data(wsi, NULL);
		connection_over(r, in ? (const char *)in : "connection failed");
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		lws_set_opaque_user_data(wsi, NULL);
		connection_over(r, "connection closed early");
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return -1; /* internal: never a client's WebSocket */
	default:
		return 0;
	}
}
