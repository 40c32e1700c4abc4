/* Whether a client masks its frames (RFC 6455 section 5.1: a server fails
 * a connection on an unmasked client frame). lws 4.1.6 reads the mask bit
 * and tells no one, so zws reads the same bytes beside it: io/rx_tap.c
 * feeds this module every byte lws reads from a client's socket, and the
 * server asks it, as lws delivers each frame, whether that frame came
 * masked.
 *
 * It follows the connection's requests as lws parses them (a head ends
 * at a line that is empty or holds only CR; lws upgrades on an Upgrade
 * header that is "websocket" in any case, after leading spaces), then
 * the frames after the upgrade, counting every frame lws delivers (all
 * but pings, which lws answers itself, and empty pongs, which it drops). Where lws might read the bytes
 * otherwise, it goes blind and never finds fault: any request but a GET,
 * a body, an Upgrade header it cannot match exactly, or a head the
 * server says it served as plain HTTP. Pure: bytes in, answers out. */
#ifndef ZWS_WIRE_WATCH_H
#define ZWS_WIRE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The start of each header line is kept, enough to match the headers
 * that matter. */
#define WIRE_WATCH_LINE 32

struct wire_watch {
	union {
		struct {
			char line[WIRE_WATCH_LINE];
			uint8_t len;       /* bytes of the line kept */
			bool long_line;    /* longer than line[] */
			bool first;        /* the request line */
			bool upgrade;      /* this head asks for websocket */
		} head;
		struct {
			uint64_t left; /* payload length, then bytes of it to skip */
			uint8_t step;  /* where in the frame */
			uint8_t b0;    /* its first byte */
			uint8_t need;  /* length or key bytes still to read */
		} frame;
	} u;
	uint32_t frames;    /* frames read that lws delivers */
	uint32_t bad_at;    /* number among them of the first delivered at or
			     * after the unmasked frame; 0: none */
	uint32_t delivered; /* frames lws has delivered so far */
	uint8_t phase;      /* enum wire_watch_phase */
	bool mid;           /* lws is part way through delivering a frame */
	bool bad_unseen;    /* the unmasked frame is one lws does not deliver */
};

enum wire_watch_phase {
	WIRE_WATCH_HEAD,   /* reading request heads */
	WIRE_WATCH_FRAMES, /* reading frames after an upgrade */
	WIRE_WATCH_FOUND,  /* an unmasked frame was read: reads no more */
	WIRE_WATCH_BLIND,  /* cannot follow lws here: never finds fault */
};

/* A connection that has sent nothing yet. */
void wire_watch_init(struct wire_watch *w);
/* The next n bytes lws read from the client. */
void wire_watch_feed(struct wire_watch *w, const unsigned char *p, size_t n);
/* The server answered a request as plain HTTP: if this watch took a head
 * for the upgrade, it was wrong, so it goes blind. */
void wire_watch_http(struct wire_watch *w);
/* The connection became a WebSocket: unless this watch read its upgrade
 * too, it goes blind. */
void wire_watch_established(struct wire_watch *w);

/* lws delivers a piece of a data frame, with remaining bytes of that frame
 * still to come: false if the frame came unmasked, or came after one that
 * did (even one lws does not deliver). */
bool wire_watch_data(struct wire_watch *w, uint64_t remaining);
/* lws delivers a pong or a close frame: as wire_watch_data. */
bool wire_watch_control(struct wire_watch *w);
/* The unmasked frame is a ping or an empty pong, which lws handles
 * without telling zws: the server must act on its own. */
static inline bool wire_watch_bad_unseen(const struct wire_watch *w)
{
	return w->bad_unseen;
}

#endif
