/* zws against hostile clients: fragment sequences no browser sends,
 * handshakes asking for what is not offered, input a strict server must
 * refuse. Every case asserts what the client sees, and that zws keeps
 * serving the well-behaved client beside it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

static const char newblock[] = "{\"query\":\"NewBlock\"}";

static struct it_ws *connected(int port)
{
	struct it_ws *ws = it_ws_connect(port, 5000);
	cr_assert(ws, "handshake failed");
	return ws;
}

static void expect_message(struct it_ws *ws, const char *want, const char *what)
{
	char *m = it_ws_recv(ws, 5000);
	cr_assert(m, "%s: no message (close code %d)", what, it_ws_close_code(ws));
	cr_assert_str_eq(m, want, "%s", what);
	free(m);
}

static void expect_close(struct it_ws *ws, int code, const char *what)
{
	char *m = it_ws_recv(ws, 5000);
	cr_assert_null(m, "%s: expected a close, got %.100s", what, m);
	cr_assert_eq(it_ws_close_code(ws), code, "%s: closed with %d, not %d", what,
		     it_ws_close_code(ws), code);
}

/* The well-behaved client beside the hostile ones: subscribed to NewBlock. */
static struct it_ws *newblock_subscriber(int port)
{
	struct it_ws *good = connected(port);
	cr_assert(it_ws_send(good, newblock));
	expect_message(good, newblock, "subscribe");
	return good;
}

/* The subscriber beside the hostile ones still gets the next block. */
static void still_serving(struct it_stack *s, struct it_ws *good, long long num)
{
	cr_assert_eq(it_lookup_produce(s->lookup_port, 1), num);
	char buf[48];
	snprintf(buf, sizeof(buf), "\"BlockNum\":\"%lld\"", num);
	char *m = it_ws_recv(good, 15000);
	cr_assert(m && strstr(m, buf), "NewBlock %lld did not arrive", num);
	free(m);
}

Test(hostile, fragments_in_every_order_rfc6455_allows_or_forbids, .timeout = 90)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	struct it_ws *good = newblock_subscriber(s.zws_port);

	/* An empty first fragment, then the query in a continuation. */
	struct it_ws *ws = connected(s.zws_port);
	cr_assert(it_ws_send_frame(ws, IT_WS_TEXT, false, "", 0));
	cr_assert(it_ws_send_frame(ws, IT_WS_CONT, true, newblock, strlen(newblock)));
	expect_message(ws, newblock, "empty first fragment");
	/* Only empty fragments: an empty message, ignored like any other. */
	cr_assert(it_ws_send_frame(ws, IT_WS_TEXT, false, "", 0));
	cr_assert(it_ws_send_frame(ws, IT_WS_CONT, false, "", 0));
	cr_assert(it_ws_send_frame(ws, IT_WS_CONT, true, "", 0));
	cr_assert(it_ws_silent(ws, 300));
	/* A ping between fragments is answered; the message still arrives. */
	cr_assert(it_ws_send_frame(ws, IT_WS_TEXT, false, newblock, 8));
	cr_assert(it_ws_send_frame(ws, IT_WS_PING, true, "hi", 2));
	cr_assert(it_ws_send_frame(ws, IT_WS_CONT, false, "", 0));
	cr_assert(it_ws_send_frame(ws, IT_WS_CONT, true, newblock + 8, strlen(newblock) - 8));
	struct it_ws_frame f;
	cr_assert(it_ws_recv_frame_raw(ws, &f, 5000));
	cr_assert_eq(f.opcode, IT_WS_PONG);
	cr_assert_str_eq(f.data, "hi");
	it_ws_frame_free(&f);
	expect_message(ws, newblock, "fragments around a ping");
	it_ws_close(ws);

	/* A continuation with nothing to continue: 1002. */
	ws = connected(s.zws_port);
	cr_assert(it_ws_send_frame(ws, IT_WS_CONT, true, newblock, strlen(newblock)));
	expect_close(ws, 1002, "continuation without a start");
	it_ws_close(ws);
	/* A new text frame inside a fragmented message: 1002. */
	ws = connected(s.zws_port);
	cr_assert(it_ws_send_frame(ws, IT_WS_TEXT, false, "", 0));
	cr_assert(it_ws_send_frame(ws, IT_WS_TEXT, true, newblock, strlen(newblock)));
	expect_close(ws, 1002, "text frame inside a fragmented message");
	it_ws_close(ws);
	/* A fragmented control frame: 1002. */
	ws = connected(s.zws_port);
	cr_assert(it_ws_send_frame(ws, IT_WS_PING, false, "x", 1));
	expect_close(ws, 1002, "fragmented ping");
	it_ws_close(ws);

	still_serving(&s, good, 1001);
	it_ws_close(good);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(hostile, nothing_follows_the_close_zws_sends_for_a_protocol_error, .timeout = 60)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	struct it_ws *ws = connected(s.zws_port);
	/* In one write: a binary message (answered with an error) and a
	 * fragmented ping (a protocol error), masked with the key 00000000. */
	static const unsigned char bytes[] = { 0x82, 0x81, 0, 0, 0, 0, 'V', 0x09, 0x81, 0, 0, 0, 0, 'x' };
	cr_assert(it_ws_send_raw(ws, bytes, sizeof(bytes)));
	struct it_ws_frame f;
	cr_assert(it_ws_recv_frame_raw(ws, &f, 5000), "no answer at all");
	cr_assert_eq(f.opcode, IT_WS_CLOSE, "first frame: opcode %d (%.60s), not a close", f.opcode, f.data);
	cr_assert_eq(f.close_code, 1002);
	it_ws_frame_free(&f);
	bool more = it_ws_recv_frame_raw(ws, &f, 2000);
	cr_assert_not(more, "a frame after the close: opcode %d (%.60s)", f.opcode, more ? f.data : "");
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

