/* zws-loadclient: the fan-out benchmark's load client. Opens N WebSocket
 * connections to HOST:PORT from the source addresses 127.0.0.F..F+K-1 at a
 * bounded rate, subscribes each one, prints "ready <subscribed> <failed>"
 * once every connection is subscribed or has failed, then records the
 * CLOCK_REALTIME arrival of every notification. The k-th message a
 * connection receives after its echoes belongs to epoch k. When an epoch is
 * complete it prints one JSON line (count, first/p50/p99/last arrival, and
 * milliseconds after the epoch's trigger when --trigger-file names it) and
 * appends the raw arrival times to --arrivals, so the arrivals of several
 * client processes can be merged.
 *
 * One epoll loop and one small struct per connection. Frames are parsed as
 * they stream past and never buffered (control frames excepted), so one
 * process holds as many connections as its file limit allows (20,000 here,
 * less a few for stdio and the output files). Client frames are masked with
 * one key per process: this is a measuring instrument, not a browser. The
 * server's Sec-WebSocket-Accept is not checked, only its 101 status.
 * With --tls every connection is wss:// (OpenSSL, one SSL per connection,
 * the server's certificate not verified: the benchmark measures zws's
 * cost of TLS, not trust). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench_clock.h"

#define FD_RESERVE 32        /* files kept for stdio, epoll and output files */
#define MAX_MESSAGES 16      /* subscription messages per connection */
#define MAX_EPOCHS 10000
#define READ_CHUNK 65536
#define DIAG_MAX 200

enum conn_state {
	CONN_WAITING,     /* not opened yet */
	CONN_CONNECTING,  /* TCP connect in progress */
	CONN_TLS,         /* TLS handshake in progress (--tls) */
	CONN_HANDSHAKE,   /* upgrade request sent or being sent */
	CONN_SUBSCRIBING, /* subscription sent, echoes outstanding */
	CONN_READY,       /* subscribed: every further message is a notification */
	CONN_CLOSED,
};

/* Where the parser is within the server's frames. */
struct rx {
	uint8_t hdr[10];
	uint8_t hdr_len;
	uint8_t opcode;
	bool fin;
	bool in_payload;
	bool in_message;   /* a data message has begun and not finished */
	bool mismatch;     /* the message differs from the expected echo */
	uint8_t ctl_len;
	uint64_t left;     /* payload bytes left in the current frame */
	uint32_t msg_len;  /* payload bytes of the current data message so far */
	uint8_t ctl[125];  /* the current control frame's payload */
};

struct conn {
	int fd;
	SSL *ssl;          /* --tls only */
	uint8_t state;
	uint8_t want_out;  /* EPOLLOUT armed */
	uint8_t hs_match;  /* bytes of "\r\n\r\n" matched in the response */
	uint8_t echoes;    /* subscription echoes received */
	uint16_t hs_seen;  /* response bytes seen, up to the status code */
	uint16_t epochs;   /* notifications received */
	uint32_t out_off;  /* bytes of the request or subscription written */
	struct rx rx;
};

/* One line of the subscription file: the messages a connection sends. */
struct sub_set {
	unsigned count;
	char *msgs[MAX_MESSAGES];
	size_t lens[MAX_MESSAGES];
	uint8_t *frames;   /* every message framed and masked, back to back */
	size_t frames_len;
};

struct epoch {
	int64_t *arrivals; /* CLOCK_REALTIME ns, one per receiving connection */
	uint32_t count;
	uint32_t bytes;    /* payload size of the first notification */
	uint32_t bytes_min, bytes_max; /* over every notification of the epoch */
	int64_t first_mono;
};

struct opts {
	struct in_addr host;
	uint16_t port;
	const char *path;
	uint32_t connections, sources, source_first, rate, inflight, epochs;
	uint32_t epoch_timeout_ms, ready_timeout_s, duration_s;
	bool tls;
	const char *subscribe, *subscribe_file, *trigger_file, *arrivals;
};

