/* What zws-ingest knows about itself, for /healthz and /metrics: a
 * snapshot the follower fills when asked, the verdict /healthz gives, and
 * the halt reason any part of ingest can set (a chain that does not link
 * up, say) to say "do not trust me". Pure. */
#ifndef INGEST_HEALTH_H
#define INGEST_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diagnose.h"

/* Set by any part of ingest that stops following on purpose; /healthz
 * answers 503 "halted: <reason>" until it is cleared. */
struct ingest_health {
	char halted[256]; /* "" while following */
};

void ingest_health_halt(struct ingest_health *h, const char *reason);
void ingest_health_clear(struct ingest_health *h);

enum ingest_role {
	INGEST_ROLE_STARTING, /* not connected to PostgreSQL yet, or not through its start */
	INGEST_ROLE_LEADER,   /* holds the leader lock: follows and writes */
	INGEST_ROLE_STANDBY,  /* another zws-ingest holds the lock: waits */
};

enum ingest_pg_state {
	INGEST_PG_CONNECTING,
	INGEST_PG_UP,
	INGEST_PG_DOWN,
};

struct ingest_status {
	const struct ingest_health *health;
	enum ingest_role role;
	int leader_pid;            /* standby: the leader's backend pid, 0 unknown */
	enum ingest_pg_state pg;
	bool pg_misconfigured;
	const char *pg_error;      /* PG_DOWN: why */
	bool lookup_failing;       /* the last request to the lookup failed */
	bool lookup_misconfigured;
	double lookup_failing_s;
	const char *lookup_error;  /* lookup_failing: why */
	bool head_known, committed_known;
	uint64_t head, committed;
	uint64_t live_distance;
	double behind_s;           /* seconds since ingest last had the head committed */
	double blocks_per_s;       /* commit rate over the last few seconds */
	uint64_t blocks_total, txns_total, event_logs_total;
	uint64_t head_requests, block_requests;
	uint64_t lookup_failures[LOOKUP_FAILURE_COUNT];
};

struct health_limits {
	uint64_t lag_blocks;
	int lag_s;
};

struct health_verdict {
	bool healthy;
	const char *status;  /* "ok", "standby", "starting" or "unhealthy" */
	char reason[400];    /* why not ok; "" when ok */
};

/* Blocks between the committed one and the head (0 when either is not
 * known or the head is behind). */
uint64_t health_lag_blocks(const struct ingest_status *st);

/* 200 or 503 and why: halted, PostgreSQL down, starting, the lookup
 * failing, lagging by blocks or by seconds. A standby waiting for the
 * lock is healthy: that is its job. */
void health_evaluate(const struct ingest_status *st, const struct health_limits *lim,
		     struct health_verdict *v);

/* The /healthz body, one JSON object and a newline; returns the HTTP
 * status (200 or 503). out is always terminated. */
int health_json(const struct ingest_status *st, const struct health_verdict *v,
		char *out, size_t outlen);

/* "starting", "leader", "standby". */
const char *health_role_name(enum ingest_role role);

#endif