/* Appends a frame, masked with the key 00000000 or not, to out. */
static size_t put_frame(unsigned char *out, unsigned char b0, bool masked, const char *payload)
{
	size_t len = strlen(payload), n = 0;
	out[n++] = b0;
	out[n++] = (unsigned char)((masked ? 0x80 : 0) | len);
	if (masked)
		for (int i = 0; i < 4; i++)
			out[n++] = 0;
	memcpy(out + n, payload, len);
	return n + len;
}

/* The next frame that is not a pong is a close with 1002, and nothing
 * follows it. */
static void expect_1002(struct it_ws *ws, const char *what)
{
	struct it_ws_frame f;
	do {
		cr_assert(it_ws_recv_frame_raw(ws, &f, 5000), "%s: no close frame", what);
		if (f.opcode == IT_WS_PONG)
			it_ws_frame_free(&f);
	} while (f.opcode == IT_WS_PONG);
	cr_assert_eq(f.opcode, IT_WS_CLOSE, "%s: opcode %d (%.60s), not a close", what, f.opcode, f.data);
	cr_assert_eq(f.close_code, 1002, "%s: closed with %d", what, f.close_code);
	it_ws_frame_free(&f);
	bool more = it_ws_recv_frame_raw(ws, &f, 1000);
	cr_assert_not(more, "%s: a frame after the close: opcode %d", what, more ? f.opcode : 0);
	it_ws_close(ws);
}

