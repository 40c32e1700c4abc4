/* "Which of these addresses are contracts?" for EventLog queries: first
 * the contracts table, then, for addresses it does not know, the lookup
 * node's GetSmartContractInit (bounded by --lookup-timeout-ms), whose
 * answers are cached in the contracts table. Never blocks the loop. */
#ifndef ZWS_CONTRACTS_H
#define ZWS_CONTRACTS_H

#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "app.h"
#include "contract_rpc.h"

struct contracts_check;

/* states[i] answers addrs[i]; CONTRACT_UNKNOWN where neither source could
 * tell. The check is freed after done returns. */
typedef void (*contracts_done_fn)(void *ctx, const enum contract_state *states, size_t n);

/* Starts a check of n addresses (copied). NULL on OOM. */
struct contracts_check *contracts_check_start(struct zws *app, const uint8_t (*addrs)[ADDRESS_BYTES],
					      size_t n, contracts_done_fn done, void *ctx);
/* Abandons a check; done is not called. NULL is ignored. */
void contracts_check_cancel(struct contracts_check *c);

#endif
