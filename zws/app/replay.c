/* Replays after Resume (see replay.h). Replaying sessions sit on
 * app->replaying and are served round-robin: a tick visits at most
 * REPLAY_VISITS of them and sends at most REPLAY_SLICE notifications, a
 * session at most REPLAY_PER_VISIT in a row and only while nothing waits
 * in its queue, then moves it to the tail and hands the loop back. A
 * block not in the cache is read through the PostgreSQL feed, with the
 * next few after it; sessions that need a block being read wait for it.
 * The seam: fan-out leaves replaying sessions out, and a session joins
 * the live path when the block fanned out is the next one it needs (in
 * fanout, or here once it has everything up to app->fanned). */
#include "replay.h"

#include <libwebsockets.h>
#include <stdlib.h>

#include "clock.h"
#include "log.h"
#include "notification.h"
#include "pgfeed.h"
#include "session.h"
#include "zws_stats.h"

#define REPLAY_SLICE 512
#define REPLAY_VISITS 2048
#define REPLAY_PER_VISIT 8
#define REPLAY_READ_AHEAD 8
/* How soon to look again when every replaying session waited (for a
 * block being read or for its socket to drain). */
#define REPLAY_IDLE_US ((lws_usec_t)5 * 1000)

/* A session's replay, from its Resume until it closes. It hangs off the
 * connection's lws opaque pointer (replay_of), so a session that never
 * resumes costs nothing (struct session is kept within its heap chunk). */
struct session_replay {
	struct dlist node; /* on app->replaying or app->parked while it replays */
	struct session *s;
	uint64_t next;     /* the next block it gets */
	bool read_for;     /* it waited for next to be read from PostgreSQL */
	/* When it was last sent a notification (or resumed), and the head
	 * then: a client that takes none while --max-queue blocks come and
	 * for SESSION_STALL_MS is dropped, as a live client would be. */
	uint64_t sent_ms, head_at_sent;
};

static void tick(lws_sorted_usec_list_t *sul);

static void schedule(struct zws *app, lws_usec_t us)
{
	if (!dlist_empty(&app->replaying))
		lws_sul_schedule(app->context, 0, &app->replay_tick, tick, us);
}

uint64_t replay_oldest(const struct zws *app)
{
	uint64_t window = app->head > app->cfg->max_resume ? app->head - app->cfg->max_resume : 0;
	return app->oldest > window ? app->oldest : window;
}

uint64_t replay_next_live(const struct zws *app)
{
	if (!app->bounds_known)
		return 0;
	return app->fanned ? app->fanned + 1 : app->head + 1;
}

static struct session_replay *replay_of(const struct session *s)
{
	return s->resumed ? lws_get_opaque_user_data(s->wsi) : NULL;
}

static bool replaying(const struct session *s)
{
	struct session_replay *r = replay_of(s);
	return r && dlist_linked(&r->node);
}

static void forget(struct session *s)
{
	if (!replaying(s))
		return;
	dlist_del(&replay_of(s)->node);
	s->app->nreplaying--;
	stats_set(&s->app->stats->replaying, s->app->nreplaying);
}

void replay_forget(struct session *s)
{
	if (!s || !s->app || !s->resumed)
		return;
	forget(s);
	free(replay_of(s));
	lws_set_opaque_user_data(s->wsi, NULL);
	s->resumed = false;
}

static void join_live(struct session *s)
{
	forget(s);
	log_debug(SESSION_FMT "replay done at blk=%llu; live from here", SESSION_ARGS(s),
		  (unsigned long long)replay_of(s)->next);
}

void replay_start(struct session *s, uint64_t from)
{
	struct zws *app = s->app;
	struct session_replay *r = replay_of(s);
	if (!r) {
		if (!(r = calloc(1, sizeof(*r)))) {
			session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
			return;
		}
		lws_set_opaque_user_data(s->wsi, r);
		s->resumed = true;
	}
	forget(s);
	r->s = s;
	r->next = from;
	r->read_for = false;
	r->sent_ms = clock_now_ms();
	r->head_at_sent = app->head;
	dlist_add(&app->replaying, &r->node);
	app->nreplaying++;
	stats_add(&app->stats->resumes, 1);
	stats_set(&app->stats->replaying, app->nreplaying);
	log_info(SESSION_FMT "resuming from blk=%llu (head blk=%llu)", SESSION_ARGS(s),
		 (unsigned long long)from, (unsigned long long)app->head);
	schedule(app, 0);
}

