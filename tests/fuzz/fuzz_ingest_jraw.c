/* Fuzz target: jraw's scanner (ingest/core/jraw.c) on any text json-c
 * accepts, the only text it is given. Where it places a value, that text
 * reads back as the value json-c parsed; strict JSON is always placed; a
 * member it finds is the one json-c kept. */
#include "fuzz.h"

#include <json-c/json.h>

#include "fuzz_json.h"
#include "jraw.h"

/* s[0..n) parsed whole (trailing whitespace allowed, and a final NUL when
 * nul_ends), or NULL. */
static struct json_object *parse_whole(const char *s, size_t n, int flags, bool nul_ends)
{
	struct json_tokener *tok = json_tokener_new();
	FUZZ_CHECK(tok != NULL);
	json_tokener_set_flags(tok, flags);
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)n);
	bool ok = json_tokener_get_error(tok) == json_tokener_success;
	size_t i = ok ? json_tokener_get_parse_end(tok) : 0;
	json_tokener_free(tok);
	for (; ok && i < n; i++)
		ok = s[i] == '\0' ? nul_ends && i + 1 == n : strchr(" \t\r\n", s[i]) != NULL;
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void check_span(const char *s, struct jraw_span span, struct json_object *expect)
{
	/* Given its terminating NUL, json-c also reads a number standing alone. */
	size_t len = span.end - span.start;
	char *text = malloc(len + 1);
	FUZZ_CHECK(text != NULL);
	memcpy(text, s + span.start, len);
	text[len] = '\0';
	struct json_object *back = parse_whole(text, len + 1, 0, true);
	free(text);
	if (!fuzz_json_same(back, expect))
		fprintf(stderr, "span %zu..%zu reads back differently\n", span.start, span.end);
	FUZZ_CHECK(fuzz_json_same(back, expect));
	json_object_put(back);
}

static void check_members(const char *s, struct jraw_span all, struct json_object *doc)
{
	json_object_object_foreach(doc, key, val) {
		struct jraw_span v, m;
		if (jraw_member(s, all, key, &v, &m)) {
			FUZZ_CHECK(all.start <= m.start && m.start < v.start && v.end == m.end &&
				   m.end <= all.end);
			check_span(s, v, val);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1 << 20))
		return 0;
	char *s = fuzz_bytes(data, size);
	struct json_object *doc = s ? parse_whole(s, size, 0, false) : NULL;
	if (doc) {
		size_t end = jraw_value_end(s, size, 0);
		/* json-c's strict mode still reads single quotes, which jraw
		 * does not follow: only text without them must be placed. */
		struct json_object *strict = parse_whole(s, size, JSON_TOKENER_STRICT, false);
		if (strict && !memchr(s, '\'', size))
			FUZZ_CHECK(end != 0);
		json_object_put(strict);
		if (end) {
			FUZZ_CHECK(end <= size);
			size_t start = 0;
			while (strchr(" \t\r\n", s[start]) && s[start] != '\0')
				start++;
			check_span(s, (struct jraw_span){ start, end }, doc);
			if (json_object_is_type(doc, json_type_object))
				check_members(s, (struct jraw_span){ start, end }, doc);
		}
		json_object_put(doc);
	}
	free(s);
	return 0;
}