Test(hostile, unmasked_client_frames_are_closed_with_1002, .timeout = 60)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	struct it_ws *good = newblock_subscriber(s.zws_port);
	unsigned char b[256];

	/* A masked query is answered; the same query unmasked is not: the
	 * close comes instead. */
	struct it_ws *ws = connected(s.zws_port);
	size_t n = put_frame(b, 0x81, true, newblock);
	cr_assert(it_ws_send_raw(ws, b, n));
	expect_message(ws, newblock, "the masked query");
	n = put_frame(b, 0x81, false, newblock);
	cr_assert(it_ws_send_raw(ws, b, n));
	expect_1002(ws, "unmasked text frame");

	/* Both in one write: as for lws's own protocol errors, the close is
	 * the first and only frame (the reply queued for the first is not
	 * sent after it). */
	ws = connected(s.zws_port);
	n = put_frame(b, 0x81, true, newblock);
	n += put_frame(b + n, 0x81, false, newblock);
	cr_assert(it_ws_send_raw(ws, b, n));
	expect_1002(ws, "a masked and an unmasked text frame in one write");

	/* Unmasked control frames and continuations fail the same way, and
	 * so does an unmasked frame after an empty pong (which lws drops
	 * without a callback). */
	const struct {
		unsigned char first;
		const char *first_payload;
		unsigned char unmasked;
		const char *payload, *what;
	} cases[] = {
		{ 0, NULL, 0x89, "hi", "unmasked ping" },
		{ 0, NULL, 0x8a, "hi", "unmasked pong" },
		{ 0, NULL, 0x8a, "", "unmasked empty pong" },
		{ 0, NULL, 0x88, "\x03\xe8" /* 1000 */, "unmasked close" },
		{ 0x01, "{\"query\":", 0x80, "\"NewBlock\"}", "unmasked continuation" },
		{ 0x8a, "", 0x81, newblock, "unmasked query after a masked empty pong" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ws = connected(s.zws_port);
		n = 0;
		if (cases[i].first)
			n = put_frame(b, cases[i].first, true, cases[i].first_payload);
		n += put_frame(b + n, cases[i].unmasked, false, cases[i].payload);
		cr_assert(it_ws_send_raw(ws, b, n));
		expect_1002(ws, cases[i].what);
	}

	/* The metric counts every one of them. */
	char *body = NULL;
	cr_assert_eq(it_http(s.zws_port, "GET", "/metrics", NULL, &body), 200);
	cr_assert(body && strstr(body, "zws_clients_dropped_total{reason=\"unmasked_frame\"} 8\n"),
		  "metrics: %.2000s", body ? body : "(none)");
	free(body);

	still_serving(&s, good, 1001);
	it_ws_close(good);
	it_stack_stop(&s);
	it_mark_passed();
}

#define KEY "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define V13 "Sec-WebSocket-Version: 13\r\n"

static void expect_refused(int port, const char *headers, int status, const char *what)
{
	char *head = NULL;
	int got = it_ws_handshake(port, headers, &head, 5000);
	cr_assert_eq(got, status, "%s: answered %d, not %d: %s", what, got, status, head ? head : "");
	if (status == 426)
		cr_assert(head && strstr(head, "\r\nSec-WebSocket-Version: 13\r\n"),
			  "%s: 426 without the version zws speaks: %s", what, head);
	free(head);
}

Test(hostile, internal_lws_protocols_cannot_be_asked_for, .timeout = 60)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	expect_refused(s.zws_port, KEY V13 "Sec-WebSocket-Protocol: zws-pg\r\n", 400, "zws-pg");
	expect_refused(s.zws_port, KEY V13 "Sec-WebSocket-Protocol: zws-lookup\r\n", 400, "zws-lookup");
	expect_refused(s.zws_port, KEY V13 "Sec-WebSocket-Protocol: zws-listen, zws\r\n", 400, "zws-listen");
	/* Asking for zws itself is a session like any other. */
	char *head = NULL;
	cr_assert_eq(it_ws_handshake(s.zws_port, KEY V13 "Sec-WebSocket-Protocol: zws\r\n", &head, 5000), 101);
	free(head);
	struct it_ws *ws = connected(s.zws_port);
	cr_assert(it_ws_send(ws, newblock));
	expect_message(ws, newblock, "after the refusals");
	cr_assert(it_log_wait(s.zws, "(1 clients)", 1000), "refused handshakes counted as clients");
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(hostile, handshakes_rfc6455_refuses_get_426_or_400, .timeout = 60)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	expect_refused(s.zws_port, KEY "Sec-WebSocket-Version: 8\r\n", 426, "version 8");
	expect_refused(s.zws_port, KEY, 426, "no version");
	expect_refused(s.zws_port, "Sec-WebSocket-Key: abc\r\n" V13, 400, "3-byte key");
	expect_refused(s.zws_port, V13, 400, "no key");
	struct it_ws *ws = connected(s.zws_port);
	cr_assert(it_ws_send(ws, newblock));
	expect_message(ws, newblock, "after the refusals");
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

static void expect_invalid_query(struct it_ws *ws, const char *text, size_t len)
{
	cr_assert(it_ws_send_frame(ws, IT_WS_TEXT, true, text, len));
	expect_message(ws, "{\"type\":\"Error\",\"error\":\"invalid query field\"}", text);
}

