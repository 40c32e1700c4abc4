/* zws-cat: a command-line WebSocket client for watching ZWS. Connects to a
 * ws:// or wss:// URL, sends each MESSAGE argument as a text frame, then
 * prints every message it receives on its own line until --count messages
 * arrived, --timeout seconds passed, or the server closed. */
#include <errno.h>
#include <limits.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cat {
	char **messages;
	int nmessages;
	int sent;
	long count;     /* stop after this many received; 0 = never */
	long received;
	char *rx;       /* message being reassembled */
	size_t rxlen;
	long timeout;   /* seconds; 0 = none */
	const char *ca; /* --ca: PEM CA certificates to trust for wss:// */
	lws_sorted_usec_list_t deadline;
	struct lws_context *ctx;
	bool done;
	int status;     /* exit status */
};

static volatile sig_atomic_t interrupted;

static void usage(FILE *f)
{
	fprintf(f, "usage: zws-cat [--count N] [--timeout SECONDS] [--ca FILE] URL [MESSAGE...]\n"
		   "Connects to URL (ws:// or wss://), sends each MESSAGE as a text frame,\n"
		   "and prints every received message on its own line.\n"
		   "  --count N          exit 0 after N messages (default: run until closed)\n"
		   "  --timeout SECONDS  exit 3 if the run lasts longer (default: none)\n"
		   "  --ca FILE          for wss://, trust the CA certificates in this PEM\n"
		   "                     file instead of the system's (a private CA)\n"
		   "Exit: 0 done, 1 connection failed or closed early, 2 usage, 3 timeout.\n"
		   "Example: zws-cat ws://127.0.0.1:4401 '{\"query\":\"NewBlock\"}'\n");
}

static void on_receive(struct cat *c, struct lws *wsi, const void *in, size_t len)
{
	c->rx = realloc(c->rx, c->rxlen + len + 1);
	memcpy(c->rx + c->rxlen, in, len);
	c->rxlen += len;
	if (!lws_is_final_fragment(wsi))
		return;
	fwrite(c->rx, 1, c->rxlen, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	c->rxlen = 0;
	if (c->count && ++c->received >= c->count) {
		c->done = true;
		c->status = 0;
	}
}

static int on_writeable(struct cat *c, struct lws *wsi)
{
	if (c->sent >= c->nmessages)
		return 0;
	const char *m = c->messages[c->sent++];
	size_t len = strlen(m);
	unsigned char *buf = malloc(LWS_PRE + len);
	memcpy(buf + LWS_PRE, m, len);
	int n = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
	free(buf);
	if (n < (int)len)
		return -1;
	if (c->sent < c->nmessages)
		lws_callback_on_writable(wsi);
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct cat *c = lws_context_user(lws_get_context(wsi));
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "zws-cat: connection failed: %s\n", in ? (const char *)in : "unknown error");
		c->done = true;
		c->status = 1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(c, wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		on_receive(c, wsi, in, len);
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			fprintf(stderr, "zws-cat: server closed with code %d\n",
				((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1]);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!c->done) {
			c->done = true;
			c->status = c->count ? 1 : 0;
		}
		break;
	default:
		break;
	}
	return 0;
}

static void on_signal(int sig)
{
	interrupted = 1;
}

/* A whole number from 1 to max, or false. */
static bool parse_positive(const char *s, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max)
		return false;
	*out = v;
	return true;
}

/* Reads the options into c; returns the index of URL, or -1 after printing why
 * (exit 2), or 0 after printing --help (exit 0). */
static int parse_options(int argc, char **argv, struct cat *c)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		const char *opt = argv[i];
		if (!strcmp(opt, "--help")) {
			usage(stdout);
			return 0;
		}
		bool count = !strcmp(opt, "--count"), ca = !strcmp(opt, "--ca");
		if (!count && !ca && strcmp(opt, "--timeout")) {
			fprintf(stderr, "zws-cat: unknown option %s (see --help)\n", opt);
			return -1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "zws-cat: %s needs a value (see --help)\n", opt);
			return -1;
		}
		const char *v = argv[++i];
		if (ca) {
			FILE *f = fopen(v, "r");
			if (!f) {
				fprintf(stderr, "zws-cat: --ca %s: %s\n", v, strerror(errno));
				return -1;
			}
			fclose(f);
			c->ca = v;
			continue;
		}
		if (!parse_positive(v, count ? LONG_MAX : 86400L * 365, count ? &c->count : &c->timeout)) {
			fprintf(stderr, "zws-cat: %s: '%s' is not %s\n", opt, v,
				count ? "a whole number of messages, 1 or more"
				      : "a whole number of seconds, 1 or more");
			return -1;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return -1;
	}
	return i;
}

/* lws services nothing until an event or a scheduled timer is due, so the
 * timeout is a timer of its own rather than a check between services. */
static void on_deadline(lws_sorted_usec_list_t *sul)
{
	struct cat *c = lws_container_of(sul, struct cat, deadline);
	fprintf(stderr, "zws-cat: timed out after %ld s\n", c->timeout);
	c->done = true; /* the close that follows keeps this status */
	c->status = 3;
	lws_cancel_service(c->ctx); /* or lws goes on to wait for its next timer */
}

static struct lws_context *make_context(struct cat *c)
{
	static const struct lws_protocols protocols[] = {
		{ "zws-cat", callback, 0, 65536, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = c;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = c->ca;
	return lws_create_context(&info);
}

/* Starts the connection to url (modified in place); 2 when it is not a
 * ws:// or wss:// URL, 1 when the connection cannot start, else 0. */
static int connect_to(struct lws_context *ctx, char *url, const char *shown)
{
	const char *scheme, *address, *path;
	int port;
	if (lws_parse_uri(url, &scheme, &address, &port, &path) ||
	    (strcmp(scheme, "ws") && strcmp(scheme, "wss"))) {
		fprintf(stderr, "zws-cat: %s is not a ws:// or wss:// URL\n", shown);
		return 2;
	}
	char fullpath[1024];
	snprintf(fullpath, sizeof(fullpath), "/%s", path);
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof(ci));
	ci.context = ctx;
	ci.address = address;
	ci.port = port;
	ci.path = fullpath;
	ci.host = address;
	ci.origin = address;
	ci.ssl_connection = strcmp(scheme, "wss") ? 0 : LCCSCF_USE_SSL;
	if (!lws_client_connect_via_info(&ci)) {
		fprintf(stderr, "zws-cat: cannot connect to %s\n", shown);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cat c = { .status = 1 };
	int i = parse_options(argc, argv, &c);
	if (i <= 0)
		return i == 0 ? 0 : 2;
	char url[1024];
	snprintf(url, sizeof(url), "%s", argv[i]);
	c.messages = argv + i + 1;
	c.nmessages = argc - i - 1;

	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context *ctx = make_context(&c);
	if (!ctx) {
		fprintf(stderr, "zws-cat: cannot create the WebSocket context\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int rc = connect_to(ctx, url, argv[i]);
	if (rc) {
		lws_context_destroy(ctx);
		return rc;
	}
	c.ctx = ctx;
	if (c.timeout)
		lws_sul_schedule(ctx, 0, &c.deadline, on_deadline, c.timeout * LWS_US_PER_SEC);
	while (!c.done && !interrupted)
		lws_service(ctx, 0);
	if (interrupted)
		c.status = 0;
	lws_context_destroy(ctx);
	free(c.rx);
	return c.status;
}
