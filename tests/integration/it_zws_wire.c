/* The bytes zws puts on the wire, read by raw TCP clients that do the
 * WebSocket handshake themselves: every frame's header (FIN, text opcode,
 * no mask, the length in its shortest form) and payload, for replies lws
 * writes, the shared NewBlock frame, and the messages zws frames and
 * sendmsg()s itself (io/rawsend.c), including one the socket took only
 * in part: a client with a tiny receive buffer stops reading while
 * multi-megabyte EventLog notifications arrive, lws keeps the rest of the
 * partial write and sends it, and the next notification waits behind it.
 * Blocks come from the fake lookup's events shape: 10,000 event logs of
 * 1,000 contracts each (block 692365, from the fixtures, has 13). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"


/* A raw client: the socket and every byte it has read. */
struct raw {
	int fd;
	unsigned char *buf;
	size_t len, cap, parsed;
};

struct frame {
	size_t header;      /* header bytes */
	unsigned char *data; /* into the raw buffer */
	size_t len;
};

static void raw_read_some(struct raw *r, int timeout_ms)
{
	struct pollfd p = { r->fd, POLLIN, 0 };
	cr_assert_gt(poll(&p, 1, timeout_ms), 0, "nothing arrived within %d ms", timeout_ms);
	if (r->cap - r->len < 65536) {
		r->cap = r->cap * 2 + 65536;
		cr_assert(r->buf = realloc(r->buf, r->cap));
	}
	ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len);
	cr_assert_gt(n, 0, "connection closed: %s", n < 0 ? strerror(errno) : "EOF");
	r->len += (size_t)n;
}

/* Connects with a receive buffer of rcvbuf bytes (0: the default) and
 * does the opening handshake of RFC 6455's example. */