bool replay_skips(struct session *s, const struct block *b)
{
	if (!replaying(s))
		return false;
	if (replay_of(s)->next != b->num)
		return true;
	join_live(s);
	return false;
}

void replay_block_pushed_take(struct zws *app, struct block *b)
{
	block_cache_put_take(&app->cache, b);
}

static void block_read_done(void *ctx, uint64_t num, struct block *b, bool ran)
{
	struct zws *app = ctx;
	if (b)
		log_info("blk=%llu read for resuming clients (%zu replaying)", (unsigned long long)num,
			 app->nreplaying);
	if (b) {
		stats_add(&app->stats->replay_reads, 1);
		block_cache_put_take(&app->cache, b);
	} else if (ran)
		block_cache_put_missing(&app->cache, num);
	else
		block_cache_set_reading(&app->cache, num, false);
	schedule(app, 0);
}

/* Reads num and the next few not held, up to the head. A block after the
 * last one pushed is on its way through the live path (which fills the
 * cache) once zws pushes: it is waited for, not read twice. */
static void read_ahead(struct zws *app, uint64_t num)
{
	uint64_t last = app->fanned && app->fanned < app->head ? app->fanned : app->head;
	for (uint64_t n = num; n < num + REPLAY_READ_AHEAD && n <= last; n++) {
		if (block_cache_get(&app->cache, n) || block_cache_missing(&app->cache, n) ||
		    block_cache_reading(&app->cache, n))
			continue;
		if (!pgfeed_read_block(app->feed, n, block_read_done, app)) {
			log_error("blk=%llu cannot be read for a replay: out of memory", (unsigned long long)n);
			return;
		}
		block_cache_set_reading(&app->cache, n, true);
	}
}

static bool items_push(struct zws *app, size_t *n, struct session *s, const struct block_group *g,
		       unsigned char topic)
{
	if (*n == app->replay_items_cap) {
		size_t cap = app->replay_items_cap ? app->replay_items_cap * 2 : 64;
		struct fanout_item *v = realloc(app->replay_items, cap * sizeof(*v));
		if (!v)
			return false;
		app->replay_items = v;
		app->replay_items_cap = cap;
	}
	app->replay_items[(*n)++] = (struct fanout_item){ &s->sub, g, g->order, topic };
	return true;
}

/* s's share of b, in the order a fan-out plan lists it. */
static bool share_of(struct zws *app, struct session *s, const struct block *b, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < b->events.count; i++)
		if (subs_has(&s->sub, SUBS_EVENTLOG, b->events.groups[i]->key.key) &&
		    !items_push(app, n, s, b->events.groups[i], TOPIC_EVENTLOG))
			return false;
	for (size_t i = 0; i < b->txns.count; i++)
		if (subs_has(&s->sub, SUBS_TXNLOG, b->txns.groups[i]->key.key) &&
		    !items_push(app, n, s, b->txns.groups[i], TOPIC_TXNLOG))
			return false;
	return true;
}

/* Sends s its notification for b, if it has content. */
static bool send_block(struct zws *app, struct session *s, const struct block *b)
{
	size_t n;
	if (!share_of(app, s, b, &n))
		return false;
	struct notification msg = {
		.block_num = b->num_text,
		.newblock_value = (s->topics & TOPIC_BIT(TOPIC_NEWBLOCK)) ? &b->newblock_value : NULL,
		.items = app->replay_items, .nitems = n,
		.unsubscribed = s->dropped, .nunsubscribed = s->ndropped,
	};
	if (notification_has_content(&msg)) {
		if (!notification_parts(&msg, &app->parts))
			return false;
		session_send_parts(s, &app->parts);
	}
	if (s->ndropped || s->ending)
		session_finish_unsubscribe(s);
	return true;
}

enum visit { VISIT_WAITED, VISIT_SENT, VISIT_PARKED, VISIT_GONE };

/* s cannot be sent its next notification (it has not taken the last):
 * whether it stopped reading, by the rule for live clients (session.c,
 * too_slow): --max-queue blocks came since it was last sent one, and
 * SESSION_STALL_MS passed. Its memory stays one notification either way;
 * this frees its connection and its place in the replay. */