Test(hostile, strict_input_is_refused_or_closed, .timeout = 60)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	struct it_ws *ws = connected(s.zws_port);
	expect_invalid_query(ws, "{\"query\":\"NewBlock\\u0000junk\"}", 30);
	expect_invalid_query(ws, "{\"query\":\"NewBlock\"}\0", 21);
	expect_invalid_query(ws, "{\"query\":\"NewBlock\",\"query\":\"NewBlock\"}", 39);
	expect_invalid_query(ws, "{\"query\":\"NewBlock\",\"x\":NaN}", 28);
	cr_assert(it_ws_send(ws, newblock));
	expect_message(ws, newblock, "a valid query after the refused ones");
	/* A close code no endpoint may send is answered 1002, not echoed. */
	const unsigned char code5000[2] = { 5000 >> 8, 5000 & 0xff };
	cr_assert(it_ws_send_frame(ws, IT_WS_CLOSE, true, code5000, 2));
	expect_close(ws, 1002, "close with 5000");
	it_ws_close(ws);
	/* A valid one is echoed as before. */
	ws = connected(s.zws_port);
	const unsigned char code4000[2] = { 4000 >> 8, 4000 & 0xff };
	cr_assert(it_ws_send_frame(ws, IT_WS_CLOSE, true, code4000, 2));
	expect_close(ws, 4000, "close with 4000");
	it_ws_close(ws);
	/* A reason whose last character is cut short is not echoed back as
	 * invalid UTF-8: the connection ends, as for other bad reasons. */
	ws = connected(s.zws_port);
	const unsigned char cut[] = { 1000 >> 8, 1000 & 0xff, 'o', 'k', 0xe3, 0x8c };
	cr_assert(it_ws_send_frame(ws, IT_WS_CLOSE, true, cut, sizeof(cut)));
	struct it_ws_frame f;
	bool answered = it_ws_recv_frame_raw(ws, &f, 5000);
	cr_assert_not(answered, "answered with opcode %d, %zu bytes", f.opcode, answered ? f.len : 0);
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

/* A connection that has sent part of an upgrade request. */
static int half_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	static const char start[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
	cr_assert_eq(send(fd, start, sizeof(start) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(start) - 1);
	return fd;
}

/* Each still-open half-open connection sends one more byte; returns how
 * many zws has closed. */
static int dribble(const int *fd, int n)
{
	int closed = 0;
	for (int i = 0; i < n; i++) {
		char c;
		struct pollfd p = { .fd = fd[i], .events = POLLIN };
		if (poll(&p, 1, 0) == 1 && recv(fd[i], &c, 1, MSG_DONTWAIT) <= 0)
			closed++;
		else
			(void)!send(fd[i], "a", 1, MSG_NOSIGNAL);
	}
	return closed;
}

#define HALF_OPEN 150

Test(hostile, half_open_handshakes_do_not_lock_new_clients_out, .timeout = 90)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	int fd[HALF_OPEN];
	for (int i = 0; i < HALF_OPEN; i++)
		fd[i] = half_open(s.zws_port);
	dribble(fd, HALF_OPEN);
	/* While all of them dribble, new clients still get in at once. */
	for (int i = 0; i < 10; i++) {
		long long t0 = it_now_ms();
		struct it_ws *ws = it_ws_connect(s.zws_port, 3000);
		cr_assert(ws, "client %d could not finish its handshake within 3 s beside %d half-open ones",
			  i, HALF_OPEN);
		cr_assert(it_ws_send(ws, newblock));
		expect_message(ws, newblock, "a client beside the half-open ones");
		cr_log_info("client %d in after %lld ms", i, it_now_ms() - t0);
		it_ws_close(ws);
		dribble(fd, HALF_OPEN);
	}
	/* And the half-open ones are hung up on, dribbling or not. */
	int closed = 0;
	for (long long end = it_now_ms() + 15000; closed < HALF_OPEN && it_now_ms() < end; usleep(500000))
		closed = dribble(fd, HALF_OPEN);
	cr_assert_eq(closed, HALF_OPEN, "%d of %d half-open connections still open after 15 s", HALF_OPEN - closed,
		     HALF_OPEN);
	for (int i = 0; i < HALF_OPEN; i++)
		close(fd[i]);
	it_stack_stop(&s);
	it_mark_passed();
}

