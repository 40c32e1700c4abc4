/* WebSocket session lifecycle: state transitions, the bounded output
 * queue of shared frames, and reassembly of fragmented queries. A
 * message that arrives whole in one lws buffer is handled in place; only
 * a larger or fragmented one is copied, into a buffer that grows while it
 * arrives and is freed once it is handled. The notification and reply
 * rings exist only while something waits in them. So an idle connection
 * holds no receive or queue memory of its own. A client's own
 * notification is written from the block's shared pieces (rawsend.h);
 * only a rest the socket did not take, or a message that has to wait, is
 * copied. What a complete message means, and what hangs off a session
 * above it, is the message and closed hooks' business (subscribe.c). */
#include "session.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "keepalive.h"
#include "log.h"
#include "peers.h"
#include "rawsend.h"

_Static_assert(FRAME_HEADROOM >= LWS_PRE, "frame headroom must fit the lws frame header");
/* lws allocates one per connection: kept within a 192-byte heap chunk
 * (bench/fanout/results.md, "Design measurements": session size). */
_Static_assert(sizeof(struct session) <= 184, "struct session outgrew its 192-byte heap chunk");

#define SESSION_REPLY_SLACK 8
#define SESSION_RX_FIRST 1024
#define SESSION_REPLY_FIRST 4
#define SESSION_REPLY_UNLIMITED_RATE 256
/* How long a client closed for any reason but a drain has to take the
 * close frame. */
#define SESSION_CLOSE_SEND_SECS 3

/* Frames waiting for a writable callback, oldest at head. */
struct session_ring {
	uint64_t since; /* notifications: when the client last took one, or
			 * when the ring was made */
	unsigned head, count, cap;
	struct frame *f[];
};

/* A fragmented message being assembled. */
struct session_rx {
	uint32_t len, cap;
	char data[];
};

static const char *const state_names[] = { "open", "checking", "closing", "closed" };

bool session_open(struct session *s, struct zws *app, struct lws *wsi)
{
	char peer[64] = "";
	memset(s, 0, sizeof(*s));
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	if (!(s->peer = peers_take(app->peers, peer))) {
		log_error("out of memory accepting a client from %s", peer);
		return false;
	}
	s->wsi = wsi;
	s->app = app;
	s->sub.id = ++app->next_session_id;
	s->rate_tokens = app->cfg->rate_limit * 1000;
	s->rate_ms = clock_now_ms();
	s->check_tokens = app->cfg->max_addresses * ZWS_CHECKS_PER_ADDRESS;
	s->check_s = (uint16_t)clock_now_s();
	keepalive_heard(&app->keepalive, &s->alive, clock_now_s());
	app->nsessions++;
	stats_add(&app->stats->accepted, 1);
	stats_set(&app->stats->connections, app->nsessions);
	log_info(SESSION_FMT "connected (%zu clients)", SESSION_ARGS(s), app->nsessions);
	return true;
}

void session_set_state(struct session *s, enum session_state next)
{
	enum session_state prev = s->state;
	if (prev == next || prev == SESSION_CLOSED)
		return;
	s->state = next;
	log_debug(SESSION_FMT "%s -> %s", SESSION_ARGS(s), state_names[prev],
		  state_names[next]);
	if (prev == SESSION_CHECKING && s->wsi)
		lws_rx_flow_control(s->wsi, 1);
	switch (next) {
	case SESSION_CHECKING:
		lws_rx_flow_control(s->wsi, 0);
		break;
	case SESSION_CLOSING:
		/* A client that does not read never sees the close frame; the
		 * timeout ends the connection anyway. A drain (1001) first
		 * finishes what the client is owed: the drain's own deadline
		 * (--drain-s, server.c) bounds it and counts who is cut. */
		lws_callback_on_writable(s->wsi);
		if (s->close_code != LWS_CLOSE_STATUS_GOINGAWAY)
			lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND, SESSION_CLOSE_SEND_SECS);
		break;
	default:
		break;
	}
}

void session_close(struct session *s, uint16_t code, const char *why)
{
	if (s->state == SESSION_CLOSING || s->state == SESSION_CLOSED)
		return;
	if (code == LWS_CLOSE_STATUS_GOINGAWAY)
		log_debug(SESSION_FMT "closing with %u: %s", SESSION_ARGS(s), code, why);
	else
		log_info(SESSION_FMT "closing with %u: %s", SESSION_ARGS(s), code, why);
	s->close_code = code;
	session_set_state(s, SESSION_CLOSING);
}

