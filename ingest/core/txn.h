/* Decoding a complete block's transaction bodies into transactions (with
 * sender and deployed-contract addresses), event logs and contracts. Pure. */
#ifndef INGEST_TXN_H
#define INGEST_TXN_H

#include <stdbool.h>
#include <stddef.h>

#include "txblock.h"

/* Fills b->txns, b->logs and b->contracts from b->bodies. Detaches each
 * body's receipt into txn->receipt. */
bool txn_decode_block(struct ingest_block *b, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
