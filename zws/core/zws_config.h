/* zws's command line and environment: parsed into one struct that main
 * hands to the server. Pure: no I/O. */
#ifndef ZWS_ZWS_CONFIG_H
#define ZWS_ZWS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

/* The loop lws runs on (see evloop.h). */
enum zws_event_loop {
	ZWS_LOOP_POLL,
	ZWS_LOOP_LIBEV,
};

struct zws_config {
	const char *db;          /* --db / ZWS_DB (required) */
	const char *host;        /* --host, default 0.0.0.0 */
	int port;                /* --port / ZWS_PORT, default 4401 */
	const char *lookup;      /* --lookup / ZWS_LOOKUP, may be NULL */
	unsigned max_addresses;  /* --max-addresses, default 1000 */
	unsigned max_total_addresses; /* --max-total-addresses, default 1000000 */
	size_t max_message;      /* --max-message, default 16384 */
	unsigned rate_limit;     /* --rate-limit N/s, queries per second; 0 = off */
	unsigned queue_max;      /* --max-queue, pending messages per client */
	unsigned max_query_blocks; /* --max-query-blocks, GetEventLogs span */
	unsigned max_query_logs;   /* --max-query-logs, GetEventLogs answer size */
	unsigned workers;        /* --workers, processes sharing the port */
	unsigned lookup_timeout_ms; /* --lookup-timeout-ms, contract check wait */
	unsigned ping_after_s;   /* --ping-after, silence before a keepalive ping */
	unsigned drop_after_s;   /* --drop-after, silence before the client is dropped */
	enum zws_event_loop event_loop; /* --event-loop / ZWS_EVENT_LOOP */
	enum log_level log_level;   /* --log-level */
};

enum config_result {
	CONFIG_OK,
	CONFIG_HELP,  /* --help was given */
	CONFIG_ERROR, /* err holds one line */
};

/* Parses argv; env(name) supplies environment fallbacks (may return NULL).
 * Strings in cfg point into argv or the environment. */
enum config_result zws_config_parse(struct zws_config *cfg, int argc, char *const argv[],
				const char *(*env)(const char *name), char *err, size_t errlen);

/* "poll" or "libev". */
const char *zws_config_event_loop_name(enum zws_event_loop loop);

/* The --help text. */
const char *zws_config_usage(void);

#endif