static unsigned ring_count(const struct session_ring *r)
{
	return r ? r->count : 0;
}

/* Appends f (taking a reference) to *r, made with first_cap slots or
 * doubled when full. false on OOM. */
static bool ring_push(struct session_ring **r, struct frame *f, unsigned first_cap)
{
	struct session_ring *old = *r;
	if (!old || old->count == old->cap) {
		unsigned cap = old ? old->cap * 2 : first_cap;
		struct session_ring *n = malloc(sizeof(*n) + cap * sizeof(n->f[0]));
		if (!n)
			return false;
		n->since = old ? old->since : 0;
		n->head = 0;
		n->count = ring_count(old);
		n->cap = cap;
		for (unsigned i = 0; i < n->count; i++)
			n->f[i] = old->f[(old->head + i) % old->cap];
		free(old);
		*r = old = n;
	}
	old->f[(old->head + old->count++) % old->cap] = frame_ref(f);
	return true;
}

/* Takes the oldest frame of *r (the caller's reference), freeing the ring
 * once empty. NULL if there is none. */
static struct frame *ring_pop(struct session_ring **r)
{
	struct session_ring *q = *r;
	if (!q)
		return NULL;
	struct frame *f = q->f[q->head];
	q->head = (q->head + 1) % q->cap;
	if (--q->count == 0) {
		free(q);
		*r = NULL;
	}
	return f;
}

/* A client that stopped reading: behind by queue_max and silent for
 * SESSION_STALL_MS, or behind by the burst limit whatever it does. */
static bool too_slow(const struct session *s, uint64_t now)
{
	unsigned max = s->app->cfg->queue_max, n = ring_count(s->queue);
	if (n >= max * SESSION_BURST_FACTOR)
		return true;
	return n >= max && now - s->queue->since >= SESSION_STALL_MS;
}

/* Whether lws is closing the connection, or has a close frame queued or
 * sent: nothing may follow that frame (RFC 6455 section 5.5.1). After a
 * protocol error it found in the client's frames, lws 4.1.6 sends its close
 * frame and then still calls session_writeable while it waits for the
 * client's answer. It does not say so, but the close payload it keeps
 * (lws_close_reason) is there from then on: lws_get_close_length. */
static bool closing_in_lws(const struct session *s)
{
	return s->lws_closing || lws_get_close_length(s->wsi) > 0;
}

/* Whether lws may be given a write to this client now, outside its
 * writable callback: nothing waits here (no reply, no notification), no
 * remainder of an earlier write is buffered in lws (rawsend_idle), lws is
 * not closing the connection. What the socket does not take now, lws
 * keeps and sends first once the socket drains, and only then calls
 * session_writeable again. So a client gets the same bytes in the same
 * order either way; bench/fanout/results.md ("Design measurements") has
 * what writing here saves. */
static bool writable_now(const struct session *s)
{
	return !s->queue && !s->replies && !closing_in_lws(s) && rawsend_idle(s->wsi);
}

/* A write outside the writable callback failed, or left a frame that
 * cannot be completed: the connection ends from lws's next service pass. */
