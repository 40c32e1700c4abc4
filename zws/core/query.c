/* Query parsing and error replies (see query.h). The echo of a valid
 * query is the received text itself, so nothing here re-encodes queries. */
#include "query.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum query_kind kind;
} query_names[] = {
	{ "NewBlock", QUERY_NEWBLOCK },
	{ "EventLog", QUERY_EVENTLOG },
	{ "TxnLog", QUERY_TXNLOG },
	{ "Unsubscribe", QUERY_UNSUBSCRIBE },
	{ "Resume", QUERY_RESUME },
};

/* A JSON string value naming a query kind, compared whole: a name with
 * an escaped NUL in it ("NewBlock\u0000junk") is not "NewBlock". */
static bool kind_from_name(struct json_object *str, enum query_kind *kind)
{
	const char *name = json_object_get_string(str);
	size_t len = (size_t)json_object_get_string_len(str);
	for (size_t i = 0; i < sizeof(query_names) / sizeof(query_names[0]); i++)
		if (strlen(query_names[i].name) == len && memcmp(query_names[i].name, name, len) == 0) {
			*kind = query_names[i].kind;
			return true;
		}
	return false;
}

/* Members of the outermost object of text, which is valid JSON: json-c
 * keeps only the last of duplicate keys, so counting them in the text is
 * how a duplicate is seen. */
static size_t top_level_keys(const char *text, size_t len)
{
	size_t keys = 0;
	int depth = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		else if (c == '"') {
			bool key = depth == 1;
			for (i++; i < len && text[i] != '"'; i++)
				if (text[i] == '\\')
					i++;
			size_t j = i + 1;
			while (j < len && strchr(" \t\r\n", text[j]) && text[j])
				j++;
			if (key && j < len && text[j] == ':')
				keys++;
		}
	}
	return keys;
}

/* No NaN or Infinity anywhere in o: json-c reads them even in strict
 * mode, and they are not JSON, so a query echoed with one would not be. */
static bool all_finite(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (!all_finite(json_object_array_get_idx(o, i)))
				return false;
		return true;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (!all_finite(v))
				return false;
		}
		return true;
	}
	default:
		return true;
	}
}

/* The whole text as one JSON object, or NULL. */
static struct json_object *parse_object(const char *text, size_t len)
{
	if (len > INT32_MAX)
		return NULL;
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	bool whole = o && json_tokener_get_error(tok) == json_tokener_success;
	size_t used = whole ? json_tokener_get_parse_end(tok) : 0;
	json_tokener_free(tok);
	for (; whole && used < len; used++)
		if (!text[used] || !strchr(" \t\r\n", text[used]))
			whole = false;
	if (!whole || !json_object_is_type(o, json_type_object) || !all_finite(o) ||
	    top_level_keys(text, len) != (size_t)json_object_object_length(o)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static bool seen(const struct query *q, const uint8_t addr[ADDRESS_BYTES])
{
	for (size_t i = 0; i < q->naddresses; i++)
		if (memcmp(q->addresses[i], addr, ADDRESS_BYTES) == 0)
			return true;
	return false;
}

static enum query_error parse_addresses(struct json_object *o, struct query *q)
{
	struct json_object *arr;
	if (!json_object_object_get_ex(o, "addresses", &arr) ||
	    !json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0)
		return QUERY_ERR_ADDRESSES;
	size_t n = json_object_array_length(arr);
	q->addresses = calloc(n, ADDRESS_BYTES);
	if (!q->addresses)
		return QUERY_ERR_ADDRESSES;
	for (size_t i = 0; i < n; i++) {
		struct json_object *el = json_object_array_get_idx(arr, i);
		uint8_t addr[ADDRESS_BYTES];
		if (!json_object_is_type(el, json_type_string) ||
		    !address_parse(json_object_get_string(el), (size_t)json_object_get_string_len(el), addr))
			return QUERY_ERR_ADDRESSES;
		if (!seen(q, addr))
			memcpy(q->addresses[q->naddresses++], addr, ADDRESS_BYTES);
	}
	return QUERY_OK;
}

static enum query_error parse_type(struct json_object *o, struct query *q)
{
	struct json_object *t;
	enum query_kind k;
	if (!json_object_object_get_ex(o, "type", &t) || !json_object_is_type(t, json_type_string) ||
	    !kind_from_name(t, &k) || k == QUERY_UNSUBSCRIBE || k == QUERY_RESUME)
		return QUERY_ERR_TYPE;
	q->topic = k == QUERY_NEWBLOCK ? TOPIC_NEWBLOCK : k == QUERY_EVENTLOG ? TOPIC_EVENTLOG : TOPIC_TXNLOG;
	return QUERY_OK;
}

/* fromBlock: absent, or a decimal string of a uint64 without sign,
 * spaces or leading zeros. */
static enum query_error parse_from_block(struct json_object *o, struct query *q)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, "fromBlock", &v))
		return QUERY_OK;
	if (!json_object_is_type(v, json_type_string))
		return QUERY_ERR_FROM_BLOCK;
	const char *t = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	if (n == 0 || n > 20 || (n > 1 && t[0] == '0'))
		return QUERY_ERR_FROM_BLOCK;
	uint64_t num = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9' || num > (UINT64_MAX - (uint64_t)(t[i] - '0')) / 10)
			return QUERY_ERR_FROM_BLOCK;
		num = num * 10 + (uint64_t)(t[i] - '0');
	}
	q->has_from_block = true;
	q->from_block = num;
	return QUERY_OK;
}

