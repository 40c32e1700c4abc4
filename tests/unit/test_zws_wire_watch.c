/* The wire watch: which frame lws delivers came unmasked, read from the
 * bytes a client sends, and where it cannot tell and stays quiet. */
#include <criterion/criterion.h>
#include <string.h>

#include "wire_watch.h"

#define TEXT 0x81
#define TEXT_MORE 0x01
#define CONT 0x80
#define PING 0x89
#define PONG 0x8a
#define CLOSE 0x88

static const char upgrade[] = "GET /ws HTTP/1.1\r\n"
			      "Host: 127.0.0.1:4401\r\n"
			      "Upgrade: websocket\r\n"
			      "Connection: Upgrade\r\n"
			      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			      "Sec-WebSocket-Version: 13\r\n"
			      "\r\n";

/* Writes one frame of len payload bytes (each 'x', or the header-like
 * bytes 0x81 0x05 repeated when tricky) to out; returns its size. */
static size_t frame(unsigned char *out, unsigned char b0, bool masked, size_t len, bool tricky)
{
	static const unsigned char key[4] = { 0x11, 0x22, 0x33, 0x44 };
	size_t n = 0;
	out[n++] = b0;
	unsigned char m = masked ? 0x80 : 0;
	if (len < 126)
		out[n++] = (unsigned char)(m | len);
	else if (len < 65536) {
		out[n++] = m | 126;
		out[n++] = (unsigned char)(len >> 8);
		out[n++] = (unsigned char)len;
	} else {
		out[n++] = m | 127;
		for (int i = 7; i >= 0; i--)
			out[n++] = (unsigned char)((uint64_t)len >> (8 * i));
	}
	if (masked) {
		memcpy(out + n, key, 4);
		n += 4;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = tricky ? (i % 2 ? 0x05 : 0x81) : 'x';
		out[n++] = masked ? c ^ key[i % 4] : c;
	}
	return n;
}

static void feed_text(struct wire_watch *w, const char *s)
{
	wire_watch_feed(w, (const unsigned char *)s, strlen(s));
}

/* A watch past the upgrade, established. */
static void upgraded(struct wire_watch *w)
{
	wire_watch_init(w);
	feed_text(w, upgrade);
	wire_watch_established(w);
	cr_assert_eq(w->phase, WIRE_WATCH_FRAMES);
}

Test(wire_watch, masked_frames_are_all_fine)
{
	struct wire_watch w;
	unsigned char buf[400];
	upgraded(&w);
	for (int i = 0; i < 5; i++) {
		size_t n = frame(buf, TEXT, true, (size_t)(i * 60), true);
		wire_watch_feed(&w, buf, n);
		cr_assert(wire_watch_data(&w, 0), "frame %d", i);
	}
	cr_assert_eq(w.frames, 5);
	cr_assert_not(wire_watch_bad_unseen(&w));
}

Test(wire_watch, unmasked_frame_after_masked_ones_is_the_one_refused)
{
	struct wire_watch w;
	unsigned char buf[200];
	size_t n;
	upgraded(&w);
	n = frame(buf, TEXT, true, 10, false);
	n += frame(buf + n, TEXT, true, 0, false);
	n += frame(buf + n, TEXT, false, 10, false);
	n += frame(buf + n, TEXT, true, 10, false);
	wire_watch_feed(&w, buf, n); /* one read holds all four */
	cr_assert_eq(w.phase, WIRE_WATCH_FOUND);
	cr_assert(wire_watch_data(&w, 0), "the first was masked");
	cr_assert(wire_watch_data(&w, 0), "the empty second was masked");
	cr_assert_not(wire_watch_data(&w, 0), "the third was not");
	cr_assert_not(wire_watch_data(&w, 0), "nothing after it passes");
}

Test(wire_watch, unmasked_frame_in_the_same_read_as_the_upgrade)
{
	struct wire_watch w;
	unsigned char buf[400];
	size_t n = strlen(upgrade);
	memcpy(buf, upgrade, n);
	n += frame(buf + n, TEXT, false, 5, false);
	wire_watch_init(&w);
	wire_watch_feed(&w, buf, n);
	wire_watch_established(&w);
	cr_assert_not(wire_watch_data(&w, 0));
}