struct client {
	struct opts o;
	int epfd;
	SSL_CTX *tls;
	struct conn *conns;
	struct sub_set *sets;
	unsigned nsets;
	uint8_t mask[4];
	char *request;
	size_t request_len;
	uint32_t opened, pending, ready, failed, dropped, rejected, refused;
	uint64_t extra, late, pings, pong_lost;
	bool ready_printed;
	struct epoch *epochs;
	uint32_t epochs_closed;
	int diag_conn;     /* connection whose refused echo is being captured */
	char diag[DIAG_MAX + 1];
	size_t diag_len;
	uint8_t rbuf[READ_CHUNK];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: zws-loadclient --port PORT [options]\n"
		"Opens WebSocket connections, subscribes them and records when each\n"
		"notification arrives. Prints \"ready <subscribed> <failed>\" once all are\n"
		"subscribed or failed, then one JSON line per epoch: expected, received,\n"
		"bytes (the first notification's payload), bytes_min/bytes_max (over all),\n"
		"first_ns/p50_ns/p99_ns/last_ns (CLOCK_REALTIME) and, when the\n"
		"trigger file names the epoch, trigger_ns and p50_ms/p99_ms/last_ms.\n"
		"  --host ADDR             server address, 127.0.0.0/8 only (default 127.0.0.1)\n"
		"  --port PORT             server port (required)\n"
		"  --path PATH             request path (default /)\n"
		"  --connections N         connections to open (default 1000; at most the\n"
		"                          file limit less %d)\n"
		"  --sources K             source addresses 127.0.0.F..F+K-1, used in turn (default 1)\n"
		"  --source-first F        first source address's last byte (default 1)\n"
		"  --rate R                new connections per second (default 5000)\n"
		"  --inflight M            handshakes in progress at once (default 500)\n"
		"  --subscribe MSG         what every connection sends (default {\"query\":\"NewBlock\"})\n"
		"  --subscribe-file FILE   connection i sends line i mod L of FILE; TAB separates\n"
		"                          several messages on one line (each is echoed)\n"
		"  --epochs E              exit once E epochs are complete (default 10)\n"
		"  --epoch-timeout MS      an epoch is complete this long after its first\n"
		"                          arrival even if some connections missed it (default 10000)\n"
		"  --ready-timeout S       connections not subscribed by then fail (default 120)\n"
		"  --duration S            exit after S seconds whatever happens (default 600)\n"
		"  --trigger-file FILE     lines \"<epoch> <unix_ns>\", read when an epoch completes\n"
		"  --arrivals FILE         append \"<epoch> <unix_ns>\" per notification\n"
		"  --tls                   wss://: TLS on every connection (the server's\n"
		"                          certificate is not verified)\n"
		"Exit: 0 when every epoch completed, 1 otherwise, 2 usage.\n",
		FD_RESERVE);
}

/* ---- options ---- */

static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max || *s == '-')
		return false;
	*out = (uint32_t)v;
	return true;
}

static int bad_option(const struct option *longs, int c, const char *value)
{
	const char *name = "option";
	for (; longs->name; longs++)
		if (longs->val == c)
			name = longs->name;
	fprintf(stderr, "zws-loadclient: invalid --%s: %s\n", name, value);
	return 2;
}

static bool parse_host(const char *s, struct in_addr *out)
{
	if (inet_pton(AF_INET, s, out) != 1)
		return false;
	return (ntohl(out->s_addr) >> 24) == 127;
}

/* Returns 0 to run, 1 after --help, 2 on a bad option. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"host", 1, 0, 'H'}, {"port", 1, 0, 'p'}, {"path", 1, 0, 'P'},
		{"connections", 1, 0, 'n'}, {"sources", 1, 0, 'k'},
		{"source-first", 1, 0, 'f'}, {"rate", 1, 0, 'r'},
		{"inflight", 1, 0, 'i'}, {"subscribe", 1, 0, 's'},
		{"subscribe-file", 1, 0, 'S'}, {"epochs", 1, 0, 'e'},
		{"epoch-timeout", 1, 0, 'E'}, {"ready-timeout", 1, 0, 'R'},
		{"duration", 1, 0, 'd'}, {"trigger-file", 1, 0, 't'},
		{"arrivals", 1, 0, 'a'}, {"tls", 0, 0, 'T'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0},
	};
	*o = (struct opts){.path = "/", .connections = 1000, .sources = 1, .source_first = 1,
			   .rate = 5000, .inflight = 500, .epochs = 10, .epoch_timeout_ms = 10000,
			   .ready_timeout_s = 120, .duration_s = 600,
			   .subscribe = "{\"query\":\"NewBlock\"}"};
	inet_pton(AF_INET, "127.0.0.1", &o->host);
	uint32_t port = 0;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longs, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'H': ok = parse_host(optarg, &o->host); break;
		case 'p': ok = parse_u32(optarg, 1, 65535, &port); break;
		case 'P': o->path = optarg; ok = *optarg == '/'; break;
		case 'n': ok = parse_u32(optarg, 1, 1000000, &o->connections); break;
		case 'k': ok = parse_u32(optarg, 1, 254, &o->sources); break;
		case 'f': ok = parse_u32(optarg, 1, 254, &o->source_first); break;
		case 'r': ok = parse_u32(optarg, 1, 1000000, &o->rate); break;
		case 'i': ok = parse_u32(optarg, 1, 100000, &o->inflight); break;
		case 's': o->subscribe = optarg; break;
		case 'S': o->subscribe_file = optarg; break;
		case 'e': ok = parse_u32(optarg, 1, MAX_EPOCHS, &o->epochs); break;
		case 'E': ok = parse_u32(optarg, 1, 600000, &o->epoch_timeout_ms); break;
		case 'R': ok = parse_u32(optarg, 1, 3600, &o->ready_timeout_s); break;
		case 'd': ok = parse_u32(optarg, 1, 86400, &o->duration_s); break;
		case 't': o->trigger_file = optarg; break;
		case 'a': o->arrivals = optarg; break;
		case 'T': o->tls = true; break;
		case 'h': usage(stdout); return 1;
		case ':':
			fprintf(stderr, "zws-loadclient: %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "zws-loadclient: unknown option %s (see --help)\n", argv[optind - 1]);
			return 2;
		}
		if (!ok)
			return bad_option(longs, c, optarg);
	}
	if (optind < argc) {
		fprintf(stderr, "zws-loadclient: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (!port) {
		fprintf(stderr, "zws-loadclient: --port is required\n");
		return 2;
	}
	if (o->source_first + o->sources - 1 > 254) {
		fprintf(stderr, "zws-loadclient: --source-first + --sources goes past 127.0.0.254\n");
		return 2;
	}
	o->port = (uint16_t)port;
	return 0;
}

/* ---- subscriptions and the upgrade request ---- */

