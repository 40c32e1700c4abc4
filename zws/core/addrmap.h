/* A hash map from 20-byte Zilliqa addresses to entries the caller embeds
 * in its own structs (intrusive, chained). Addresses are hash outputs, so
 * their first bytes are already uniformly spread and serve as the hash. */
#ifndef ZWS_ADDRMAP_H
#define ZWS_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"

struct addrmap_entry {
	struct addrmap_entry *next;
	uint8_t key[ADDRESS_BYTES];
};

struct addrmap {
	struct addrmap_entry **buckets;
	size_t nbuckets;
	size_t count;
};

#define ADDRMAP_INIT { NULL, 0, 0 }

struct addrmap_entry *addrmap_get(const struct addrmap *m, const uint8_t key[ADDRESS_BYTES]);
/* Inserts e (its key already set, not present yet). false on OOM. */
bool addrmap_put(struct addrmap *m, struct addrmap_entry *e)
	__attribute__((warn_unused_result));
void addrmap_remove(struct addrmap *m, struct addrmap_entry *e);
/* Frees the bucket array, not the entries. */
void addrmap_free(struct addrmap *m);

#endif