Test(wire_watch, every_split_of_the_bytes_gives_the_same_answer)
{
	unsigned char buf[2000];
	size_t n = strlen(upgrade);
	memcpy(buf, upgrade, n);
	n += frame(buf + n, TEXT_MORE, true, 300, true); /* 16-bit length */
	n += frame(buf + n, PING, true, 4, false);
	n += frame(buf + n, CONT, true, 3, true);
	n += frame(buf + n, PONG, true, 0, false); /* lws drops an empty pong */
	n += frame(buf + n, PONG, true, 2, false);
	size_t bad = n;
	n += frame(buf + n, TEXT, false, 130, true);
	for (size_t cut = 1; cut < n; cut++) {
		struct wire_watch w;
		wire_watch_init(&w);
		wire_watch_feed(&w, buf, cut);
		wire_watch_feed(&w, buf + cut, n - cut);
		wire_watch_established(&w);
		cr_assert_eq(w.frames, 3, "cut %zu: frames %u", cut, w.frames);
		cr_assert_eq(w.bad_at, 4, "cut %zu", cut);
		cr_assert(wire_watch_data(&w, 0));
		cr_assert(wire_watch_data(&w, 0));
		cr_assert(wire_watch_control(&w), "the pong with a payload came masked");
		cr_assert_not(wire_watch_data(&w, 0), "cut %zu", cut);
	}
	struct wire_watch w;
	wire_watch_init(&w);
	for (size_t i = 0; i < bad + 1; i++)
		wire_watch_feed(&w, buf + i, 1);
	cr_assert_eq(w.phase, WIRE_WATCH_FRAMES, "one byte at a time, it waits for the mask bit");
	wire_watch_feed(&w, buf + bad + 1, 1);
	cr_assert_eq(w.phase, WIRE_WATCH_FOUND);
}

Test(wire_watch, a_64_bit_length_is_skipped_whole)
{
	struct wire_watch w;
	static unsigned char buf[70000];
	upgraded(&w);
	size_t n = frame(buf, TEXT, true, 66000, true);
	n += frame(buf + n, TEXT, false, 1, false);
	wire_watch_feed(&w, buf, n);
	cr_assert_eq(w.bad_at, 2);
}

Test(wire_watch, a_frame_delivered_in_pieces_counts_once)
{
	struct wire_watch w;
	unsigned char buf[2000];
	upgraded(&w);
	size_t n = frame(buf, TEXT, true, 1500, false);
	n += frame(buf + n, TEXT, false, 2, false);
	wire_watch_feed(&w, buf, n);
	cr_assert(wire_watch_data(&w, 1000));
	cr_assert(wire_watch_data(&w, 500));
	cr_assert(wire_watch_data(&w, 0), "still the first frame");
	cr_assert_not(wire_watch_data(&w, 0));
}

/* lws answers a ping and drops an empty pong without a callback: the
 * watch says so, and refuses whatever lws delivers after it. */
Test(wire_watch, an_unmasked_frame_lws_does_not_deliver_is_reported_apart)
{
	const unsigned char unseen[] = { PING, PONG };
	for (size_t i = 0; i < sizeof(unseen); i++) {
		struct wire_watch w;
		unsigned char buf[100];
		upgraded(&w);
		size_t n = frame(buf, TEXT, true, 3, false);
		n += frame(buf + n, unseen[i], false, unseen[i] == PING ? 2 : 0, false);
		n += frame(buf + n, TEXT, true, 3, false);
		wire_watch_feed(&w, buf, n);
		cr_assert(wire_watch_bad_unseen(&w), "opcode %x", unseen[i]);
		cr_assert(wire_watch_data(&w, 0), "the frame before it is served");
		cr_assert_not(wire_watch_data(&w, 0), "the frame after it is not");
	}
}

