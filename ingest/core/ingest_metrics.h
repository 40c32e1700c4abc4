/* /metrics: the ingest status in the Prometheus text exposition format
 * (version 0.0.4), every metric named zws_ingest_* with its HELP and TYPE
 * lines. Pure. */
#ifndef INGEST_METRICS_H
#define INGEST_METRICS_H

#include <stddef.h>

#include "ingest_health.h"
#include "prom.h"

/* The Content-Type the text is served with. */
#define INGEST_METRICS_CONTENT_TYPE PROM_CONTENT_TYPE

/* Writes the exposition into out (always terminated); returns the length
 * the whole text needs, so a result >= outlen means it was cut short. */
size_t ingest_metrics_format(const struct ingest_status *st, const struct health_verdict *v,
			     char *out, size_t outlen);

#endif
