/* Address -> subscribers index (see subs.h). Entries live while someone
 * holds their address; an address's list is doubly linked so a subscriber
 * leaves it in constant time. */
#include "subs.h"

#include <stdlib.h>
#include <string.h>

bool subs_has(const struct subscriber *sub, enum subs_topic t, const uint8_t addr[ADDRESS_BYTES])
{
	for (const struct subs_link *l = sub->links[t]; l; l = l->member_next)
		if (memcmp(l->entry->key.key, addr, ADDRESS_BYTES) == 0)
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

bool subs_add(struct subs_index *idx, enum subs_topic t, struct subscriber *sub,
	      const uint8_t addr[ADDRESS_BYTES])
{
	if (subs_has(sub, t, addr))
		return true;
	struct subs_entry *e = entry_get_or_new(idx, addr);
	if (!e)
		return false;
	struct subs_link *l = calloc(1, sizeof(*l));
	if (!l) {
		if (!e->first) {
			addrmap_remove(&idx->map, &e->key);
			free(e);
		}
		return false;
	}
	l->entry = e;
	l->sub = sub;
	l->next = e->first;
	if (e->first)
		e->first->prev = l;
	e->first = l;
	l->member_next = sub->links[t];
	sub->links[t] = l;
	sub->count[t]++;
	idx->links++;
	return true;
}

static void unlink_one(struct subs_index *idx, struct subs_link *l)
{
	struct subs_entry *e = l->entry;
	if (l->prev)
		l->prev->next = l->next;
	else
		e->first = l->next;
	if (l->next)
		l->next->prev = l->prev;
	if (!e->first) {
		addrmap_remove(&idx->map, &e->key);
		free(e);
	}
	idx->links--;
	free(l);
}

void subs_clear(struct subs_index *idx, enum subs_topic t, struct subscriber *sub)
{
	struct subs_link *l = sub->links[t];
	while (l) {
		struct subs_link *next = l->member_next;
		unlink_one(idx, l);
		l = next;
	}
	sub->links[t] = NULL;
	sub->count[t] = 0;
}

const struct subs_link *subs_first(const struct subs_index *idx, const uint8_t addr[ADDRESS_BYTES])
{
	const struct addrmap_entry *k = addrmap_get(&idx->map, addr);
	return k ? ((const struct subs_entry *)k)->first : NULL;
}

void subs_index_free(struct subs_index *idx)
{
	for (size_t i = 0; i < idx->map.nbuckets; i++) {
		struct addrmap_entry *k = idx->map.buckets[i];
		while (k) {
			struct addrmap_entry *next = k->next;
			struct subs_entry *e = (struct subs_entry *)k;
			struct subs_link *l = e->first;
			while (l) {
				struct subs_link *ln = l->next;
				free(l);
				l = ln;
			}
			free(e);
			k = next;
		}
	}
	addrmap_free(&idx->map);
	idx->links = 0;
}
