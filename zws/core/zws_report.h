/* What zws says about itself over HTTP, built from the shared counters of
 * every worker (zws_stats.h): the /healthz verdict and body, the /metrics
 * Prometheus text, and /status.json for the status page. Pure: the caller
 * passes the time. */
#ifndef ZWS_ZWS_REPORT_H
#define ZWS_ZWS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zws_stats.h"

struct report_limits {
	unsigned healthy_block_age_s; /* --healthy-block-age */
};

struct report_health {
	bool healthy;
	char reason[200]; /* why not; "" when healthy */
};

/* Healthy: every worker is connected to PostgreSQL and a block was pushed
 * within the age limit (or the server started within it and has pushed
 * none yet). */
void report_health(const struct stats_region *r, const struct report_limits *lim, uint64_t now_ms,
		   struct report_health *h);

/* The clients of the whole server: this process's slot or every live
 * worker's summed (the figures /status.json and GetServerInfo give). */
struct report_clients {
	uint32_t workers;                  /* live workers counted */
	uint64_t connections;              /* WebSocket clients (sessions) */
	uint64_t subscribers[TOPIC_COUNT]; /* clients subscribed to each topic */
	uint64_t addresses[TOPIC_COUNT];   /* addresses held (NewBlock: 0) */
};

/* Sums the live workers' client gauges. */
void report_clients(const struct stats_region *r, struct report_clients *out);
/* One worker's client gauges (workers: 1). */
void report_slot_clients(const struct stats_slot *s, struct report_clients *out);

/* The /healthz body (a JSON object and a newline), malloc'd; returns the
 * HTTP status (200 or 503), or 0 with *out NULL on OOM. */
int report_healthz(const struct stats_region *r, const struct report_limits *lim, uint64_t now_ms,
		   char **out);

/* The /metrics text into out (always terminated); returns the length the
 * whole text needs, so a result >= outlen means it was cut short. */
size_t report_metrics(const struct stats_region *r, const struct report_limits *lim, uint64_t now_ms,
		      char *out, size_t outlen);

/* The /status.json body, malloc'd; NULL on OOM. */
char *report_status_json(const struct stats_region *r, const struct report_limits *lim, uint64_t now_ms);

#endif
