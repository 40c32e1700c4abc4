/* The results ZWS builds rather than finds stored whole (see
 * rpc_request.h for the requests): a transaction with its receipt put
 * back, a page of hash lists, a GetEventLogs entry, the "not held" error
 * text. Pure: no I/O. */
#ifndef ZWS_RPC_RESULT_H
#define ZWS_RPC_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Transactions per page of the Ex methods, as the lookup pages them. */
#define RPC_TXNS_PER_PAGE 2500

/* A transaction as the lookup answers it: the stored body (without its
 * receipt, sql/README) with ,"receipt":<receipt> put back where the node
 * writes it, before the first member whose name sorts after "receipt".
 * false when body is not a JSON object. */
bool rpc_body_with_receipt(struct buf *out, const char *body, const char *receipt)
	__attribute__((warn_unused_result));
/* GetTransactionsForTxBlockEx's result for page of the stored hash lists
 * tx_hashes (an array of arrays of hash strings) holding num_txns
 * transactions: {"CurrPage":p,"NumPages":n,"Transactions":[[…],…]}, every
 * list cut to the page's part of it. false when the page does not exist
 * or tx_hashes is not such an array. */
bool rpc_hash_page(struct buf *out, const char *tx_hashes, uint64_t num_txns, uint32_t page)
	__attribute__((warn_unused_result));
/* {"CurrPage":p,"NumPages":n,"Transactions":[ : the caller appends the
 * page's bodies and "]}" (GetTxnBodiesForTxBlockEx). */
void rpc_bodies_page_head(struct buf *out, uint64_t num_txns, uint32_t page);
/* NumPages of a block of num_txns transactions. */
uint64_t rpc_num_pages(uint64_t num_txns);
/* One GetEventLogs entry: {"blockNum":N,"txHash":"…","address":"0x…",
 * "log":{"_eventname":"…","params":…}} (name as stored: escaped). */
void rpc_event_log_json(struct buf *out, uint64_t block, const char *tx_hash, const char *address,
			const char *event_name, const char *params);
/* "block 5 is not held by this server; it holds blocks 10 to 20" (or
 * "it holds no blocks yet") into out. what: "block 5", "transaction …". */
void rpc_not_held_text(char *out, size_t outlen, const char *what, bool any, uint64_t first,
		       uint64_t last);

#endif
