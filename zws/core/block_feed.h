/* One TxBlock as zws sends it: the NewBlock value and, per address, the
 * EventLog and TxnLog fragments, each encoded once per block and shared by
 * every subscriber. Built from the rows zws reads back from PostgreSQL.
 * Pure: no I/O. */
#ifndef ZWS_BLOCK_FEED_H
#define ZWS_BLOCK_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addrmap.h"
#include "buf.h"

/* Longest address text address_parse accepts (0x + 40 hex, or bech32). */
#define BLOCK_ADDRESS_TEXT_MAX 42

/* One address's part of a topic's value in this block, e.g.
 * {"address":"0x…","event_logs":[…]} or {"address":"0x…","log":[…]}. */
struct block_group {
	struct addrmap_entry key;
	uint32_t order; /* position of first appearance in the block */
	struct buf fragment;
};

struct block_topic {
	struct block_group **groups; /* in order of first appearance */
	size_t count;
	size_t cap;
	struct addrmap index;
};

struct block {
	uint64_t num;
	char num_text[24]; /* num in decimal, as blockNum carries it */
	/* {"TxBlock":…,"TxHashes":…} */
	struct buf newblock_value;
	struct block_topic events;
	struct block_topic txns;
	/* The group of the last event log added and that log's address text:
	 * a transaction's logs mostly come from one contract, and comparing
	 * the text skips parsing and looking the address up again
	 * (bench/fanout/results.md, "Design measurements": block building). */
	struct block_group *last_event;
	char last_event_address[BLOCK_ADDRESS_TEXT_MAX + 1];
	bool finished;
};

/* tx_block and tx_hashes are the stored JSON texts, spliced in as they
 * are. NULL on OOM. */
struct block *block_new(uint64_t num, const char *tx_block, const char *tx_hashes);

/* Adds an event log of a successful transaction, in block order. address
 * is the emitting contract (any form address_parse accepts), event_name
 * the stored name (a JSON string's contents, escapes kept: sql/004),
 * params_json the stored params array text. */
bool block_add_event(struct block *b, const char *address, const char *event_name,
		     const char *params_json, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Adds a transaction, in block order; it goes into the log of its
 * recipient and of its sender. id/from/to as stored (hex without 0x),
 * amount as decimal text. */
bool block_add_txn(struct block *b, const char *id, const char *amount, const char *from,
		   const char *to, bool success, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Closes every fragment. No adds after this. */
bool block_finish(struct block *b, char *err, size_t errlen)
	__attribute__((warn_unused_result));

void block_free(struct block *b);

/* Where a row read back for a block goes in block order: the tx_block row
 * (kind 0) first, then event logs (kind 1) by (tx_position, log_index),
 * then transactions (kind 2) by position; row is where the reader has it. */
struct block_row {
	uint32_t kind;
	uint32_t pos;
	uint32_t index;
	uint32_t row;
};

/* Sorts rows into block order (ties by row). Rows usually come back in
 * block order already, and then this is one pass. */
void block_rows_sort(struct block_row *rows, size_t n);

#endif
