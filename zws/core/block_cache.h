/* The blocks zws read last, kept with their encoded fragments so that a
 * client resuming from an earlier block is served from memory: the live
 * path puts every block it pushes here, and a replay reads each missing
 * block from PostgreSQL once for every client that needs it (a read in
 * flight is marked, and those who need it wait for it). A slot per
 * block number modulo the capacity; a newer block takes an older one's
 * slot. Pure: no I/O. */
#ifndef ZWS_BLOCK_CACHE_H
#define ZWS_BLOCK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block_feed.h"

struct block_cache_slot {
	uint64_t num;     /* the block this slot is for; 0: none */
	struct block *b;  /* NULL while reading, or stored as missing */
	bool reading;     /* a read is in flight */
	bool missing;     /* not stored (deleted, or never committed) */
};

struct block_cache {
	struct block_cache_slot *slots;
	size_t cap;
};

/* false on OOM. */
bool block_cache_init(struct block_cache *c, size_t cap) __attribute__((warn_unused_result));
void block_cache_free(struct block_cache *c);

/* The block num, or NULL if not held. */
const struct block *block_cache_get(const struct block_cache *c, uint64_t num);
/* Whether num is held as not stored. */
bool block_cache_missing(const struct block_cache *c, uint64_t num);
/* Takes b into the cache, freeing what its slot held. */
void block_cache_put_take(struct block_cache *c, struct block *b);
/* Remembers num as not stored (a replay skips it). */
void block_cache_put_missing(struct block_cache *c, uint64_t num);
/* Whether a read of num is in flight. */
bool block_cache_reading(const struct block_cache *c, uint64_t num);
/* Marks a read of num as started (true) or ended without a block (false:
 * it may be asked again). */
void block_cache_set_reading(struct block_cache *c, uint64_t num, bool reading);

#endif
