/* The event loop under lws (see evloop.h). libev is the default: with
 * notifications written at once, an epoch costs it nothing but the sends,
 * while poll() walks every socket each time PostgreSQL wakes the loop;
 * it costs some memory per connection instead. The figures are in
 * bench/fanout/results.md ("Design measurements": event loop). libev
 * needs the timer kick below. (lws's libuv loop was slower than both and
 * lost the 1001 close frame at shutdown; zws does not offer it.) */
#include "evloop.h"

#include <ev.h>
#include <stdlib.h>

/* lws 4.1.6's libev plugin re-arms its one timer with ev_timer_set on a
 * watcher that may still be running, which libev ignores: a timer due
 * sooner than the one armed (a reconnect backoff, a close timeout) waits
 * for the later one, up to the next 30 s ping. Every EVLOOP_EV_KICK_S zws
 * wakes lws, whose idle handler then runs the timers that are due. */
#define EVLOOP_EV_KICK_S 0.05

struct evloop {
	enum zws_event_loop kind;
	struct ev_loop *ev;
	ev_timer kick;
	struct lws_context *cx;
	void *foreign[1];
};

static void kick_lws(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct evloop *l = w->data;
	if (l->cx)
		lws_cancel_service(l->cx);
}

struct evloop *evloop_new(enum zws_event_loop kind)
{
	struct evloop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->kind = kind;
	switch (kind) {
	case ZWS_LOOP_POLL:
		break;
	case ZWS_LOOP_LIBEV:
		/* epoll on Linux; the signal handling stays zws's own. */
		if (!(l->ev = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK)))
			goto fail;
		l->foreign[0] = l->ev;
		ev_timer_init(&l->kick, kick_lws, EVLOOP_EV_KICK_S, EVLOOP_EV_KICK_S);
		l->kick.data = l;
		break;
	}
	return l;
fail:
	free(l);
	return NULL;
}

void evloop_configure(struct evloop *l, struct lws_context_creation_info *info)
{
	if (l->kind == ZWS_LOOP_LIBEV)
		info->options |= LWS_SERVER_OPTION_LIBEV;
	info->foreign_loops = l->kind == ZWS_LOOP_POLL ? NULL : l->foreign;
}

bool evloop_run_once(struct evloop *l, struct lws_context *cx)
{
	switch (l->kind) {
	case ZWS_LOOP_LIBEV:
		if (!l->cx) {
			l->cx = cx;
			ev_timer_start(l->ev, &l->kick);
		}
		ev_run(l->ev, EVRUN_ONCE);
		return true;
	default:
		return lws_service(cx, 0) >= 0;
	}
}

void evloop_destroy_context(struct evloop *l, struct lws_context *cx)
{
	if (l->cx)
		ev_timer_stop(l->ev, &l->kick);
	l->cx = NULL;
	lws_context_destroy(cx);
}

void evloop_free(struct evloop *l)
{
	if (!l)
		return;
	if (l->ev)
		ev_loop_destroy(l->ev);
	free(l);
}
