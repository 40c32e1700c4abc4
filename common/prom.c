/* The exposition writer (see prom.h). Histogram buckets are written
 * cumulative, with the +Inf bucket equal to _count, as the format asks. */
#include "prom.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The family a sample line belongs to, as its name in name[], and where
 * its labels or value start. */
static size_t sample_name(const char *line, char *name, size_t size)
{
	size_t n = 0;
	while ((line[n] >= 'a' && line[n] <= 'z') || (line[n] >= 'A' && line[n] <= 'Z') ||
	       (line[n] >= '0' && line[n] <= '9' && n) || line[n] == '_' || line[n] == ':')
		n++;
	if (!n || n >= size)
		return 0;
	memcpy(name, line, n);
	name[n] = '\0';
	return n;
}

/* {a="x",b="y"}: returns the length, 0 if malformed; *has_le set when an
 * le label is there. */
static size_t labels_len(const char *p, bool *has_le)
{
	size_t i = 1;
	*has_le = false;
	if (p[0] != '{')
		return 0;
	while (p[i] != '}') {
		size_t start = i;
		while ((p[i] >= 'a' && p[i] <= 'z') || p[i] == '_' || (p[i] >= '0' && p[i] <= '9' && i > start))
			i++;
		if (i == start || p[i] != '=' || p[i + 1] != '"')
			return 0;
		*has_le |= i - start == 2 && strncmp(p + start, "le", 2) == 0;
		for (i += 2; p[i] != '"'; i++)
			if (!p[i] || p[i] == '\n' || (p[i] == '\\' && !p[++i]))
				return 0;
		i++;
		if (p[i] == ',')
			i++;
		else if (p[i] != '}')
			return 0;
	}
	return i + 1;
}

static bool value_ok(const char *v)
{
	if (strcmp(v, "+Inf") == 0 || strcmp(v, "-Inf") == 0 || strcmp(v, "NaN") == 0)
		return true;
	char *end;
	strtod(v, &end);
	return end > v && *end == '\0';
}

struct check {
	char family[96], type[32];
	char seen[128][96]; /* families typed so far */
	size_t nseen;
};

static bool check_type(struct check *c, const char *line, const char *prefix, char *err, size_t errlen)
{
	char name[96], type[32];
	if (sscanf(line, "# TYPE %95s %31s", name, type) != 2 ||
	    (strcmp(type, "gauge") && strcmp(type, "counter") && strcmp(type, "histogram"))) {
		snprintf(err, errlen, "bad TYPE line: %.200s", line);
		return false;
	}
	size_t n = strlen(name);
	if (strncmp(name, prefix, strlen(prefix)) != 0 ||
	    (!strcmp(type, "counter") && (n < 7 || strcmp(name + n - 6, "_total") != 0))) {
		snprintf(err, errlen, "bad family name for a %s: %s", type, name);
		return false;
	}
	for (size_t i = 0; i < c->nseen; i++)
		if (!strcmp(c->seen[i], name)) {
			snprintf(err, errlen, "second TYPE for %s", name);
			return false;
		}
	if (c->nseen < 128)
		snprintf(c->seen[c->nseen++], sizeof(c->seen[0]), "%s", name);
	snprintf(c->family, sizeof(c->family), "%s", name);
	snprintf(c->type, sizeof(c->type), "%s", type);
	return true;
}

/* Whether a sample named name belongs to the current family. */
static bool in_family(const struct check *c, const char *name, bool has_le)
{
	size_t n = strlen(c->family);
	if (strcmp(c->type, "histogram"))
		return !strcmp(name, c->family);
	if (strncmp(name, c->family, n))
		return false;
	return (!strcmp(name + n, "_bucket") && has_le) || !strcmp(name + n, "_sum") ||
	       !strcmp(name + n, "_count");
}

static bool check_sample(struct check *c, const char *line, char *err, size_t errlen)
{
	char name[96];
	bool has_le = false;
	size_t n = sample_name(line, name, sizeof(name)), l = 0;
	if (n && line[n] == '{' && !(l = labels_len(line + n, &has_le)))
		n = 0;
	if (!n || line[n + l] != ' ' || !value_ok(line + n + l + 1)) {
		snprintf(err, errlen, "bad sample line: %.200s", line);
		return false;
	}
	if (!c->family[0] || !in_family(c, name, has_le)) {
		snprintf(err, errlen, "sample outside its family's TYPE: %.200s", line);
		return false;
	}
	return true;
}

bool prom_check(const char *text, const char *prefix, char *err, size_t errlen)
{
	struct check c;
	memset(&c, 0, sizeof(c));
	char line[1024];
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		if (!p[n] || n >= sizeof(line)) {
			snprintf(err, errlen, "%s", p[n] ? "line too long" : "text does not end in a newline");
			return false;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + 1;
		bool ok = !strncmp(line, "# TYPE ", 7) ? check_type(&c, line, prefix, err, errlen)
			  : !strncmp(line, "# HELP ", 7) ? true
			  : line[0] == '#' || !line[0] ? (snprintf(err, errlen, "stray line: %.200s", line), false)
						       : check_sample(&c, line, err, errlen);
		if (!ok)
			return false;
	}
	if (!c.nseen) {
		snprintf(err, errlen, "no metric families");
		return false;
	}
	return true;
}
