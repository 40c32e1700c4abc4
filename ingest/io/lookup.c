/* The lookup connection pool. Each connection carries one request at a
 * time (evhttp does not pipeline), so "in flight" equals "busy
 * connections". After a failed request, or when an https connection has
 * been closed, the connection is rebuilt before its next use: an OpenSSL
 * bufferevent cannot be reconnected. A request that got no answer says
 * why in words an operator can act on: the host name did not resolve,
 * the connection was refused, it timed out, TLS refused the peer, or the
 * connection closed. */
#include "lookup.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "url.h"

struct lookup_conn {
	struct lookup *lk;
	struct evhttp_connection *evcon;
	bool busy;
	bool stale; /* rebuild before the next request */
	enum evhttp_request_error req_error;
	bool req_failed;
	bool connect_refused;
	bool connect_timed_out;
	uint64_t sent_at_ms; /* when the request was handed to evhttp */
	char tls_error[160]; /* why the TLS handshake failed, for the log */
	char why[400];       /* the words for a request that got no answer */
	lookup_cb cb;
	void *arg;
};

struct lookup {
	struct event_base *base;
	struct evdns_base *dns;
	SSL_CTX *ssl_ctx;
	struct lookup_url url;
	char peer[300];
	int timeout_ms;
	int nconns;
	struct lookup_conn *conns;
};

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct lookup_conn *c = arg;
	if (c->lk->url.https)
		c->stale = true;
}

static struct bufferevent *ssl_bufferevent(struct lookup *lk)
{
	SSL *ssl = SSL_new(lk->ssl_ctx);
	if (!ssl)
		return NULL;
	SSL_set_tlsext_host_name(ssl, lk->url.host);
	SSL_set1_host(ssl, lk->url.host);
	struct bufferevent *bev = bufferevent_openssl_socket_new(lk->base, -1, ssl,
		BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static bool conn_open(struct lookup_conn *c)
{
	struct lookup *lk = c->lk;
	struct bufferevent *bev = NULL;
	if (lk->url.https && !(bev = ssl_bufferevent(lk)))
		return false;
	c->evcon = evhttp_connection_base_bufferevent_new(lk->base, lk->dns, bev,
							  lk->url.host, (unsigned short)lk->url.port);
	if (!c->evcon) {
		if (bev)
			bufferevent_free(bev);
		return false;
	}
	struct timeval tv = { lk->timeout_ms / 1000, (lk->timeout_ms % 1000) * 1000 };
	evhttp_connection_set_timeout_tv(c->evcon, &tv);
	evhttp_connection_set_retries(c->evcon, 0);
	evhttp_connection_set_closecb(c->evcon, conn_closed, c);
	c->stale = false;
	return true;
}

static void conn_close(struct lookup_conn *c)
{
	c->cb = NULL;
	if (c->evcon) {
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		evhttp_connection_free(c->evcon);
		c->evcon = NULL;
	}
}

static bool setup_tls(struct lookup *lk, char *err, size_t errlen)
{
	lk->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!lk->ssl_ctx) {
		snprintf(err, errlen, "cannot create a TLS context");
		return false;
	}
	SSL_CTX_set_default_verify_paths(lk->ssl_ctx);
	SSL_CTX_set_verify(lk->ssl_ctx, SSL_VERIFY_PEER, NULL);
	return true;
}

struct lookup *lookup_new(struct event_base *base, const char *url, int conns,
			  int timeout_ms, char *err, size_t errlen)
{
	struct lookup *lk = calloc(1, sizeof(*lk));
	if (!lk) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lk->base = base;
	lk->timeout_ms = timeout_ms;
	lk->nconns = conns;
	if (!url_parse(url, &lk->url, err, errlen))
		goto fail;
	snprintf(lk->peer, sizeof(lk->peer), "%s", lk->url.host_header);
	lk->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (lk->url.https && !setup_tls(lk, err, errlen))
		goto fail;
	lk->conns = calloc((size_t)conns, sizeof(*lk->conns));
	if (!lk->conns) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int i = 0; i < conns; i++) {
		lk->conns[i].lk = lk;
		if (!conn_open(&lk->conns[i])) {
			snprintf(err, errlen, "cannot create an HTTP connection to %s", lk->peer);
			goto fail;
		}
	}
	return lk;
fail:
	lookup_free(lk);
	return NULL;
}