static size_t frame_masked(uint8_t *out, uint8_t opcode, const void *payload, size_t len,
			   const uint8_t mask[4])
{
	size_t h = 0;
	out[h++] = 0x80 | opcode;
	if (len < 126) {
		out[h++] = 0x80 | (uint8_t)len;
	} else if (len < 65536) {
		out[h++] = 0x80 | 126;
		out[h++] = (uint8_t)(len >> 8);
		out[h++] = (uint8_t)len;
	} else {
		out[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			out[h++] = (uint8_t)((uint64_t)len >> (8 * i));
	}
	memcpy(out + h, mask, 4);
	h += 4;
	const uint8_t *p = payload;
	for (size_t i = 0; i < len; i++)
		out[h + i] = p[i] ^ mask[i & 3];
	return h + len;
}

/* Splits `line` (owned by the set afterwards) on TAB into messages and
 * frames them. */
static bool sub_set_init(struct sub_set *s, char *line, const uint8_t mask[4])
{
	size_t total = 0;
	s->count = 0;
	for (char *save = NULL, *m = strtok_r(line, "\t", &save); m; m = strtok_r(NULL, "\t", &save)) {
		if (s->count == MAX_MESSAGES)
			return false;
		s->msgs[s->count] = m;
		s->lens[s->count] = strlen(m);
		total += s->lens[s->count] + 14;
		s->count++;
	}
	if (!s->count)
		return false;
	s->frames = malloc(total);
	if (!s->frames)
		return false;
	s->frames_len = 0;
	for (unsigned i = 0; i < s->count; i++)
		s->frames_len += frame_masked(s->frames + s->frames_len, 0x1, s->msgs[i], s->lens[i], mask);
	return true;
}

static bool load_sets(struct client *cl)
{
	if (!cl->o.subscribe_file) {
		cl->sets = calloc(1, sizeof(*cl->sets));
		char *line = strdup(cl->o.subscribe);
		cl->nsets = 1;
		return cl->sets && line && sub_set_init(&cl->sets[0], line, cl->mask);
	}
	FILE *f = fopen(cl->o.subscribe_file, "r");
	if (!f) {
		fprintf(stderr, "zws-loadclient: %s: %s\n", cl->o.subscribe_file, strerror(errno));
		return false;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool ok = true;
	while (ok && (n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (!n)
			continue;
		struct sub_set *grown = realloc(cl->sets, (cl->nsets + 1) * sizeof(*grown));
		ok = grown != NULL;
		if (ok) {
			cl->sets = grown;
			ok = sub_set_init(&cl->sets[cl->nsets], strdup(line), cl->mask);
			cl->nsets += ok;
		}
	}
	free(line);
	fclose(f);
	if (ok && !cl->nsets)
		fprintf(stderr, "zws-loadclient: %s holds no subscription\n", cl->o.subscribe_file);
	else if (!ok)
		fprintf(stderr, "zws-loadclient: %s: a line holds more than %d messages\n",
			cl->o.subscribe_file, MAX_MESSAGES);
	return ok && cl->nsets;
}

static void base64(const uint8_t *in, size_t len, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = 0;
}

static bool build_request(struct client *cl)
{
	uint8_t nonce[16];
	char key[25], host[INET_ADDRSTRLEN];
	if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce) ||
	    getrandom(cl->mask, sizeof(cl->mask), 0) != sizeof(cl->mask))
		return false;
	base64(nonce, sizeof(nonce), key);
	inet_ntop(AF_INET, &cl->o.host, host, sizeof(host));
	int n = asprintf(&cl->request,
			 "GET %s HTTP/1.1\r\nHost: %s:%u\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
			 "Sec-WebSocket-Version: 13\r\n\r\n",
			 cl->o.path, host, cl->o.port, key);
	if (n < 0)
		return false;
	cl->request_len = (size_t)n;
	return true;
}

/* ---- connection state ---- */

static bool is_pending(uint8_t s)
{
	return s == CONN_CONNECTING || s == CONN_TLS || s == CONN_HANDSHAKE || s == CONN_SUBSCRIBING;
}

/* Every state change goes through here, so the counters stay true. */
static void conn_set_state(struct client *cl, uint32_t id, enum conn_state to)
{
	struct conn *c = &cl->conns[id];
	if (is_pending(c->state))
		cl->pending--;
	if (c->state == CONN_READY)
		cl->ready--;
	if (is_pending(to))
		cl->pending++;
	if (to == CONN_READY)
		cl->ready++;
	if (to == CONN_CLOSED) {
		if (c->state == CONN_READY)
			cl->dropped++;
		else
			cl->failed++;
		SSL_free(c->ssl);
		c->ssl = NULL;
		close(c->fd);
		c->fd = -1;
	}
	c->state = (uint8_t)to;
}

/* ---- plain or TLS bytes ---- */

/* An SSL call's result r as send/recv would give it: -1 with EAGAIN when
 * TLS waits for the socket (want_out set if it waits to write). */
static ssize_t tls_result(SSL *ssl, int r, bool *want_out)
{
	if (r > 0)
		return r;
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_WRITE:
		*want_out = true;
		/* fall through */
	case SSL_ERROR_WANT_READ:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		ERR_clear_error();
		errno = EIO;
		return -1;
	}
}

