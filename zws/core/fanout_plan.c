/* Per-block delivery plan (see epoch.h). */
#include "fanout_plan.h"

#include <stdint.h>
#include <stdlib.h>

static bool push(struct fanout_plan *p, struct subscriber *sub, const struct block_group *g,
		 unsigned char topic)
{
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct fanout_item *items = realloc(p->items, cap * sizeof(*items));
		if (!items)
			return false;
		p->items = items;
		p->cap = cap;
	}
	p->items[p->count++] = (struct fanout_item){ sub, g, g->order, topic };
	return true;
}

static bool walk(struct fanout_plan *p, const struct block_topic *t, const struct subs_index *idx,
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

#define RADIX_BITS 11
#define RADIX_BUCKETS (1u << RADIX_BITS)

/* One stable counting pass of from[0..n) into to on the digit of
 * (id - lo) at shift. */
static void radix_pass(const struct fanout_item *from, struct fanout_item *to, size_t n,
		       uint64_t lo, unsigned shift)
{
	size_t at[RADIX_BUCKETS] = { 0 };
	for (size_t i = 0; i < n; i++)
		at[((from[i].sub->id - lo) >> shift) & (RADIX_BUCKETS - 1)]++;
	size_t sum = 0;
	for (unsigned d = 0; d < RADIX_BUCKETS; d++) {
		size_t c = at[d];
		at[d] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		to[at[((from[i].sub->id - lo) >> shift) & (RADIX_BUCKETS - 1)]++] = from[i];
}

/* Sorts the items by subscriber id, keeping each one's items in the
 * order the walk added them: least significant digit first, as many
 * passes as the span of ids needs (two for up to 4 million). */
static bool sort_by_subscriber(struct fanout_plan *p)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < p->count; i++) {
		uint64_t id = p->items[i].sub->id;
		lo = id < lo ? id : lo;
		hi = id > hi ? id : hi;
	}
	if (p->spare_cap != p->cap) {
		struct fanout_item *spare = realloc(p->spare, p->cap * sizeof(*spare));
		if (!spare)
			return false;
		p->spare = spare;
		p->spare_cap = p->cap;
	}
	unsigned shift = 0;
	do {
		radix_pass(p->items, p->spare, p->count, lo, shift);
		struct fanout_item *sorted = p->spare;
		p->spare = p->items;
		p->items = sorted;
		shift += RADIX_BITS;
	} while (shift < 64 && (hi - lo) >> shift);
	return true;
}

bool fanout_plan_build(struct fanout_plan *p, const struct block *b,
		      const struct subs_index *events, const struct subs_index *txns)
{
	p->count = 0;
	if (!walk(p, &b->events, events, TOPIC_EVENTLOG) || !walk(p, &b->txns, txns, TOPIC_TXNLOG))
		return false;
	return p->count < 2 || sort_by_subscriber(p);
}

size_t fanout_plan_run(const struct fanout_plan *p, size_t i)
{
	size_t j = i;
	while (j < p->count && p->items[j].sub == p->items[i].sub)
		j++;
	return j - i;
}

void fanout_plan_free(struct fanout_plan *p)
{
	free(p->items);
	free(p->spare);
	p->items = p->spare = NULL;
	p->count = p->cap = p->spare_cap = 0;
}
