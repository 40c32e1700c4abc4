/* The contracts table as zws's contract checks use it, over the feed's
 * connection: which addresses are known contracts (or known not to be),
 * and caching the lookup node's answers. */
#ifndef ZWS_CONTRACT_STORE_H
#define ZWS_CONTRACT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "contract_rpc.h"
#include "pgfeed.h"

/* Asks for the known ones among addrs: cb gets rows (address,
 * is_contract), or NULL if the query could not run. false if the feed
 * is not connected or out of memory (cb is then not called). */
bool contract_store_known(struct pgfeed *f, const uint8_t (*addrs)[ADDRESS_BYTES], size_t n,
			  pgfeed_result_fn cb, void *ctx) __attribute__((warn_unused_result));
/* Caches lookup answers (CONTRACT_UNKNOWN entries are skipped); nothing
 * while the feed is not connected. false: out of memory, not cached. */
bool contract_store_save(struct pgfeed *f, const uint8_t (*addrs)[ADDRESS_BYTES],
			 const enum contract_state *states, size_t n) __attribute__((warn_unused_result));

/* Removes the lookup's "not a contract" answers but the newest keep; the
 * contract answers and what ingest recorded stay. Nothing while the feed
 * is not connected. false: out of memory. */
bool contract_store_trim(struct pgfeed *f, size_t keep) __attribute__((warn_unused_result));

#endif