static ssize_t conn_send(struct client *cl, uint32_t id, const void *p, size_t n)
{
	struct conn *c = &cl->conns[id];
	if (!c->ssl)
		return send(c->fd, p, n, MSG_NOSIGNAL);
	bool want_out = false;
	return tls_result(c->ssl, SSL_write(c->ssl, p, (int)n), &want_out);
}

static ssize_t conn_recv(struct client *cl, uint32_t id, void *p, size_t n)
{
	struct conn *c = &cl->conns[id];
	if (!c->ssl)
		return recv(c->fd, p, n, 0);
	bool want_out = false;
	return tls_result(c->ssl, SSL_read(c->ssl, p, (int)n), &want_out);
}

static void conn_want_out(struct client *cl, uint32_t id, bool on)
{
	struct conn *c = &cl->conns[id];
	if (c->want_out == on)
		return;
	struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.u32 = id};
	epoll_ctl(cl->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = on;
}

static struct sub_set *conn_set(struct client *cl, uint32_t id)
{
	return &cl->sets[id % cl->nsets];
}

/* Writes what the state still owes the server: the upgrade request or the
 * subscription frames. */
static bool conn_flush(struct client *cl, uint32_t id)
{
	struct conn *c = &cl->conns[id];
	const void *data = cl->request;
	size_t len = cl->request_len;
	if (c->state != CONN_HANDSHAKE && c->state != CONN_SUBSCRIBING) {
		conn_want_out(cl, id, false);
		return true;
	}
	if (c->state == CONN_SUBSCRIBING) {
		data = conn_set(cl, id)->frames;
		len = conn_set(cl, id)->frames_len;
	}
	while (c->out_off < len) {
		ssize_t n = conn_send(cl, id, (const uint8_t *)data + c->out_off, len - c->out_off);
		if (n < 0 && errno == EAGAIN) {
			conn_want_out(cl, id, true);
			return true;
		}
		if (n <= 0)
			return false;
		c->out_off += (uint32_t)n;
	}
	conn_want_out(cl, id, false);
	return true;
}

static bool conn_open(struct client *cl, uint32_t id)
{
	struct conn *c = &cl->conns[id];
	int one = 1;
	struct sockaddr_in src = {.sin_family = AF_INET};
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_addr = cl->o.host, .sin_port = htons(cl->o.port)};
	src.sin_addr.s_addr = htonl((127u << 24) | (cl->o.source_first + id % cl->o.sources));
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return false;
	c->state = CONN_WAITING;
	conn_set_state(cl, id, CONN_CONNECTING);
	/* The port is chosen at connect() for the whole 4-tuple, so one source
	 * address serves every client process and server port. */
	setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		return false;
	if (connect(c->fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno != EINPROGRESS)
		return false;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = id};
	c->want_out = 1;
	return epoll_ctl(cl->epfd, EPOLL_CTL_ADD, c->fd, &ev) == 0;
}

