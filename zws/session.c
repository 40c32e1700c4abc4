/* WebSocket session lifecycle: state transitions, the bounded output
 * queue of shared frames, and reassembly of fragmented queries. A
 * message that arrives whole in one lws buffer is handled in place; only
 * a larger or fragmented one is copied, into a buffer that grows while it
 * arrives and is freed once it is handled. The notification and reply
 * rings exist only while something waits in them. So an idle connection
 * holds no receive or queue memory of its own. A client's own
 * notification is written from the block's shared pieces with one
 * sendmsg, framed here as lws would; only a rest the socket did not take,
 * or a message that has to wait, is copied. */
#include "session.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "contracts.h"
#include "keepalive.h"
#include "log.h"
#include "peers.h"

_Static_assert(FRAME_HEADROOM >= LWS_PRE, "frame headroom must fit the lws frame header");

#define SESSION_REPLY_SLACK 8
#define SESSION_RX_FIRST 1024
#define SESSION_REPLY_FIRST 4
#define SESSION_REPLY_UNLIMITED_RATE 256
/* Pieces handed to one sendmsg (the kernel takes up to 1,024). A client
 * of 10 contracts' EventLog needs 23; one of 1,000 gets several calls. */
#define SESSION_IOV 128

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
	s->rate_ms = (uint64_t)(lws_now_usecs() / 1000);
	keepalive_heard(s);
	app->nsessions++;
	log_info("S%llu %s connected (%zu clients)", (unsigned long long)s->sub.id, s->peer,
		 app->nsessions);
	return true;
}

