/* Fuzz target: any bytes a WebSocket client may send after a valid
 * handshake, into a real zws worker (lws 4.1.6, its WebSocket parser, and
 * zws's sessions and subscriptions) running in this process. One worker
 * serves every input, without PostgreSQL: contract checks answer from
 * what is known. Per input a loopback connection is adopted on the
 * worker's vhost, the handshake and then the input are written, the loop
 * is serviced until zws has nothing more to say, and the client then
 * half-closes and waits for zws to close.
 *
 * Checked: zws never crashes or trips a sanitizer; it closes every
 * connection whose client has gone; what it sends is a 101 answer and
 * then valid RFC 6455 server frames: unmasked, no reserved bits, known
 * opcodes, control frames short and unfragmented, continuations only
 * inside a fragmented message, text valid UTF-8, a close code a server
 * may send, and nothing after the close frame.
 *
 * Client frames with the mask key 00000000 carry their payload as is, so
 * the seeds (corpus/zws_session/) use it and mutations stay readable. */
#define _GNU_SOURCE /* accept4, memmem */
#include "fuzz.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <signal.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mask_check.h"
#include "server.h"
#include "stats_region.h"
#include "zws_config.h"

/* Loop turns with nothing new from zws before it counts as quiet. */
#define SESSION_QUIET_TURNS 4
/* Loop turns one input may take in all: bounds each run's cost. A
 * connection zws has not closed by then is a stall, and a failure. */
#define SESSION_MAX_TURNS 2000
/* What zws may send for one input that the check keeps. */
#define SESSION_OUT_MAX (1u << 20)