static void write_failed(struct session *s, const char *why)
{
	log_info(SESSION_FMT "%s", SESSION_ARGS(s), why);
	session_lws_closing(s);
	lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* lws_write outside the writable callback. */
static void write_direct(struct session *s, unsigned char *payload, size_t len,
			 enum lws_write_protocol kind)
{
	if (lws_write(s->wsi, payload, len, kind) < 0)
		write_failed(s, "write failed");
}

bool session_idle(const struct session *s)
{
	return (s->state == SESSION_OPEN || s->state == SESSION_CHECKING) && writable_now(s);
}

static bool write_now(struct session *s, struct frame *f)
{
	if (!writable_now(s))
		return false;
	write_direct(s, frame_payload(f), f->len, LWS_WRITE_TEXT);
	return true;
}

bool session_send(struct session *s, struct frame *f)
{
	if (s->state == SESSION_CLOSING || s->state == SESSION_CLOSED)
		return false;
	if (write_now(s, f))
		return true;
	uint64_t now = clock_now_ms();
	if (too_slow(s, now)) {
		log_warn(SESSION_FMT "dropped: %u notifications behind, not reading for %llu ms", SESSION_ARGS(s), s->queue->count,
			 (unsigned long long)(now - s->queue->since));
		stats_add(&s->app->stats->dropped[STATS_DROP_SLOW], 1);
		session_close(s, LWS_CLOSE_STATUS_POLICY_VIOLATION, "slow client");
		return false;
	}
	bool was_empty = !s->queue;
	if (!ring_push(&s->queue, f, s->app->cfg->queue_max)) {
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
		return false;
	}
	if (was_empty)
		s->queue->since = now;
	lws_callback_on_writable(s->wsi);
	return false;
}

/* session_send of a copy of p. */
static bool send_copy(struct session *s, const struct text_parts *p)
{
	struct frame *f = frame_new_parts(p);
	if (!f) {
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
		return false;
	}
	bool now = session_send(s, f);
	frame_unref(f);
	return now;
}

/* Written here, the frame goes to the socket as lws would write it
 * (rawsend.h); over TLS it takes the copy. */
bool session_send_parts(struct session *s, const struct text_parts *p)
{
	if (s->state == SESSION_CLOSING || s->state == SESSION_CLOSED)
		return false;
	if (!writable_now(s))
		return send_copy(s, p);
	const char *why = NULL;
	switch (rawsend_text(s->wsi, p, &s->app->scratch, &why)) {
	case RAWSEND_REFUSED:
		return send_copy(s, p);
	case RAWSEND_FAILED:
		write_failed(s, why);
		break;
	case RAWSEND_DONE:
		break;
	}
	return true;
}

void session_lws_closing(struct session *s)
{
	s->lws_closing = true;
}

/* RFC 6455 section 7.4: codes a close frame may carry. lws 4.1.6 turns
 * most others into 1002 itself but echoes 5000 and above. */
static bool close_code_valid(unsigned code)
{
	if (code >= 3000 && code <= 4999)
		return true;
	return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

/* Whether the last character of reason (n > 0 bytes) is whole. lws 4.1.6
 * checks a close reason's UTF-8 before zws sees it, all but that. */
static bool utf8_ends_whole(const unsigned char *reason, size_t n)
{
	size_t cont = 0;
	while (cont < n && cont < 3 && (reason[n - 1 - cont] & 0xc0) == 0x80)
		cont++;
	if (cont == n)
		return false;
	unsigned char lead = reason[n - 1 - cont];
	size_t need = lead < 0x80 ? 0 : lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
	return need == cont;
}

int session_peer_close(struct session *s, void *in, size_t len, bool protocol_error)
{
	if (s && s->app)
		session_lws_closing(s);
	unsigned char *p = in;
	if (len == 1 || (protocol_error && len == 0))
		return -1; /* no code fits, or none to make a 1002: hang up */
	if (len > 2 && !utf8_ends_whole(p + 2, len - 2))
		return -1; /* lws would echo it: hang up, as lws does for other bad reasons */
	if (len >= 2 && (protocol_error || !close_code_valid((unsigned)p[0] << 8 | p[1]))) {
		/* lws echoes this payload as its close: make it a 1002. */
		p[0] = LWS_CLOSE_STATUS_PROTOCOL_ERR >> 8;
		p[1] = LWS_CLOSE_STATUS_PROTOCOL_ERR & 0xff;
	}
	return 0;
}

/* Most replies a client may leave unread: a burst the rate limit allows. */
static unsigned reply_max(const struct session *s)
{
	unsigned rate = s->app->cfg->rate_limit;
	return rate ? rate + SESSION_REPLY_SLACK : SESSION_REPLY_UNLIMITED_RATE;
}

void session_reply(struct session *s, struct frame *f)
{
	if (s->state == SESSION_CLOSING || s->state == SESSION_CLOSED)
		return;
	unsigned n = ring_count(s->replies);
	if (n == reply_max(s) || !ring_push(&s->replies, f, SESSION_REPLY_FIRST)) {
		log_warn(SESSION_FMT "dropped: %u replies unread", SESSION_ARGS(s), n);
		stats_add(&s->app->stats->dropped[STATS_DROP_REPLIES], 1);
		session_close(s, LWS_CLOSE_STATUS_POLICY_VIOLATION, "not reading replies");
		return;
	}
	lws_callback_on_writable(s->wsi);
}

void session_reply_text(struct session *s, const char *text, size_t len)
{
	struct frame *f = frame_new(text, len);
	if (!f) {
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
		return;
	}
	session_reply(s, f);
	frame_unref(f);
}

static void close_reason(struct session *s)
{
	const char *r = s->close_code == LWS_CLOSE_STATUS_GOINGAWAY ? "server shutting down"
		      : s->close_code == LWS_CLOSE_STATUS_POLICY_VIOLATION ? "too slow"
		      : s->close_code == LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE ? "too big"
		      : s->close_code == LWS_CLOSE_STATUS_PROTOCOL_ERR ? "unmasked frame"
		      : "";
	lws_close_reason(s->wsi, (enum lws_close_status)s->close_code, (unsigned char *)r, strlen(r));
}

/* The next frame to write: replies first, then notifications. */
static struct frame *next_frame(struct session *s)
{
	struct frame *f = ring_pop(&s->replies);
	if (f || !(f = ring_pop(&s->queue)))
		return f;
	if (s->queue)
		s->queue->since = clock_now_ms();
	return f;
}

/* The ping carries a payload: lws 4.1.6 does not report an empty pong to
 * the protocol callback, and a client's pong echoes the ping's payload. */
static unsigned char ping_frame[LWS_PRE + 3] = { [LWS_PRE] = 'z', 'w', 's' };

void session_ping(struct session *s)
{
	if (s->state == SESSION_CLOSING || s->state == SESSION_CLOSED || s->ping_due)
		return;
	if (writable_now(s)) {
		write_direct(s, ping_frame + LWS_PRE, 3, LWS_WRITE_PING);
		return;
	}
	s->ping_due = true;
	lws_callback_on_writable(s->wsi);
}

static int send_ping(struct session *s)
{
	s->ping_due = false;
	if (lws_write(s->wsi, ping_frame + LWS_PRE, 3, LWS_WRITE_PING) < 0) {
		log_info(SESSION_FMT "write failed", SESSION_ARGS(s));
		return -1;
	}
	if (s->queue || s->replies)
		lws_callback_on_writable(s->wsi);
	return 0;
}

int session_writeable(struct session *s)
{
	/* Draining, a client still gets the notifications and replies queued
	 * for it before the close frame: no epoch it was sent is cut short. */
	bool flushing = s->state == SESSION_CLOSING && s->close_code == LWS_CLOSE_STATUS_GOINGAWAY &&
			(s->queue || s->replies);
	if (s->state == SESSION_CLOSING && !flushing) {
		close_reason(s);
		return -1;
	}
	if (closing_in_lws(s))
		return 0;
	if (s->ping_due && !flushing)
		return send_ping(s);
	struct frame *f = next_frame(s);
	if (!f)
		return 0;
	int n = lws_write(s->wsi, frame_payload(f), f->len, LWS_WRITE_TEXT);
	frame_unref(f);
	if (n < 0) {
		log_info(SESSION_FMT "write failed", SESSION_ARGS(s));
		return -1;
	}
	if (s->queue || s->replies || s->state == SESSION_CLOSING)
		lws_callback_on_writable(s->wsi);
	return 0;
}

/* Keeps a message that arrived while a contract check runs. */
static void hold(struct session *s, const char *text, size_t len, bool binary)
{
	struct session_msg *m = malloc(sizeof(*m) + len + 1);
	if (!m) {
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
		return;
	}
	m->binary = binary;
	m->len = len;
	memcpy(m->text, text, len);
	m->text[len] = '\0';
	/* A ring: the last message's next is the first. */
	m->next = s->held ? s->held->next : m;
	if (s->held)
		s->held->next = m;
	s->held = m;
}

static void deliver(struct session *s, const char *text, size_t len, bool binary)
{
	if (len == 0)
		return; /* empty messages are ignored */
	if (s->state == SESSION_CHECKING)
		hold(s, text, len, binary);
	else if (s->state == SESSION_OPEN)
		s->app->session_hooks->message(s, text, len, binary);
}

struct session_msg *session_take_held(struct session *s)
{
	struct session_msg *last = s->held, *first = last ? last->next : NULL;
	if (first == last)
		s->held = NULL;
	else
		last->next = first->next;
	return first;
}

/* Makes the assembly buffer exist and hold at least need bytes: a
 * message that began with an empty fragment has one too. */
static bool rx_reserve(struct session *s, size_t need)
{
	uint32_t cap = s->rx ? s->rx->cap : 0;
	if (s->rx && need <= cap)
		return true;
	size_t ncap = cap ? cap : SESSION_RX_FIRST;
	while (ncap < need)
		ncap *= 2;
	struct session_rx *rx = realloc(s->rx, sizeof(*rx) + ncap);
	if (!rx)
		return false;
	if (!s->rx)
		rx->len = 0;
	rx->cap = (uint32_t)ncap;
	s->rx = rx;
	return true;
}

static void heard(struct session *s)
{
	keepalive_heard(&s->app->keepalive, &s->alive, clock_now_s());
}

void session_pong(struct session *s)
{
	heard(s);
}

int session_receive(struct session *s, const void *in, size_t len)
{
	heard(s);
	bool first = lws_is_first_fragment(s->wsi), last = lws_is_final_fragment(s->wsi) &&
						       !lws_remaining_packet_payload(s->wsi);
	size_t max = s->app->cfg->max_message, have = s->rx ? s->rx->len : 0;
	if (first && !s->rx)
		s->rx_binary = lws_frame_is_binary(s->wsi);
	if (first && last && !s->rx) {
		if (len > max)
			goto too_big;
		deliver(s, in, len, s->rx_binary);
		return 0;
	}
	if (have + len > max)
		goto too_big;
	if (!rx_reserve(s, have + len))
		return -1;
	memcpy(s->rx->data + have, in, len);
	s->rx->len += (uint32_t)len;
	if (last) {
		struct session_rx *msg = s->rx;
		s->rx = NULL;
		deliver(s, msg->data, msg->len, s->rx_binary);
		free(msg);
	}
	return 0;
too_big:
	log_info(SESSION_FMT "message over %zu bytes", SESSION_ARGS(s), max);
	stats_add(&s->app->stats->dropped[STATS_DROP_MESSAGE_SIZE], 1);
	free(s->rx);
	s->rx = NULL;
	lws_close_reason(s->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)"too big", 7);
	return -1;
}

void session_drop_topic(struct session *s, enum topic t)
{
	if (!(s->topics & TOPIC_BIT(t)))
		return;
	s->topics &= (unsigned char)~TOPIC_BIT(t);
	stats_sub(&s->app->stats->subscribers[t], 1);
	s->ending &= (unsigned char)~TOPIC_BIT(t);
	if (t == TOPIC_NEWBLOCK)
		dlist_del(&s->newblock);
	else
		subs_clear(&s->app->index[t == TOPIC_EVENTLOG ? SUBS_EVENTLOG : SUBS_TXNLOG],
			   t == TOPIC_EVENTLOG ? SUBS_EVENTLOG : SUBS_TXNLOG, &s->sub);
}

void session_finish_unsubscribe(struct session *s)
{
	for (int t = 0; t < TOPIC_COUNT; t++)
		if (s->ending & TOPIC_BIT(t))
			session_drop_topic(s, (enum topic)t);
	s->ndropped = 0;
	dlist_del(&s->unsubscribing);
}

void session_closed(struct session *s)
{
	if (!s->app)
		return; /* closed before it was established */
	s->app->session_hooks->closed(s);
	for (int t = 0; t < TOPIC_COUNT; t++)
		session_drop_topic(s, (enum topic)t);
	dlist_del(&s->unsubscribing);
	keepalive_forget(&s->alive);
	s->app->nsessions--;
	stats_set(&s->app->stats->connections, s->app->nsessions);
	struct frame *f;
	while ((f = ring_pop(&s->replies)) || (f = ring_pop(&s->queue)))
		frame_unref(f);
	free(s->rx);
	s->rx = NULL;
	struct session_msg *m;
	while ((m = session_take_held(s)))
		free(m);
	log_info(SESSION_FMT "disconnected (%zu clients)", SESSION_ARGS(s),
		 s->app->nsessions);
	peers_release(s->app->peers, s->peer);
	s->peer = NULL;
	s->state = SESSION_CLOSED;
	s->app = NULL;
}

void session_keepalive_tick(struct zws *app)
{
	uint32_t now = clock_now_s();
	enum keepalive_action what;
	struct keepalive_entry *e;
	while ((e = keepalive_next(&app->keepalive, now, &what))) {
		struct session *s = container_of(e, struct session, alive);
		if (what == KEEPALIVE_PING) {
			session_ping(s);
			continue;
		}
		log_info(SESSION_FMT "dropped: silent for %u s, no answer to a ping", SESSION_ARGS(s),
			 app->cfg->drop_after_s);
		stats_add(&app->stats->dropped[STATS_DROP_KEEPALIVE], 1);
		session_lws_closing(s);
		lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
}