Test(wire_watch, an_unmasked_pong_with_a_payload_is_caught_at_its_delivery)
{
	struct wire_watch w;
	unsigned char buf[100];
	upgraded(&w);
	size_t n = frame(buf, PONG, true, 0, false); /* dropped by lws: not counted */
	n += frame(buf + n, PONG, false, 3, false);
	wire_watch_feed(&w, buf, n);
	cr_assert_not(wire_watch_bad_unseen(&w));
	cr_assert_not(wire_watch_control(&w), "the first pong lws delivers is the unmasked one");
}

Test(wire_watch, an_unmasked_close_is_caught_at_its_delivery)
{
	struct wire_watch w;
	unsigned char buf[100];
	upgraded(&w);
	size_t n = frame(buf, TEXT, true, 3, false);
	n += frame(buf + n, CLOSE, false, 2, false);
	wire_watch_feed(&w, buf, n);
	cr_assert_not(wire_watch_bad_unseen(&w));
	cr_assert(wire_watch_data(&w, 0));
	cr_assert_not(wire_watch_control(&w));
}

Test(wire_watch, plain_requests_before_the_upgrade_are_followed)
{
	struct wire_watch w;
	unsigned char buf[20];
	wire_watch_init(&w);
	feed_text(&w, "GET /healthz HTTP/1.1\r\nHost: x\r\nUpgrade-Insecure-Requests: 1\r\n\r\n");
	cr_assert_eq(w.phase, WIRE_WATCH_HEAD);
	wire_watch_http(&w); /* the server answers it */
	feed_text(&w, "GET / HTTP/1.1\nUPGRADE: WebSocket\n\n"); /* bare LF, any case */
	wire_watch_established(&w);
	cr_assert_eq(w.phase, WIRE_WATCH_FRAMES);
	size_t n = frame(buf, TEXT, false, 1, false);
	wire_watch_feed(&w, buf, n);
	cr_assert_not(wire_watch_data(&w, 0));
}

Test(wire_watch, a_folded_cr_line_does_not_end_the_head)
{
	struct wire_watch w;
	wire_watch_init(&w);
	feed_text(&w, "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\r\nX: 1\r\n");
	cr_assert_eq(w.phase, WIRE_WATCH_HEAD, "\\r\\r is a line, not the end");
	feed_text(&w, "\r\n");
	cr_assert_eq(w.phase, WIRE_WATCH_FRAMES);
}

/* Each head, then an unmasked frame: the watch must stay quiet. */
static void stays_blind(const char *head)
{
	struct wire_watch w;
	unsigned char buf[20];
	wire_watch_init(&w);
	feed_text(&w, head);
	size_t n = frame(buf, TEXT, false, 1, false);
	wire_watch_feed(&w, buf, n);
	wire_watch_established(&w);
	cr_assert_eq(w.phase, WIRE_WATCH_BLIND, "%s", head);
	cr_assert(wire_watch_data(&w, 0), "%s", head);
	cr_assert_not(wire_watch_bad_unseen(&w));
}

Test(wire_watch, goes_blind_where_lws_might_read_otherwise)
{
	stays_blind("POST / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
	stays_blind("GET / HTTP/1.1\r\nUpgrade: websocket \r\n\r\n");
	stays_blind("GET / HTTP/1.1\r\nUpgrade:\twebsocket\r\n\r\n");
	stays_blind("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n");
	stays_blind("GET / HTTP/1.1\r\nUpgrade: websocket\r\nUpgrade: websocket\r\n\r\n");
	stays_blind("GET / HTTP/1.1\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n");
	stays_blind("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
	stays_blind("GET / HTTP/1.1\r\nUpgrade:                              websocket\r\n\r\n");
	stays_blind("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
	stays_blind("\r\nGET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
	stays_blind("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); /* no upgrade: established cannot follow */
}

Test(wire_watch, an_http_answer_after_a_head_taken_for_the_upgrade_blinds_it)
{
	struct wire_watch w;
	unsigned char buf[20];
	wire_watch_init(&w);
	feed_text(&w, upgrade);
	size_t n = frame(buf, TEXT, false, 1, false);
	wire_watch_feed(&w, buf, n);
	wire_watch_http(&w);
	wire_watch_established(&w);
	cr_assert(wire_watch_data(&w, 0));
}
