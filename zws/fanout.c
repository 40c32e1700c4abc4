/* Block fan-out (see fanout.h). Three passes, each over deliveries only:
 * the epoch plan's runs (clients with EventLog/TxnLog content), the
 * NewBlock list (clients not served yet get the shared frame), and the
 * Unsubscribe list (clients whose only news is what they dropped). Each
 * served session is stamped so no client gets two messages per block. */
#include "fanout.h"

#include <libwebsockets.h>

#include "log.h"
#include "notification.h"
#include "session.h"

static struct session *session_of(struct subscriber *sub)
{
	return container_of(sub, struct session, sub);
}

/* Builds and queues s's own message. */
static bool send_custom(struct zws *app, struct session *s, const struct block *b,
			const struct epoch_item *items, size_t nitems)
{
	struct notification n = {
		.newblock_value = (s->topics & TOPIC_BIT(TOPIC_NEWBLOCK)) ? &b->newblock_value : NULL,
		.items = items, .nitems = nitems,
		.unsubscribed = s->dropped, .nunsubscribed = s->ndropped,
	};
	s->stamp = app->epoch_stamp;
	if (!notification_has_content(&n))
		return true;
	if (!notification_build(&n, &app->scratch))
		return false;
	struct frame *f = frame_new(app->scratch.data, app->scratch.len);
	if (!f)
		return false;
	session_send(s, f);
	frame_unref(f);
	return true;
}

/* The message every NewBlock-only client shares. */
static struct frame *shared_newblock(struct zws *app, const struct block *b)
{
	struct notification n = { .newblock_value = &b->newblock_value };
	if (!notification_build(&n, &app->scratch))
		return NULL;
	return frame_new(app->scratch.data, app->scratch.len);
}

static size_t serve_plan(struct zws *app, const struct block *b)
{
	size_t served = 0;
	struct epoch_plan *p = &app->plan;
	for (size_t i = 0; i < p->count;) {
		size_t run = epoch_plan_run(p, i);
		if (!send_custom(app, session_of(p->items[i].sub), b, &p->items[i], run))
			log_error("blk=%llu out of memory building a notification", (unsigned long long)b->num);
		served++;
		i += run;
	}
	return served;
}

static size_t serve_newblock(struct zws *app, const struct block *b)
{
	struct frame *shared = NULL;
	size_t served = 0;
	for (struct dlist *n = app->newblock.next; n != &app->newblock; n = n->next) {
		struct session *s = container_of(n, struct session, newblock);
		if (s->stamp == app->epoch_stamp)
			continue;
		served++;
		if (s->ndropped) {
			send_custom(app, s, b, NULL, 0);
			continue;
		}
		if (!shared && !(shared = shared_newblock(app, b))) {
			log_error("blk=%llu out of memory building NewBlock", (unsigned long long)b->num);
			break;
		}
		s->stamp = app->epoch_stamp;
		session_send(s, shared);
	}
	frame_unref(shared);
	return served;
}

static size_t serve_unsubscribing(struct zws *app, const struct block *b)
{
	size_t served = 0;
	struct dlist *n = app->unsubscribing.next;
	while (n != &app->unsubscribing) {
		struct session *s = container_of(n, struct session, unsubscribing);
		n = n->next;
		if (s->stamp != app->epoch_stamp) {
			send_custom(app, s, b, NULL, 0);
			served++;
		}
		session_finish_unsubscribe(s);
	}
	return served;
}

void fanout_block(struct zws *app, const struct block *b)
{
	lws_usec_t t0 = lws_now_usecs();
	app->epoch_stamp++;
	if (!epoch_plan_build(&app->plan, b, &app->index[SUBS_EVENTLOG], &app->index[SUBS_TXNLOG])) {
		log_error("blk=%llu out of memory planning the fan-out", (unsigned long long)b->num);
		app->plan.count = 0;
	}
	size_t custom = serve_plan(app, b);
	size_t shared = serve_newblock(app, b);
	size_t unsub = serve_unsubscribing(app, b);
	log_info("blk=%llu queued for %zu clients (%zu with logs, %zu NewBlock, %zu unsubscribe only) in %lld us",
		 (unsigned long long)b->num, custom + shared + unsub, custom, shared, unsub,
		 (long long)(lws_now_usecs() - t0));
}