static const char handshake[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
				"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				"Sec-WebSocket-Version: 13\r\n\r\n";

/* One loop turn as the server's own loop runs it: lws, then the sessions
 * whose client sent an unmasked ping. */
static void service(struct lws_context *cx)
{
	lws_service(cx, -1);
	mask_check_sweep();
}

struct worker {
	struct zws_config cfg;
	struct server *sv;
	struct stats_region *stats;
	int listen_fd;
	struct sockaddr_in addr;
};

static struct worker *worker;

static void worker_free(void)
{
	if (!worker)
		return;
	server_free(worker->sv);
	stats_region_unmap(worker->stats);
	close(worker->listen_fd);
	free(worker);
	worker = NULL;
}

static const char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

/* The one worker, started at the first input. */
static struct worker *worker_get(void)
{
	if (worker)
		return worker;
	static char *argv[] = { "zws", "--db", "host=/nonexistent dbname=zws", "--event-loop", "poll",
				"--log-level", "error" };
	struct worker *w = calloc(1, sizeof(*w));
	char err[200];
	FUZZ_CHECK(w);
	FUZZ_CHECK(zws_config_parse(&w->cfg, (int)(sizeof(argv) / sizeof(argv[0])), argv, no_env, err,
				    sizeof(err)) == CONFIG_OK);
	log_set_level(LOG_LEVEL_ERROR);
	signal(SIGPIPE, SIG_IGN);
	FUZZ_CHECK((w->stats = stats_region_map(1, err, sizeof(err))) != NULL);
	FUZZ_CHECK((w->sv = server_new(&w->cfg, NULL, NULL, w->stats, 0)) != NULL);
	w->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t alen = sizeof(w->addr);
	w->addr.sin_family = AF_INET;
	w->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_CHECK(w->listen_fd >= 0 && bind(w->listen_fd, (struct sockaddr *)&w->addr, sizeof(w->addr)) == 0 &&
		   listen(w->listen_fd, 16) == 0 &&
		   getsockname(w->listen_fd, (struct sockaddr *)&w->addr, &alen) == 0);
	worker = w;
	atexit(worker_free);
	return w;
}

/* A connected pair: *client ours, *server for zws. The connect is
 * non-blocking and waited for with poll, and the accept retried, since
 * libFuzzer's -timeout alarm may interrupt either (EINTR). */
static bool connect_pair(struct worker *w, int *client, int *server)
{
	*client = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*client < 0)
		return false;
	int err = 0;
	socklen_t elen = sizeof(err);
	struct pollfd pfd = { .fd = *client, .events = POLLOUT };
	if (connect(*client, (struct sockaddr *)&w->addr, sizeof(w->addr)) != 0) {
		int r;
		if (errno != EINPROGRESS)
			goto fail;
		while ((r = poll(&pfd, 1, 5000)) < 0 && errno == EINTR)
			;
		if (r != 1 || getsockopt(*client, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
			goto fail;
		if (err) {
			errno = err;
			goto fail;
		}
	}
	while ((*server = accept4(w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (*server >= 0)
		return true;
fail:
	fprintf(stderr, "connect/accept: %s\n", strerror(errno));
	close(*client);
	return false;
}

/* What zws sent and whether it closed. */
struct client {
	int fd;
	uint8_t *out;
	size_t len;
	bool eof;
};

/* Takes what zws sent so far; true if there was anything. */
static bool take(struct client *c)
{
	bool got = false;
	uint8_t buf[16384];
	ssize_t n = -1;
	while (!c->eof && (n = recv(c->fd, buf, sizeof(buf), 0)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			c->eof = errno != EAGAIN && errno != EWOULDBLOCK; /* a reset ends it too */
			break;
		}
		size_t keep = SESSION_OUT_MAX - c->len < (size_t)n ? SESSION_OUT_MAX - c->len : (size_t)n;
		memcpy(c->out + c->len, buf, keep);
		c->len += keep;
		got = true;
	}
	if (n == 0)
		c->eof = true;
	return got;
}

/* Writes all of p, servicing the loop while the socket is full. */
static void send_all(struct lws_context *cx, struct client *c, const uint8_t *p, size_t n, int *turns)
{
	while (n && !c->eof && *turns < SESSION_MAX_TURNS) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return; /* zws hung up */
		service(cx);
		take(c);
		++*turns;
	}
}

/* Services the loop until zws is quiet (or closed). */
static void settle(struct lws_context *cx, struct client *c, int *turns)
{
	for (int quiet = 0; quiet < SESSION_QUIET_TURNS && !c->eof && *turns < SESSION_MAX_TURNS; ++*turns) {
		service(cx);
		quiet = take(c) ? 0 : quiet + 1;
	}
}

/* Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
static bool utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t b = p[i];
		size_t k = b < 0x80 ? 0 : (b & 0xe0) == 0xc0 ? 1 : (b & 0xf0) == 0xe0 ? 2 : (b & 0xf8) == 0xf0 ? 3 : 9;
		if (k == 9 || n - i <= k || (k == 1 && b < 0xc2))
			return k == 0;
		uint32_t cp = b & (0x7f >> k);
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += k + 1;
	}
	return true;
}

/* RFC 6455 section 7.4 and the IANA registry: zws's own codes and those
 * of a client's close that lws echoes. */
static bool close_code_allowed(unsigned code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/* What the checks of one connection's frames carry from frame to frame. */
struct wire {
	const uint8_t *input; /* what the client sent after the handshake */
	size_t input_len;
	bool fragmented, closed;
	struct buf text;
};

/* Whether the input holds payload's n bytes as sent, or masked: after
 * any 4 bytes that, as a key, unmask them. Where lws's parser stood after
 * a protocol error cannot be told from outside, so any place counts. */
static bool in_input(const struct wire *w, const uint8_t *payload, size_t n)
{
	if (memmem(w->input, w->input_len, payload, n))
		return true;
	for (size_t i = 0; i + 4 + n <= w->input_len; i++) {
		const uint8_t *key = w->input + i, *p = key + 4;
		size_t k = 0;
		while (k < n && (p[k] ^ key[k % 4]) == payload[k])
			k++;
		if (k == n)
			return true;
	}
	return false;
}

/* Whether the tail of a close payload (n bytes) is the end of one of
 * lws's own close payloads (or zws's, which lws keeps in the same
 * buffer): a code, then one of their reasons. */
static bool lws_reason_tail(const uint8_t *tail, size_t n)
{
	static const char *const reasons[] = { "frag ctl", "bad cont", "bad opc", "bad fin", "rsv bits",
					       "bad utf8", "partial utf8", "unmasked frame" };
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		size_t r = strlen(reasons[i]), same = n < r ? n : r;
		if (n <= r + 2 && memcmp(tail + n - same, reasons[i] + r - same, same) == 0)
			return true;
	}
	return false;
}

/* lws 4.1.6 may send its own close frame (after a protocol error, when
 * more client frames follow in the same read) with the start of its
 * payload, or all of it, overwritten by a later ping's payload: it keeps a
 * ping's payload and a close reason in one buffer (docs/protocol.md,
 * "Known limits"). A close frame that breaks the rules is excused only as
 * that: bytes of the input (as sent or unmasked), or none, then
 * the end of one of lws's own payloads, or nothing. */
static bool closed_by_lws(const struct wire *w, const uint8_t *payload, size_t len)
{
	for (size_t p = 0; p <= len; p++) {
		if (p < len && !lws_reason_tail(payload + p, len - p))
			continue;
		if (p == 0 || in_input(w, payload, p))
			return true;
	}
	return false;
}

/* A close payload a server may send: no payload, or a code it may send
 * and a UTF-8 reason. */
static bool close_payload_valid(const uint8_t *payload, size_t len)
{
	return len == 0 ||
	       (len >= 2 && close_code_allowed((unsigned)payload[0] << 8 | payload[1]) && utf8_valid(payload + 2, len - 2));
}

/* One frame of zws's at p (n bytes left); returns its length. */
static size_t check_frame(const uint8_t *p, size_t n, struct wire *w)
{
	bool *fragmented = &w->fragmented, *closed = &w->closed;
	struct buf *text = &w->text;
	FUZZ_CHECK(!*closed); /* nothing after a close frame */
	FUZZ_CHECK(n >= 2);
	bool fin = p[0] & 0x80;
	unsigned op = p[0] & 0x0f;
	FUZZ_CHECK((p[0] & 0x70) == 0); /* no extension is negotiated */
	FUZZ_CHECK((p[1] & 0x80) == 0); /* a server never masks */
	uint64_t len = p[1] & 0x7f;
	size_t h = 2;
	if (len == 126) {
		FUZZ_CHECK(n >= 4);
		len = (uint64_t)p[2] << 8 | p[3];
		h = 4;
	} else if (len == 127) {
		FUZZ_CHECK(n >= 10);
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | p[2 + i];
		FUZZ_CHECK(!(len >> 63));
		h = 10;
	}
	FUZZ_CHECK(len <= n - h); /* whole: zws closes only after a frame */
	const uint8_t *payload = p + h;
	switch (op) {
	case 0x0:
	case 0x1:
	case 0x2:
		FUZZ_CHECK(op == 0 ? *fragmented : !*fragmented);
		if (op == 0x1)
			buf_reset(text);
		if (op != 0x2)
			buf_append(text, payload, (size_t)len);
		*fragmented = !fin;
		if (fin && !text->failed)
			FUZZ_CHECK(utf8_valid((const uint8_t *)text->data, text->len));
		break;
	case 0x8:
		FUZZ_CHECK(fin && len <= 125 && len != 1);
		*closed = true;
		if (!close_payload_valid(payload, (size_t)len) && !closed_by_lws(w, payload, (size_t)len)) {
			fprintf(stderr, "close payload:");
			for (uint64_t k = 0; k < len; k++)
				fprintf(stderr, " %02x", payload[k]);
			fprintf(stderr, "\n");
			FUZZ_CHECK(!"a close payload a server may not send");
		}
		break;
	case 0x9:
	case 0xa:
		FUZZ_CHECK(fin && len <= 125);
		break;
	default:
		FUZZ_CHECK(!"an opcode RFC 6455 does not define");
	}
	return h + (size_t)len;
}

/* zws's answer: 101 and its headers, then frames. A 101 is all it may
 * send to a valid handshake. */
static void check_output(const uint8_t *out, size_t n, const uint8_t *input, size_t input_len)
{
	static const char ok[] = "HTTP/1.1 101 ";
	FUZZ_CHECK(n >= sizeof(ok) - 1 && memcmp(out, ok, sizeof(ok) - 1) == 0);
	const uint8_t *end = memmem(out, n, "\r\n\r\n", 4);
	FUZZ_CHECK(end);
	size_t i = (size_t)(end + 4 - out);
	struct wire w = { .input = input, .input_len = input_len, .text = BUF_INIT };
	if (n < SESSION_OUT_MAX) /* else the last frame may be cut by the cap */
		while (i < n)
			i += check_frame(out + i, n - i, &w);
	buf_free(&w.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct worker *w = worker_get();
	struct lws_context *cx = server_context(w->sv);
	struct client c = { .out = malloc(SESSION_OUT_MAX) };
	int server_fd, turns = 0;
	FUZZ_CHECK(c.out);
	FUZZ_CHECK(connect_pair(w, &c.fd, &server_fd));
	mask_check_accepted(NULL, server_fd); /* as the listener's accepted hook */
	FUZZ_CHECK(lws_adopt_socket_vhost(server_vhost(w->sv), server_fd));
	send_all(cx, &c, (const uint8_t *)handshake, sizeof(handshake) - 1, &turns);
	while (!c.eof && !memmem(c.out, c.len, "\r\n\r\n", 4) && turns++ < SESSION_MAX_TURNS) {
		service(cx);
		take(&c);
	}
	send_all(cx, &c, data, size, &turns);
	settle(cx, &c, &turns);
	shutdown(c.fd, SHUT_WR);
	while (!c.eof && turns++ < SESSION_MAX_TURNS) {
		service(cx);
		take(&c);
	}
	FUZZ_CHECK(c.eof); /* zws closes a connection whose client has gone */
	close(c.fd);
	check_output(c.out, c.len, data, size);
	free(c.out);
	return 0;
}