static bool stalled(const struct zws *app, const struct session *s)
{
	const struct session_replay *r = replay_of(s);
	return (s->state == SESSION_OPEN || s->state == SESSION_CHECKING) &&
	       app->head - r->head_at_sent >= app->cfg->queue_max && clock_now_ms() - r->sent_ms >= SESSION_STALL_MS;
}

/* Serves s up to REPLAY_PER_VISIT blocks; *sent counts notifications. */
static enum visit visit(struct zws *app, struct session *s, unsigned *sent)
{
	enum visit result = VISIT_WAITED;
	for (unsigned i = 0; i < REPLAY_PER_VISIT; i++) {
		if (app->fanned && replay_of(s)->next == app->fanned + 1) {
			join_live(s);
			return VISIT_GONE;
		}
		if (replay_of(s)->next > app->head)
			return VISIT_PARKED;
		if (!session_idle(s)) {
			if (!stalled(app, s))
				return result;
			log_warn(SESSION_FMT "dropped: replaying, took no notification for %llu ms while %llu "
				 "blocks came (--max-queue %u)", SESSION_ARGS(s),
				 (unsigned long long)(clock_now_ms() - replay_of(s)->sent_ms),
				 (unsigned long long)(app->head - replay_of(s)->head_at_sent), app->cfg->queue_max);
			stats_add(&app->stats->dropped[STATS_DROP_SLOW], 1);
			forget(s);
			session_close(s, LWS_CLOSE_STATUS_POLICY_VIOLATION, "slow client");
			return VISIT_GONE;
		}
		if (replay_of(s)->next < replay_oldest(app)) {
			log_warn(SESSION_FMT "dropped: replay at blk=%llu fell more than --max-resume behind "
				 "the head blk=%llu", SESSION_ARGS(s), (unsigned long long)replay_of(s)->next,
				 (unsigned long long)app->head);
			forget(s);
			session_close(s, LWS_CLOSE_STATUS_POLICY_VIOLATION, "replay too slow");
			return VISIT_GONE;
		}
		const struct block *b = block_cache_get(&app->cache, replay_of(s)->next);
		if (!b && !block_cache_missing(&app->cache, replay_of(s)->next)) {
			read_ahead(app, replay_of(s)->next);
			replay_of(s)->read_for = true;
			return result;
		}
		if (b && !send_block(app, s, b)) {
			log_error(SESSION_FMT "blk=%llu out of memory replaying", SESSION_ARGS(s),
				  (unsigned long long)replay_of(s)->next);
			forget(s);
			session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
			return VISIT_GONE;
		}
		if (b)
			stats_add(&app->stats->replayed[replay_of(s)->read_for ? STATS_REPLAY_POSTGRES
										: STATS_REPLAY_CACHE], 1);
		replay_of(s)->next++;
		replay_of(s)->read_for = false;
		if (b) {
			replay_of(s)->sent_ms = clock_now_ms();
			replay_of(s)->head_at_sent = app->head;
		}
		*sent += b != NULL;
		result = VISIT_SENT;
	}
	return result;
}

static void tick(lws_sorted_usec_list_t *sul)
{
	struct zws *app = container_of(sul, struct zws, replay_tick);
	unsigned sent = 0, visits = 0;
	bool progress = false;
	size_t round = app->nreplaying < REPLAY_VISITS ? app->nreplaying : REPLAY_VISITS;
	while (!dlist_empty(&app->replaying) && visits < round && sent < REPLAY_SLICE) {
		struct dlist *n = app->replaying.next;
		struct session *s = container_of(n, struct session_replay, node)->s;
		visits++;
		enum visit v = visit(app, s, &sent);
		progress |= v == VISIT_SENT || v == VISIT_GONE;
		if (v == VISIT_GONE)
			continue;
		dlist_del(n);
		dlist_add(v == VISIT_PARKED ? &app->parked : &app->replaying, n);
	}
	schedule(app, progress ? 0 : REPLAY_IDLE_US);
}

void replay_head(struct zws *app, uint64_t num)
{
	if (num <= app->head)
		return;
	app->head = num;
	while (!dlist_empty(&app->parked)) {
		struct dlist *n = app->parked.next;
		dlist_del(n);
		dlist_add(&app->replaying, n);
	}
	schedule(app, 0);
}

void replay_stop(struct zws *app)
{
	lws_sul_cancel(&app->replay_tick);
}