/* Ends a request still in flight when the lookup is freed: its callback
 * runs with status 0, so whoever posted it can free what it handed in. */
static void cancel_request(struct lookup_conn *c)
{
	lookup_cb cb = c->cb;
	if (!cb)
		return;
	struct lookup_response resp = { 0 };
	resp.error = "cancelled: zws-ingest is stopping";
	resp.failure = LOOKUP_FAILURE_CONNECT;
	c->cb = NULL;
	cb(&resp, c->arg);
}

void lookup_free(struct lookup *lk)
{
	if (!lk)
		return;
	for (int i = 0; lk->conns && i < lk->nconns; i++) {
		cancel_request(&lk->conns[i]);
		conn_close(&lk->conns[i]);
	}
	free(lk->conns);
	if (lk->dns)
		evdns_base_free(lk->dns, 0);
	if (lk->ssl_ctx)
		SSL_CTX_free(lk->ssl_ctx);
	free(lk);
}

int lookup_idle(const struct lookup *lk)
{
	int n = 0;
	for (int i = 0; i < lk->nconns; i++)
		n += !lk->conns[i].busy;
	return n;
}

const char *lookup_peer(const struct lookup *lk)
{
	return lk->peer;
}

static const char *request_error_text(enum evhttp_request_error e)
{
	switch (e) {
	case EVREQ_HTTP_TIMEOUT: return "timed out";
	case EVREQ_HTTP_EOF: return "connection closed";
	case EVREQ_HTTP_INVALID_HEADER: return "invalid HTTP header";
	case EVREQ_HTTP_BUFFER_ERROR: return "connection failed";
	case EVREQ_HTTP_REQUEST_CANCEL: return "request cancelled";
	case EVREQ_HTTP_DATA_TOO_LONG: return "response too long";
	}
	return "connection failed";
}

/* For an https lookup, the reason OpenSSL gave, if it refused the
 * connection: an untrusted or mismatched certificate would otherwise show
 * as a bare "connection closed". Empty when TLS is not the cause. */
static void note_tls_error(struct lookup_conn *c)
{
	c->tls_error[0] = '\0';
	struct bufferevent *bev = c->evcon ? evhttp_connection_get_bufferevent(c->evcon) : NULL;
	SSL *ssl = bev && c->lk->url.https ? bufferevent_openssl_get_ssl(bev) : NULL;
	if (!ssl)
		return;
	long verify = SSL_get_verify_result(ssl);
	unsigned long e = bufferevent_get_openssl_error(bev);
	if (verify != X509_V_OK)
		snprintf(c->tls_error, sizeof(c->tls_error), "TLS certificate refused: %s",
			 X509_verify_cert_error_string(verify));
	else if (e) {
		char text[120];
		ERR_error_string_n(e, text, sizeof(text));
		snprintf(c->tls_error, sizeof(c->tls_error), "TLS failed: %s", text);
	}
	while (bufferevent_get_openssl_error(bev))
		;
}

/* The resolver's error for the last connect, 0 when the name resolved
 * (or none was needed). */
static int dns_error(struct lookup_conn *c)
{
	struct bufferevent *bev = c->evcon ? evhttp_connection_get_bufferevent(c->evcon) : NULL;
	return bev ? bufferevent_socket_get_dns_error(bev) : 0;
}

/* Why a request got no answer: its kind, the words (in c->why) and
 * whether only a configuration change fixes it. */
