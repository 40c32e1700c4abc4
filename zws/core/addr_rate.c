/* The per-address token buckets (see addr_rate.h). Buckets count
 * thousandths of a request; an address's slot is found by a linear scan
 * of a fixed array, comparing a hash first: a few microseconds at most,
 * small beside an HTTP request. */
#include "addr_rate.h"

#include <stdlib.h>
#include <string.h>

struct addr_slot {
	bool used;
	uint32_t hash;
	uint64_t tokens; /* thousandths */
	uint64_t last_ms;
	char addr[ADDR_RATE_TEXT];
};

struct addr_rate {
	unsigned rate;
	unsigned count;
	struct addr_slot slot[ADDR_RATE_SLOTS];
};

static uint32_t hash_of(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct addr_rate *addr_rate_new(unsigned rate)
{
	struct addr_rate *t = calloc(1, sizeof(*t));
	if (t)
		t->rate = rate;
	return t;
}

static uint64_t refilled(const struct addr_rate *t, const struct addr_slot *s, uint64_t now_ms)
{
	uint64_t full = (uint64_t)t->rate * 1000;
	uint64_t gap = now_ms > s->last_ms ? now_ms - s->last_ms : 0;
	uint64_t tokens = s->tokens + gap * t->rate;
	return tokens > full ? full : tokens;
}

/* The slot of addr, or the one a new address takes (an unused one, one
 * whose bucket is full again, else the least recently heard from). */
static struct addr_slot *find(struct addr_rate *t, const char *addr, uint32_t h, uint64_t now_ms)
{
	struct addr_slot *spare = NULL;
	for (unsigned i = 0; i < ADDR_RATE_SLOTS; i++) {
		struct addr_slot *s = &t->slot[i];
		if (s->used && s->hash == h && strcmp(s->addr, addr) == 0)
			return s;
		if (spare && !spare->used)
			continue;
		if (!s->used || refilled(t, s, now_ms) == (uint64_t)t->rate * 1000 || !spare ||
		    s->last_ms < spare->last_ms)
			spare = s;
	}
	return spare;
}

bool addr_rate_take(struct addr_rate *t, const char *text, uint64_t now_ms)
{
	char addr[ADDR_RATE_TEXT];
	strncpy(addr, text, sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	uint32_t h = hash_of(addr);
	struct addr_slot *s = find(t, addr, h, now_ms);
	if (!s->used || s->hash != h || strcmp(s->addr, addr) != 0) {
		t->count += !s->used;
		*s = (struct addr_slot){ .used = true, .hash = h, .tokens = (uint64_t)t->rate * 1000, .last_ms = now_ms };
		memcpy(s->addr, addr, sizeof(addr));
	}
	s->tokens = refilled(t, s, now_ms);
	s->last_ms = now_ms;
	if (s->tokens < 1000)
		return false;
	s->tokens -= 1000;
	return true;
}

unsigned addr_rate_count(const struct addr_rate *t)
{
	return t->count;
}

void addr_rate_free(struct addr_rate *t)
{
	free(t);
}
