/* Intrusive chained hash map keyed by 20-byte addresses (see addrmap.h).
 * The table doubles when it holds more than one entry per bucket. */
#include "addrmap.h"

#include <stdlib.h>
#include <string.h>

static size_t bucket_of(const uint8_t key[ADDRESS_BYTES], size_t nbuckets)
{
	uint64_t h;
	memcpy(&h, key + 4, sizeof(h));
	return (size_t)(h & (nbuckets - 1));
}

struct addrmap_entry *addrmap_get(const struct addrmap *m, const uint8_t key[ADDRESS_BYTES])
{
	if (!m->nbuckets)
		return NULL;
	struct addrmap_entry *e = m->buckets[bucket_of(key, m->nbuckets)];
	while (e && memcmp(e->key, key, ADDRESS_BYTES) != 0)
		e = e->next;
	return e;
}

static bool grow(struct addrmap *m)
{
	size_t n = m->nbuckets ? m->nbuckets * 2 : 16;
	struct addrmap_entry **b = calloc(n, sizeof(*b));
	if (!b)
		return false;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct addrmap_entry *e = m->buckets[i];
		while (e) {
			struct addrmap_entry *next = e->next;
			size_t k = bucket_of(e->key, n);
			e->next = b[k];
			b[k] = e;
			e = next;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
	return true;
}

bool addrmap_put(struct addrmap *m, struct addrmap_entry *e)
{
	if (m->count >= m->nbuckets && !grow(m))
		return false;
	size_t k = bucket_of(e->key, m->nbuckets);
	e->next = m->buckets[k];
	m->buckets[k] = e;
	m->count++;
	return true;
}

void addrmap_remove(struct addrmap *m, struct addrmap_entry *e)
{
	struct addrmap_entry **p = &m->buckets[bucket_of(e->key, m->nbuckets)];
	while (*p && *p != e)
		p = &(*p)->next;
	if (*p) {
		*p = e->next;
		m->count--;
	}
}

void addrmap_free(struct addrmap *m)
{
	free(m->buckets);
	m->buckets = NULL;
	m->nbuckets = m->count = 0;
}
