/* zws-floor: the fan-out benchmark's floor. A bare epoll WebSocket server
 * that does the least a broadcast can: it completes the opening handshake,
 * echoes every message (so a subscription looks accepted) and, on each
 * SIGUSR2, writes one pre-built text frame to every open connection. Its
 * time and memory are what the kernel and one send() per socket cost: the
 * baseline zws is measured against.
 *
 * A connection is one small struct in an array indexed by its descriptor;
 * buffers hang off it only while a request or frame is incomplete or a
 * write was short. The broadcast frame is shared, never copied. With
 * --reuseport several floors share one port, as zws workers do.
 *
 * With --pieces K every client gets a frame of its own instead, as an
 * EventLog fan-out does: K pieces chosen per client from a pool of 1,000
 * (one per contract), written with one sendmsg; the floor for messages
 * that differ per client. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"

#define MAX_REQUEST 4096
#define MAX_FRAME 65536
#define POOL 1000
#define MAX_PIECES 64
#define LISTEN_TAG UINT32_MAX
#define SIGNAL_TAG (UINT32_MAX - 1)

enum conn_state { CONN_FREE, CONN_HANDSHAKE, CONN_OPEN };

struct conn {
	uint8_t state;
	uint8_t out_owned;    /* out was malloc'd (an echo or the 101 reply) */
	uint32_t in_len;
	uint32_t out_len, out_off;
	uint8_t *in;          /* unparsed bytes */
	const uint8_t *out;   /* the rest of a short write */
};

struct floor {
	const char *host;
	uint16_t port;
	uint32_t size;
	uint32_t duration_s;
	bool reuseport;
	int epfd, lfd, sfd;
	bool accept_paused;
	struct conn *conns;   /* indexed by descriptor */
	uint32_t nconns, max_fd, open;
	uint8_t *frame;       /* the broadcast frame */
	size_t frame_len;
	uint32_t pieces;      /* --pieces: frames of pieces from the pool */
	size_t head_len;      /* frame header and JSON head, in frame */
	size_t piece_len;     /* one piece of the pool */
	uint8_t *pool;        /* POOL pieces of piece_len bytes */
	uint32_t epoch;
	uint8_t rbuf[MAX_FRAME + 16];
	uint8_t wbuf[MAX_FRAME + 16];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: zws-floor --port PORT [options]\n"
		"A bare epoll WebSocket server: accepts, completes the handshake, echoes\n"
		"every message, and on each SIGUSR2 writes one pre-built text frame to\n"
		"every open connection, logging how long that took. SIGTERM stops it.\n"
		"  --host ADDR     listen address (default 127.0.0.1)\n"
		"  --port PORT     listen port (required)\n"
		"  --size BYTES    payload size of the broadcast frame (default 2048)\n"
		"  --pieces K      give every client its own frame of the same size: K\n"
		"                  pieces chosen per client from a pool of 1,000, one\n"
		"                  sendmsg each (default 1: one shared frame)\n"
		"  --reuseport     set SO_REUSEPORT, so several floors share the port\n"
		"  --duration S    exit after S seconds (default 3600)\n");
}

static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Returns 0 to run, 1 after --help, 2 on a bad option. */
static int parse_opts(int argc, char **argv, struct floor *fl)
{
	static const struct option longs[] = {
		{"host", 1, 0, 'H'}, {"port", 1, 0, 'p'}, {"size", 1, 0, 's'},
		{"reuseport", 0, 0, 'r'}, {"duration", 1, 0, 'd'}, {"pieces", 1, 0, 'k'}, {"help", 0, 0, 'h'},
		{0, 0, 0, 0},
	};
	uint32_t port = 0;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longs, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'H': fl->host = optarg; break;
		case 'p': ok = parse_u32(optarg, 1, 65535, &port); break;
		case 's': ok = parse_u32(optarg, 64, MAX_FRAME - 16, &fl->size); break;
		case 'r': fl->reuseport = true; break;
		case 'd': ok = parse_u32(optarg, 1, 86400, &fl->duration_s); break;
		case 'k': ok = parse_u32(optarg, 1, MAX_PIECES, &fl->pieces); break;
		case 'h': usage(stdout); return 1;
		case ':': fprintf(stderr, "zws-floor: %s needs a value\n", argv[optind - 1]); return 2;
		default: fprintf(stderr, "zws-floor: unknown option %s (see --help)\n", argv[optind - 1]); return 2;
		}
		if (!ok) {
			const char *name = "option";
			for (const struct option *l = longs; l->name; l++)
				if (l->val == c)
					name = l->name;
			fprintf(stderr, "zws-floor: invalid --%s: %s\n", name, optarg);
			return 2;
		}
	}
	if (fl->pieces > 1 && fl->size < 1024) {
		fprintf(stderr, "zws-floor: --pieces needs a --size of at least 1024\n");
		return 2;
	}
	if (optind < argc || !port) {
		fprintf(stderr, "zws-floor: %s\n", port ? "unexpected argument" : "--port is required");
		return 2;
	}
	fl->port = (uint16_t)port;
	return 0;
}

