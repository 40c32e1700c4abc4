/* zws-ingest command line: flags with environment fallbacks (ZWS_DB,
 * ZWS_LOOKUP, ZWS_INGEST_*) parsed into one struct. Pure: the environment
 * is read through the function the caller passes in. */
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
	enum log_format log_format; /* --log-format text or json */
	const char *log_file;      /* --log-file, reopened on SIGHUP; NULL: stderr */
	const char *http;          /* --http ADDR:PORT for /healthz and /metrics; NULL: off */
	char http_addr[128];       /* its address, without brackets */
	int http_port;
	uint64_t healthy_lag_blocks; /* /healthz: at most this many blocks behind the head */
	int healthy_lag_s;         /* /healthz: caught up within this many seconds */
	bool migrate_only;         /* apply migrations and exit */
	bool help;
};

/* Reads one environment variable (getenv in the program); NULL when unset. */
typedef const char *(*config_env_fn)(const char *name);

enum config_result {
	CONFIG_OK,
	CONFIG_HELP,
	CONFIG_ERROR,
};

/* Parses the environment (each option's variable, see --help; env may be
 * NULL), then argv, which wins. On CONFIG_ERROR, err holds one line.
 * Strings in cfg point into argv or the environment. */
enum config_result ingest_config_parse(int argc, char **argv, config_env_fn env,
				struct ingest_config *cfg, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The --help text. */
const char *ingest_config_usage(void);

#endif
