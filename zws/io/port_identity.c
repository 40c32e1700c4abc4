/* The port's identity socket (see port_identity.h). The listening unix
 * socket is watched by lws as a raw file, like the TCP listener; each
 * connection is accepted, sent the one line and closed at once (the line
 * is far smaller than a fresh socket's buffer, so the send never waits). */
#define _GNU_SOURCE
#include "port_identity.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* How long a newcomer waits for the running zws to answer: it answers
 * from its loop, which never blocks for long. Holds up only the start. */
#define PORT_IDENTITY_PROBE_MS 2000
#define PORT_IDENTITY_RETRY_US ((lws_usec_t)1000 * 1000)
#define PORT_IDENTITY_LINE 256

struct port_identity {
	int port;
	int fd; /* the bound name; -1 while another process holds it */
	char line[PORT_IDENTITY_LINE];
	size_t len;
	struct lws_context *cx;
	struct lws_vhost *vh;
	struct lws *wsi;
	const struct port_identity_hooks *hooks;
	lws_sorted_usec_list_t retry;
	bool retrying;
};

static socklen_t name_of(int port, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "zws-port-%d", port);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* A socket bound to the name and listening; -1 (errno set) if taken. */
static int bind_name(int port)
{
	struct sockaddr_un a;
	socklen_t alen = name_of(port, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, alen) == 0 && listen(fd, 64) == 0)
		return fd;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* Whether a plain bind (no SO_REUSEPORT) to host:port fails as taken. */
static bool port_in_use(const char *host, int port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	char service[8];
	snprintf(service, sizeof(service), "%d", port);
	if (getaddrinfo(host, service, &hints, &res))
		return false; /* the listener reports the bad address */
	bool used = false;
	for (struct addrinfo *ai = res; ai && !used; ai = ai->ai_next) {
		int one = 1, fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		used = bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno == EADDRINUSE;
		close(fd);
	}
	freeaddrinfo(res);
	return used;
}

/* Reads the owner's line into line; false if nobody answers in time. */
static bool ask_owner(int port, char *line, size_t linelen)
{
	struct sockaddr_un a;
	socklen_t alen = name_of(port, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, alen) != 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	size_t have = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	while (have + 1 < linelen && !memchr(line, '\n', have) && poll(&pfd, 1, PORT_IDENTITY_PROBE_MS) == 1) {
		ssize_t n = read(fd, line + have, linelen - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	line[have] = '\0';
	line[strcspn(line, "\n")] = '\0';
	return have > 0;
}

enum port_probe port_identity_probe(const char *host, int port, char *line, size_t linelen)
{
	if (!port_in_use(host, port))
		return PORT_FREE;
	return ask_owner(port, line, linelen) ? PORT_ZWS : PORT_OTHER;
}

struct port_identity *port_identity_new(int port, const char *identity, char *err, size_t errlen)
{
	struct port_identity *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->port = port;
	int n = snprintf(p->line, sizeof(p->line), "zws %d %s\n", (int)getpid(), identity);
	if (n < 0 || (size_t)n >= sizeof(p->line)) {
		snprintf(err, errlen, "database identity too long: %.60s", identity);
		free(p);
		return NULL;
	}
	p->len = (size_t)n;
	p->fd = bind_name(port);
	if (p->fd < 0 && errno != EADDRINUSE) {
		snprintf(err, errlen, "cannot open the identity socket of port %d: %s", port, strerror(errno));
		free(p);
		return NULL;
	}
	return p;
}

static bool watch(struct port_identity *p)
{
	lws_adopt_desc_t desc = { .vh = p->vh, .type = LWS_ADOPT_RAW_FILE_DESC,
				  .vh_prot_name = "zws-identity", .opaque = p };
	desc.fd.filefd = dup(p->fd);
	p->wsi = desc.fd.filefd >= 0 ? lws_adopt_descriptor_vhost_via_info(&desc) : NULL;
	if (p->wsi && p->hooks->claimed)
		p->hooks->claimed(p->hooks->ctx, p->port);
	return p->wsi != NULL;
}

static void retry(lws_sorted_usec_list_t *sul)
{
	struct port_identity *p = lws_container_of(sul, struct port_identity, retry);
	if ((p->fd = bind_name(p->port)) >= 0) {
		if (watch(p))
			return;
		close(p->fd);
		p->fd = -1;
	}
	lws_sul_schedule(p->cx, 0, &p->retry, retry, PORT_IDENTITY_RETRY_US);
}

bool port_identity_start(struct port_identity *p, struct lws_context *cx, struct lws_vhost *vh,
			 const struct port_identity_hooks *hooks)
{
	p->cx = cx;
	p->vh = vh;
	p->hooks = hooks;
	p->retrying = true;
	if (p->fd >= 0)
		return watch(p);
	lws_sul_schedule(cx, 0, &p->retry, retry, PORT_IDENTITY_RETRY_US);
	return true;
}

static void answer_all(struct port_identity *p)
{
	int fd;
	while ((fd = accept4(p->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		ssize_t n = send(fd, p->line, p->len, MSG_NOSIGNAL);
		(void)n;
		close(fd);
	}
}

int port_identity_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			   size_t len)
{
	struct port_identity *p = lws_get_opaque_user_data(wsi);
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (!p)
			return -1;
		answer_all(p);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (p && p->wsi == wsi)
			p->wsi = NULL;
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return -1; /* internal: never a client's WebSocket */
	default:
		return 0;
	}
}

void port_identity_stop(struct port_identity *p)
{
	if (!p)
		return;
	if (p->retrying)
		lws_sul_cancel(&p->retry);
	p->retrying = false;
	if (p->wsi) {
		lws_set_opaque_user_data(p->wsi, NULL);
		lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		p->wsi = NULL;
	}
}

void port_identity_free(struct port_identity *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}