static enum lookup_failure explain_failure(struct lookup_conn *c, bool *misconfigured)
{
	const char *host = c->lk->url.host;
	int dns = dns_error(c);
	*misconfigured = false;
	if (dns != 0) {
		*misconfigured = dns == EVUTIL_EAI_NONAME;
		snprintf(c->why, sizeof(c->why), "%shost name %s does not resolve (%s)",
			 *misconfigured ? "misconfiguration: " : "", host, evutil_gai_strerror(dns));
		return LOOKUP_FAILURE_DNS;
	}
	if (c->req_failed && c->tls_error[0]) {
		snprintf(c->why, sizeof(c->why), "%s", c->tls_error);
		return LOOKUP_FAILURE_TLS;
	}
	if (c->connect_refused) {
		snprintf(c->why, sizeof(c->why), "connection refused (nothing listens on %s:%d?)", host,
			 c->lk->url.port);
		return LOOKUP_FAILURE_REFUSED;
	}
	if (c->connect_timed_out || (c->req_failed && c->req_error == EVREQ_HTTP_TIMEOUT)) {
		snprintf(c->why, sizeof(c->why), "timed out after %dms", c->lk->timeout_ms);
		return LOOKUP_FAILURE_TIMEOUT;
	}
	if (c->req_failed && c->req_error == EVREQ_HTTP_EOF) {
		snprintf(c->why, sizeof(c->why), "connection closed before an answer");
		return LOOKUP_FAILURE_CLOSED;
	}
	snprintf(c->why, sizeof(c->why), "%s", request_error_text(c->req_error));
	return LOOKUP_FAILURE_CONNECT;
}

static void request_error(enum evhttp_request_error e, void *arg)
{
	struct lookup_conn *c = arg;
	c->req_failed = true;
	c->req_error = e;
	note_tls_error(c);
}

static void request_done(struct evhttp_request *req, void *arg)
{
	struct lookup_conn *c = arg;
	struct lookup_response resp = { 0 };
	resp.status = req ? evhttp_request_get_response_code(req) : 0;
	if (resp.status == 0 || c->req_failed) {
		/* libevent 2.1 ends a request without calling its error callback
		 * when the connection could not be made (its cleanup path, errno
		 * gone by then): refused, or timed out. The time it took tells
		 * which. */
		bool timed_out = clock_now_ms() - c->sent_at_ms >= (uint64_t)c->lk->timeout_ms * 9 / 10;
		c->connect_refused = !c->req_failed && !timed_out;
		c->connect_timed_out = !c->req_failed && timed_out;
		resp.status = 0;
		resp.failure = explain_failure(c, &resp.misconfigured);
		resp.error = c->why;
		c->stale = true;
	} else {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		resp.len = evbuffer_get_length(in);
		resp.body = (const char *)evbuffer_pullup(in, -1);
		if (!resp.body)
			resp.body = "";
		if (resp.status != 200)
			c->stale = true;
	}
	lookup_cb cb = c->cb;
	void *cb_arg = c->arg;
	c->cb = NULL;
	if (cb)
		cb(&resp, cb_arg);
	c->busy = false;
}

static struct lookup_conn *idle_conn(struct lookup *lk)
{
	for (int i = 0; i < lk->nconns; i++) {
		struct lookup_conn *c = &lk->conns[i];
		if (c->busy)
			continue;
		if (c->stale || !c->evcon) {
			conn_close(c);
			if (!conn_open(c))
				continue;
		}
		return c;
	}
	return NULL;
}

bool lookup_post(struct lookup *lk, const char *body, size_t len, lookup_cb cb, void *arg)
{
	struct lookup_conn *c = idle_conn(lk);
	if (!c)
		return false;
	struct evhttp_request *req = evhttp_request_new(request_done, c);
	if (!req)
		return false;
	evhttp_request_set_error_cb(req, request_error);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", lk->url.host_header);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Accept", "application/json");
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	c->req_failed = false;
	c->connect_refused = c->connect_timed_out = false;
	c->sent_at_ms = clock_now_ms();
	c->cb = cb;
	c->arg = arg;
	c->busy = true;
	if (evhttp_make_request(c->evcon, req, EVHTTP_REQ_POST, lk->url.path) != 0) {
		c->busy = false;
		c->cb = NULL;
		c->stale = true;
		return false;
	}
	return true;
}
