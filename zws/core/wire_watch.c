/* Reading a client's bytes beside lws to see whether it masks its frames
 * (see wire_watch.h). */
#include "wire_watch.h"

#include <string.h>
#include <strings.h>

enum frame_step { STEP_B0, STEP_B1, STEP_LENGTH, STEP_KEY, STEP_PAYLOAD };

#define OPCODE_PING 0x9
#define OPCODE_PONG 0xa

static void head_begin(struct wire_watch *w)
{
	memset(&w->u.head, 0, sizeof(w->u.head));
	w->u.head.first = true;
	w->phase = WIRE_WATCH_HEAD;
}

void wire_watch_init(struct wire_watch *w)
{
	memset(w, 0, sizeof(*w));
	head_begin(w);
}

static void go_blind(struct wire_watch *w)
{
	w->phase = WIRE_WATCH_BLIND;
	w->bad_at = 0;
	w->bad_unseen = false;
}

/* True if the kept line starts with name (lower case), in any case. */
static bool line_starts(const struct wire_watch *w, const char *name)
{
	size_t n = strlen(name);
	return w->u.head.len >= n && !strncasecmp(w->u.head.line, name, n);
}

/* "Upgrade:", spaces, then exactly "websocket" up to CR or the line's end:
 * the value lws compares (it skips leading spaces, stops at CR). */
static bool upgrade_is_websocket(const struct wire_watch *w)
{
	const char *p = w->u.head.line + 8, *end = w->u.head.line + w->u.head.len;
	while (p < end && *p == ' ')
		p++;
	if (end - p < 9 || strncasecmp(p, "websocket", 9))
		return false;
	p += 9;
	if (p < end)
		return *p == '\r';
	return !w->u.head.long_line;
}

/* A header line of the head being read. */
static void header_line(struct wire_watch *w)
{
	if (line_starts(w, "content-length") || line_starts(w, "transfer-encoding")) {
		go_blind(w); /* a body: lws reads it, this does not */
		return;
	}
	if (!line_starts(w, "upgrade:"))
		return;
	if (w->u.head.upgrade || !upgrade_is_websocket(w))
		go_blind(w); /* lws may or may not upgrade: cannot follow */
	else
		w->u.head.upgrade = true;
}

static void frames_begin(struct wire_watch *w)
{
	memset(&w->u.frame, 0, sizeof(w->u.frame));
	w->phase = WIRE_WATCH_FRAMES;
}

/* A whole line of a head has been read (without its LF). */
static void line_end(struct wire_watch *w)
{
	bool empty = !w->u.head.long_line &&
		     (!w->u.head.len || (w->u.head.len == 1 && w->u.head.line[0] == '\r'));
	if (w->u.head.first) {
		if (empty || !line_starts(w, "get ")) {
			go_blind(w); /* lws's error, a method with a body, or not HTTP/1 */
			return;
		}
		w->u.head.first = false;
	} else if (empty) {
		if (w->u.head.upgrade)
			frames_begin(w);
		else
			head_begin(w); /* plain HTTP: the next request follows */
		return;
	} else {
		header_line(w);
		if (w->phase != WIRE_WATCH_HEAD)
			return;
	}
	w->u.head.len = 0;
	w->u.head.long_line = false;
}

static void head_byte(struct wire_watch *w, unsigned char c)
{
	if (c == '\n') {
		line_end(w);
		return;
	}
	if (w->u.head.len < WIRE_WATCH_LINE)
		w->u.head.line[w->u.head.len++] = (char)c;
	else
		w->u.head.long_line = true;
}

/* The second header byte: mask bit and 7-bit length. lws delivers every
 * frame but a ping (it answers it) and an empty pong (it drops it). */
static void frame_b1(struct wire_watch *w, unsigned char c)
{
	unsigned op = w->u.frame.b0 & 0x0f, len7 = c & 0x7f;
	bool unseen = op == OPCODE_PING || (op == OPCODE_PONG && !len7);
	if (!(c & 0x80)) {
		/* The next frame lws delivers is this one or comes after it. */
		w->bad_at = w->frames + 1;
		w->bad_unseen = unseen;
		w->phase = WIRE_WATCH_FOUND;
		return;
	}
	if (!unseen)
		w->frames++;
	w->u.frame.step = STEP_LENGTH;
	w->u.frame.left = 0;
	if (len7 == 126)
		w->u.frame.need = 2;
	else if (len7 == 127)
		w->u.frame.need = 8;
	else {
		w->u.frame.left = len7;
		w->u.frame.step = STEP_KEY;
		w->u.frame.need = 4;
	}
}

/* Reads frames from p; returns the bytes it used. */
static size_t frame_bytes(struct wire_watch *w, const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n && w->phase == WIRE_WATCH_FRAMES) {
		switch (w->u.frame.step) {
		case STEP_B0:
			w->u.frame.b0 = p[i++];
			w->u.frame.step = STEP_B1;
			break;
		case STEP_B1:
			frame_b1(w, p[i++]);
			break;
		case STEP_LENGTH:
			w->u.frame.left = w->u.frame.left << 8 | p[i++];
			if (!--w->u.frame.need) {
				w->u.frame.step = STEP_KEY;
				w->u.frame.need = 4;
			}
			break;
		case STEP_KEY:
			i++;
			if (!--w->u.frame.need)
				w->u.frame.step = w->u.frame.left ? STEP_PAYLOAD : STEP_B0;
			break;
		default: { /* STEP_PAYLOAD */
			size_t take = n - i;
			if (take > w->u.frame.left)
				take = (size_t)w->u.frame.left;
			i += take;
			w->u.frame.left -= take;
			if (!w->u.frame.left)
				w->u.frame.step = STEP_B0;
		}
		}
	}
	return i;
}

void wire_watch_feed(struct wire_watch *w, const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (w->phase == WIRE_WATCH_HEAD)
			head_byte(w, p[i++]);
		else if (w->phase == WIRE_WATCH_FRAMES)
			i += frame_bytes(w, p + i, n - i);
		else
			return; /* found, or blind: nothing more to read */
	}
}

void wire_watch_http(struct wire_watch *w)
{
	if (w->phase == WIRE_WATCH_FRAMES || w->phase == WIRE_WATCH_FOUND)
		go_blind(w);
}

void wire_watch_established(struct wire_watch *w)
{
	if (w->phase != WIRE_WATCH_FRAMES && w->phase != WIRE_WATCH_FOUND)
		go_blind(w);
}

static bool delivered_masked(const struct wire_watch *w)
{
	return !w->bad_at || w->delivered < w->bad_at;
}

bool wire_watch_data(struct wire_watch *w, uint64_t remaining)
{
	if (!w->mid)
		w->delivered++;
	w->mid = remaining > 0;
	return delivered_masked(w);
}

bool wire_watch_control(struct wire_watch *w)
{
	w->delivered++;
	return delivered_masked(w);
}