/* Opens as many connections as the rate and the in-flight bound allow. */
static void open_more(struct client *cl, int64_t start_mono, int64_t now_mono)
{
	uint64_t allowed = (uint64_t)((now_mono - start_mono) / 1000) * cl->o.rate / 1000000 + 1;
	while (cl->opened < cl->o.connections && cl->opened < allowed && cl->pending < cl->o.inflight) {
		uint32_t id = cl->opened++;
		if (!conn_open(cl, id)) {
			if (cl->failed < 5)
				fprintf(stderr, "zws-loadclient: connection %u: %s\n", id, strerror(errno));
			if (cl->conns[id].fd >= 0)
				conn_set_state(cl, id, CONN_CLOSED);
			else
				cl->failed++;
		}
	}
}

/* ---- epochs ---- */

static void note_arrival(struct client *cl, uint32_t id, int64_t now, uint32_t bytes)
{
	struct conn *c = &cl->conns[id];
	if (c->epochs >= cl->o.epochs) {
		cl->extra++;
		return;
	}
	if (c->epochs < cl->epochs_closed) {
		c->epochs++;
		cl->late++;
		return;
	}
	struct epoch *e = &cl->epochs[c->epochs++];
	if (!e->arrivals)
		e->arrivals = malloc(sizeof(int64_t) * cl->o.connections);
	if (!e->arrivals)
		return;
	if (!e->count) {
		e->first_mono = clock_ns(CLOCK_MONOTONIC);
		e->bytes = e->bytes_min = e->bytes_max = bytes;
	}
	e->bytes_min = bytes < e->bytes_min ? bytes : e->bytes_min;
	e->bytes_max = bytes > e->bytes_max ? bytes : e->bytes_max;
	e->arrivals[e->count++] = now;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int64_t rank(const int64_t *sorted, uint32_t n, double p)
{
	uint32_t i = (uint32_t)(p * n + 0.999999);
	return sorted[i ? i - 1 : 0];
}

static bool find_trigger(const char *path, uint32_t epoch, int64_t *out)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return false;
	unsigned k;
	long long ns;
	bool found = false;
	char line[128];
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%u %lld", &k, &ns) == 2 && k == epoch;
	fclose(f);
	if (found)
		*out = ns;
	return found;
}

static void append_arrivals(struct client *cl, uint32_t epoch, const struct epoch *e)
{
	FILE *f = cl->o.arrivals ? fopen(cl->o.arrivals, "a") : NULL;
	if (!f)
		return;
	for (uint32_t i = 0; i < e->count; i++)
		fprintf(f, "%u %" PRId64 "\n", epoch, e->arrivals[i]);
	fclose(f);
}

static void epoch_report(struct client *cl, uint32_t index)
{
	struct epoch *e = &cl->epochs[index];
	uint32_t k = index + 1;
	uint32_t expected = e->count > cl->ready ? e->count : cl->ready;
	printf("{\"epoch\":%u,\"expected\":%u,\"received\":%u", k, expected, e->count);
	if (e->count) {
		qsort(e->arrivals, e->count, sizeof(int64_t), cmp_i64);
		int64_t p50 = rank(e->arrivals, e->count, 0.50), p99 = rank(e->arrivals, e->count, 0.99);
		int64_t first = e->arrivals[0], last = e->arrivals[e->count - 1], trig;
		printf(",\"bytes\":%u,\"bytes_min\":%u,\"bytes_max\":%u,\"first_ns\":%" PRId64
		       ",\"p50_ns\":%" PRId64 ",\"p99_ns\":%" PRId64 ",\"last_ns\":%" PRId64,
		       e->bytes, e->bytes_min, e->bytes_max, first, p50, p99, last);
		if (find_trigger(cl->o.trigger_file, k, &trig))
			printf(",\"trigger_ns\":%" PRId64 ",\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"last_ms\":%.3f",
			       trig, (p50 - trig) / 1e6, (p99 - trig) / 1e6, (last - trig) / 1e6);
		append_arrivals(cl, k, e);
	}
	printf("}\n");
	fflush(stdout);
	free(e->arrivals);
	e->arrivals = NULL;
}

/* Reports the epochs that are complete: every subscribed connection has
 * its notification, or the epoch timed out after its first arrival. */
