/* zws-ingest command line: flags with environment fallbacks (ZWS_DB,
 * ZWS_LOOKUP) parsed into one struct. Pure: no I/O besides reading the
 * environment values the caller passes in. */
#ifndef INGEST_CONFIG_H
#define INGEST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define INGEST_DEFAULT_MAX_BLOCK_BYTES (32ULL << 20)
#define INGEST_MAX_BLOCK_BYTES_LIMIT (1ULL << 30)

struct ingest_config {
	const char *db;            /* libpq conninfo */
	const char *lookup;        /* http:// or https:// JSON-RPC URL */
	bool has_from_block;
	uint64_t from_block;
	int poll_ms;
	uint64_t live_distance;
	int batch_blocks;          /* TxBlocks per JSON-RPC batch request */
	int inflight;              /* concurrent requests (one connection each) */
	int timeout_ms;            /* per request */
	int backoff_max_ms;
	int window;                /* blocks fetched ahead of the last commit */
	uint64_t max_block_bytes;  /* what one block's rows may hold */
	uint64_t rewind;           /* blocks to delete at start (0: none) */
	enum log_level log_level;
	bool migrate_only;         /* apply migrations and exit */
	bool help;
};

enum config_result {
	CONFIG_OK,
	CONFIG_HELP,
	CONFIG_ERROR,
};

/* Parses argv; env_db and env_lookup are the values of ZWS_DB and
 * ZWS_LOOKUP (NULL when unset). On CONFIG_ERROR, err holds one line. */
enum config_result ingest_config_parse(int argc, char **argv, const char *env_db,
				const char *env_lookup, struct ingest_config *cfg,
				char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The --help text. */
const char *ingest_config_usage(void);

#endif
