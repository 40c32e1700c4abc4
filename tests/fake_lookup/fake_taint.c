/* Text rewrites of the data faults (see fake_taint.h). Each finds its
 * place by the member names the fake writes without spaces: the first
 * "value":" after the first "event_logs":[, or the first "_eventname":". */
#define _GNU_SOURCE
#include "fake_taint.h"

#include <stdlib.h>
#include <string.h>

/* Offset just past the opening quote of the first event param value, or
 * 0 when there is none. */
static size_t first_param_value(const char *text, size_t n)
{
	static const char logs[] = "\"event_logs\":[", value[] = "\"value\":\"";
	const char *l = memmem(text, n, logs, sizeof(logs) - 1);
	if (!l)
		return 0;
	size_t from = (size_t)(l - text);
	const char *v = memmem(l, n - from, value, sizeof(value) - 1);
	return v ? (size_t)(v - text) + sizeof(value) - 1 : 0;
}

/* text with [at, at + cut) replaced by ins (ins_len bytes, or fill
 * repeated when ins is NULL). */
static char *splice(const char *text, size_t n, size_t at, size_t cut, const char *ins,
		    size_t ins_len, char fill, size_t *out_len)
{
	char *out = malloc(n - cut + ins_len);
	if (!out)
		return NULL;
	memcpy(out, text, at);
	if (ins)
		memcpy(out + at, ins, ins_len);
	else
		memset(out + at, fill, ins_len);
	memcpy(out + at + ins_len, text + at + cut, n - at - cut);
	*out_len = n - cut + ins_len;
	return out;
}

static char *nul_name(const char *text, size_t n, size_t *out_len)
{
	static const char key[] = "\"_eventname\":\"", evil[] = "Evil\\u0000Name";
	const char *k = memmem(text, n, key, sizeof(key) - 1);
	if (!k)
		return NULL;
	size_t at = (size_t)(k - text) + sizeof(key) - 1;
	const char *end = memchr(text + at, '"', n - at);
	if (!end)
		return NULL;
	return splice(text, n, at, (size_t)(end - text) - at, evil, sizeof(evil) - 1, 0, out_len);
}

char *fake_taint_apply(enum fake_fault_mode mode, int64_t bytes, const char *text, size_t n,
		       size_t *out_len)
{
	size_t at;
	switch (mode) {
	case FAKE_FAULT_BADUTF8:
		at = first_param_value(text, n);
		return at ? splice(text, n, at, 0, "\xff\xfe", 2, 0, out_len) : NULL;
	case FAKE_FAULT_HUGE:
		at = first_param_value(text, n);
		return at && bytes > 0 ? splice(text, n, at, 0, NULL, (size_t)bytes, 'A', out_len) : NULL;
	case FAKE_FAULT_NULNAME:
		return nul_name(text, n, out_len);
	default:
		return NULL;
	}
}