/* An EventLog query of n made-up addresses that are no contracts. */
static char *made_up_eventlog(int first, int n)
{
	size_t cap = 64 + (size_t)n * 48;
	char *q = malloc(cap);
	size_t len = (size_t)snprintf(q, cap, "{\"query\":\"EventLog\",\"addresses\":[");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(q + len, cap - len, "%s\"0x%040x\"", i ? "," : "", 0xdead0000 + first + i);
	snprintf(q + len, cap - len, "]}");
	return q;
}

Test(hostile, one_connection_cannot_make_zws_check_addresses_without_bound, .timeout = 60)
{
	/* A budget of 4 times 3 addresses a minute. */
	static const char *const zws_args[] = { "--max-addresses", "3", NULL };
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .zws_args = zws_args };
	it_stack_start(&s, &o);
	struct it_ws *ws = connected(s.zws_port);
	static const char none[] = "{\"type\":\"Error\",\"error\":\"no contract found in list\"}";
	static const char budget[] =
		"{\"type\":\"Error\",\"error\":\"too many contract checks (limit 12 addresses per minute per connection)\"}";
	char *q = made_up_eventlog(0, 8);
	cr_assert(it_ws_send(ws, q));
	expect_message(ws, none, "8 addresses checked");
	free(q);
	q = made_up_eventlog(8, 6);
	cr_assert(it_ws_send(ws, q));
	expect_message(ws, budget, "6 more within the minute");
	free(q);
	q = made_up_eventlog(14, 4);
	cr_assert(it_ws_send(ws, q));
	expect_message(ws, none, "the 4 left of the budget");
	free(q);
	/* Another connection has its own budget. */
	struct it_ws *other = connected(s.zws_port);
	q = made_up_eventlog(18, 12);
	cr_assert(it_ws_send(other, q));
	expect_message(other, none, "another connection");
	free(q);
	it_ws_close(other);
	it_ws_close(ws);
	cr_assert_eq(it_db_count(s.db, "SELECT count(*) FROM contracts WHERE NOT is_contract"), 24,
		     "only the 24 addresses within budget were checked");
	it_stack_stop(&s);
	it_mark_passed();
}

Test(hostile, addresses_held_across_the_process_are_bounded, .timeout = 60)
{
	static const char *const zws_args[] = { "--max-total-addresses", "3", NULL };
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .zws_args = zws_args };
	it_stack_start(&s, &o);
	static const char two_a[] = "{\"query\":\"TxnLog\",\"addresses\":[\"0x000000000000000000000000000000000000000a\","
				    "\"0x000000000000000000000000000000000000000b\"]}";
	static const char two_c[] = "{\"query\":\"TxnLog\",\"addresses\":[\"0x000000000000000000000000000000000000000c\","
				    "\"0x000000000000000000000000000000000000000d\"]}";
	static const char full[] =
		"{\"type\":\"Error\",\"error\":\"server address limit reached (limit 3 across all connections)\"}";
	struct it_ws *a = connected(s.zws_port), *b = connected(s.zws_port);
	cr_assert(it_ws_send(a, two_a));
	expect_message(a, two_a, "the first two addresses");
	cr_assert(it_ws_send(b, two_c));
	expect_message(b, full, "two more past the limit of three");
	/* Once the first client leaves, its addresses are free again. */
	it_ws_close(a);
	long long end = it_now_ms() + 5000;
	char *m = NULL;
	do {
		free(m);
		usleep(100000);
		cr_assert(it_ws_send(b, two_c));
		m = it_ws_recv(b, 5000);
		cr_assert(m);
	} while (strcmp(m, two_c) != 0 && it_now_ms() < end);
	cr_assert_str_eq(m, two_c);
	free(m);
	it_ws_close(b);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(hostile, not_a_contract_answers_are_forgotten_once_stale, .timeout = 60)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	long long contracts = it_db_count(s.db, "SELECT count(*) FROM contracts WHERE is_contract");
	it_db_exec(s.db, "INSERT INTO contracts (address, is_contract, source, checked_at) VALUES"
			 " ('0x00000000000000000000000000000000000000e1', false, 'lookup', now() - interval '11 minutes'),"
			 " ('0x00000000000000000000000000000000000000e2', false, 'lookup', now() - interval '1 minute')");
	struct it_ws *ws = connected(s.zws_port);
	char *q = made_up_eventlog(100, 1);
	cr_assert(it_ws_send(ws, q));
	expect_message(ws, "{\"type\":\"Error\",\"error\":\"no contract found in list\"}", "a made-up address");
	free(q);
	it_ws_close(ws);
	long long stale = -1;
	for (long long end = it_now_ms() + 5000; stale != 0 && it_now_ms() < end; usleep(100000))
		stale = it_db_count(s.db, "SELECT count(*) FROM contracts WHERE address LIKE '0x%e1'");
	cr_assert_eq(stale, 0, "the stale answer is still stored");
	cr_assert_eq(it_db_count(s.db, "SELECT count(*) FROM contracts WHERE NOT is_contract"), 2,
		     "the fresh answer and the new one stay");
	cr_assert_eq(it_db_count(s.db, "SELECT count(*) FROM contracts WHERE is_contract"), contracts);
	it_stack_stop(&s);
	it_mark_passed();
}