/* queries: each element parsed as if it were sent alone. */
static enum query_error parse_queries(struct json_object *o, struct query *q)
{
	struct json_object *arr;
	if (!json_object_object_get_ex(o, "queries", &arr) || !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) == 0)
		return QUERY_ERR_QUERIES;
	size_t n = json_object_array_length(arr);
	if (!(q->queries = calloc(n, sizeof(*q->queries))))
		return QUERY_ERR_QUERIES;
	for (size_t i = 0; i < n; i++) {
		struct json_object *el = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(el, json_type_object))
			return QUERY_ERR_QUERIES;
		size_t len;
		const char *text = json_object_to_json_string_length(
			el, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		if (!text)
			return QUERY_ERR_QUERIES;
		enum query_error e = query_parse(text, len, &q->queries[i]);
		if (e != QUERY_OK)
			return e;
		q->nqueries++;
		if (q->queries[i].kind == QUERY_RESUME)
			return QUERY_ERR_QUERIES;
	}
	return QUERY_OK;
}

enum query_error query_parse(const char *text, size_t len, struct query *q)
{
	memset(q, 0, sizeof(*q));
	struct json_object *o = parse_object(text, len);
	if (!o)
		return QUERY_ERR_QUERY;
	struct json_object *name;
	enum query_error e = QUERY_OK;
	if (!json_object_object_get_ex(o, "query", &name) || !json_object_is_type(name, json_type_string) ||
	    !kind_from_name(name, &q->kind))
		e = QUERY_ERR_QUERY;
	else if (q->kind == QUERY_EVENTLOG || q->kind == QUERY_TXNLOG)
		e = parse_addresses(o, q);
	else if (q->kind == QUERY_UNSUBSCRIBE)
		e = parse_type(o, q);
	else if (q->kind == QUERY_RESUME && (e = parse_from_block(o, q)) == QUERY_OK)
		e = parse_queries(o, q);
	json_object_put(o);
	if (e != QUERY_OK)
		query_clear(q);
	return e;
}

void query_clear(struct query *q)
{
	for (size_t i = 0; i < q->nqueries; i++)
		query_clear(&q->queries[i]);
	free(q->queries);
	free(q->addresses);
	memset(q, 0, sizeof(*q));
}

void query_error_text(enum query_error e, uint64_t limit, char *out, size_t outlen)
{
	unsigned long long n = (unsigned long long)limit;
	switch (e) {
	case QUERY_OK: snprintf(out, outlen, "ok"); break;
	case QUERY_ERR_QUERY: snprintf(out, outlen, "invalid query field"); break;
	case QUERY_ERR_ADDRESSES: snprintf(out, outlen, "invalid addresses field"); break;
	case QUERY_ERR_TYPE: snprintf(out, outlen, "invalid type field"); break;
	case QUERY_ERR_NO_CONTRACT: snprintf(out, outlen, "no contract found in list"); break;
	case QUERY_ERR_TOO_MANY:
		snprintf(out, outlen, "too many addresses (limit %llu per connection)", n);
		break;
	case QUERY_ERR_RATE:
		snprintf(out, outlen, "rate limit exceeded (limit %llu queries per second)", n);
		break;
	case QUERY_ERR_FULL:
		snprintf(out, outlen, "server address limit reached (limit %llu across all connections)", n);
		break;
	case QUERY_ERR_CHECKS:
		snprintf(out, outlen, "too many contract checks (limit %llu addresses per minute per connection)",
			 n);
		break;
	case QUERY_ERR_FROM_BLOCK: snprintf(out, outlen, "invalid fromBlock field"); break;
	case QUERY_ERR_QUERIES: snprintf(out, outlen, "invalid queries field"); break;
	case QUERY_ERR_TOO_OLD:
		snprintf(out, outlen, "resume point too old (oldest resumable block %llu)", n);
		break;
	case QUERY_ERR_AHEAD: snprintf(out, outlen, "resume point ahead of the chain (head %llu)", n); break;
	}
}

bool query_error_json(enum query_error e, uint64_t limit, struct buf *out)
{
	char msg[112];
	query_error_text(e, limit, msg, sizeof(msg));
	buf_reset(out);
	buf_append_str(out, "{\"type\":\"Error\",\"error\":");
	buf_append_json_string(out, msg, strlen(msg));
	buf_append_char(out, '}');
	return !out->failed;
}
