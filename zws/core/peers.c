/* Shared peer address strings (see peers.h): a chained hash table of
 * reference-counted entries; a session's pointer is the entry's text, so
 * releasing it finds the entry without a lookup.
 * A session holds an 8-byte pointer instead of the address text; what
 * that saved is in bench/fanout/results.md ("Design measurements":
 * session size). Clients all on distinct addresses cost a pointer plus a
 * 32-byte entry each instead of a 48-byte array. */
#include "peers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PEERS_FIRST_BUCKETS 16

struct peer_entry {
	struct peer_entry *next;
	uint32_t hash;
	uint32_t refs;
	char text[];
};

struct peers {
	struct peer_entry **buckets;
	size_t nbuckets, count;
};

static uint32_t hash_text(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct peers *peers_new(void)
{
	struct peers *t = calloc(1, sizeof(*t));
	if (t && !(t->buckets = calloc(PEERS_FIRST_BUCKETS, sizeof(*t->buckets)))) {
		free(t);
		return NULL;
	}
	if (t)
		t->nbuckets = PEERS_FIRST_BUCKETS;
	return t;
}

static void grow(struct peers *t)
{
	size_t n = t->nbuckets * 2;
	struct peer_entry **b = calloc(n, sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct peer_entry *e = t->buckets[i], *next; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

const char *peers_take(struct peers *t, const char *text)
{
	uint32_t h = hash_text(text);
	for (struct peer_entry *e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->next) {
		if (e->hash == h && strcmp(e->text, text) == 0) {
			e->refs++;
			return e->text;
		}
	}
	size_t len = strlen(text);
	struct peer_entry *e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	e->hash = h;
	e->refs = 1;
	memcpy(e->text, text, len + 1);
	if (t->count >= t->nbuckets)
		grow(t);
	struct peer_entry **head = &t->buckets[h & (t->nbuckets - 1)];
	e->next = *head;
	*head = e;
	t->count++;
	return e->text;
}

void peers_release(struct peers *t, const char *peer)
{
	if (!peer)
		return;
	struct peer_entry *e = (struct peer_entry *)(peer - offsetof(struct peer_entry, text));
	if (--e->refs)
		return;
	struct peer_entry **p = &t->buckets[e->hash & (t->nbuckets - 1)];
	while (*p != e)
		p = &(*p)->next;
	*p = e->next;
	t->count--;
	free(e);
}

size_t peers_refs(const struct peers *t, const char *text)
{
	uint32_t h = hash_text(text);
	for (struct peer_entry *e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && strcmp(e->text, text) == 0)
			return e->refs;
	return 0;
}

size_t peers_count(const struct peers *t)
{
	return t->count;
}

void peers_free(struct peers *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct peer_entry *e = t->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(t->buckets);
	free(t);
}
