/* JSON-RPC 2.0 requests and responses (see rpc_request.h). json-c parses
 * the message; each request is checked against a table of methods, each
 * with the kind of parameters it takes, and bad ones become calls that
 * carry their error, so a batch answers every member. Results stored
 * whole are spliced in as text, never parsed again. */
#define _GNU_SOURCE
#include "rpc_request.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RPC_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

enum rpc_params_kind {
	PARAMS_NONE,     /* absent, [] or [""], as the lookup's clients send */
	PARAMS_BLOCK,    /* ["<block number>"] */
	PARAMS_PAGE,     /* ["<block number>", "<page>"] */
	PARAMS_HASH,     /* ["<transaction hash>"] */
	PARAMS_EVENT_LOGS, /* {…} or [{…}] */
};

struct method {
	const char *name;
	enum rpc_method method;
	enum rpc_params_kind params;
	const char *usage;
};

static const struct method methods[] = {
	{ "GetLatestTxBlock", RPC_GET_LATEST_TX_BLOCK, PARAMS_NONE, "no parameters" },
	{ "GetNumTxBlocks", RPC_GET_NUM_TX_BLOCKS, PARAMS_NONE, "no parameters" },
	{ "GetTxBlock", RPC_GET_TX_BLOCK, PARAMS_BLOCK, "[\"<block number>\"]" },
	{ "GetTransactionsForTxBlock", RPC_GET_TRANSACTIONS_FOR_TX_BLOCK, PARAMS_BLOCK,
	  "[\"<block number>\"]" },
	{ "GetTransactionsForTxBlockEx", RPC_GET_TRANSACTIONS_FOR_TX_BLOCK_EX, PARAMS_PAGE,
	  "[\"<block number>\", \"<page>\"]" },
	{ "GetTxnBodiesForTxBlock", RPC_GET_TXN_BODIES_FOR_TX_BLOCK, PARAMS_BLOCK, "[\"<block number>\"]" },
	{ "GetTxnBodiesForTxBlockEx", RPC_GET_TXN_BODIES_FOR_TX_BLOCK_EX, PARAMS_PAGE,
	  "[\"<block number>\", \"<page>\"]" },
	{ "GetTransaction", RPC_GET_TRANSACTION, PARAMS_HASH, "[\"<transaction hash>\"]" },
	{ "GetContractAddressFromTransactionID", RPC_GET_CONTRACT_ADDRESS, PARAMS_HASH,
	  "[\"<transaction hash>\"]" },
	{ "GetEventLogs", RPC_GET_EVENT_LOGS, PARAMS_EVENT_LOGS,
	  "{\"fromBlock\":…,\"toBlock\":…,\"addresses\":[…],\"eventNames\":[…]}" },
	{ "GetServerInfo", RPC_GET_SERVER_INFO, PARAMS_NONE, "no parameters" },
};
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

const char *rpc_method_name(enum rpc_method m)
{
	for (size_t i = 0; i < NMETHODS; i++)
		if (methods[i].method == m)
			return methods[i].name;
	return "?";
}

static bool bad(struct rpc_call *c, int code, const char *fmt, const char *arg)
{
	c->code = code;
	snprintf(c->message, sizeof(c->message), fmt, arg);
	return false;
}

/* A block number or page: decimal digits in a string, or a JSON integer. */
static bool parse_number(struct json_object *v, uint64_t *out)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t n = json_object_get_int64(v);
		*out = (uint64_t)n;
		return n >= 0 && n <= INT64_MAX - 1;
	}
	if (!json_object_is_type(v, json_type_string))
		return false;
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	uint64_t r = 0;
	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		r = r * 10 + (uint64_t)(s[i] - '0');
	}
	*out = r;
	return true;
}

