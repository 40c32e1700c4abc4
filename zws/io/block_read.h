/* Reading one block back from PostgreSQL: the query that fetches a
 * block's rows (its TxBlock, event logs and transactions) in one round
 * trip, and the block built from its result (block_feed.h). */
#ifndef ZWS_BLOCK_READ_H
#define ZWS_BLOCK_READ_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "block_feed.h"

/* $1: the block number. */
extern const char block_read_sql[];

/* The block of res, *logs its event logs; or NULL with err filled (err
 * empty: the block was announced but is not stored). The caller frees it
 * with block_free. */
struct block *block_read(uint64_t num, const PGresult *res, size_t *logs, char *err, size_t errlen);

#endif
