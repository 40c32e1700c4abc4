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
	unsigned max_negative_cache; /* --max-negative-cache / ZWS_MAX_NEGATIVE_CACHE, lookup "no" rows */
	size_t max_message;      /* --max-message, default 16384 */
	unsigned rate_limit;     /* --rate-limit N/s, queries per second; 0 = off */
	unsigned queue_max;      /* --max-queue, pending messages per client */
	unsigned max_query_blocks; /* --max-query-blocks, GetEventLogs span */
	unsigned max_query_logs;   /* --max-query-logs, GetEventLogs answer size */
	unsigned workers;        /* --workers, processes sharing the port */
	unsigned lookup_timeout_ms; /* --lookup-timeout-ms, contract check wait */
	unsigned max_resume;     /* --max-resume / ZWS_MAX_RESUME, default 10000 */
	unsigned ping_after_s;   /* --ping-after, silence before a keepalive ping */
	unsigned drop_after_s;   /* --drop-after, silence before the client is dropped */
	unsigned max_clients;    /* --max-clients, per process; 0 = off */
	unsigned max_clients_per_ip; /* --max-clients-per-ip, per process; 0 = off */
	const char *allow_origin; /* --allow-origin, comma-separated; NULL = any */
	unsigned healthy_block_age_s; /* --healthy-block-age, /healthz limit */
	enum zws_event_loop event_loop; /* --event-loop / ZWS_EVENT_LOOP */
	unsigned drain_s;        /* --drain-s, longest drain on SIGTERM */
	bool join;               /* --join: may share a port another zws serves */
	bool lws_debug;          /* --lws-debug: lws's own notices in the log */
	const char *tls_cert;    /* --tls-cert / ZWS_TLS_CERT, PEM chain; NULL = ws:// */
	const char *tls_key;     /* --tls-key / ZWS_TLS_KEY, given with tls_cert */
	enum log_level log_level;   /* --log-level */
	enum log_format log_format; /* --log-format */
	const char *log_file;    /* --log-file, NULL: stderr */
};

enum config_result {
	CONFIG_OK,
	CONFIG_HELP,  /* --help was given */
	CONFIG_VERSION, /* --version was given */
	CONFIG_ERROR, /* err holds one line */
};

/* Parses argv; env(name) supplies environment fallbacks (may return NULL):
 * every option's variable is ZWS_ and its name in upper case, '-' as '_'.
 * Strings in cfg point into argv or the environment. */
enum config_result zws_config_parse(struct zws_config *cfg, int argc, char *const argv[],
				const char *(*env)(const char *name), char *err, size_t errlen);

/* "poll" or "libev". */
const char *zws_config_event_loop_name(enum zws_event_loop loop);

/* The --help text. */
const char *zws_config_usage(void);

#endif
