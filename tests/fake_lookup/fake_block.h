/* One TxBlock as the fake lookup node serves it: the GetTxBlock result, the
 * per-microblock hash lists and the transaction bodies, plus the paging the
 * Ex methods apply (2,500 transactions per page). Pure: json-c only. */
#ifndef ZWS_FAKE_BLOCK_H
#define ZWS_FAKE_BLOCK_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#define FAKE_TXNS_PER_PAGE 2500

struct fake_block {
	uint64_t num;
	uint32_t num_txns;
	char block_hash[65];
	struct json_object *tx_block; /* GetTxBlock result */
	/* GetTransactionsForTxBlock result: one array of 64-hex IDs per
	 * microblock. NULL when the block has no transactions. */
	struct json_object *hashes;
	/* GetTxnBodiesForTxBlock result, in hash-list order. NULL when the
	 * block has no transactions. */
	struct json_object *bodies;
};

/* Takes ownership of tx_block and bodies (bodies may be NULL). The hash
 * lists are the bodies' IDs split into `shards` contiguous lists in body
 * order, as evenly as possible (earlier lists get the remainder). The real
 * split of a fixture block is unknown, so its hash lists are built the same
 * way. Returns NULL if tx_block lacks body.BlockHash or on allocation
 * failure (both taken objects are released then). */
struct fake_block *fake_block_new(uint64_t num, struct json_object *tx_block,
				  struct json_object *bodies, uint32_t shards);
void fake_block_free(struct fake_block *b);

/* ceil(num_txns / 2500). */
uint32_t fake_block_num_pages(const struct fake_block *b);

/* The Ex results for page `page` (zero-based): {"CurrPage","NumPages",
 * "Transactions"} where Transactions holds per-microblock arrays of IDs
 * (hashes) or a flat array of bodies. NULL if the page holds no
 * transactions (the node then answers "TxBlock has no transactions"). */
struct json_object *fake_block_hash_page(const struct fake_block *b, uint32_t page);
struct json_object *fake_block_body_page(const struct fake_block *b, uint32_t page);

#endif
