/* Turning a decoded block into the statements and text parameters that
 * store it: one prepared statement per table, multi-row through unnest()
 * of array parameters; a replayed block replaces its earlier copy.
 * Pure: builds strings, never talks to PostgreSQL. */
#ifndef INGEST_BLOCK_SQL_H
#define INGEST_BLOCK_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block.h"

enum block_sql_stmt {
	BLOCK_SQL_REPLACE,
	BLOCK_SQL_TX_BLOCK,
	BLOCK_SQL_SHARDS,
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

/* The parameters of one statement execution. values[i] NULL is SQL NULL. */
struct block_sql_params {
	enum block_sql_stmt stmt;
	int nparams;
	const char *values[BLOCK_SQL_MAX_PARAMS];
	char *owned[BLOCK_SQL_MAX_PARAMS];
};

/* All statements one block needs, in execution order (statements with no
 * rows are left out). */
struct block_sql {
	int count;
	struct block_sql_params stmts[BLOCK_SQL_STMT_COUNT];
};

/* Builds the statements for b; head is the lookup's head and live whether
 * the NOTIFY marks the block live. Returns NULL on allocation failure. */
struct block_sql *block_sql_build(const struct ingest_block *b, uint64_t head, bool live);
void block_sql_free(struct block_sql *s);

/* The NOTIFY payload: {"block_num":N,"live":true|false}. */
void block_sql_notify_payload(uint64_t num, bool live, char *out, size_t outlen);

/* Appends one element to a PostgreSQL array literal being built in a
 * growable buffer (exposed for tests). NULL elem writes NULL. */
struct block_sql_buf {
	char *data;
	size_t len, cap;
	bool failed;
};
void block_sql_array_begin(struct block_sql_buf *buf);
void block_sql_array_add(struct block_sql_buf *buf, const char *elem);
/* Closes the literal and hands the string to the caller (NULL on failure). */
char *block_sql_array_end(struct block_sql_buf *buf);

#endif