/* A NewBlock-shaped notification padded to exactly `size` payload bytes. */
static bool build_frame(struct floor *fl)
{
	static const char head[] = "{\"type\":\"Notification\",\"values\":[{\"query\":\"NewBlock\",\"value\":{\"pad\":\"";
	static const char tail[] = "\"}}]}";
	size_t fixed = strlen(head) + strlen(tail);
	fl->frame = malloc(fl->size + 4);
	if (!fl->frame)
		return false;
	size_t h = 0;
	fl->frame[h++] = 0x81;
	if (fl->size < 126) {
		fl->frame[h++] = (uint8_t)fl->size;
	} else {
		fl->frame[h++] = 126;
		fl->frame[h++] = (uint8_t)(fl->size >> 8);
		fl->frame[h++] = (uint8_t)fl->size;
	}
	memcpy(fl->frame + h, head, strlen(head));
	memset(fl->frame + h + strlen(head), 'a', fl->size - fixed);
	memcpy(fl->frame + h + fl->size - strlen(tail), tail, strlen(tail));
	fl->frame_len = h + fl->size;
	fl->head_len = h + strlen(head);
	if (fl->pieces <= 1)
		return true;
	/* The pieces fill the padding exactly; the frame keeps head and tail. */
	fl->piece_len = (fl->size - fixed) / fl->pieces;
	fl->frame_len = fl->head_len + fl->piece_len * fl->pieces + strlen(tail);
	size_t payload = fl->frame_len - h; /* >= 126: --size is at least 1024 */
	fl->frame[2] = (uint8_t)(payload >> 8);
	fl->frame[3] = (uint8_t)payload;
	memmove(fl->frame + fl->head_len, tail, strlen(tail));
	fl->pool = malloc(POOL * fl->piece_len);
	if (!fl->pool)
		return false;
	for (size_t i = 0; i < POOL; i++)
		memset(fl->pool + i * fl->piece_len, 'a' + (int)(i % 26), fl->piece_len);
	return true;
}

/* ---- connections ---- */

static bool open_pending(struct floor *fl, int fd);

static void conn_close(struct floor *fl, int fd)
{
	struct conn *c = &fl->conns[fd];
	if (c->state == CONN_OPEN)
		fl->open--;
	free(c->in);
	if (c->out_owned)
		free((void *)c->out);
	*c = (struct conn){0};
	close(fd);
}

static void want_out(struct floor *fl, int fd, bool on)
{
	struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.u32 = (uint32_t)fd};
	epoll_ctl(fl->epfd, EPOLL_CTL_MOD, fd, &ev);
}

/* Sends data; whatever the socket does not take waits for EPOLLOUT. The
 * rest of a short write is copied unless it is the shared frame. */
static bool conn_send(struct floor *fl, int fd, const uint8_t *data, size_t len, bool shared)
{
	struct conn *c = &fl->conns[fd];
	ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN)
		return false;
	if (n < 0)
		n = 0;
	if ((size_t)n == len)
		return true;
	if (shared) {
		c->out = data;
	} else {
		uint8_t *copy = malloc(len);
		if (!copy)
			return false;
		memcpy(copy, data, len);
		c->out = copy;
	}
	c->out_owned = !shared;
	c->out_len = (uint32_t)len;
	c->out_off = (uint32_t)n;
	want_out(fl, fd, true);
	return true;
}

