/* Keepalive deadlines (see keepalive.h). Deadlines compare as uint32_t
 * differences, so the clock may wrap. */
#include "keepalive.h"

void keepalive_init(struct keepalive *ka, unsigned ping_after_s, unsigned drop_after_s)
{
	dlist_init(&ka->alive);
	dlist_init(&ka->pinged);
	ka->ping_after_s = ping_after_s;
	ka->drop_after_s = drop_after_s;
}

static void requeue(struct dlist *list, struct keepalive_entry *e, uint32_t deadline)
{
	e->deadline = deadline;
	dlist_del(&e->link);
	dlist_add(list, &e->link);
}

void keepalive_heard(struct keepalive *ka, struct keepalive_entry *e, uint32_t now)
{
	requeue(&ka->alive, e, now + ka->ping_after_s);
}

void keepalive_forget(struct keepalive_entry *e)
{
	dlist_del(&e->link);
}

static struct keepalive_entry *due(struct dlist *list, uint32_t now)
{
	if (dlist_empty(list))
		return NULL;
	struct keepalive_entry *e = container_of(list->next, struct keepalive_entry, link);
	return (int32_t)(e->deadline - now) <= 0 ? e : NULL;
}

struct keepalive_entry *keepalive_next(struct keepalive *ka, uint32_t now, enum keepalive_action *what)
{
	struct keepalive_entry *e = due(&ka->pinged, now);
	if (e) {
		dlist_del(&e->link);
		*what = KEEPALIVE_DROP;
		return e;
	}
	if ((e = due(&ka->alive, now))) {
		requeue(&ka->pinged, e, now + ka->drop_after_s - ka->ping_after_s);
		*what = KEEPALIVE_PING;
		return e;
	}
	*what = KEEPALIVE_NONE;
	return NULL;
}
