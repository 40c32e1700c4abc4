/* Parsing and consuming the fault plan. */
#include "fake_fault.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static const char *const mode_names[] = {
	"none", "http500", "http429", "garbage", "truncated", "slow", "ratelimit", "missing", "close",
	"badutf8", "nulname", "duptxns", "bighead", "huge",
};
#define MODE_COUNT (sizeof(mode_names) / sizeof(mode_names[0]))

const char *fake_fault_name(enum fake_fault_mode mode)
{
	return mode_names[mode];
}

static bool read_int(struct json_object *o, const char *key, int64_t def, int64_t *out)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v)) {
		*out = def;
		return true;
	}
	if (!json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static bool parse_object(struct json_object *o, struct fake_fault_plan *out, char *err, size_t errlen)
{
	struct json_object *mode;
	if (!json_object_object_get_ex(o, "mode", &mode) || !json_object_is_type(mode, json_type_string)) {
		snprintf(err, errlen, "\"mode\" (a string) is required");
		return false;
	}
	size_t m = 0;
	while (m < MODE_COUNT && strcmp(mode_names[m], json_object_get_string(mode)) != 0)
		m++;
	if (m == MODE_COUNT) {
		snprintf(err, errlen, "unknown mode \"%s\"", json_object_get_string(mode));
		return false;
	}
	int64_t count, delay;
	if (!read_int(o, "count", 1, &count) || count < -1) {
		snprintf(err, errlen, "\"count\" must be an integer >= -1");
		return false;
	}
	if (!read_int(o, "delay_ms", FAKE_FAULT_DEFAULT_DELAY_MS, &delay) || delay < 0 ||
	    delay > FAKE_FAULT_MAX_DELAY_MS) {
		snprintf(err, errlen, "\"delay_ms\" must be an integer in 0..%d", FAKE_FAULT_MAX_DELAY_MS);
		return false;
	}
	int64_t bytes;
	if (!read_int(o, "bytes", FAKE_FAULT_DEFAULT_BYTES, &bytes) || bytes < 1 ||
	    bytes > FAKE_FAULT_MAX_BYTES) {
		snprintf(err, errlen, "\"bytes\" must be an integer in 1..%d", FAKE_FAULT_MAX_BYTES);
		return false;
	}
	out->bytes = bytes;
	out->mode = (enum fake_fault_mode)m;
	out->remaining = out->mode == FAKE_FAULT_NONE ? 0 : count;
	out->delay_ms = (int)delay;
	return true;
}

bool fake_fault_parse(const char *text, size_t len, struct fake_fault_plan *out, char *err,
		      size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
	bool ok = false;
	if (!o || !json_object_is_type(o, json_type_object))
		snprintf(err, errlen, "body must be a JSON object");
	else
		ok = parse_object(o, out, err, errlen);
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

enum fake_fault_mode fake_fault_peek(const struct fake_fault_plan *p)
{
	return p->mode == FAKE_FAULT_NONE || p->remaining == 0 ? FAKE_FAULT_NONE : p->mode;
}

bool fake_fault_rewrites_text(enum fake_fault_mode mode)
{
	return mode == FAKE_FAULT_BADUTF8 || mode == FAKE_FAULT_NULNAME || mode == FAKE_FAULT_HUGE;
}

enum fake_fault_mode fake_fault_next(struct fake_fault_plan *p)
{
	if (p->mode == FAKE_FAULT_NONE || p->remaining == 0)
		return FAKE_FAULT_NONE;
	if (p->remaining > 0)
		p->remaining--;
	return p->mode;
}