static bool conn_flush(struct floor *fl, int fd)
{
	struct conn *c = &fl->conns[fd];
	while (c->out && c->out_off < c->out_len) {
		ssize_t n = send(fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false;
		c->out_off += (uint32_t)n;
	}
	if (c->out_owned)
		free((void *)c->out);
	c->out = NULL;
	c->out_owned = 0;
	want_out(fl, fd, false);
	return c->state != CONN_OPEN || open_pending(fl, fd);
}

/* ---- the opening handshake ---- */

static bool accept_key(const char *req, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	const char *k = strcasestr(req, "\r\nSec-WebSocket-Key:");
	if (!k)
		return false;
	k += strlen("\r\nSec-WebSocket-Key:");
	k += strspn(k, " \t");
	size_t klen = strcspn(k, " \t\r\n");
	char buf[128];
	if (klen == 0 || klen + sizeof(guid) > sizeof(buf))
		return false;
	memcpy(buf, k, klen);
	memcpy(buf + klen, guid, sizeof(guid) - 1);
	uint8_t digest[SHA_DIGEST_LENGTH];
	SHA1((const uint8_t *)buf, klen + sizeof(guid) - 1, digest);
	EVP_EncodeBlock((uint8_t *)out, digest, SHA_DIGEST_LENGTH);
	return true;
}

/* Answers a complete upgrade request at req (NUL-terminated) with 101;
 * returns the request's length, 0 if incomplete, -1 to close. */
static ssize_t handshake(struct floor *fl, int fd, char *req, size_t len)
{
	char *end = strstr(req, "\r\n\r\n");
	if (!end)
		return len < MAX_REQUEST ? 0 : -1;
	char key[29], reply[160];
	if (!accept_key(req, key))
		return -1;
	int n = snprintf(reply, sizeof(reply),
			 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", key);
	fl->conns[fd].state = CONN_OPEN;
	fl->open++;
	if (!conn_send(fl, fd, (const uint8_t *)reply, (size_t)n, false))
		return -1;
	return end + 4 - req;
}

/* ---- frames from clients ---- */

/* Handles one complete frame at p; returns its length, 0 if incomplete,
 * -1 to close. Data frames are echoed unmasked, pings answered. */
static ssize_t client_frame(struct floor *fl, int fd, const uint8_t *p, size_t n)
{
	if (n < 2)
		return 0;
	if (!(p[1] & 0x80))
		return -1;
	size_t h = 2;
	uint64_t len = p[1] & 0x7f;
	if (len == 126) {
		if (n < 4)
			return 0;
		len = (uint64_t)p[2] << 8 | p[3];
		h = 4;
	} else if (len == 127) {
		return -1;
	}
	if (len > MAX_FRAME)
		return -1;
	if (n < h + 4 + len)
		return 0;
	uint8_t opcode = p[0] & 0x0f;
	if (opcode == 0x8)
		return -1;
	if (opcode == 0xA)
		return (ssize_t)(h + 4 + len);
	size_t o = 0;
	fl->wbuf[o++] = opcode == 0x9 ? 0x8A : p[0];
	if (len < 126) {
		fl->wbuf[o++] = (uint8_t)len;
	} else {
		fl->wbuf[o++] = 126;
		fl->wbuf[o++] = (uint8_t)(len >> 8);
		fl->wbuf[o++] = (uint8_t)len;
	}
	for (size_t i = 0; i < len; i++)
		fl->wbuf[o + i] = p[h + 4 + i] ^ p[h + (i & 3)];
	if (!conn_send(fl, fd, fl->wbuf, o + len, false))
		return -1;
	return (ssize_t)(h + 4 + len);
}

/* Keeps the n unparsed bytes at p on the connection (none: no buffer). */
static bool frames_keep(struct conn *c, const uint8_t *p, size_t n)
{
	uint8_t *rest = n ? malloc(n) : NULL;
	if (n && !rest)
		return false;
	if (rest)
		memcpy(rest, p, n);
	free(c->in);
	c->in = rest;
	c->in_len = (uint32_t)n;
	return true;
}

static bool frames(struct floor *fl, int fd, const uint8_t *p, size_t n)
{
	struct conn *c = &fl->conns[fd];
	size_t off = 0;
	for (;;) {
		if (c->out)
			break; /* a short write is pending: read more once it is out */
		ssize_t used = client_frame(fl, fd, p + off, n - off);
		if (used < 0)
			return false;
		if (used == 0)
			break;
		off += (size_t)used;
	}
	return frames_keep(c, p + off, n - off);
}

/* Parses what is buffered on an open connection. */
static bool open_pending(struct floor *fl, int fd)
{
	struct conn *c = &fl->conns[fd];
	if (!c->in_len)
		return true;
	memcpy(fl->rbuf, c->in, c->in_len);
	return frames(fl, fd, fl->rbuf, c->in_len);
}

/* Reads the upgrade request into the shared buffer; only an incomplete
 * request is kept on the connection. */
static bool handshake_read(struct floor *fl, int fd)
{
	struct conn *c = &fl->conns[fd];
	size_t have = c->in_len;
	if (have)
		memcpy(fl->rbuf, c->in, have);
	ssize_t n = recv(fd, fl->rbuf + have, MAX_REQUEST - have, 0);
	if (n < 0 && errno == EAGAIN)
		return true;
	if (n <= 0)
		return false;
	size_t len = have + (size_t)n;
	fl->rbuf[len] = 0;
	ssize_t used = handshake(fl, fd, (char *)fl->rbuf, len);
	if (used < 0)
		return false;
	if (used == 0)
		return frames_keep(c, fl->rbuf, len);
	free(c->in);
	c->in = NULL;
	c->in_len = 0;
	return frames(fl, fd, fl->rbuf + used, len - (size_t)used);
}

static bool conn_read(struct floor *fl, int fd)
{
	struct conn *c = &fl->conns[fd];
	if (c->state == CONN_HANDSHAKE)
		return handshake_read(fl, fd);
	size_t have = c->in_len;
	if (have)
		memcpy(fl->rbuf, c->in, have);
	ssize_t n = recv(fd, fl->rbuf + have, sizeof(fl->rbuf) - have, 0);
	if (n < 0 && errno == EAGAIN)
		return true;
	if (n <= 0)
		return false;
	return frames(fl, fd, fl->rbuf, have + (size_t)n);
}

/* ---- accepting and broadcasting ---- */

static void accept_all(struct floor *fl)
{
	for (;;) {
		int fd = accept4(fl->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				fprintf(stderr, "zws-floor: file limit reached at %u connections; not accepting for 100 ms\n", fl->open);
				epoll_ctl(fl->epfd, EPOLL_CTL_DEL, fl->lfd, NULL);
				fl->accept_paused = true;
			}
			return;
		}
		if ((uint32_t)fd >= fl->nconns) {
			close(fd);
			continue;
		}
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)fd};
		fl->conns[fd].state = CONN_HANDSHAKE;
		if ((uint32_t)fd > fl->max_fd)
			fl->max_fd = (uint32_t)fd;
		if (epoll_ctl(fl->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			conn_close(fl, fd);
	}
}

/* Sends fd its own frame: the shared head, K pieces of the pool (spread
 * over it by descriptor and epoch) and the shared tail. */
static bool conn_send_pieces(struct floor *fl, int fd)
{
	struct iovec iov[MAX_PIECES + 2];
	size_t tail_len = fl->frame_len - fl->head_len - fl->piece_len * fl->pieces;
	int k = 0;
	iov[k++] = (struct iovec){ fl->frame, fl->head_len };
	for (uint32_t j = 0; j < fl->pieces; j++) {
		size_t at = ((size_t)fd * 7 + j * 101 + fl->epoch * 13) % POOL;
		iov[k++] = (struct iovec){ fl->pool + at * fl->piece_len, fl->piece_len };
	}
	iov[k++] = (struct iovec){ fl->frame + fl->head_len, tail_len };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)k };
	ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN)
		return false;
	if (n < 0)
		n = 0;
	if ((size_t)n == fl->frame_len)
		return true;
	uint8_t *copy = malloc(fl->frame_len), *p = copy;
	if (!copy)
		return false;
	for (int i = 0; i < k; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	struct conn *c = &fl->conns[fd];
	c->out = copy;
	c->out_owned = 1;
	c->out_len = (uint32_t)fl->frame_len;
	c->out_off = (uint32_t)n;
	want_out(fl, fd, true);
	return true;
}