static bool parse_hash(struct json_object *v, char out[65])
{
	if (!json_object_is_type(v, json_type_string))
		return false;
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	if (n == 66 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n != 64)
		return false;
	for (size_t i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[64] = '\0';
	return true;
}

/* The positional parameters: an array of n, or none for n == 0. */
static bool positional(struct rpc_call *c, const struct method *m, struct json_object *params,
		       size_t n)
{
	if (n == 0) {
		size_t have = params && json_object_is_type(params, json_type_array)
				      ? json_object_array_length(params) : 0;
		struct json_object *p0 = have == 1 ? json_object_array_get_idx(params, 0) : NULL;
		bool empty = !params || (json_object_is_type(params, json_type_array) &&
					 (have == 0 || (have == 1 && json_object_is_type(p0, json_type_string) &&
							json_object_get_string_len(p0) == 0)));
		return empty || bad(c, RPC_INVALID_PARAMS, "%s takes no parameters", m->name);
	}
	if (!params || !json_object_is_type(params, json_type_array) ||
	    json_object_array_length(params) != n) {
		c->code = RPC_INVALID_PARAMS;
		snprintf(c->message, sizeof(c->message), "%s takes %s", m->name, m->usage);
		return false;
	}
	return true;
}

static bool block_params(struct rpc_call *c, const struct method *m, struct json_object *params)
{
	bool paged = m->params == PARAMS_PAGE;
	if (!positional(c, m, params, paged ? 2 : 1))
		return false;
	uint64_t page = 0;
	if (!parse_number(json_object_array_get_idx(params, 0), &c->block))
		return bad(c, RPC_INVALID_PARAMS, "the block number must be a decimal string of at most 18 digits, as in [\"%s\"]", "1000");
	if (paged && (!parse_number(json_object_array_get_idx(params, 1), &page) || page > UINT32_MAX))
		return bad(c, RPC_INVALID_PARAMS, "the page must be a decimal string, as in [\"1000\", \"%s\"]", "0");
	c->page = (uint32_t)page;
	return true;
}

static bool hash_params(struct rpc_call *c, const struct method *m, struct json_object *params)
{
	if (!positional(c, m, params, 1))
		return false;
	if (!parse_hash(json_object_array_get_idx(params, 0), c->hash))
		return bad(c, RPC_INVALID_PARAMS, "%s",
			   "the transaction hash must be 64 hex digits (0x optional)");
	return true;
}

/* ---- GetEventLogs ---- */

static bool event_addresses(struct rpc_call *c, struct json_object *v, const struct rpc_limits *lim)
{
	struct json_object *one = NULL;
	size_t n = 1;
	if (json_object_is_type(v, json_type_array))
		n = json_object_array_length(v);
	else if (json_object_is_type(v, json_type_string))
		one = v;
	else
		return bad(c, RPC_INVALID_PARAMS, "%s", "addresses must be an address or an array of addresses");
	if (n == 0)
		return bad(c, RPC_INVALID_PARAMS, "%s", "addresses must not be empty");
	if (n > lim->max_addresses) {
		c->code = RPC_INVALID_PARAMS;
		snprintf(c->message, sizeof(c->message), "at most %zu addresses per call", lim->max_addresses);
		return false;
	}
	if (!(c->addresses = calloc(n, sizeof(*c->addresses))))
		return bad(c, RPC_INVALID_PARAMS, "%s", "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = one ? one : json_object_array_get_idx(v, i);
		uint8_t addr[ADDRESS_BYTES];
		if (!json_object_is_type(a, json_type_string) ||
		    !address_parse(json_object_get_string(a), (size_t)json_object_get_string_len(a), addr))
			return bad(c, RPC_INVALID_PARAMS, "%s",
				   "each address must be 0x + 40 hex, 40 hex or a zil1 bech32 address");
		bool seen = false;
		for (size_t k = 0; k < c->naddresses && !seen; k++)
			seen = memcmp(c->addresses[k], addr, ADDRESS_BYTES) == 0;
		if (!seen)
			memcpy(c->addresses[c->naddresses++], addr, ADDRESS_BYTES);
	}
	return true;
}

/* A name as the contents of a JSON string, escaped as json-c escapes it
 * (the form sql/004 stores). */
static char *escaped_name(struct json_object *s)
{
	const char *text = json_object_to_json_string_ext(s, RPC_JSON_FLAGS);
	size_t n = strlen(text);
	char *out = n >= 2 ? strndup(text + 1, n - 2) : NULL;
	return out;
}

static bool event_names(struct rpc_call *c, struct json_object *v, const struct rpc_limits *lim)
{
	if (!json_object_is_type(v, json_type_array))
		return bad(c, RPC_INVALID_PARAMS, "%s", "eventNames must be an array of event names");
	size_t n = json_object_array_length(v);
	if (n == 0 || n > lim->max_names) {
		c->code = RPC_INVALID_PARAMS;
		snprintf(c->message, sizeof(c->message), "eventNames must hold 1 to %zu names", lim->max_names);
		return false;
	}
	if (!(c->names = calloc(n, sizeof(*c->names))))
		return bad(c, RPC_INVALID_PARAMS, "%s", "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(v, i);
		if (!json_object_is_type(s, json_type_string) || json_object_get_string_len(s) == 0)
			return bad(c, RPC_INVALID_PARAMS, "%s", "each event name must be a non-empty string");
		if (!(c->names[c->nnames++] = escaped_name(s)))
			return bad(c, RPC_INVALID_PARAMS, "%s", "out of memory");
	}
	return true;
}

static bool event_range(struct rpc_call *c, struct json_object *o, const struct rpc_limits *lim)
{
	struct json_object *from, *to;
	if (!json_object_object_get_ex(o, "fromBlock", &from) || !parse_number(from, &c->from))
		return bad(c, RPC_INVALID_PARAMS, "%s", "fromBlock must be a block number");
	if (!json_object_object_get_ex(o, "toBlock", &to) || !parse_number(to, &c->to))
		return bad(c, RPC_INVALID_PARAMS, "%s", "toBlock must be a block number");
	if (c->to < c->from)
		return bad(c, RPC_INVALID_PARAMS, "%s", "toBlock must not be below fromBlock");
	if (c->to - c->from >= lim->max_query_blocks) {
		c->code = RPC_INVALID_PARAMS;
		snprintf(c->message, sizeof(c->message),
			 "fromBlock to toBlock spans %llu blocks; at most %llu (--max-query-blocks)",
			 (unsigned long long)(c->to - c->from + 1), (unsigned long long)lim->max_query_blocks);
		return false;
	}
	return true;
}

static bool event_log_params(struct rpc_call *c, struct json_object *params, const struct rpc_limits *lim)
{
	struct json_object *o = params, *v;
	if (o && json_object_is_type(o, json_type_array) && json_object_array_length(o) == 1)
		o = json_object_array_get_idx(o, 0);
	if (!o || !json_object_is_type(o, json_type_object))
		return bad(c, RPC_INVALID_PARAMS, "GetEventLogs takes %s", methods[NMETHODS - 2].usage);
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strcmp(key, "fromBlock") && strcmp(key, "toBlock") && strcmp(key, "addresses") &&
		    strcmp(key, "eventNames"))
			return bad(c, RPC_INVALID_PARAMS, "GetEventLogs has no parameter \"%.60s\"", key);
	}
	if (!event_range(c, o, lim))
		return false;
	if (!json_object_object_get_ex(o, "addresses", &v))
		return bad(c, RPC_INVALID_PARAMS, "%s", "addresses is required");
	if (!event_addresses(c, v, lim))
		return false;
	return !json_object_object_get_ex(o, "eventNames", &v) || event_names(c, v, lim);
}

