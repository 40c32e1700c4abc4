/* Recent blocks (see block_cache.h). */
#include "block_cache.h"

#include <stdlib.h>

bool block_cache_init(struct block_cache *c, size_t cap)
{
	c->slots = calloc(cap ? cap : 1, sizeof(*c->slots));
	c->cap = cap ? cap : 1;
	return c->slots != NULL;
}

void block_cache_free(struct block_cache *c)
{
	for (size_t i = 0; c->slots && i < c->cap; i++)
		block_free(c->slots[i].b);
	free(c->slots);
	c->slots = NULL;
	c->cap = 0;
}

static struct block_cache_slot *slot_of(const struct block_cache *c, uint64_t num)
{
	return &c->slots[num % c->cap];
}

/* The slot for num, emptied if it held another block. */
static struct block_cache_slot *claim(struct block_cache *c, uint64_t num)
{
	struct block_cache_slot *s = slot_of(c, num);
	if (s->num != num) {
		block_free(s->b);
		*s = (struct block_cache_slot){ .num = num };
	}
	return s;
}

const struct block *block_cache_get(const struct block_cache *c, uint64_t num)
{
	const struct block_cache_slot *s = slot_of(c, num);
	return s->num == num ? s->b : NULL;
}

bool block_cache_missing(const struct block_cache *c, uint64_t num)
{
	const struct block_cache_slot *s = slot_of(c, num);
	return s->num == num && s->missing;
}

void block_cache_put_take(struct block_cache *c, struct block *b)
{
	struct block_cache_slot *s = claim(c, b->num);
	if (s->b != b)
		block_free(s->b);
	s->b = b;
	s->missing = false;
	s->reading = false;
}

void block_cache_put_missing(struct block_cache *c, uint64_t num)
{
	struct block_cache_slot *s = claim(c, num);
	block_free(s->b);
	*s = (struct block_cache_slot){ .num = num, .missing = true };
}

bool block_cache_reading(const struct block_cache *c, uint64_t num)
{
	const struct block_cache_slot *s = slot_of(c, num);
	return s->num == num && s->reading;
}

void block_cache_set_reading(struct block_cache *c, uint64_t num, bool reading)
{
	claim(c, num)->reading = reading;
}
