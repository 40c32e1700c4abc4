/* recv() and SSL_read() in front of lws, for the wire watches (rx_tap.h). */
#define _GNU_SOURCE
#include "rx_tap.h"

#include <dlfcn.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "log.h"

/* Descriptors past this are served unwatched. */
#define RX_TAP_MAX_FDS (1u << 22)

struct tap {
	struct wire_watch w;
	void *owner;
	bool on;
	bool reported; /* it is in the sweep list */
};

static struct tap *taps;   /* by descriptor */
static size_t ntaps;
static int *sweep_fds;     /* sockets whose unmasked ping or empty pong to report */
static size_t nsweep, capsweep;

static struct tap *tap_of(int fd)
{
	if (fd < 0 || (size_t)fd >= ntaps || !taps[fd].on)
		return NULL;
	return &taps[fd];
}

/* Room for fd: the first time, a zeroed table as long as the open-file
 * limit allows (calloc: pages no client touched cost nothing). */
static bool room_for(int fd)
{
	if ((size_t)fd < ntaps)
		return true;
	size_t n = ((size_t)fd / 1024 + 1) * 1024;
	struct rlimit rl;
	if (!taps && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > n &&
	    rl.rlim_cur <= RX_TAP_MAX_FDS)
		n = rl.rlim_cur;
	if (!taps) {
		taps = calloc(n, sizeof(*taps));
		ntaps = taps ? n : 0;
		return taps != NULL;
	}
	struct tap *t = realloc(taps, n * sizeof(*t));
	if (!t)
		return false;
	memset(t + ntaps, 0, (n - ntaps) * sizeof(*t));
	taps = t;
	ntaps = n;
	return true;
}

void rx_tap_watch(int fd)
{
	static bool warned;
	if (fd < 0)
		return;
	if ((size_t)fd >= RX_TAP_MAX_FDS || !room_for(fd)) {
		if (!warned)
			log_warn("no room to watch descriptor %d for unmasked frames: such clients are "
				 "served without that check (this line is not repeated)", fd);
		warned = true;
		return;
	}
	struct tap *t = &taps[fd];
	memset(t, 0, sizeof(*t));
	wire_watch_init(&t->w);
	t->on = true;
}

void rx_tap_forget(int fd)
{
	struct tap *t = tap_of(fd);
	if (t)
		memset(t, 0, sizeof(*t));
}

struct wire_watch *rx_tap_get(int fd)
{
	struct tap *t = tap_of(fd);
	return t ? &t->w : NULL;
}

void rx_tap_own(int fd, void *owner)
{
	struct tap *t = tap_of(fd);
	if (t)
		t->owner = owner;
}

/* Bytes lws read from fd. */
static void tapped(int fd, const void *buf, size_t n)
{
	struct tap *t = tap_of(fd);
	if (!t)
		return;
	wire_watch_feed(&t->w, buf, n);
	if (!wire_watch_bad_unseen(&t->w) || t->reported)
		return;
	if (nsweep == capsweep) {
		size_t cap = capsweep ? capsweep * 2 : 16;
		int *p = realloc(sweep_fds, cap * sizeof(*p));
		if (!p)
			return; /* reported on a later read, or never: lws still serves it */
		sweep_fds = p;
		capsweep = cap;
	}
	sweep_fds[nsweep++] = fd;
	t->reported = true;
}

void rx_tap_sweep(void (*fn)(void *ctx, void *owner), void *ctx)
{
	for (size_t i = 0; i < nsweep; i++) {
		struct tap *t = tap_of(sweep_fds[i]);
		if (t && t->owner && wire_watch_bad_unseen(&t->w))
			fn(ctx, t->owner);
	}
	nsweep = 0;
}

void rx_tap_free(void)
{
	free(taps);
	free(sweep_fds);
	taps = NULL;
	sweep_fds = NULL;
	ntaps = nsweep = capsweep = 0;
}

/* lws's read of a ws:// client. recv() is recvfrom() without an address. */
ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	ssize_t n = recvfrom(fd, buf, len, flags, NULL, NULL);
	if (n > 0 && !(flags & (MSG_PEEK | MSG_TRUNC)))
		tapped(fd, buf, (size_t)n);
	return n;
}

/* lws's read of a wss:// client: OpenSSL's own SSL_read, then the watch. */
int SSL_read(SSL *ssl, void *buf, int num)
{
	static int (*real)(SSL *, void *, int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "SSL_read");
	if (!real)
		return -1;
	int n = real(ssl, buf, num);
	if (n > 0)
		tapped(SSL_get_fd(ssl), buf, (size_t)n);
	return n;
}
