/* Failing connections whose client sends an unmasked frame (mask_check.h). */
#include "mask_check.h"

#include "app.h"
#include "log.h"
#include "rx_tap.h"

void mask_check_accepted(void *ctx, int fd)
{
	(void)ctx;
	rx_tap_watch(fd);
}

static struct wire_watch *watch_of(struct lws *wsi)
{
	return rx_tap_get(lws_get_socket_fd(wsi));
}

void mask_check_http(struct lws *wsi)
{
	struct wire_watch *w = watch_of(wsi);
	if (w)
		wire_watch_http(w);
}

void mask_check_established(struct session *s, struct lws *wsi)
{
	struct wire_watch *w = watch_of(wsi);
	if (!w)
		return; /* not watched, or a stream of an HTTP/2 connection (no socket of its own) */
	wire_watch_established(w);
	rx_tap_own(lws_get_socket_fd(wsi), s);
}

/* Logs and counts a connection's unmasked frame, once: a session already
 * closing (for this or any reason) is not counted again. */
static void unmasked(struct session *s, const char *what)
{
	if (!s || !s->app || s->state == SESSION_CLOSING || s->state == SESSION_CLOSED)
		return;
	log_info(SESSION_FMT "sent an unmasked %s: closing with 1002", SESSION_ARGS(s), what);
	stats_add(&s->app->stats->dropped[STATS_DROP_UNMASKED], 1);
}

/* ok: the frame lws delivers now came masked (or its socket is not
 * watched); if not, logs and counts it. */
static bool masked(struct session *s, bool ok, const char *what)
{
	if (!ok)
		unmasked(s, what);
	return ok;
}

/* Fails the connection from inside an lws receive callback. */
static bool fail(struct lws *wsi)
{
	lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR, (unsigned char *)"unmasked frame", 14);
	return false;
}

bool mask_check_data(struct session *s, struct lws *wsi)
{
	struct wire_watch *w = watch_of(wsi);
	return masked(s, !w || wire_watch_data(w, lws_remaining_packet_payload(wsi)), "frame") || fail(wsi);
}

bool mask_check_pong(struct session *s, struct lws *wsi)
{
	struct wire_watch *w = watch_of(wsi);
	return masked(s, !w || wire_watch_control(w), "pong") || fail(wsi);
}

bool mask_check_close(struct session *s, struct lws *wsi)
{
	struct wire_watch *w = watch_of(wsi);
	return masked(s, !w || wire_watch_control(w), "close frame");
}

static void unseen_unmasked(void *ctx, void *owner)
{
	(void)ctx;
	struct session *s = owner;
	unmasked(s, "ping or empty pong");
	session_close(s, LWS_CLOSE_STATUS_PROTOCOL_ERR, "unmasked frame");
}

void mask_check_sweep(void)
{
	rx_tap_sweep(unseen_unmasked, NULL);
}

void mask_check_forget(struct lws *wsi)
{
	rx_tap_forget(lws_get_socket_fd(wsi));
}

void mask_check_free(void)
{
	rx_tap_free();
}
