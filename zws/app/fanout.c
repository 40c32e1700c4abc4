/* Block fan-out (see fanout.h). Three passes, each over deliveries only:
 * the epoch plan's runs (clients with EventLog/TxnLog content), the
 * NewBlock list (clients not served yet get the shared frame), and the
 * Unsubscribe list (clients whose only news is what they dropped). Each
 * served session is stamped so no client gets two messages per block.
 * A client with nothing pending gets its message written right here
 * (session_send); only one still busy with earlier output waits for lws
 * to call it writable. A client's own message is listed as pieces of the
 * block's shared fragments and written from them (session_send_parts):
 * it is copied only if it has to wait. */
#include "fanout.h"

#include <libwebsockets.h>

#include "log.h"
#include "notification.h"
#include "replay.h"
#include "session.h"

static struct session *session_of(struct subscriber *sub)
{
	return container_of(sub, struct session, sub);
}

/* Clients served in one pass, and how many of them had to wait. */
struct fanout_count {
	size_t served, waiting;
};

/* Builds and sends s's own message. */
static bool send_custom(struct zws *app, struct session *s, const struct block *b,
			const struct fanout_item *items, size_t nitems, struct fanout_count *c)
{
	struct notification n = {
		.block_num = s->resumed ? b->num_text : NULL,
		.newblock_value = (s->topics & TOPIC_BIT(TOPIC_NEWBLOCK)) ? &b->newblock_value : NULL,
		.items = items, .nitems = nitems,
		.unsubscribed = s->dropped, .nunsubscribed = s->ndropped,
	};
	s->stamp = app->epoch_stamp;
	if (!notification_has_content(&n))
		return true;
	if (!notification_parts(&n, &app->parts))
		return false;
	c->waiting += !session_send_parts(s, &app->parts);
	return true;
}

/* The message every NewBlock-only client shares (resumed: with blockNum). */
static struct frame *shared_newblock(struct zws *app, const struct block *b, bool resumed)
{
	struct notification n = { .block_num = resumed ? b->num_text : NULL,
				  .newblock_value = &b->newblock_value };
	if (!notification_parts(&n, &app->parts))
		return NULL;
	return frame_new_parts(&app->parts);
}

static void serve_plan(struct zws *app, const struct block *b, struct fanout_count *c)
{
	struct fanout_plan *p = &app->plan;
	for (size_t i = 0; i < p->count;) {
		size_t run = fanout_plan_run(p, i);
		struct session *s = session_of(p->items[i].sub);
		if (replay_skips(s, b)) {
			i += run;
			continue;
		}
		if (!send_custom(app, s, b, &p->items[i], run, c))
			log_error("blk=%llu out of memory building a notification", (unsigned long long)b->num);
		c->served++;
		i += run;
	}
}

static void serve_newblock(struct zws *app, const struct block *b, struct fanout_count *c)
{
	struct frame *shared[2] = { NULL, NULL }; /* without and with blockNum */
	for (struct dlist *n = app->newblock.next; n != &app->newblock; n = n->next) {
		struct session *s = container_of(n, struct session, newblock);
		if (s->stamp == app->epoch_stamp || replay_skips(s, b))
			continue;
		c->served++;
		if (s->ndropped) {
			send_custom(app, s, b, NULL, 0, c);
			continue;
		}
		struct frame **f = &shared[s->resumed];
		if (!*f && !(*f = shared_newblock(app, b, s->resumed))) {
			log_error("blk=%llu out of memory building NewBlock", (unsigned long long)b->num);
			break;
		}
		s->stamp = app->epoch_stamp;
		c->waiting += !session_send(s, *f);
	}
	frame_unref(shared[0]);
	frame_unref(shared[1]);
}

static void serve_unsubscribing(struct zws *app, const struct block *b, struct fanout_count *c)
{
	struct dlist *n = app->unsubscribing.next;
	while (n != &app->unsubscribing) {
		struct session *s = container_of(n, struct session, unsubscribing);
		n = n->next;
		if (replay_skips(s, b))
			continue; /* its replay reports it */
		if (s->stamp != app->epoch_stamp) {
			send_custom(app, s, b, NULL, 0, c);
			c->served++;
		}
		session_finish_unsubscribe(s);
	}
}

void fanout_block(struct zws *app, const struct block *b)
{
	lws_usec_t t0 = lws_now_usecs();
	app->epoch_stamp++;
	app->fanned = b->num;
	if (!fanout_plan_build(&app->plan, b, &app->index[SUBS_EVENTLOG], &app->index[SUBS_TXNLOG])) {
		log_error("blk=%llu out of memory planning the fan-out", (unsigned long long)b->num);
		app->plan.count = 0;
	}
	struct fanout_count custom = { 0 }, shared = { 0 }, unsub = { 0 };
	serve_plan(app, b, &custom);
	serve_newblock(app, b, &shared);
	serve_unsubscribing(app, b, &unsub);
	size_t served = custom.served + shared.served + unsub.served;
	size_t waiting = custom.waiting + shared.waiting + unsub.waiting;
	log_info("blk=%llu sent to %zu clients (%zu with logs, %zu NewBlock, %zu unsubscribe only; "
		 "%zu waiting behind earlier output) in %lld us",
		 (unsigned long long)b->num, served, custom.served, shared.served, unsub.served,
		 waiting, (long long)(lws_now_usecs() - t0));
}
