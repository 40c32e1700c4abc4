/* Listening socket owned by zws (see listener.h). lws watches a dup() of
 * it as a raw file; on readable we accept until EAGAIN. Clients may use
 * the open-file limit less a few descriptors kept for PostgreSQL
 * reconnects and lookup requests: a connection accepted above that gets
 * 503 and is closed before lws sees it. Descriptors are handed out lowest
 * first, so the number of the accepted one tells how many are open. One
 * descriptor is also kept in reserve so that if the limit is hit anyway
 * we can still accept, answer 503 and close, instead of leaving clients
 * hanging in the backlog. */
#define _GNU_SOURCE
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/* Descriptors not given to clients: PostgreSQL (socket and its dup), the
 * lookup client, lws's own, with room to spare. */
#define LISTENER_FD_SPARE 16
/* Kernel send buffer of a client socket (the kernel doubles it). Left to
 * autotuning it grows to megabytes for a client that has stopped reading,
 * so zws would see it fall behind (the --max-queue rule, session.c,
 * counts only what the kernel refuses) hundreds of notifications late;
 * at this size it is caught within a few dozen, and a client that reads
 * still takes a burst of blocks. Figures in bench/fanout/results.md
 * ("Design measurements": client send buffer). */
#define LISTENER_SNDBUF (64 * 1024)
#define LISTENER_FULL_LOG_SECS 10

struct listener {
	int fd;
	int reserve_fd;
	int client_fd_max; /* an accepted descriptor at or above this is refused */
	struct lws *wsi;
	struct lws_vhost *vh;
	const struct listener_hooks *hooks;
	time_t last_full_log;
	unsigned long refused;
};

static const char busy_response[] =
	"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

static int bind_any(struct addrinfo *res, char *err, size_t errlen)
{
	int one = 1, fd = -1;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 4096) == 0)
			return fd;
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		fd = -1;
	}
	return fd;
}

struct listener *listener_new(const char *host, int port, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	char service[8];
	snprintf(service, sizeof(service), "%d", port);
	int rc = getaddrinfo(host, service, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
		return NULL;
	}
	char why[128] = "no usable address";
	int fd = bind_any(res, why, sizeof(why));
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, why);
		return NULL;
	}
	struct listener *l = calloc(1, sizeof(*l));
	if (!l) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->fd = fd;
	l->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct rlimit rl;
	l->client_fd_max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < INT_MAX
				   ? (int)rl.rlim_cur - LISTENER_FD_SPARE
				   : INT_MAX;
	return l;
}

bool listener_start(struct listener *l, struct lws_vhost *vh, const struct listener_hooks *hooks)
{
	l->vh = vh;
	l->hooks = hooks;
	lws_adopt_desc_t desc = { .vh = vh, .type = LWS_ADOPT_RAW_FILE_DESC,
				  .vh_prot_name = "zws-listen", .opaque = l };
	desc.fd.filefd = dup(l->fd);
	l->wsi = desc.fd.filefd >= 0 ? lws_adopt_descriptor_vhost_via_info(&desc) : NULL;
	return l->wsi != NULL;
}

/* Answers 503 before any upgrade and closes; one log line per
 * LISTENER_FULL_LOG_SECS. */
static void refuse(struct listener *l, int fd)
{
	char request[2048];
	ssize_t n = send(fd, busy_response, sizeof(busy_response) - 1, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	/* Whatever of the request is here already is read, so closing sends a
	 * FIN after the 503 rather than a reset that could overtake it. */
	n = recv(fd, request, sizeof(request), MSG_DONTWAIT);
	(void)n;
	close(fd);
	l->refused++;
	if (l->hooks->refused)
		l->hooks->refused(l->hooks->ctx);
	time_t now = time(NULL);
	if (now - l->last_full_log >= LISTENER_FULL_LOG_SECS) {
		log_warn("at the open-file limit with %zu clients: refusing new connections with 503 "
			 "(%lu refused so far)", l->hooks->clients(l->hooks->ctx), l->refused);
		l->last_full_log = now;
	}
}

/* Out of descriptors altogether: the reserve one lets us accept to refuse. */
static void refuse_with_reserve(struct listener *l)
{
	if (l->reserve_fd < 0)
		return;
	close(l->reserve_fd);
	int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		refuse(l, fd);
	l->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void accept_all(struct listener *l)
{
	for (int i = 0; i < 256; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				refuse_with_reserve(l);
			else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
				 errno != ECONNABORTED)
				log_warn("accept failed: %s", strerror(errno));
			if (errno != ECONNABORTED && errno != EINTR)
				return;
			continue;
		}
		if (fd >= l->client_fd_max) {
			refuse(l, fd);
			continue;
		}
		int sndbuf = LISTENER_SNDBUF;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		if (l->hooks->accepted)
			l->hooks->accepted(l->hooks->ctx, fd);
		if (!lws_adopt_socket_vhost(l->vh, fd))
			log_warn("connection closed as accepted: lws could not adopt it, or its TLS "
				 "handshake failed at once (%zu clients)",
				 l->hooks->clients(l->hooks->ctx));
	}
}

int listener_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len)
{
	struct listener *l = lws_get_opaque_user_data(wsi);
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (!l)
			return -1;
		accept_all(l);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (l && l->wsi == wsi)
			l->wsi = NULL;
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return -1; /* internal: never a client's WebSocket */
	default:
		return 0;
	}
}

void listener_stop(struct listener *l)
{
	if (!l)
		return;
	if (l->wsi) {
		lws_set_opaque_user_data(l->wsi, NULL);
		lws_set_timeout(l->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		l->wsi = NULL;
	}
	/* Closed, not just unwatched: the kernel then sends new connections
	 * to the other processes on the port (a rolling restart) instead of
	 * queueing them here. shutdown() ends the listening at once for lws's
	 * dup too, which lws closes only on a later loop turn. */
	if (l->fd >= 0) {
		shutdown(l->fd, SHUT_RD);
		close(l->fd);
	}
	l->fd = -1;
}

void listener_free(struct listener *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	if (l->reserve_fd >= 0)
		close(l->reserve_fd);
	free(l);
}