static struct raw *raw_connect(int port, int rcvbuf)
{
	struct raw *r = calloc(1, sizeof(*r));
	cr_assert(r);
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (rcvbuf)
		setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(r->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	static const char req[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
				  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				  "Sec-WebSocket-Version: 13\r\n\r\n";
	cr_assert_eq(write(r->fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	char *end = NULL;
	while (!end) {
		raw_read_some(r, 5000);
		end = memmem(r->buf, r->len, "\r\n\r\n", 4);
	}
	size_t hlen = (size_t)(end + 4 - (char *)r->buf);
	cr_assert(hlen > 12 && memcmp(r->buf, "HTTP/1.1 101", 12) == 0, "%.*s", (int)hlen, r->buf);
	cr_assert(memmem(r->buf, hlen, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28), "wrong Sec-WebSocket-Accept");
	r->parsed = hlen;
	return r;
}

/* Sends text as one masked frame. */
static void raw_send(struct raw *r, const char *text)
{
	size_t len = strlen(text), h = 0;
	unsigned char *f = malloc(len + 14);
	static const unsigned char key[4] = { 0x12, 0x34, 0x56, 0x78 };
	cr_assert(f);
	f[h++] = 0x81;
	if (len < 126) {
		f[h++] = 0x80 | (unsigned char)len;
	} else if (len < 65536) {
		f[h++] = 0x80 | 126;
		f[h++] = (unsigned char)(len >> 8);
		f[h++] = (unsigned char)len;
	} else {
		f[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			f[h++] = (unsigned char)((uint64_t)len >> (8 * i));
	}
	memcpy(f + h, key, 4);
	h += 4;
	for (size_t i = 0; i < len; i++)
		f[h + i] = (unsigned char)text[i] ^ key[i % 4];
	cr_assert_eq(write(r->fd, f, h + len), (ssize_t)(h + len));
	free(f);
}

/* Reads the next frame whole and checks its header: FIN, text, unmasked,
 * the length in its shortest form. */
static struct frame raw_frame(struct raw *r, int timeout_ms)
{
	for (;;) {
		unsigned char *p = r->buf + r->parsed;
		size_t have = r->len - r->parsed, h = 2, len;
		if (have >= 2) {
			cr_assert_eq(p[0], 0x81, "frame at byte %zu: first byte 0x%02x, not FIN + text", r->parsed, p[0]);
			cr_assert_eq(p[1] & 0x80, 0, "a server frame is masked");
			len = p[1] & 0x7f;
			if (len == 126)
				h = 4;
			else if (len == 127)
				h = 10;
			if (have >= h) {
				if (h == 4) {
					len = (size_t)p[2] << 8 | p[3];
					cr_assert_geq(len, 126, "16-bit length %zu fits 7 bits", len);
				} else if (h == 10) {
					cr_assert_eq(p[2] & 0x80, 0, "64-bit length has its top bit set");
					len = 0;
					for (int i = 2; i < 10; i++)
						len = len << 8 | p[i];
					cr_assert_geq(len, 65536, "64-bit length %zu fits 16 bits", len);
				}
				if (have >= h + len) {
					r->parsed += h + len;
					return (struct frame){ .header = h, .data = p + h, .len = len };
				}
			}
		}
		raw_read_some(r, timeout_ms);
	}
}

static void raw_close(struct raw *r)
{
	close(r->fd);
	free(r->buf);
	free(r);
}

static void assert_payload(struct frame f, const char *want, const char *what)
{
	cr_assert(f.len == strlen(want) && memcmp(f.data, want, f.len) == 0, "%s: got %zu bytes \"%.200s\"",
		  what, f.len, (const char *)f.data);
}

/* Event logs in a notification's EventLog value. */
static size_t event_logs(const char *json)
{
	json_object *o = json_tokener_parse(json), *values, *v, *groups, *logs;
	cr_assert(o && json_object_object_get_ex(o, "values", &values));
	size_t n = 0;
	for (size_t i = 0; i < json_object_array_length(values); i++) {
		json_object *q;
		v = json_object_array_get_idx(values, i);
		if (!json_object_object_get_ex(v, "query", &q) || strcmp(json_object_get_string(q), "EventLog"))
			continue;
		cr_assert(json_object_object_get_ex(v, "value", &groups));
		for (size_t g = 0; g < json_object_array_length(groups); g++) {
			cr_assert(json_object_object_get_ex(json_object_array_get_idx(groups, g), "event_logs", &logs));
			n += json_object_array_length(logs);
		}
	}
	json_object_put(o);
	return n;
}

/* {"type":"Notification","values":[<the NewBlock value of full>]}. */
static char *newblock_only(const char *full)
{
	json_object *o = json_tokener_parse(full), *values;
	cr_assert(o && json_object_object_get_ex(o, "values", &values));
	json_object *out = json_object_new_object(), *list = json_object_new_array();
	json_object_object_add(out, "type", json_object_new_string("Notification"));
	json_object_array_add(list, json_object_get(json_object_array_get_idx(values, 0)));
	json_object_object_add(out, "values", list);
	char *text = strdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	json_object_put(o);
	return text;
}

/* Clients served in the fan-out log line of block num that waited behind
 * earlier output. */
static int waiting_in_log(const struct it_stack *s, long long num)
{
	char needle[64], line[1024];
	snprintf(needle, sizeof(needle), "blk=%lld sent to", num);
	cr_assert(it_log_wait(s->zws, needle, 10000), "no fan-out line for block %lld", num);
	FILE *f = fopen(it_proc_log(s->zws), "r");
	cr_assert(f);
	int waiting = -1;
	while (fgets(line, sizeof(line), f)) {
		char *at = strstr(line, needle), *w = at ? strstr(at, "unsubscribe only; ") : NULL;
		if (w)
			waiting = atoi(w + strlen("unsubscribe only; "));
	}
	fclose(f);
	return waiting;
}

Test(zws_wire, every_frame_header_and_payload_including_a_partial_write_lws_takes_over, .timeout = 240)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 800000,
				   .lookup_args = (const char *const[]){ "--shape", "events", NULL },
				   .zws_args = (const char *const[]){ "--max-message", "65536", NULL } };
	it_stack_start(&s, &o);
	char *el = it_events_shape_query();
	const char *nb = "{\"query\":\"NewBlock\"}";
	const char *txn = "{\"query\":\"TxnLog\",\"addresses\":[\"0x00000000000000000000000000000000000c0001\"]}";
	const char *unsub = "{\"query\":\"Unsubscribe\",\"type\":\"TxnLog\"}";

	/* slow: NewBlock and every contract's EventLog, a tiny receive buffer. */
	struct raw *slow = raw_connect(s.zws_port, 4096);
	raw_send(slow, nb);
	raw_send(slow, el);
	struct frame f = raw_frame(slow, 5000);
	cr_assert_eq(f.header, 2);
	assert_payload(f, nb, "NewBlock echo");
	f = raw_frame(slow, 10000);
	cr_assert_eq(f.header, 4, "a %zu-byte echo", f.len);
	assert_payload(f, el, "EventLog echo");
	/* quitting: its only news will be that it dropped TxnLog. */
	struct raw *quitting = raw_connect(s.zws_port, 0);
	raw_send(quitting, txn);
	raw_send(quitting, unsub);
	assert_payload(raw_frame(quitting, 5000), txn, "TxnLog echo");
	assert_payload(raw_frame(quitting, 5000), unsub, "Unsubscribe echo");
	/* plain: NewBlock only, the frame every such client shares. */
	struct raw *plain = raw_connect(s.zws_port, 0);
	raw_send(plain, nb);
	assert_payload(raw_frame(plain, 5000), nb, "NewBlock echo");
	/* reference: what a client reading everything at once receives. */
	struct it_ws *ref = it_ws_connect(s.zws_port, 5000);
	cr_assert(ref);
	cr_assert(it_ws_send(ref, nb) && it_ws_send(ref, el));
	free(it_ws_recv(ref, 5000));
	free(it_ws_recv(ref, 10000));

	/* slow reads nothing from here on. */
	char *want[2];
	long long num[2];
	for (int b = 0; b < 2; b++) {
		num[b] = it_lookup_produce(s.lookup_port, 1);
		want[b] = it_ws_recv(ref, 60000);
		cr_assert(want[b], "block %lld did not reach the reference client", num[b]);
		cr_assert_eq(event_logs(want[b]), 10000);
	}
	cr_assert_geq(waiting_in_log(&s, num[1]), 1,
		      "the second block did not wait behind the first one's partial write");

	f = raw_frame(quitting, 10000);
	cr_assert_eq(f.header, 2);
	assert_payload(f, "{\"type\":\"Notification\",\"values\":[{\"query\":\"Unsubscribe\",\"value\":[\"TxnLog\"]}]}",
		       "the Unsubscribe-only notification");
	for (int b = 0; b < 2; b++) {
		char *one = newblock_only(want[b]);
		f = raw_frame(plain, 10000);
		cr_assert_eq(f.header, f.len < 65536 ? 4 : 10);
		char *got = strndup((const char *)f.data, f.len);
		cr_assert(it_json_equal(got, one), "block %lld's NewBlock frame differs", num[b]);
		free(got);
		free(one);
	}
	for (int b = 0; b < 2; b++) {
		f = raw_frame(slow, 30000);
		cr_assert_eq(f.header, 10, "a %zu-byte notification", f.len);
		assert_payload(f, want[b], "the slow client's notification");
		free(want[b]);
	}
	cr_assert(it_ws_silent(ref, 200));
	struct pollfd p = { slow->fd, POLLIN, 0 };
	cr_assert(slow->len == slow->parsed && poll(&p, 1, 200) == 0, "bytes after the last frame");
	raw_close(slow);
	raw_close(quitting);
	raw_close(plain);
	it_ws_close(ref);
	free(el);
	it_stack_stop(&s);
	it_mark_passed();
}
