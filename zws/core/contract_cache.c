/* The set of known contracts (see contract_cache.h): open addressing with
 * linear probing over 20-byte slots, no pointers and no allocation per
 * entry, doubled when half full. Clients choose the addresses they ask
 * about, so every byte goes into the hash, not just a few. */
#include "contract_cache.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t zero[ADDRESS_BYTES];

static size_t slot_of(const uint8_t addr[ADDRESS_BYTES], size_t nslots)
{
	uint64_t a, b;
	uint32_t c;
	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	memcpy(&c, addr + 16, 4);
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ c) * 0xff51afd7ed558ccdull;
	return (size_t)(h ^ (h >> 29)) & (nslots - 1);
}

/* The slot holding addr, or the empty slot where it would go. */
static uint8_t *probe(uint8_t (*slots)[ADDRESS_BYTES], size_t nslots, const uint8_t addr[ADDRESS_BYTES])
{
	size_t i = slot_of(addr, nslots);
	while (memcmp(slots[i], addr, ADDRESS_BYTES) != 0 && memcmp(slots[i], zero, ADDRESS_BYTES) != 0)
		i = (i + 1) & (nslots - 1);
	return slots[i];
}

bool contract_cache_has(const struct contract_cache *c, const uint8_t addr[ADDRESS_BYTES])
{
	if (memcmp(addr, zero, ADDRESS_BYTES) == 0)
		return c->has_zero;
	return c->nslots && memcmp(probe(c->slots, c->nslots, addr), addr, ADDRESS_BYTES) == 0;
}

static bool grow(struct contract_cache *c)
{
	size_t n = c->nslots ? c->nslots * 2 : 64;
	uint8_t (*slots)[ADDRESS_BYTES] = calloc(n, ADDRESS_BYTES);
	if (!slots)
		return false;
	for (size_t i = 0; i < c->nslots; i++)
		if (memcmp(c->slots[i], zero, ADDRESS_BYTES) != 0)
			memcpy(probe(slots, n, c->slots[i]), c->slots[i], ADDRESS_BYTES);
	free(c->slots);
	c->slots = slots;
	c->nslots = n;
	return true;
}

bool contract_cache_add(struct contract_cache *c, const uint8_t addr[ADDRESS_BYTES])
{
	if (contract_cache_has(c, addr))
		return true;
	if (c->count >= c->limit)
		return false;
	if (memcmp(addr, zero, ADDRESS_BYTES) == 0) {
		c->has_zero = true;
	} else {
		if ((c->count + 1) * 2 > c->nslots && !grow(c))
			return false;
		memcpy(probe(c->slots, c->nslots, addr), addr, ADDRESS_BYTES);
	}
	c->count++;
	return true;
}

void contract_cache_free(struct contract_cache *c)
{
	free(c->slots);
	c->slots = NULL;
	c->nslots = c->count = 0;
	c->has_zero = false;
}
