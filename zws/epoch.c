/* Per-block delivery plan (see epoch.h). */
#include "epoch.h"

#include <stdlib.h>

static bool push(struct epoch_plan *p, struct subscriber *sub, const struct block_group *g,
		 unsigned char topic)
{
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct epoch_item *items = realloc(p->items, cap * sizeof(*items));
		if (!items)
			return false;
		p->items = items;
		p->cap = cap;
	}
	p->items[p->count++] = (struct epoch_item){ sub, g, g->order, topic };
	return true;
}

static bool walk(struct epoch_plan *p, const struct block_topic *t, const struct subs_index *idx,
		 unsigned char topic)
{
	for (size_t i = 0; i < t->count; i++) {
		const struct block_group *g = t->groups[i];
		struct subscriber *const *subs;
		size_t n = subs_of(idx, g->key.key, &subs);
		for (size_t j = 0; j < n; j++)
			if (!push(p, subs[j], g, topic))
				return false;
	}
	return true;
}

static int item_cmp(const void *a, const void *b)
{
	const struct epoch_item *x = a, *y = b;
	if (x->sub->id != y->sub->id)
		return x->sub->id < y->sub->id ? -1 : 1;
	if (x->topic != y->topic)
		return x->topic < y->topic ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

bool epoch_plan_build(struct epoch_plan *p, const struct block *b,
		      const struct subs_index *events, const struct subs_index *txns)
{
	p->count = 0;
	if (!walk(p, &b->events, events, TOPIC_EVENTLOG) || !walk(p, &b->txns, txns, TOPIC_TXNLOG))
		return false;
	if (p->count > 1)
		qsort(p->items, p->count, sizeof(*p->items), item_cmp);
	return true;
}

size_t epoch_plan_run(const struct epoch_plan *p, size_t i)
{
	size_t j = i;
	while (j < p->count && p->items[j].sub == p->items[i].sub)
		j++;
	return j - i;
}

void epoch_plan_free(struct epoch_plan *p)
{
	free(p->items);
	p->items = NULL;
	p->count = p->cap = 0;
}