static void broadcast(struct floor *fl)
{
	uint32_t sent = 0, short_writes = 0, skipped = 0;
	int64_t t0 = clock_ns(CLOCK_MONOTONIC);
	for (uint32_t fd = 0; fd <= fl->max_fd; fd++) {
		struct conn *c = &fl->conns[fd];
		if (c->state != CONN_OPEN)
			continue;
		if (c->out) {
			skipped++;
			continue;
		}
		bool ok = fl->pieces > 1 ? conn_send_pieces(fl, (int)fd)
					 : conn_send(fl, (int)fd, fl->frame, fl->frame_len, true);
		if (!ok) {
			conn_close(fl, (int)fd);
			continue;
		}
		sent++;
		short_writes += c->out != NULL;
	}
	int64_t t1 = clock_ns(CLOCK_MONOTONIC);
	fprintf(stderr, "zws-floor: epoch %u: %zu-byte frame to %u connections in %.3f ms "
			"(%u short writes, %u skipped while still sending)\n",
		++fl->epoch, fl->frame_len, sent, (t1 - t0) / 1e6, short_writes, skipped);
}

/* Returns false when the floor is to stop. */
static bool on_signal(struct floor *fl)
{
	struct signalfd_siginfo si;
	while (read(fl->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGUSR2)
			return false;
		broadcast(fl);
	}
	return true;
}

