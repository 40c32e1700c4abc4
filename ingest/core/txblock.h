/* The TxBlock model: what the lookup answered for one block (GetTxBlock,
 * the per-shard hash lists, the transaction bodies with receipts, page by
 * page when the block is paginated), checked for completeness and decoded
 * into the rows the schema stores. Pure: json-c objects in, structs out.
 *
 * Ownership: a block holds one reference to each json object it keeps and
 * puts them in txblock_free. Borrowed strings (amount, event name, ...) live
 * as long as the block. A block is used by one thread at a time. */
#ifndef INGEST_TXBLOCK_H
#define INGEST_TXBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derive.h"

struct json_object;

/* BlockNum of the placeholder Zilliqa 1 returns for a block not yet made. */
#define BLOCK_DUMMY_NUM "18446744073709551615"
/* The largest block number there can be: PostgreSQL's bigint. A head or
 * block past it is refused like a malformed one. */
#define BLOCK_MAX_NUM ((uint64_t)INT64_MAX)
/* GetTxnBodiesForTxBlockEx / GetTransactionsForTxBlockEx page size. */
#define BLOCK_PAGE_SIZE 2500

struct ingest_txn {
	char hash[65];
	int position;
	char from_addr[DERIVE_HEX_ADDR_LEN]; /* "" when the key cannot be read */
	char to_addr[DERIVE_HEX_ADDR_LEN];
	const char *amount;    /* decimal string */
	const char *gas_price; /* decimal string or NULL */
	const char *gas_limit; /* decimal string or NULL */
	bool has_nonce;
	uint64_t nonce;
	bool success;
	bool is_deploy;
	bool has_contract;
	char contract_addr[DERIVE_HEX_ADDR_LEN];
	struct json_object *body;    /* the body without its receipt */
	struct json_object *receipt;
};

struct ingest_event_log {
	int tx_position;
	int log_index;      /* index in the receipt's event_logs */
	const char *tx_hash;
	char address[43];   /* "0x" + 40 lowercase hex */
	const char *event_name;     /* decoded; may hold a NUL (see event_name_json) */
	struct json_object *event_name_json; /* the _eventname string, borrowed */
	struct json_object *params; /* borrowed from the receipt */
	bool success;
};

struct ingest_contract {
	char address[43];
	bool deployed; /* source 'deploy' (else 'event') */
};

struct ingest_block {
	uint64_t num;
	char hash[65];
	bool has_prev_hash;
	char prev_hash[65];  /* the header's PrevBlockHash, normalized */
	uint32_t num_txns;
	int num_pages;
	bool has_timestamp;
	int64_t timestamp_us;
	struct json_object *tx_block;  /* GetTxBlock result */
	struct json_object *tx_hashes; /* array of per-shard arrays */
	struct json_object *bodies;    /* array of bodies, block order */
	size_t ntxns;
	struct ingest_txn *txns;
	size_t nlogs;
	struct ingest_event_log *logs;
	size_t ncontracts;
	struct ingest_contract *contracts;
};

enum block_header_status {
	BLOCK_HEADER_OK,
	BLOCK_HEADER_NOT_READY, /* the dummy block of a future height */
	BLOCK_HEADER_BAD,
};

struct ingest_block *txblock_new(uint64_t num);
void txblock_free(struct ingest_block *b);

/* Lets go of everything only serialization reads: the json objects, the
 * transactions and the event logs (and every string borrowed from them).
 * What remains: the header fields, the counts ntxns and nlogs, and the
 * contracts. */
void txblock_shed(struct ingest_block *b);

/* Reads the header of a GetTxBlock result (or GetLatestTxBlock) without
 * keeping anything: its BlockNum into *num. */
enum block_header_status txblock_peek_num(struct json_object *result, uint64_t *num,
					char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Checks result is this block's GetTxBlock answer and keeps a reference. */
enum block_header_status txblock_set_header(struct ingest_block *b, struct json_object *result,
					  char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Adds a GetTransactionsForTxBlock result (whole) or one Ex page's
 * Transactions; pages must come in order. */
bool txblock_add_hashes(struct ingest_block *b, struct json_object *shards, bool paged,
		      char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Adds a GetTxnBodiesForTxBlock result (whole) or one Ex page's
 * Transactions; pages must come in order. */
bool txblock_add_bodies(struct ingest_block *b, struct json_object *bodies, bool paged,
		      char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Extracts the Transactions of an Ex page answer ({CurrPage, NumPages,
 * Transactions}); NULL when it has another shape. Borrowed. */
struct json_object *txblock_page_transactions(struct json_object *result);

/* Checks the block is complete (as many hashes and bodies as NumTxns) and
 * decodes transactions, event logs and contracts. */
bool txblock_finish(struct ingest_block *b, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