/* ---- requests ---- */

static const struct method *find_method(const char *name)
{
	for (size_t i = 0; i < NMETHODS; i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}

static bool check_params(struct rpc_call *c, const struct method *m, struct json_object *params,
			 const struct rpc_limits *lim)
{
	switch (m->params) {
	case PARAMS_NONE:
		return positional(c, m, params, 0);
	case PARAMS_BLOCK:
	case PARAMS_PAGE:
		return block_params(c, m, params);
	case PARAMS_HASH:
		return hash_params(c, m, params);
	case PARAMS_EVENT_LOGS:
		return event_log_params(c, params, lim);
	}
	return false;
}

/* Fills c from one request object; false only on OOM. */
static bool parse_call(struct rpc_call *c, struct json_object *r, const struct rpc_limits *lim)
{
	struct json_object *id = NULL, *v, *params = NULL;
	bool has_id = json_object_is_type(r, json_type_object) && json_object_object_get_ex(r, "id", &id);
	c->id = strdup(has_id ? json_object_to_json_string_ext(id, RPC_JSON_FLAGS) : "null");
	if (!c->id)
		return false;
	if (!json_object_is_type(r, json_type_object)) {
		bad(c, RPC_INVALID_REQUEST, "%s", "a request must be a JSON object");
		return true;
	}
	if (!json_object_object_get_ex(r, "jsonrpc", &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0") != 0) {
		bad(c, RPC_INVALID_REQUEST, "%s", "\"jsonrpc\" must be \"2.0\"");
		return true;
	}
	if (!json_object_object_get_ex(r, "method", &v) || !json_object_is_type(v, json_type_string)) {
		bad(c, RPC_INVALID_REQUEST, "%s", "\"method\" must be a string");
		return true;
	}
	c->notification = !has_id;
	const struct method *m = find_method(json_object_get_string(v));
	if (!m) {
		bad(c, RPC_METHOD_NOT_FOUND, "method \"%.80s\" not found", json_object_get_string(v));
		return true;
	}
	c->method = m->method;
	json_object_object_get_ex(r, "params", &params);
	if (params && !json_object_is_type(params, json_type_array) &&
	    !json_object_is_type(params, json_type_object))
		bad(c, RPC_INVALID_PARAMS, "%s", "params must be an array or an object");
	else
		check_params(c, m, params, lim);
	return true;
}

static enum rpc_parse_result single_error(struct rpc_batch *out, int code, const char *message)
{
	if (!(out->calls = calloc(1, sizeof(*out->calls))) || !(out->calls[0].id = strdup("null"))) {
		rpc_batch_clear(out);
		return RPC_PARSE_OOM;
	}
	out->count = 1;
	bad(&out->calls[0], code, "%s", message);
	return RPC_PARSE_OK;
}

static bool is_rpc(struct json_object *doc)
{
	if (json_object_is_type(doc, json_type_array))
		return true;
	return json_object_is_type(doc, json_type_object) && !json_object_object_get_ex(doc, "query", NULL) &&
	       (json_object_object_get_ex(doc, "jsonrpc", NULL) || json_object_object_get_ex(doc, "method", NULL));
}

static struct json_object *parse_json(const char *text, size_t len)
{
	if (len > INT32_MAX)
		return NULL;
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	struct json_object *doc = json_tokener_parse_ex(tok, text, (int)len);
	size_t used = json_tokener_get_parse_end(tok);
	bool complete = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	/* Only whitespace may follow the value. */
	while (complete && used < len && strchr(" \t\r\n", text[used]) && text[used])
		used++;
	if (!complete || used != len) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

static enum rpc_parse_result parse_batch(struct json_object *doc, const struct rpc_limits *lim,
					 struct rpc_batch *out)
{
	size_t n = json_object_array_length(doc);
	if (n == 0)
		return single_error(out, RPC_INVALID_REQUEST, "an empty batch is not a request");
	if (n > lim->max_batch) {
		char msg[80];
		snprintf(msg, sizeof(msg), "a batch may hold at most %zu requests", lim->max_batch);
		return single_error(out, RPC_INVALID_REQUEST, msg);
	}
	out->is_batch = true;
	if (!(out->calls = calloc(n, sizeof(*out->calls))))
		return RPC_PARSE_OOM;
	for (size_t i = 0; i < n; i++) {
		out->count = i + 1;
		if (!parse_call(&out->calls[i], json_object_array_get_idx(doc, i), lim)) {
			rpc_batch_clear(out);
			return RPC_PARSE_OOM;
		}
	}
	return RPC_PARSE_OK;
}

enum rpc_parse_result rpc_parse(const char *text, size_t len, const struct rpc_limits *lim,
				struct rpc_batch *out)
{
	memset(out, 0, sizeof(*out));
	struct json_object *doc = parse_json(text, len);
	if (!doc) {
		if (!memmem(text, len, "\"jsonrpc\"", 9))
			return RPC_PARSE_NOT_RPC;
		return single_error(out, RPC_PARSE_ERROR, "the request is not valid JSON");
	}
	enum rpc_parse_result r = RPC_PARSE_NOT_RPC;
	if (!is_rpc(doc)) {
		r = RPC_PARSE_NOT_RPC;
	} else if (json_object_is_type(doc, json_type_array)) {
		r = parse_batch(doc, lim, out);
	} else if (!(out->calls = calloc(1, sizeof(*out->calls)))) {
		r = RPC_PARSE_OOM;
	} else {
		out->count = 1;
		r = parse_call(&out->calls[0], doc, lim) ? RPC_PARSE_OK : RPC_PARSE_OOM;
		if (r != RPC_PARSE_OK)
			rpc_batch_clear(out);
	}
	json_object_put(doc);
	return r;
}

void rpc_batch_clear(struct rpc_batch *b)
{
	for (size_t i = 0; b->calls && i < b->count; i++) {
		struct rpc_call *c = &b->calls[i];
		free(c->id);
		free(c->addresses);
		for (size_t k = 0; k < c->nnames; k++)
			free(c->names[k]);
		free(c->names);
	}
	free(b->calls);
	memset(b, 0, sizeof(*b));
}

void rpc_not_rpc_json(struct buf *out, const char *text, size_t len)
{
	struct json_object *doc = parse_json(text, len);
	if (doc)
		rpc_error_json(out, "null", RPC_INVALID_REQUEST, "not a JSON-RPC 2.0 request");
	else
		rpc_error_json(out, "null", RPC_PARSE_ERROR, "the request is not valid JSON");
	json_object_put(doc);
}

/* ---- responses ---- */

void rpc_result_json(struct buf *out, const char *id, const char *result, size_t len)
{
	buf_append_str(out, "{\"id\":");
	buf_append_str(out, id);
	buf_append_str(out, ",\"jsonrpc\":\"2.0\",\"result\":");
	buf_append(out, result, len);
	buf_append_char(out, '}');
}

void rpc_error_json(struct buf *out, const char *id, int code, const char *message)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", code);
	buf_append_str(out, "{\"id\":");
	buf_append_str(out, id);
	buf_append_str(out, ",\"jsonrpc\":\"2.0\",\"error\":{\"code\":");
	buf_append_str(out, num);
	buf_append_str(out, ",\"message\":");
	buf_append_json_string(out, message, strlen(message));
	buf_append_str(out, "}}");
}
