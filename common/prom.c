/* The exposition writer (see prom.h). Histogram buckets are written
 * cumulative, with the +Inf bucket equal to _count, as the format asks. */
#include "prom.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

void prom_init(struct prom *p, char *buf, size_t cap)
{
	p->buf = buf;
	p->cap = cap;
	p->len = 0;
	if (cap)
		buf[0] = '\0';
}

void prom_put(struct prom *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = p->len < p->cap ? p->cap - p->len : 0;
	int n = vsnprintf(room ? p->buf + p->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n;
}

void prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
	prom_put(p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_histogram(struct prom *p, const char *name, const char *labels, const double *bounds,
		    const uint64_t *counts, size_t n, double sum)
{
	const char *sep = labels[0] ? "," : "";
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		total += counts[i];
		prom_put(p, "%s_bucket{%s%sle=\"%g\"} %" PRIu64 "\n", name, labels, sep, bounds[i], total);
	}
	total += counts[n];
	prom_put(p, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, sep, total);
	const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
	prom_put(p, "%s_sum%s%s%s %.6f\n", name, open, labels, close, sum);
	prom_put(p, "%s_count%s%s%s %" PRIu64 "\n", name, open, labels, close, total);
}
