/* Addresses known to be contracts, so that an EventLog check of a known
 * contract needs no I/O. A contract stays one: entries are never removed.
 * The set stops growing at its limit; contracts beyond it are still
 * answered by the database. Pure. */
#ifndef ZWS_CONTRACT_CACHE_H
#define ZWS_CONTRACT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"

struct contract_cache {
	uint8_t (*slots)[ADDRESS_BYTES]; /* open addressing; all zero = empty */
	size_t nslots;                   /* a power of two, or 0 */
	size_t count;
	size_t limit;
	bool has_zero; /* the zero address, which cannot mark a slot */
};

#define CONTRACT_CACHE_INIT(max) { NULL, 0, 0, (max), false }

bool contract_cache_has(const struct contract_cache *c, const uint8_t addr[ADDRESS_BYTES]);
/* Adds addr (true if it is there afterwards). false at the limit or out
 * of memory; the cache is unchanged then. */
bool contract_cache_add(struct contract_cache *c, const uint8_t addr[ADDRESS_BYTES])
	__attribute__((warn_unused_result));
void contract_cache_free(struct contract_cache *c);

#endif
