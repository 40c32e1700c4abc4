/* Turning decoded blocks into the statements and text parameters that
 * store them. Blocks are stored in groups (one transaction per group while
 * backfilling, a group of one when live): each table gets one prepared
 * statement per group whose rows come from unnest() over array
 * parameters. A group first deletes any earlier copy of its blocks, so
 * replaying is harmless and plain INSERTs suffice; the cursor only moves
 * forward; each block's NOTIFY rides in the group's transaction, in block
 * order. Pure: builds strings, never talks to PostgreSQL.
 *
 * Each block is serialized once, on its own (block_sql_rows_build); a
 * group only concatenates its blocks' array elements. */
#ifndef INGEST_BLOCK_SQL_H
#define INGEST_BLOCK_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "txblock.h"

enum block_sql_stmt {
	BLOCK_SQL_REPLACE,    /* delete blocks first..last from every table */
	BLOCK_SQL_BLOCKS,     /* tx_blocks and tx_block_shards */
	BLOCK_SQL_TXNS,
	BLOCK_SQL_EVENT_LOGS,
	BLOCK_SQL_CONTRACTS,
	BLOCK_SQL_CURSOR,
	BLOCK_SQL_NOTIFY,
	BLOCK_SQL_STMT_COUNT,
};

#define BLOCK_SQL_MAX_PARAMS 14

struct block_sql_stmt_def {
	const char *name; /* prepared statement name */
	const char *sql;
	int nparams;
};

extern const struct block_sql_stmt_def block_sql_stmts[BLOCK_SQL_STMT_COUNT];

/* One block's rows as array literals, one per array column. */
struct block_sql_rows;

/* Serializes b; live: whether its NOTIFY marks it live; repair_utf8:
 * whether text that is not valid UTF-8 is stored repaired (utf8.h) rather
 * than as it is. NULL when out of memory. */
struct block_sql_rows *block_sql_rows_build(const struct ingest_block *b, bool live, bool repair_utf8);

/* Whether some of the rows' text was not valid UTF-8 (repaired or not);
 * *tx_hash is the first such transaction's hash, NULL when it was the
 * block's header or hash lists. */
bool block_sql_rows_bad_utf8(const struct block_sql_rows *r, const char **tx_hash);

/* The bytes the rows hold: what storing the block sends PostgreSQL. */
size_t block_sql_rows_bytes(const struct block_sql_rows *r);
void block_sql_rows_free(struct block_sql_rows *r);

/* The parameters of one statement execution, for PQsendQueryPrepared:
 * arrays are binary text[] values (formats[i] 1, lengths[i] their size),
 * the rest text (formats[i] 0). */
struct block_sql_params {
	enum block_sql_stmt stmt;
	int nparams;
	const char *values[BLOCK_SQL_MAX_PARAMS];
	int lengths[BLOCK_SQL_MAX_PARAMS];
	int formats[BLOCK_SQL_MAX_PARAMS];
	char *owned[BLOCK_SQL_MAX_PARAMS];
};

/* All statements a group needs, in execution order (tables without rows
 * are left out). */
struct block_sql {
	int count;
	struct block_sql_params stmts[BLOCK_SQL_STMT_COUNT];
};

/* One block of a group: its data, its serialized rows, and the lookup's
 * head when it was fetched. */
struct block_sql_member {
	const struct ingest_block *block;
	const struct block_sql_rows *rows;
	uint64_t head;
};

/* The statements storing members[0..n), consecutive blocks in order
 * (n >= 1). NULL when out of memory. */
struct block_sql *block_sql_group_build(const struct block_sql_member *members, size_t n);
void block_sql_free(struct block_sql *s);

/* The NOTIFY payload: {"block_num":N,"live":true|false}. */
void block_sql_notify_payload(uint64_t num, bool live, char *out, size_t outlen);

/* Array elements in PostgreSQL's binary array format, collected in a
 * growable buffer (exposed for tests): each element is its length as a
 * big-endian int32 (-1 for NULL) and its bytes. */
#define BLOCK_SQL_TEXT_OID 25
struct block_sql_buf {
	char *data;
	size_t len, cap;
	size_t count;
	bool failed;
};
/* Appends one element (NULL: SQL NULL); a failure sticks in buf->failed. */
void block_sql_elems_add(struct block_sql_buf *buf, const char *elem);
void block_sql_elems_free(struct block_sql_buf *buf);
/* The binary text[] value holding the elements of parts[0..n) in order
 * (malloc'ed, *len bytes); NULL when out of memory or a part failed. */
char *block_sql_array_join(const struct block_sql_buf *const *parts, size_t n, size_t *len);

#endif