/* Many connections asking about made-up addresses leave at most
 * --max-negative-cache "not a contract" rows, the newest; a contract the
 * lookup knows is still accepted. */
#define FLOOD_CONNECTIONS 12
#define FLOOD_QUERIES 3
#define FLOOD_ADDRESSES 300
#define CONTRACT "0x17329229cd84b964130977975054f7725a85381a"

Test(hostile, made_up_addresses_from_many_connections_keep_the_negative_cache_bounded, .timeout = 120)
{
	static const char *const zws_args[] = { "--max-negative-cache", "1000", NULL };
	static const char none[] = "{\"type\":\"Error\",\"error\":\"no contract found in list\"}";
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .zws_args = zws_args };
	it_stack_start(&s, &o);
	struct it_ws *ws[FLOOD_CONNECTIONS];
	for (int c = 0; c < FLOOD_CONNECTIONS; c++)
		ws[c] = connected(s.zws_port);
	int first = 1000000;
	for (int q = 0; q < FLOOD_QUERIES; q++) {
		for (int c = 0; c < FLOOD_CONNECTIONS; c++) {
			char *text = made_up_eventlog(first, FLOOD_ADDRESSES);
			cr_assert(it_ws_send(ws[c], text));
			free(text);
			first += FLOOD_ADDRESSES;
		}
		for (int c = 0; c < FLOOD_CONNECTIONS; c++)
			expect_message(ws[c], none, "a query of made-up addresses");
	}
	/* One more, whose rows come last: once they are stored, every answer is. */
	char *last = made_up_eventlog(first, 1);
	cr_assert(it_ws_send(ws[0], last));
	expect_message(ws[0], none, "the last made-up address");
	free(last);
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM contracts WHERE address = '0x%040x'", 0xdead0000 + first);
	long long stored = 0;
	for (long long end = it_now_ms() + 10000; stored == 0 && it_now_ms() < end; usleep(100000))
		stored = it_db_count(s.db, sql);
	cr_assert_eq(stored, 1, "the last answer was never stored");
	long long rows = it_db_count(s.db, "SELECT count(*) FROM contracts WHERE source = 'lookup' AND NOT is_contract");
	cr_log_info("%d made-up addresses asked about, %lld \"not a contract\" rows kept",
		    FLOOD_CONNECTIONS * FLOOD_QUERIES * FLOOD_ADDRESSES + 1, rows);
	cr_assert_leq(rows, 1000, "%lld rows over the bound of 1000", rows);
	cr_assert_geq(rows, 100, "the newest answers stay cached (%lld rows)", rows);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM contracts WHERE address = '0x%040x'", 0xdead0000 + 1000000);
	cr_assert_eq(it_db_count(s.db, sql), 0, "the oldest answer was dropped first");
	/* A contract the lookup knows is still accepted, and one made-up address beside it dropped. */
	static const char eventlog[] = "{\"query\":\"EventLog\",\"addresses\":[\"" CONTRACT "\"]}";
	cr_assert(it_ws_send(ws[1], eventlog));
	expect_message(ws[1], eventlog, "a real contract after the flood");
	for (int c = 0; c < FLOOD_CONNECTIONS; c++)
		it_ws_close(ws[c]);
	it_stack_stop(&s);
	it_mark_passed();
}