static void epochs_check(struct client *cl, bool closing)
{
	int64_t now = clock_ns(CLOCK_MONOTONIC);
	while (cl->epochs_closed < cl->o.epochs) {
		struct epoch *e = &cl->epochs[cl->epochs_closed];
		bool all = e->count && e->count >= cl->ready;
		bool late = e->count && now - e->first_mono >= (int64_t)cl->o.epoch_timeout_ms * 1000000;
		if (!all && !late && !closing)
			return;
		if (closing && !e->count)
			return;
		epoch_report(cl, cl->epochs_closed++);
	}
}

/* ---- frames from the server ---- */

static void refusal_capture(struct client *cl, uint32_t id, const uint8_t *p, size_t n, size_t off)
{
	const struct sub_set *s = conn_set(cl, id);
	if (cl->diag_conn < 0) {
		const char *want = s->msgs[cl->conns[id].echoes];
		size_t keep = off < DIAG_MAX ? off : DIAG_MAX;
		memcpy(cl->diag, want, keep);
		cl->diag_len = keep;
		cl->diag_conn = (int)id;
	}
	if (cl->diag_conn != (int)id)
		return;
	size_t room = DIAG_MAX - cl->diag_len;
	memcpy(cl->diag + cl->diag_len, p, n < room ? n : room);
	cl->diag_len += n < room ? n : room;
}

/* Compares streaming echo bytes with the message this connection sent. */
static void echo_bytes(struct client *cl, uint32_t id, const uint8_t *p, size_t n)
{
	struct conn *c = &cl->conns[id];
	const struct sub_set *s = conn_set(cl, id);
	size_t want_len = c->echoes < s->count ? s->lens[c->echoes] : 0;
	const char *want = c->echoes < s->count ? s->msgs[c->echoes] : "";
	size_t off = c->rx.msg_len;
	if (c->rx.mismatch) {
		refusal_capture(cl, id, p, n, off);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (off + i >= want_len || (uint8_t)want[off + i] != p[i]) {
			c->rx.mismatch = true;
			refusal_capture(cl, id, p + i, n - i, off + i);
			return;
		}
	}
}

static bool message_done(struct client *cl, uint32_t id, int64_t now)
{
	struct conn *c = &cl->conns[id];
	const struct sub_set *s = conn_set(cl, id);
	c->rx.in_message = false;
	if (c->state != CONN_SUBSCRIBING) {
		note_arrival(cl, id, now, c->rx.msg_len);
		return true;
	}
	if (c->rx.mismatch || c->rx.msg_len != s->lens[c->echoes]) {
		if (cl->diag_conn == (int)id) {
			cl->diag[cl->diag_len] = 0;
			fprintf(stderr, "zws-loadclient: connection %u: subscription answered with: %s\n", id, cl->diag);
		}
		cl->refused++;
		return false;
	}
	if (++c->echoes == s->count)
		conn_set_state(cl, id, CONN_READY);
	return true;
}

static void send_pong(struct client *cl, uint32_t id)
{
	struct conn *c = &cl->conns[id];
	uint8_t f[2 + 4 + 125];
	size_t n = frame_masked(f, 0xA, c->rx.ctl, c->rx.ctl_len, cl->mask);
	if (conn_send(cl, id, f, n) != (ssize_t)n)
		cl->pong_lost++;
}

static bool frame_done(struct client *cl, uint32_t id, int64_t now)
{
	struct rx *rx = &cl->conns[id].rx;
	rx->in_payload = false;
	switch (rx->opcode) {
	case 0x8:
		return false;
	case 0x9:
		cl->pings++;
		send_pong(cl, id);
		return true;
	case 0xA:
		return true;
	default:
		return rx->fin ? message_done(cl, id, now) : true;
	}
}

/* How many header bytes the frame needs, or -1 if the server masked it. */
static int header_need(const struct rx *rx)
{
	if (rx->hdr_len < 2)
		return 2;
	if (rx->hdr[1] & 0x80)
		return -1;
	uint8_t len7 = rx->hdr[1] & 0x7f;
	return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
}

static bool header_done(struct rx *rx)
{
	uint8_t len7 = rx->hdr[1] & 0x7f;
	uint64_t len = len7;
	if (len7 == 126)
		len = (uint64_t)rx->hdr[2] << 8 | rx->hdr[3];
	else if (len7 == 127)
		for (int i = 2; i < 10; i++)
			len = len << 8 | rx->hdr[i];
	rx->opcode = rx->hdr[0] & 0x0f;
	rx->fin = rx->hdr[0] & 0x80;
	rx->hdr_len = 0;
	rx->left = len;
	rx->in_payload = true;
	rx->ctl_len = 0;
	if (rx->opcode >= 0x8)
		return len <= 125 && rx->fin;
	if (rx->opcode == 0x0)
		return rx->in_message;
	if ((rx->opcode != 0x1 && rx->opcode != 0x2) || rx->in_message)
		return false;
	rx->in_message = true;
	rx->mismatch = false;
	rx->msg_len = 0;
	return true;
}

