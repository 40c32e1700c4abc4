/* Writing the Prometheus text exposition format (version 0.0.4), shared
 * by zws-ingest's and zws's /metrics: each family's HELP and TYPE lines,
 * then its samples, appended to the caller's buffer. Pure. */
#ifndef COMMON_PROM_H
#define COMMON_PROM_H

#include <stddef.h>
#include <stdint.h>

/* The Content-Type a page written with this is served with. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The text being written. Appending never overflows: once the buffer is
 * full, len keeps counting what the whole text needs. */
struct prom {
	char *buf;
	size_t cap, len;
};

/* Starts an empty text in buf (cap bytes, always terminated). */
void prom_init(struct prom *p, char *buf, size_t cap);
/* Appends printf-formatted text. */
void prom_put(struct prom *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The HELP and TYPE lines of family name; type is "gauge", "counter" or
 * "histogram". */
void prom_family(struct prom *p, const char *name, const char *type, const char *help);
/* One histogram's samples (its family line written already): bounds[n]
 * upper bounds in ascending order, counts[n + 1] the observations in each
 * bucket (not cumulative; the last is above every bound), sum their total.
 * labels is "" or a label list without braces, e.g. worker="0". */
void prom_histogram(struct prom *p, const char *name, const char *labels, const double *bounds,
		    const uint64_t *counts, size_t n, double sum);

#endif