static void conn_event(struct floor *fl, int fd, uint32_t events)
{
	bool ok = true;
	if (events & EPOLLIN)
		ok = conn_read(fl, fd);
	if (ok && (events & EPOLLOUT))
		ok = conn_flush(fl, fd);
	if (ok && (events & (EPOLLERR | EPOLLHUP)))
		ok = false;
	if (!ok)
		conn_close(fl, fd);
}

static void run(struct floor *fl)
{
	struct epoll_event evs[512];
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + (int64_t)fl->duration_s * 1000000000;
	while (clock_ns(CLOCK_MONOTONIC) < deadline) {
		int n = epoll_wait(fl->epfd, evs, 512, fl->accept_paused ? 100 : 1000);
		if (fl->accept_paused) {
			struct epoll_event ev = {.events = EPOLLIN, .data.u32 = LISTEN_TAG};
			epoll_ctl(fl->epfd, EPOLL_CTL_ADD, fl->lfd, &ev);
			fl->accept_paused = false;
		}
		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;
			if (tag == LISTEN_TAG)
				accept_all(fl);
			else if (tag == SIGNAL_TAG && !on_signal(fl))
				return;
			else if (tag < fl->nconns && fl->conns[tag].state != CONN_FREE)
				conn_event(fl, (int)tag, evs[i].events);
		}
	}
}

/* ---- setup ---- */

static bool listen_on(struct floor *fl)
{
	int one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(fl->port)};
	if (inet_pton(AF_INET, fl->host, &a.sin_addr) != 1) {
		fprintf(stderr, "zws-floor: invalid --host %s\n", fl->host);
		return false;
	}
	fl->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fl->lfd < 0)
		return false;
	setsockopt(fl->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fl->reuseport)
		setsockopt(fl->lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fl->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fl->lfd, 4096) < 0) {
		fprintf(stderr, "zws-floor: %s:%u: %s\n", fl->host, fl->port, strerror(errno));
		return false;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = LISTEN_TAG};
	return epoll_ctl(fl->epfd, EPOLL_CTL_ADD, fl->lfd, &ev) == 0;
}

static bool setup(struct floor *fl)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	fl->nconns = rl.rlim_cur > 1048576 ? 1048576 : (uint32_t)rl.rlim_cur;
	fl->conns = calloc(fl->nconns, sizeof(*fl->conns));
	fl->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!fl->conns || fl->epfd < 0 || !build_frame(fl))
		return false;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	fl->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = SIGNAL_TAG};
	return fl->sfd >= 0 && epoll_ctl(fl->epfd, EPOLL_CTL_ADD, fl->sfd, &ev) == 0 && listen_on(fl);
}

int main(int argc, char **argv)
{
	static struct floor fl = {.host = "127.0.0.1", .size = 2048, .duration_s = 3600};
	int rc = parse_opts(argc, argv, &fl);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (!setup(&fl)) {
		fprintf(stderr, "zws-floor: cannot start: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "zws-floor: listening on %s:%u, %u-byte frames, pid %d\n", fl.host, fl.port, fl.size, (int)getpid());
	run(&fl);
	return 0;
}
