/* Chain state and the generated-block cache. The cache is a small array
 * scanned linearly; it holds at most CACHE_SLOTS blocks and about
 * CACHE_TXNS transactions (a paged block has 5,001; an events transaction
 * counts as its 10 event logs), evicting the least recently used. */
#include "fake_chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_events.h"

#define CACHE_SLOTS 256
#define CACHE_TXNS 60000

struct cache_slot {
	struct fake_block *block;
	uint64_t last_use;
	uint64_t cost; /* counted against CACHE_TXNS */
};

struct fake_chain {
	struct fake_fixtures *fixtures;
	struct fake_synth synth;
	uint64_t head;
	uint8_t (*contracts)[20];
	size_t contract_count;
	struct json_object *dummy;
	struct cache_slot cache[CACHE_SLOTS];
	uint64_t cache_clock;
	uint64_t cache_cost;
};

struct fake_chain *fake_chain_new(const struct fake_chain_config *cfg, char *err, size_t errlen)
{
	struct fake_chain *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	c->fixtures = fake_fixtures_load(cfg->fixtures_dir, err, errlen);
	if (!c->fixtures)
		goto fail;
	if (!fake_synth_init(&c->synth, c->fixtures, cfg->shape, cfg->flavor, err, errlen))
		goto fail;
	c->synth.fork_at = cfg->fork_at;
	c->head = cfg->height > FAKE_MAX_BLOCK ? FAKE_MAX_BLOCK : cfg->height;
	if (cfg->contract_count) {
		c->contracts = malloc(cfg->contract_count * sizeof(*c->contracts));
		if (!c->contracts) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		memcpy(c->contracts, cfg->contracts, cfg->contract_count * sizeof(*c->contracts));
		c->contract_count = cfg->contract_count;
	}
	c->dummy = fake_synth_dummy_block();
	return c;
fail:
	fake_chain_free(c);
	return NULL;
}

void fake_chain_free(struct fake_chain *c)
{
	if (!c)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++)
		fake_block_free(c->cache[i].block);
	json_object_put(c->dummy);
	fake_synth_cleanup(&c->synth);
	free(c->contracts);
	fake_fixtures_free(c->fixtures);
	free(c);
}

uint64_t fake_chain_head(const struct fake_chain *c)
{
	return c->head;
}

uint64_t fake_chain_produce(struct fake_chain *c, uint64_t count)
{
	c->head = count > FAKE_MAX_BLOCK - c->head ? FAKE_MAX_BLOCK : c->head + count;
	return c->head;
}

enum fake_flavor fake_chain_flavor(const struct fake_chain *c)
{
	return c->synth.flavor;
}

const struct fake_fixtures *fake_chain_fixtures(const struct fake_chain *c)
{
	return c->fixtures;
}

const struct fake_synth *fake_chain_synth(const struct fake_chain *c)
{
	return &c->synth;
}

struct json_object *fake_chain_dummy_block(const struct fake_chain *c)
{
	return c->dummy;
}

static void cache_evict(struct fake_chain *c, struct cache_slot *slot)
{
	if (!slot->block)
		return;
	c->cache_cost -= slot->cost;
	fake_block_free(slot->block);
	slot->block = NULL;
}

/* The least recently used occupied slot, or NULL if the cache is empty. */
static struct cache_slot *cache_lru(struct fake_chain *c)
{
	struct cache_slot *oldest = NULL;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct cache_slot *s = &c->cache[i];
		if (s->block && (!oldest || s->last_use < oldest->last_use))
			oldest = s;
	}
	return oldest;
}

static const struct fake_block *cache_insert(struct fake_chain *c, struct fake_block *b)
{
	uint64_t cost = b->num_txns;
	if (c->synth.shape == FAKE_SHAPE_EVENTS)
		cost *= FAKE_EVENTS_PER_CALL;
	while (c->cache_cost > 0 && c->cache_cost + cost > CACHE_TXNS)
		cache_evict(c, cache_lru(c));
	struct cache_slot *slot = NULL;
	for (int i = 0; i < CACHE_SLOTS && !slot; i++)
		if (!c->cache[i].block)
			slot = &c->cache[i];
	if (!slot) {
		slot = cache_lru(c);
		cache_evict(c, slot);
	}
	slot->block = b;
	slot->last_use = ++c->cache_clock;
	slot->cost = cost;
	c->cache_cost += cost;
	return b;
}

void fake_chain_fork(struct fake_chain *c, uint64_t num)
{
	c->synth.fork_at = num;
	for (int i = 0; i < CACHE_SLOTS; i++)
		cache_evict(c, &c->cache[i]);
}

const struct fake_block *fake_chain_block(struct fake_chain *c, uint64_t num)
{
	const struct fake_block *fixture = fake_fixtures_block(c->fixtures, num);
	if (fixture)
		return fixture;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (c->cache[i].block && c->cache[i].block->num == num) {
			c->cache[i].last_use = ++c->cache_clock;
			return c->cache[i].block;
		}
	}
	struct fake_block *b = fake_synth_block(&c->synth, num);
	return b ? cache_insert(c, b) : NULL;
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 20);
}

bool fake_chain_is_contract(const struct fake_chain *c, const uint8_t addr[20],
			    uint64_t *creation_block)
{
	*creation_block = 0;
	if (fake_fixtures_is_contract(c->fixtures, addr) || fake_synth_is_emitter(&c->synth, addr))
		return true;
	for (size_t i = 0; i < c->contract_count; i++)
		if (addr_cmp(c->contracts[i], addr) == 0)
			return true;
	uint64_t num;
	if (fake_synth_contract_locate(&c->synth, addr, &num) && num <= c->head) {
		*creation_block = num;
		return true;
	}
	return false;
}

enum fake_txn_kind fake_chain_txn(const struct fake_chain *c, const char *id, uint8_t contract[20])
{
	const struct fake_block *b = fake_fixtures_find_txn(c->fixtures, id);
	if (b)
		return b->num <= c->head ? FAKE_TXN_PLAIN : FAKE_TXN_ABSENT;
	uint64_t num;
	uint32_t index;
	if (!fake_synth_txn_locate(&c->synth, id, &num, &index) || num > c->head)
		return FAKE_TXN_ABSENT;
	struct fake_synth_plan p = fake_synth_plan(&c->synth, num);
	if (!p.deploy || index != p.num_txns - 1)
		return FAKE_TXN_PLAIN;
	fake_synth_contract(&c->synth, num, index, contract);
	return FAKE_TXN_DEPLOY;
}
