/* Addresses the lookup does not send but the schema stores: the sender
 * address derived from a transaction's public key, and the address of a
 * contract a deployment creates, both computed as the Zilliqa node does.
 * Pure. Hex outputs are 40 lowercase characters without 0x, plus NUL. */
#ifndef INGEST_DERIVE_H
#define INGEST_DERIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DERIVE_HEX_ADDR_LEN 41

/* Last 20 bytes of SHA-256 over the 33-byte compressed public key
 * ("0x" + 66 hex, either case). */
bool derive_sender_address(const char *pubkey_hex, char out[DERIVE_HEX_ADDR_LEN])
	__attribute__((warn_unused_result));

/* Scilla deployment: last 20 bytes of SHA-256 over the sender's 20 bytes
 * followed by the sender's account nonce before the deployment (the
 * transaction nonce minus one) as a big-endian uint64. */
bool derive_contract_address(const char *sender_hex, uint64_t tx_nonce,
			     char out[DERIVE_HEX_ADDR_LEN])
	__attribute__((warn_unused_result));

/* Normalizes an address the node wrote ("0x" optional, any case) to 40
 * lowercase hex. */
bool derive_normalize_address(const char *text, char out[DERIVE_HEX_ADDR_LEN])
	__attribute__((warn_unused_result));

/* True for the all-zero address deployments are sent to. */
bool derive_is_null_address(const char *hex40);

#endif
