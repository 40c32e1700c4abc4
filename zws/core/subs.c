/* Address -> subscribers index (see subs.h). Entries live while someone
 * holds their address. Each side of a link is 12 bytes in an array: the
 * entry's member array holds (subscriber, the link's slot in the
 * subscriber's array) and the subscriber's holds (entry, the link's
 * position in the entry's array), the two halves of each array side by
 * side in one allocation.
 *
 * These arrays take less heap than one link allocation per (subscriber,
 * address) did (bench/fanout/results.md, "Design measurements": session
 * size). A subscriber's array grows one address at a time up to 16 (most
 * hold a few), then doubles; an entry's doubles and halves. */
#include "subs.h"

#include <stdlib.h>
#include <string.h>

#define SUBS_HOLD_EXACT 16
#define SUBS_MEMBERS_FIRST 4

struct subs_entry {
	struct addrmap_entry key;
	struct subscriber **subs; /* cap members, then cap uint32_t slots */
	uint32_t count, cap;
};

/* A subscriber's entries on one topic: cap pointers, then cap positions. */
struct subs_hold {
	struct subs_entry *entry[1];
};

static uint32_t *entry_slots(const struct subs_entry *e)
{
	return (uint32_t *)(e->subs + e->cap);
}

static uint32_t *hold_pos(struct subs_hold *h, uint32_t cap)
{
	return (uint32_t *)(h->entry + cap);
}

/* Capacity of a subscriber's array holding n addresses. */
static uint32_t hold_cap(uint32_t n)
{
	if (n <= SUBS_HOLD_EXACT)
		return n;
	uint32_t c = SUBS_HOLD_EXACT;
	while (c < n)
		c *= 2;
	return c;
}

static void *pair_array(uint32_t cap, size_t first)
{
	return malloc(cap * (first + sizeof(uint32_t)));
}

bool subs_has(const struct subscriber *sub, enum subs_topic t, const uint8_t addr[ADDRESS_BYTES])
{
	const struct subs_hold *h = sub->held[t];
	for (uint32_t i = 0; i < sub->count[t]; i++)
		if (memcmp(h->entry[i]->key.key, addr, ADDRESS_BYTES) == 0)
			return true;
	return false;
}

static struct subs_entry *entry_get_or_new(struct subs_index *idx, const uint8_t addr[ADDRESS_BYTES])
{
	struct addrmap_entry *k = addrmap_get(&idx->map, addr);
	if (k)
		return (struct subs_entry *)k;
	struct subs_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	memcpy(e->key.key, addr, ADDRESS_BYTES);
	if (!addrmap_put(&idx->map, &e->key)) {
		free(e);
		return NULL;
	}
	return e;
}

static void entry_drop_if_empty(struct subs_index *idx, struct subs_entry *e)
{
	if (e->count)
		return;
	addrmap_remove(&idx->map, &e->key);
	free(e->subs);
	free(e);
}

/* Moves e's members to an array of cap (at least e->count). */
static bool entry_resize(struct subs_entry *e, uint32_t cap)
{
	struct subscriber **subs = pair_array(cap, sizeof(*subs));
	if (!subs)
		return false;
	uint32_t *slots = (uint32_t *)(subs + cap);
	if (e->count) {
		memcpy(subs, e->subs, e->count * sizeof(*subs));
		memcpy(slots, entry_slots(e), e->count * sizeof(*slots));
	}
	free(e->subs);
	e->subs = subs;
	e->cap = cap;
	return true;
}

/* Makes sub's array on topic t room for one more address. */
static bool hold_reserve(struct subscriber *sub, enum subs_topic t)
{
	uint32_t n = sub->count[t], cap = hold_cap(n);
	if (n < cap)
		return true;
	uint32_t ncap = hold_cap(n + 1);
	struct subs_hold *h = pair_array(ncap, sizeof(struct subs_entry *));
	if (!h)
		return false;
	if (n) {
		memcpy(h->entry, sub->held[t]->entry, n * sizeof(h->entry[0]));
		memcpy(hold_pos(h, ncap), hold_pos(sub->held[t], cap), n * sizeof(uint32_t));
	}
	free(sub->held[t]);
	sub->held[t] = h;
	return true;
}

bool subs_add(struct subs_index *idx, enum subs_topic t, struct subscriber *sub,
	      const uint8_t addr[ADDRESS_BYTES])
{
	if (subs_has(sub, t, addr))
		return true;
	struct subs_entry *e = entry_get_or_new(idx, addr);
	if (!e)
		return false;
	if ((e->count == e->cap && !entry_resize(e, e->cap ? e->cap * 2 : SUBS_MEMBERS_FIRST)) ||
	    !hold_reserve(sub, t)) {
		entry_drop_if_empty(idx, e);
		return false;
	}
	uint32_t slot = sub->count[t]++;
	struct subs_hold *h = sub->held[t];
	h->entry[slot] = e;
	hold_pos(h, hold_cap(sub->count[t]))[slot] = e->count;
	e->subs[e->count] = sub;
	entry_slots(e)[e->count++] = slot;
	idx->links++;
	return true;
}

/* Takes the member at pos out of e; the last member moves there. */
static void entry_remove(struct subs_index *idx, enum subs_topic t, struct subs_entry *e, uint32_t pos)
{
	uint32_t last = --e->count;
	if (pos != last) {
		struct subscriber *moved = e->subs[last];
		uint32_t slot = entry_slots(e)[last];
		e->subs[pos] = moved;
		entry_slots(e)[pos] = slot;
		hold_pos(moved->held[t], hold_cap(moved->count[t]))[slot] = pos;
	}
	idx->links--;
	if (!e->count)
		entry_drop_if_empty(idx, e);
	else if (e->cap > SUBS_MEMBERS_FIRST && e->count <= e->cap / 4)
		entry_resize(e, e->cap / 2); /* on OOM it just stays larger */
}

void subs_clear(struct subs_index *idx, enum subs_topic t, struct subscriber *sub)
{
	struct subs_hold *h = sub->held[t];
	uint32_t n = sub->count[t];
	const uint32_t *pos = n ? hold_pos(h, hold_cap(n)) : NULL;
	/* The member that moves into sub's place is never sub: it holds an
	 * address once. */
	for (uint32_t i = 0; i < n; i++)
		entry_remove(idx, t, h->entry[i], pos[i]);
	free(h);
	sub->held[t] = NULL;
	sub->count[t] = 0;
}

size_t subs_of(const struct subs_index *idx, const uint8_t addr[ADDRESS_BYTES],
	       struct subscriber *const **subs)
{
	const struct addrmap_entry *k = addrmap_get(&idx->map, addr);
	if (!k) {
		*subs = NULL;
		return 0;
	}
	const struct subs_entry *e = (const struct subs_entry *)k;
	*subs = e->subs;
	return e->count;
}

void subs_index_free(struct subs_index *idx)
{
	for (size_t i = 0; i < idx->map.nbuckets; i++) {
		struct addrmap_entry *k = idx->map.buckets[i];
		while (k) {
			struct addrmap_entry *next = k->next;
			struct subs_entry *e = (struct subs_entry *)k;
			free(e->subs);
			free(e);
			k = next;
		}
	}
	addrmap_free(&idx->map);
	idx->links = 0;
}