static void payload_bytes(struct client *cl, uint32_t id, const uint8_t *p, size_t n)
{
	struct conn *c = &cl->conns[id];
	if (c->rx.opcode >= 0x8) {
		memcpy(c->rx.ctl + c->rx.ctl_len, p, n);
		c->rx.ctl_len += (uint8_t)n;
		return;
	}
	if (c->state == CONN_SUBSCRIBING)
		echo_bytes(cl, id, p, n);
	c->rx.msg_len += (uint32_t)n;
}

/* Parses server frames; false when the connection is to be closed. */
static bool rx_feed(struct client *cl, uint32_t id, const uint8_t *p, size_t n, int64_t now)
{
	struct rx *rx = &cl->conns[id].rx;
	size_t i = 0;
	while (i < n) {
		if (!rx->in_payload) {
			rx->hdr[rx->hdr_len++] = p[i++];
			int need = header_need(rx);
			if (need < 0)
				return false;
			if (rx->hdr_len < need)
				continue;
			if (!header_done(rx))
				return false;
			if (!rx->left && !frame_done(cl, id, now))
				return false;
			continue;
		}
		size_t take = rx->left < n - i ? (size_t)rx->left : n - i;
		payload_bytes(cl, id, p + i, take);
		i += take;
		rx->left -= take;
		if (!rx->left && !frame_done(cl, id, now))
			return false;
	}
	return true;
}

/* ---- the upgrade response ---- */

static size_t line_len(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] != '\r' && p[i] != '\n')
		i++;
	return i;
}

/* Consumes response bytes; returns how many, or -1 if the server refused
 * the upgrade. At the blank line the subscription goes out. */
static ssize_t hs_feed(struct client *cl, uint32_t id, const uint8_t *p, size_t n)
{
	static const char status[] = "HTTP/1.1 101";
	static const char end[] = "\r\n\r\n";
	struct conn *c = &cl->conns[id];
	for (size_t i = 0; i < n; i++) {
		if (c->hs_seen < sizeof(status) - 1) {
			if (p[i] != (uint8_t)status[c->hs_seen]) {
				if (cl->rejected++ < 3)
					fprintf(stderr, "zws-loadclient: connection %u: upgrade refused: %.*s\n", id,
						(int)line_len(p, n), p);
				return -1;
			}
			c->hs_seen++;
		}
		c->hs_match = p[i] == (uint8_t)end[c->hs_match] ? c->hs_match + 1 : (p[i] == '\r');
		if (c->hs_match == 4) {
			c->out_off = 0;
			conn_set_state(cl, id, CONN_SUBSCRIBING);
			return conn_flush(cl, id) ? (ssize_t)i + 1 : -1;
		}
	}
	return (ssize_t)n;
}

/* ---- events ---- */

static bool conn_read(struct client *cl, uint32_t id)
{
	struct conn *c = &cl->conns[id];
	for (;;) {
		ssize_t n = conn_recv(cl, id, cl->rbuf, sizeof(cl->rbuf));
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false;
		int64_t now = clock_ns(CLOCK_REALTIME);
		const uint8_t *p = cl->rbuf;
		size_t len = (size_t)n;
		if (c->state == CONN_HANDSHAKE) {
			ssize_t used = hs_feed(cl, id, p, len);
			if (used < 0)
				return false;
			p += used;
			len -= (size_t)used;
		}
		if (len && !rx_feed(cl, id, p, len, now))
			return false;
		/* TLS hands over one record at a time: read until it waits. */
		if (!c->ssl && (size_t)n < sizeof(cl->rbuf))
			return true;
	}
}

/* Advances the TLS handshake; once done the upgrade request follows. */
static bool tls_step(struct client *cl, uint32_t id)
{
	struct conn *c = &cl->conns[id];
	bool want_out = false;
	if (tls_result(c->ssl, SSL_do_handshake(c->ssl), &want_out) < 0) {
		if (errno != EAGAIN) {
			if (cl->failed < 5)
				fprintf(stderr, "zws-loadclient: connection %u: TLS handshake failed\n", id);
			return false;
		}
		conn_want_out(cl, id, want_out);
		return true;
	}
	conn_set_state(cl, id, CONN_HANDSHAKE);
	return conn_flush(cl, id);
}

