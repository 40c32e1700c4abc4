/* One WebSocket client: its state, subscriptions, pending output and the
 * query being assembled. lws allocates the struct (per-session data) and
 * the server calls into these functions from the protocol callback; every
 * state change goes through session_set_state. A session reports upward
 * only through the hooks in app->session_hooks: each complete message,
 * and its close (so what hangs off it above, a pending EventLog check, is
 * released). */
#ifndef ZWS_SESSION_H
#define ZWS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "frame.h"
#include "keepalive.h"
#include "subs.h"
#include "text_parts.h"
#include "topic.h"

struct lws;
struct pending_eventlog;
struct session;

/* "S<id> <peer> ": how every log line names a session. */
#define SESSION_FMT "S%llu %s "
#define SESSION_ARGS(s) (unsigned long long)(s)->sub.id, (s)->peer

/* What a session reports upward, wired by the server. */
struct session_hooks {
	/* One complete, non-empty message from the client, while it is
	 * SESSION_OPEN; messages arriving while it is SESSION_CHECKING are
	 * held (session_msg) for the hook to run later. */
	void (*message)(struct session *s, const char *text, size_t len, bool binary);
	/* s closed for good (LWS_CALLBACK_CLOSED): free what the hooks hang
	 * off it (s->pending). Called before s lets go of its subscriptions. */
	void (*closed)(struct session *s);
};

enum session_state {
	SESSION_OPEN = 0, /* reading queries */
	SESSION_CHECKING, /* an EventLog query waits for contract checks; rx paused */
	SESSION_CLOSING,  /* a close code is set; closes at the next writable */
	SESSION_CLOSED,   /* lws closed the connection */
};

/* A complete message that arrived while a contract check was pending. */
struct session_msg {
	struct session_msg *next;
	bool binary;
	size_t len;
	char text[];
};

struct session_ring;
struct session_rx;

/* What lws allocates for every connection. Kept small, with what only a
 * busy client needs allocated while it needs it: its size per connection
 * is in bench/fanout/results.md ("Design measurements"). */
struct session {
	struct lws *wsi;
	struct zws *app;
	struct subscriber sub; /* sub.id is the session id (S<id> in logs) */
	struct dlist newblock, unsubscribing;
	struct keepalive_entry alive; /* on app->keepalive's lists */
	struct session_ring *queue;  /* notifications waiting for a writable */
	struct session_ring *replies; /* replies waiting, sent before those */
	struct session_rx *rx;       /* a fragmented message being assembled */
	struct pending_eventlog *pending; /* subscribe.c: an EventLog query being checked */
	struct session_msg *held;    /* the last message held; a ring */
	const char *peer;            /* its address, shared (peers.h) */
	uint64_t rate_ms;            /* token bucket: time of the last refill */
	unsigned rate_tokens;        /* in thousandths of a query */
	uint32_t stamp;              /* fan-out: last epoch this session was served */
	uint16_t close_code;
	enum session_state state : 8;
	unsigned char topics;        /* TOPIC_BIT()s subscribed */
	unsigned char ending;        /* topics dropped after the next block */
	unsigned char dropped[TOPIC_COUNT]; /* Unsubscribe value, in order */
	unsigned char ndropped;
	bool ping_due : 1;           /* a ping waits for the next writable */
	bool lws_closing : 1;        /* lws is closing the connection: write nothing */
	bool rate_noted : 1;         /* the client was told it hit the limit */
	bool rx_binary : 1;          /* the message arriving is binary */
	bool resumed : 1;            /* sent Resume: notifications carry blockNum */
	uint16_t check_s;            /* clock_now_s() of the last refill, mod 2^16 */
	uint32_t check_tokens;       /* addresses it may still have checked */
};

#define SESSION_STALL_MS 1000
#define SESSION_BURST_FACTOR 16

/* LWS_CALLBACK_ESTABLISHED. false: refuse the connection. */
bool session_open(struct session *s, struct zws *app, struct lws *wsi)
	__attribute__((warn_unused_result));
/* LWS_CALLBACK_RECEIVE. Returns -1 to close the connection. */
int session_receive(struct session *s, const void *in, size_t len);
/* LWS_CALLBACK_SERVER_WRITEABLE. Returns -1 to close the connection. */
int session_writeable(struct session *s);
/* LWS_CALLBACK_RECEIVE_PONG. */
void session_pong(struct session *s);
/* LWS_CALLBACK_CLOSED: unsubscribes everything and frees what hangs off s. */
void session_closed(struct session *s);

void session_set_state(struct session *s, enum session_state next);
/* Sends a notification: written at once when nothing waits ahead of it
 * (true), else queued (takes a reference of f). A client that is
 * queue_max notifications behind and has taken none for
 * SESSION_STALL_MS is dropped instead; so is one SESSION_BURST_FACTOR
 * times queue_max behind. A burst of blocks (a catch-up after an outage)
 * thus reaches clients that read, while one that stopped reading is gone
 * within a second or two. */
bool session_send(struct session *s, struct frame *f);
/* Whether a write would go out now: nothing waits ahead of it. */
bool session_idle(const struct session *s);
/* session_send for a message listed as pieces of text (p's pieces must
 * live until it returns). When nothing waits ahead of it, the frame is
 * written straight from the pieces, and only what the socket does not
 * take is copied; otherwise it is copied into a frame and queued. */
bool session_send_parts(struct session *s, const struct text_parts *p);
/* Pings the client (keepalive): at once when nothing is waiting to be
 * written to it, else on its next writable callback. */
void session_ping(struct session *s);
/* lws began closing the connection (the peer sent a close frame, or lws
 * is sending one): nothing more is written to it. */
void session_lws_closing(struct session *s);
/* LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: in and len are the client's
 * close payload, which lws then echoes; a code RFC 6455 does not allow,
 * or any code of a close frame that itself broke the protocol
 * (protocol_error: it came unmasked), is answered with 1002 instead.
 * Returns nonzero to close unanswered. */
int session_peer_close(struct session *s, void *in, size_t len, bool protocol_error);
/* Queues a reply to a query (takes a reference of f). Replies go out
 * before pending notifications, so an echo precedes the data it enables.
 * A client that leaves too many replies unread is dropped. */
void session_reply(struct session *s, struct frame *f);
/* session_reply with a copy of text. */
void session_reply_text(struct session *s, const char *text, size_t len);
/* Sends a close frame with code and closes. */
void session_close(struct session *s, uint16_t code, const char *why);

/* Called by fan-out after a block was delivered: topics dropped by
 * Unsubscribe are removed now. */
void session_finish_unsubscribe(struct session *s);
/* Drops topic t's subscription at once. */
void session_drop_topic(struct session *s, enum topic t);

/* The oldest message held while a contract check ran, which the caller
 * frees; NULL if none is left. */
struct session_msg *session_take_held(struct session *s);
/* Carries out the keepalive decisions due now: pings clients silent for
 * --ping-after, drops those silent for --drop-after. Run once a second. */
void session_keepalive_tick(struct zws *app);

#endif
