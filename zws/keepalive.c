/* WebSocket keepalive (see keepalive.h).
 *
 * lws 4.1.6 can do this itself (retry_and_idle_policy), but keeps one
 * timer per connection in a sorted list whose insert walks the list: every
 * ping sent and every pong received re-inserted a timer behind all the
 * others, O(n) each. With 19,000 idle clients that was 23% of a core,
 * 83% of it in lws_dll2_add_sorted. Here a session waits in one of two
 * lists, for its ping (app->alive) or for its answer (app->pinged); a
 * deadline always goes to the tail, which keeps both sorted, and a single
 * lws timer takes the due heads once a second. A ping is written at once
 * when nothing else waits for the client (session_ping): with 19,000
 * clients on libev, 40 s of idle CPU including one ping round fell from
 * 400 to 280 ms, since asking lws for a writable callback per client
 * costs two epoll_ctl calls. */
#include "keepalive.h"

#include <libwebsockets.h>
#include <time.h>

#include "log.h"
#include "session.h"

#define KEEPALIVE_TICK_US ((lws_usec_t)1000 * 1000)

static lws_sorted_usec_list_t tick_sul;
static struct zws *tick_app;

static uint32_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_sec;
}

/* Appends s to list with its next deadline. Each list gets one fixed delay
 * added to the current time, so appending keeps it sorted. */
static void requeue(struct session *s, struct dlist *list, uint32_t deadline)
{
	s->alive_deadline = deadline;
	dlist_del(&s->alive);
	dlist_add(list, &s->alive);
}

static struct session *due(struct dlist *list, uint32_t now)
{
	if (list->next == list)
		return NULL;
	struct session *s = container_of(list->next, struct session, alive);
	return (int32_t)(s->alive_deadline - now) <= 0 ? s : NULL;
}

static void tick(lws_sorted_usec_list_t *sul)
{
	struct zws *app = tick_app;
	uint32_t now = now_s();
	struct session *s;
	while ((s = due(&app->pinged, now))) {
		log_info("S%llu %s dropped: silent for %u s, no answer to a ping",
			 (unsigned long long)s->sub.id, s->peer, app->cfg->drop_after_s);
		dlist_del(&s->alive);
		session_lws_closing(s);
		lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	while ((s = due(&app->alive, now))) {
		requeue(s, &app->pinged, now + app->cfg->drop_after_s - app->cfg->ping_after_s);
		session_ping(s);
	}
	lws_sul_schedule(app->context, 0, &tick_sul, tick, KEEPALIVE_TICK_US);
}

void keepalive_start(struct zws *app)
{
	tick_app = app;
	lws_sul_schedule(app->context, 0, &tick_sul, tick, KEEPALIVE_TICK_US);
}

void keepalive_stop(struct zws *app)
{
	if (tick_app == app)
		lws_sul_cancel(&tick_sul);
	tick_app = NULL;
}

void keepalive_heard(struct session *s)
{
	requeue(s, &s->app->alive, now_s() + s->app->cfg->ping_after_s);
}

void keepalive_forget(struct session *s)
{
	dlist_del(&s->alive);
}
