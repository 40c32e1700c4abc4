/* The lookup node's answer to "is this address a contract?": a JSON-RPC
 * batch of GetSmartContractInit calls and the reading of its reply. A
 * result means contract; error -5 ("Address not contract address" or
 * "Address does not exist") means not; anything else is unknown. Pure. */
#ifndef ZWS_CONTRACT_RPC_H
#define ZWS_CONTRACT_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "buf.h"

enum contract_state {
	CONTRACT_UNKNOWN = 0,
	CONTRACT_YES,
	CONTRACT_NO,
};

/* The batch request for n addresses, ids "0".."n-1", into out. */
bool contract_rpc_request(const uint8_t (*addrs)[ADDRESS_BYTES], size_t n, struct buf *out)
	__attribute__((warn_unused_result));

/* Reads a reply to contract_rpc_request into states[0..n-1] (entries it
 * says nothing about stay CONTRACT_UNKNOWN). Accepts a batch array or a
 * single response object. false (err filled) if the body is not JSON-RPC. */
bool contract_rpc_parse(const char *body, size_t len, size_t n, enum contract_state *states,
			char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