static bool conn_connected(struct client *cl, uint32_t id)
{
	struct conn *c = &cl->conns[id];
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		if (cl->failed < 5)
			fprintf(stderr, "zws-loadclient: connection %u: %s\n", id, strerror(err ? err : errno));
		return false;
	}
	c->out_off = 0;
	if (cl->tls) {
		if (!(c->ssl = SSL_new(cl->tls)) || !SSL_set_fd(c->ssl, c->fd))
			return false;
		SSL_set_connect_state(c->ssl);
		conn_set_state(cl, id, CONN_TLS);
		return tls_step(cl, id);
	}
	conn_set_state(cl, id, CONN_HANDSHAKE);
	return conn_flush(cl, id);
}

static void conn_event(struct client *cl, uint32_t id, uint32_t events)
{
	struct conn *c = &cl->conns[id];
	bool ok = true;
	if (c->state == CONN_CLOSED)
		return;
	if (c->state == CONN_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			ok = conn_connected(cl, id);
	} else if (c->state == CONN_TLS) {
		ok = tls_step(cl, id);
	} else {
		if (events & EPOLLIN)
			ok = conn_read(cl, id);
		if (ok && c->state != CONN_CLOSED && (events & EPOLLOUT))
			ok = conn_flush(cl, id);
		if (ok && (events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN))
			ok = false;
	}
	if (!ok && c->state != CONN_CLOSED)
		conn_set_state(cl, id, CONN_CLOSED);
}

/* ---- main loop ---- */

static void connect_phase(struct client *cl, int64_t start, int64_t now)
{
	open_more(cl, start, now);
	bool all_done = cl->opened == cl->o.connections && !cl->pending;
	bool late = now - start >= (int64_t)cl->o.ready_timeout_s * 1000000000;
	if (!all_done && !late)
		return;
	for (uint32_t id = 0; id < cl->opened; id++)
		if (is_pending(cl->conns[id].state))
			conn_set_state(cl, id, CONN_CLOSED);
	cl->failed += cl->o.connections - cl->opened;
	cl->opened = cl->o.connections;
	printf("ready %u %u\n", cl->ready, cl->failed);
	fflush(stdout);
	cl->ready_printed = true;
}

static bool run(struct client *cl)
{
	struct epoll_event evs[1024];
	int64_t start = clock_ns(CLOCK_MONOTONIC);
	int64_t deadline = start + (int64_t)cl->o.duration_s * 1000000000;
	while (!stop_requested) {
		int64_t now = clock_ns(CLOCK_MONOTONIC);
		if (now >= deadline)
			break;
		if (!cl->ready_printed)
			connect_phase(cl, start, now);
		int n = epoll_wait(cl->epfd, evs, 1024, cl->ready_printed ? 50 : 1);
		for (int i = 0; i < n; i++)
			conn_event(cl, evs[i].data.u32, evs[i].events);
		if (!cl->ready_printed)
			continue;
		epochs_check(cl, false);
		if (cl->epochs_closed == cl->o.epochs || !cl->ready)
			break;
	}
	epochs_check(cl, true);
	fprintf(stderr, "zws-loadclient: %u subscribed, %u failed (%u upgrades refused, %u subscriptions refused), "
			"%u dropped after subscribing, %u/%u epochs complete, %" PRIu64 " notifications after their epoch "
			"was reported, %" PRIu64 " past the last epoch, %" PRIu64 " pings answered\n",
		cl->ready, cl->failed, cl->rejected, cl->refused, cl->dropped, cl->epochs_closed, cl->o.epochs,
		cl->late, cl->extra, cl->pings);
	return cl->epochs_closed == cl->o.epochs;
}

static bool raise_file_limit(uint32_t connections)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return false;
	if ((uint64_t)connections + FD_RESERVE > rl.rlim_cur) {
		fprintf(stderr, "zws-loadclient: %u connections need %u files; the limit is %llu: run several processes\n",
			connections, connections + FD_RESERVE, (unsigned long long)rl.rlim_cur);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	static struct client cl;
	int rc = parse_opts(argc, argv, &cl.o);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (!raise_file_limit(cl.o.connections))
		return 2;
	cl.diag_conn = -1;
	cl.conns = calloc(cl.o.connections, sizeof(*cl.conns));
	cl.epochs = calloc(cl.o.epochs, sizeof(*cl.epochs));
	cl.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!cl.conns || !cl.epochs || cl.epfd < 0 || !build_request(&cl) || !load_sets(&cl)) {
		fprintf(stderr, "zws-loadclient: cannot set up: %s\n", strerror(errno));
		return 1;
	}
	for (uint32_t i = 0; i < cl.o.connections; i++)
		cl.conns[i].fd = -1;
	if (cl.o.tls && !(cl.tls = SSL_CTX_new(TLS_client_method()))) {
		fprintf(stderr, "zws-loadclient: cannot create the TLS context\n");
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return run(&cl) ? 0 : 1;
}
