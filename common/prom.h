/* Writing the Prometheus text exposition format (version 0.0.4), shared
 * by zws-ingest's and zws's /metrics: each family's HELP and TYPE lines,
 * then its samples, appended to the caller's buffer. Pure. */
#ifndef COMMON_PROM_H
#define COMMON_PROM_H

#include <stdbool.h>
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

/* Checks text is well-formed exposition as a scraper reads it: HELP and
 * TYPE before each family's samples, one TYPE per family, counters named
 * *_total, histogram samples _bucket (with an le label, ending at +Inf),
 * _sum and _count, label values quoted, every value a number, every name
 * starting with prefix. false with err filled at the first bad line. The
 * tests of both programs' /metrics use it. */
bool prom_check(const char *text, const char *prefix, char *err, size_t errlen);

#endif