void session_set_state(struct session *s, enum session_state next)
{
	enum session_state prev = s->state;
	if (prev == next || prev == SESSION_CLOSED)
		return;
	s->state = next;
	log_debug("S%llu %s %s -> %s", (unsigned long long)s->sub.id, s->peer, state_names[prev],
		  state_names[next]);
	if (prev == SESSION_CHECKING && s->wsi)
		lws_rx_flow_control(s->wsi, 1);
	switch (next) {
	case SESSION_CHECKING:
		lws_rx_flow_control(s->wsi, 0);
		break;
	case SESSION_CLOSING:
		/* A client that does not read never sees the close frame; the
		 * timeout ends the connection anyway. */
		lws_callback_on_writable(s->wsi);
		lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND, 3);
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
		log_debug("S%llu %s closing with %u: %s", (unsigned long long)s->sub.id, s->peer, code, why);
	else
		log_info("S%llu %s closing with %u: %s", (unsigned long long)s->sub.id, s->peer, code, why);
	s->close_code = code;
	session_set_state(s, SESSION_CLOSING);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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

/* Whether lws may be given a write to this client now, outside its
 * writable callback: nothing waits here (no reply, no notification), no
 * remainder of an earlier write is buffered in lws, lws is not closing
 * the connection. lws 4.1.6 allows that as long as no partial write is
 * pending (lws_partial_buffered); what the socket does not take now, lws
 * keeps and sends first once the socket drains, and only then calls
 * session_writeable again. So a client gets the same bytes in the same
 * order either way.
 *
 * Measured with 19,000 NewBlock subscribers on loopback (2 cores shared
 * with the load client, 3.4 KB notifications, CPU of zws per epoch, mean
 * of 5): through lws_callback_on_writable, a poll() pass returning every
 * socket and lws's POLLOUT service per socket, 218 ms with the poll loop
 * and 218 ms with libev; written here, 168 ms and 122 ms (zws-floor, a
 * bare send() loop: 96 ms). Nearly all that is left is the kernel's send
 * path. */
static bool writable_now(const struct session *s)
{
	return !s->queue && !s->replies && !s->lws_closing && !lws_partial_buffered(s->wsi);
}

/* A write outside the writable callback failed, or left a frame that
 * cannot be completed: the connection ends from lws's next service pass. */
static void write_failed(struct session *s, const char *why)
{
	log_info("S%llu %s %s", (unsigned long long)s->sub.id, s->peer, why);
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
	uint64_t now = now_ms();
	if (too_slow(s, now)) {
		log_warn("S%llu %s dropped: %u notifications behind, not reading for %llu ms",
			 (unsigned long long)s->sub.id, s->peer, s->queue->count,
			 (unsigned long long)(now - s->queue->since));
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

/* The header lws puts in front of a server's text message: FIN and the
 * text opcode, no mask, the length in its shortest form. Returns its
 * length. */
static size_t text_header(unsigned char h[10], size_t len)
{
	h[0] = 0x81;
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)(len >> (56 - 8 * i));
	return 10;
}

/* Writes the header h (hlen bytes) and then p's pieces, SESSION_IOV
 * pieces per sendmsg, until the socket takes less than it was given.
 * Returns the bytes written (what the socket took before it was full),
 * or -1 on an error. */
static ssize_t send_pieces(int fd, const unsigned char *h, size_t hlen, const struct text_parts *p)
{
	size_t sent = 0, next = 0;
	bool header = true;
	do {
		struct iovec iov[SESSION_IOV];
		size_t n = 0, want = 0;
		if (header)
			iov[n++] = (struct iovec){ (void *)h, hlen };
		header = false;
		for (; next < p->count && n < SESSION_IOV; next++)
			iov[n++] = (struct iovec){ (void *)p->v[next].data, p->v[next].len };
		for (size_t i = 0; i < n; i++)
			want += iov[i].iov_len;
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = n };
		ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? (ssize_t)sent : -1;
		sent += (size_t)w;
		if ((size_t)w < want)
			break;
	} while (next < p->count);
	return (ssize_t)sent;
}

/* What the socket did not take of a frame written from its pieces,
 * copied and handed to lws as raw bytes: lws keeps it, asks for POLLOUT
 * and sends it before anything else, as with the rest of a partial
 * lws_write, and lws_partial_buffered holds back further writes. */
static void keep_rest(struct session *s, const unsigned char *h, size_t hlen,
		      const struct text_parts *p, size_t sent)
{
	struct buf *rest = &s->app->scratch;
	buf_reset(rest);
	if (sent < hlen)
		buf_append(rest, h + sent, hlen - sent);
	text_parts_copy(p, sent < hlen ? 0 : sent - hlen, rest);
	if (rest->failed)
		write_failed(s, "out of memory keeping a partial write");
	else
		write_direct(s, (unsigned char *)rest->data, rest->len, LWS_WRITE_RAW);
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

/* Written here, the frame goes to the socket as lws would write it (lws
 * adds nothing to a server's frame without extensions, and zws offers
 * none); over TLS only lws can write, so that takes the copy. */
bool session_send_parts(struct session *s, const struct text_parts *p)
{
	if (s->state == SESSION_CLOSING || s->state == SESSION_CLOSED)
		return false;
	if (!writable_now(s) || lws_is_ssl(s->wsi))
		return send_copy(s, p);
	unsigned char h[10];
	size_t hlen = text_header(h, p->len);
	ssize_t n = send_pieces(lws_get_socket_fd(s->wsi), h, hlen, p);
	if (n < 0)
		write_failed(s, "write failed");
	else if ((size_t)n < hlen + p->len)
		keep_rest(s, h, hlen, p, (size_t)n);
	return true;
}

void session_lws_closing(struct session *s)
{
	s->lws_closing = true;
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
		log_warn("S%llu %s dropped: %u replies unread", (unsigned long long)s->sub.id, s->peer, n);
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
	static const char reasons[][16] = { "going away", "too slow", "too big" };
	const char *r = s->close_code == LWS_CLOSE_STATUS_GOINGAWAY ? reasons[0]
		      : s->close_code == LWS_CLOSE_STATUS_POLICY_VIOLATION ? reasons[1]
		      : s->close_code == LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE ? reasons[2]
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
		s->queue->since = now_ms();
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
		log_info("S%llu %s write failed", (unsigned long long)s->sub.id, s->peer);
		return -1;
	}
	if (s->queue || s->replies)
		lws_callback_on_writable(s->wsi);
	return 0;
}

int session_writeable(struct session *s)
{
	if (s->state == SESSION_CLOSING) {
		close_reason(s);
		return -1;
	}
	if (s->ping_due)
		return send_ping(s);
	struct frame *f = next_frame(s);
	if (!f)
		return 0;
	int n = lws_write(s->wsi, frame_payload(f), f->len, LWS_WRITE_TEXT);
	frame_unref(f);
	if (n < 0) {
		log_info("S%llu %s write failed", (unsigned long long)s->sub.id, s->peer);
		return -1;
	}
	if (s->queue || s->replies)
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
	m->next = NULL;
	m->binary = binary;
	m->len = len;
	memcpy(m->text, text, len);
	m->text[len] = '\0';
	if (s->held_tail)
		s->held_tail->next = m;
	else
		s->held = m;
	s->held_tail = m;
}

static void deliver(struct session *s, const char *text, size_t len, bool binary)
{
	if (len == 0)
		return; /* empty messages are ignored */
	if (s->state == SESSION_CHECKING)
		hold(s, text, len, binary);
	else if (s->state == SESSION_OPEN)
		session_on_message(s, text, len, binary);
}

/* Makes the assembly buffer hold at least need bytes. */
static bool rx_reserve(struct session *s, size_t need)
{
	uint32_t cap = s->rx ? s->rx->cap : 0;
	if (need <= cap)
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

void session_pong(struct session *s)
{
	keepalive_heard(s);
}

int session_receive(struct session *s, const void *in, size_t len)
{
	keepalive_heard(s);
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
	log_info("S%llu %s message over %zu bytes", (unsigned long long)s->sub.id, s->peer, max);
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
	contracts_check_cancel(s->check);
	s->check = NULL;
	for (int t = 0; t < TOPIC_COUNT; t++)
		session_drop_topic(s, (enum topic)t);
	dlist_del(&s->unsubscribing);
	keepalive_forget(s);
	s->app->nsessions--;
	struct frame *f;
	while ((f = ring_pop(&s->replies)) || (f = ring_pop(&s->queue)))
		frame_unref(f);
	free(s->rx);
	s->rx = NULL;
	while (s->held) {
		struct session_msg *m = s->held;
		s->held = m->next;
		free(m);
	}
	s->held_tail = NULL;
	log_info("S%llu %s disconnected (%zu clients)", (unsigned long long)s->sub.id, s->peer,
		 s->app->nsessions);
	peers_release(s->app->peers, s->peer);
	s->peer = NULL;
	s->state = SESSION_CLOSED;
	s->app = NULL;
}
