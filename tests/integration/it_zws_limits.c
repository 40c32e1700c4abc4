/* zws against bad input: oversized, fragmented, empty, binary and invalid
 * UTF-8 messages, query floods; none of it disturbs another client. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char newblock[] = "{\"query\":\"NewBlock\"}";

static struct it_ws *subscribed(int port)
{
	struct it_ws *ws = it_ws_connect(port, 5000);
	cr_assert(ws);
	cr_assert(it_ws_send(ws, newblock));
	char *echo = it_ws_recv(ws, 5000);
	cr_assert(echo);
	cr_assert_str_eq(echo, newblock);
	free(echo);
	return ws;
}

static void expect_close(struct it_ws *ws, int code)
{
	char *m = it_ws_recv(ws, 5000);
	cr_assert_null(m, "expected a close, got %.100s", m);
	cr_assert_eq(it_ws_close_code(ws), code);
}

Test(limits, bad_input_is_handled_and_others_are_undisturbed, .timeout = 90)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	struct it_ws *good = subscribed(s.zws_port);

	/* Fragmented: reassembled, then echoed as one message. */
	struct it_ws *ws = it_ws_connect(s.zws_port, 5000);
	cr_assert(it_ws_send_frame(ws, IT_WS_TEXT, false, newblock, 5));
	cr_assert(it_ws_send_frame(ws, IT_WS_CONT, false, newblock + 5, 0));
	cr_assert(it_ws_send_frame(ws, IT_WS_CONT, true, newblock + 5, strlen(newblock) - 5));
	char *m = it_ws_recv(ws, 5000);
	cr_assert(m);
	cr_assert_str_eq(m, newblock);
	free(m);
	/* Empty frames are ignored; binary frames are an invalid query. */
	cr_assert(it_ws_send_frame(ws, IT_WS_TEXT, true, "", 0));
	cr_assert(it_ws_silent(ws, 300));
	cr_assert(it_ws_send_frame(ws, IT_WS_BINARY, true, newblock, strlen(newblock)));
	m = it_ws_recv(ws, 5000);
	cr_assert_str_eq(m, "{\"type\":\"Error\",\"error\":\"invalid query field\"}");
	free(m);
	/* Invalid UTF-8 closes with 1007. */
	cr_assert(it_ws_send_frame(ws, IT_WS_TEXT, true, "{\"query\":\"\xc3\x28\"}", 14));
	expect_close(ws, 1007);
	it_ws_close(ws);

	/* Over 16 KiB, even in fragments: 1009. */
	size_t big = 16385;
	char *huge = malloc(big);
	memset(huge, ' ', big);
	ws = it_ws_connect(s.zws_port, 5000);
	cr_assert(it_ws_send_frame(ws, IT_WS_TEXT, false, huge, 10000));
	cr_assert(it_ws_send_frame(ws, IT_WS_CONT, true, huge, big - 10000));
	expect_close(ws, 1009);
	it_ws_close(ws);
	free(huge);

	/* A flood: past the rate limit (20/s) the client is told once and the
	 * rest of the flood goes unanswered. */
	ws = it_ws_connect(s.zws_port, 5000);
	for (int i = 0; i < 30; i++)
		cr_assert(it_ws_send(ws, newblock));
	int echoes = 0, limited = 0;
	while ((m = it_ws_recv(ws, 500))) {
		if (strcmp(m, newblock) == 0)
			echoes++;
		else if (strcmp(m, "{\"type\":\"Error\",\"error\":\"rate limit exceeded (limit 20 queries per second)\"}") == 0)
			limited++;
		free(m);
	}
	cr_assert(echoes >= 20 && echoes < 30 && limited == 1, "%d echoes, %d limited", echoes, limited);
	it_ws_close(ws);

	/* The well-behaved client still gets its block. */
	cr_assert_eq(it_lookup_produce(s.lookup_port, 1), 1001);
	m = it_ws_recv(good, 15000);
	cr_assert(m && strstr(m, "\"BlockNum\":\"1001\""), "NewBlock 1001 still arrives");
	free(m);
	it_ws_close(good);
	it_stack_stop(&s);
	it_mark_passed();
}

/* Keepalive: a client that answers pings stays, one that stays silent is
 * dropped once --drop-after passes, and the log says why. */
Test(limits, silent_clients_are_pinged_then_dropped, .timeout = 60)
{
	static const char *const zws_args[] = { "--ping-after", "1", "--drop-after", "3", NULL };
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .zws_args = zws_args };
	it_stack_start(&s, &o);
	struct it_ws *answering = subscribed(s.zws_port);
	struct it_ws *silent = subscribed(s.zws_port);

	/* The answering client reads (and so pongs every ping) for 5 s. */
	int pings = 0;
	for (long long end = it_now_ms() + 5000; it_now_ms() < end;) {
		struct it_ws_frame f;
		if (!it_ws_recv_frame_raw(answering, &f, 200))
			continue;
		cr_assert_eq(f.opcode, IT_WS_PING, "unexpected frame %d: %.100s", f.opcode, f.data);
		cr_assert(it_ws_send_frame(answering, IT_WS_PONG, true, f.data, f.len));
		pings++;
		it_ws_frame_free(&f);
	}
	cr_expect_geq(pings, 2, "pinged %d times in 5 s with --ping-after 1", pings);
	cr_assert(it_ws_send(answering, newblock));
	char *m = it_ws_recv(answering, 5000);
	cr_assert(m, "the answering client was dropped");
	cr_assert_str_eq(m, newblock);
	free(m);

	/* The silent one got a ping it never answered, then the connection ended. */
	struct it_ws_frame f;
	cr_assert(it_ws_recv_frame_raw(silent, &f, 1000));
	cr_expect_eq(f.opcode, IT_WS_PING);
	it_ws_frame_free(&f);
	cr_assert_not(it_ws_recv_frame_raw(silent, &f, 1000), "the silent client is still served");
	cr_expect(it_log_wait(s.zws, "dropped: silent for 3 s, no answer to a ping", 1000));
	it_ws_close(silent);
	it_ws_close(answering);
	it_stack_stop(&s);
	it_mark_passed();
}
