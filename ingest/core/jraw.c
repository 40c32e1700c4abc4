/* Raw text of stored JSON values (see jraw.h). The scanner only finds
 * boundaries: the text has already been accepted by json-c, so strings,
 * nesting and separators are all it needs to know; every step is still
 * bounded by the text's length, and it gives up on what is not standard
 * JSON. A value is tied to its object only when
 * the text agrees with json-c on its type; anything else is serialized as
 * before. */
#include "jraw.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The response text, shared by every value tied to it. */
struct jraw_buf {
	size_t refs;
	size_t len;
	char text[];
};

#define JRAW_MAGIC 0x6a726177u /* "jraw" */

struct jraw_value {
	uint32_t magic;
	struct jraw_buf *buf;
	struct jraw_span span;
	struct jraw_span hole; /* empty when none */
};

static void buf_unref(struct jraw_buf *b)
{
	if (b && --b->refs == 0)
		free(b);
}

static void value_free(struct json_object *o, void *userdata)
{
	(void)o;
	struct jraw_value *v = userdata;
	buf_unref(v->buf);
	free(v);
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* The offset just past the string whose opening quote is at i, or 0. A
 * quote ends the string unless an odd run of backslashes precedes it. */
static size_t string_end(const char *s, size_t n, size_t i)
{
	for (i++; i < n;) {
		const char *q = memchr(s + i, '"', n - i);
		if (!q)
			return 0;
		size_t j = (size_t)(q - s), k = j;
		while (k > i && s[k - 1] == '\\')
			k--;
		if ((j - k) % 2 == 0)
			return j + 1;
		i = j + 1;
	}
	return 0;
}

/* Bytes that matter inside a container: quotes and brackets; and what
 * only json-c's lenient mode accepts (comments, single-quoted strings),
 * which this scanner does not follow: their values keep no text. */
static const unsigned char structural[256] = {
	['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3, ['/'] = 4, ['\''] = 4,
};

size_t jraw_value_end(const char *s, size_t n, size_t i)
{
	i = skip_ws(s, n, i);
	if (i >= n)
		return 0;
	if (s[i] == '"')
		return string_end(s, n, i);
	if (s[i] == '{' || s[i] == '[') {
		size_t depth = 0;
		while (i < n) {
			switch (structural[(unsigned char)s[i]]) {
			case 1:
				i = string_end(s, n, i);
				if (!i)
					return 0;
				continue;
			case 2:
				depth++;
				break;
			case 3:
				if (--depth == 0)
					return i + 1;
				break;
			case 4:
				return 0;
			}
			i++;
		}
		return 0;
	}
	if (structural[(unsigned char)s[i]])
		return 0;
	size_t start = i;
	while (i < n && !strchr(",]}: \t\r\n", s[i]))
		i++;
	return i > start ? i : 0;
}

/* jraw_member, counting the members named key into *count. */
static bool find_member(const char *s, struct jraw_span obj, const char *key,
			struct jraw_span *value, struct jraw_span *member, int *count)
{
	size_t n = obj.end, klen = strlen(key);
	size_t i = skip_ws(s, n, obj.start);
	bool found = false;
	if (i >= n || s[i] != '{')
		return false;
	i++;
	for (;;) {
		i = skip_ws(s, n, i);
		if (i >= n || s[i] == '}')
			return found;
		size_t ks = i, ke = jraw_value_end(s, n, i);
		if (!ke || s[ks] != '"')
			return false;
		i = skip_ws(s, n, ke);
		if (i >= n || s[i] != ':')
			return false;
		size_t vs = skip_ws(s, n, i + 1), ve = jraw_value_end(s, n, vs);
		if (!ve)
			return false;
		/* An escaped name may spell key: json-c's choice among the
		 * members would then be unknown. */
		if (memchr(s + ks + 1, '\\', ke - ks - 2))
			return false;
		if (ke - ks - 2 == klen && memcmp(s + ks + 1, key, klen) == 0) {
			(*count)++;
			*value = (struct jraw_span){ vs, ve };
			if (member)
				*member = (struct jraw_span){ ks, ve };
			found = true;
		}
		i = skip_ws(s, n, ve);
		if (i < n && s[i] == ',')
			i++;
		else
			return found && i < n && s[i] == '}';
	}
}

bool jraw_member(const char *s, struct jraw_span obj, const char *key, struct jraw_span *value,
		 struct jraw_span *member)
{
	int count = 0;
	return find_member(s, obj, key, value, member, &count);
}

/* Walks the elements of the array at span, one per call. */
struct elements {
	const char *s;
	size_t i, end;
};

static bool elements_start(struct elements *it, const char *s, struct jraw_span arr)
{
	size_t i = skip_ws(s, arr.end, arr.start);
	*it = (struct elements){ s, i + 1, arr.end };
	return i < arr.end && s[i] == '[';
}

static bool elements_next(struct elements *it, struct jraw_span *el)
{
	size_t i = skip_ws(it->s, it->end, it->i);
	if (i < it->end && it->s[i] == ',')
		i++;
	i = skip_ws(it->s, it->end, i);
	if (i >= it->end || it->s[i] == ']')
		return false;
	size_t e = jraw_value_end(it->s, it->end, i);
	if (!e)
		return false;
	*el = (struct jraw_span){ i, e };
	it->i = e;
	return true;
}

/* Ties span's text to o when both are the same kind of container. */
static struct jraw_value *tie(struct jraw_buf *b, struct json_object *o, struct jraw_span span)
{
	char open = b->text[span.start];
	if (!((open == '{' && json_object_is_type(o, json_type_object)) ||
	      (open == '[' && json_object_is_type(o, json_type_array))))
		return NULL;
	struct jraw_value *v = malloc(sizeof(*v));
	if (!v)
		return NULL;
	*v = (struct jraw_value){ JRAW_MAGIC, b, span, { 0, 0 } };
	b->refs++;
	json_object_set_userdata(o, v, value_free);
	return v;
}

/* The receipt member of a body, with the comma that joins it to its
 * neighbours, so that cutting it out leaves valid JSON. */
static struct jraw_span receipt_hole(const char *s, struct jraw_span body, struct jraw_span member)
{
	size_t p = member.start;
	while (p > body.start && strchr(" \t\r\n", s[p - 1]))
		p--;
	if (p > body.start && s[p - 1] == ',')
		return (struct jraw_span){ p - 1, member.end };
	size_t q = skip_ws(s, body.end, member.end);
	if (q < body.end && s[q] == ',')
		return (struct jraw_span){ member.start, q + 1 };
	return member;
}

static void attach_params(struct jraw_buf *b, struct json_object *receipt, struct jraw_span span)
{
	struct json_object *logs;
	struct jraw_span ls;
	struct elements it;
	if (!json_object_object_get_ex(receipt, "event_logs", &logs) ||
	    !json_object_is_type(logs, json_type_array) ||
	    !jraw_member(b->text, span, "event_logs", &ls, NULL) || !elements_start(&it, b->text, ls))
		return;
	struct jraw_span el;
	for (size_t k = 0; k < json_object_array_length(logs) && elements_next(&it, &el); k++) {
		struct json_object *log = json_object_array_get_idx(logs, k), *params;
		struct jraw_span ps;
		if (json_object_is_type(log, json_type_object) &&
		    json_object_object_get_ex(log, "params", &params) &&
		    jraw_member(b->text, el, "params", &ps, NULL))
			tie(b, params, ps);
	}
}

/* A body keeps its text only when the text of its receipt, if it has
 * one, can be cut out of it: one member named receipt, and no other. */
static void attach_body(struct jraw_buf *b, struct json_object *body, struct jraw_span span)
{
	struct json_object *receipt;
	struct jraw_span rs, member;
	int count = 0;
	bool has_receipt = json_object_object_get_ex(body, "receipt", &receipt);
	bool placed = has_receipt && find_member(b->text, span, "receipt", &rs, &member, &count) &&
		      count == 1;
	if (has_receipt && !placed)
		return;
	struct jraw_value *v = tie(b, body, span);
	if (!v || !placed)
		return;
	v->hole = receipt_hole(b->text, span, member);
	if (tie(b, receipt, rs))
		attach_params(b, receipt, rs);
}

/* A result: the value itself, and each element of an array (or of an Ex
 * page's Transactions) with the bodies' receipts and params. */
static void attach_result(struct jraw_buf *b, struct json_object *res, struct jraw_span span)
{
	struct json_object *txns;
	struct jraw_span ts;
	tie(b, res, span);
	if (json_object_is_type(res, json_type_object) &&
	    json_object_object_get_ex(res, "Transactions", &txns) &&
	    jraw_member(b->text, span, "Transactions", &ts, NULL)) {
		tie(b, txns, ts);
		res = txns;
		span = ts;
	}
	struct elements it;
	if (!json_object_is_type(res, json_type_array) || !elements_start(&it, b->text, span))
		return;
	struct jraw_span el;
	for (size_t k = 0; k < json_object_array_length(res) && elements_next(&it, &el); k++) {
		struct json_object *item = json_object_array_get_idx(res, k);
		if (json_object_is_type(item, json_type_object))
			attach_body(b, item, el);
		else
			tie(b, item, el);
	}
}

static void attach_envelope(struct jraw_buf *b, struct json_object *env, struct jraw_span span)
{
	struct json_object *res;
	struct jraw_span rs;
	if (json_object_is_type(env, json_type_object) &&
	    json_object_object_get_ex(env, "result", &res) && res &&
	    jraw_member(b->text, span, "result", &rs, NULL))
		attach_result(b, res, rs);
}

void jraw_attach(struct json_object *doc, const char *text, size_t len)
{
	struct jraw_buf *b = malloc(sizeof(*b) + len);
	if (!b)
		return;
	b->refs = 1;
	b->len = len;
	memcpy(b->text, text, len);
	struct jraw_span all = { skip_ws(text, len, 0), len };
	struct elements it;
	if (json_object_is_type(doc, json_type_array) && elements_start(&it, b->text, all)) {
		struct jraw_span el;
		for (size_t k = 0; k < json_object_array_length(doc) && elements_next(&it, &el); k++)
			attach_envelope(b, json_object_array_get_idx(doc, k), el);
	} else {
		attach_envelope(b, doc, all);
	}
	buf_unref(b);
}

bool jraw_text(struct json_object *o, struct jraw_text *out)
{
	if (!json_object_is_type(o, json_type_object) && !json_object_is_type(o, json_type_array))
		return false;
	const struct jraw_value *v = json_object_get_userdata(o);
	if (!v || v->magic != JRAW_MAGIC)
		return false;
	const char *s = v->buf->text;
	struct json_object *receipt;
	bool cut = v->hole.end > v->hole.start && !json_object_object_get_ex(o, "receipt", &receipt);
	if (!cut) {
		*out = (struct jraw_text){ { s + v->span.start }, { v->span.end - v->span.start }, 1 };
		return true;
	}
	*out = (struct jraw_text){
		{ s + v->span.start, s + v->hole.end },
		{ v->hole.start - v->span.start, v->span.end - v->hole.end },
		2,
	};
	return true;
}
