/* One dependency's outage (the lookup node, PostgreSQL) as the log tells
 * it: once when it begins, again every OUTAGE_REPEAT_MS while it lasts
 * ("still failing after 90s: ..."), once when it ends. A misconfiguration
 * does not fix itself, so an operator who missed the first line must see
 * it again. Pure: time is passed in. */
#ifndef INGEST_OUTAGE_H
#define INGEST_OUTAGE_H

#include <stdbool.h>
#include <stdint.h>

#define OUTAGE_REPEAT_MS 30000

struct outage {
	bool active;
	uint64_t since_ms;    /* first failure of this outage */
	uint64_t reported_ms; /* last line logged about it */
	unsigned failures;
};

enum outage_report {
	OUTAGE_QUIET,  /* a failure inside an outage reported less than OUTAGE_REPEAT_MS ago */
	OUTAGE_BEGAN,  /* the first failure: log it */
	OUTAGE_STILL,  /* OUTAGE_REPEAT_MS since the last line: log it again */
};

void outage_init(struct outage *o);

/* Records a failure at now_ms; says whether to log it. */
enum outage_report outage_fail(struct outage *o, uint64_t now_ms);

/* Seconds since the outage began (0 when none). */
double outage_seconds(const struct outage *o, uint64_t now_ms);

/* Records a success: returns how many failures it ends (0: there was no
 * outage) and sets *seconds to its length. */
unsigned outage_end(struct outage *o, uint64_t now_ms, double *seconds);

#endif
