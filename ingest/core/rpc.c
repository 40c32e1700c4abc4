/* JSON-RPC batch encoding and decoding for the lookup client. Requests are
 * written by hand (the parameters are decimal strings), responses parsed
 * with json-c; the error classification follows the messages Zilliqa 1 and
 * Zilliqa 2 nodes actually send. */
#define _GNU_SOURCE
#include "rpc.h"
#include "jraw.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *rpc_batch_request(const struct rpc_call *calls, size_t n, size_t *len_out)
{
	struct json_object *arr = json_object_new_array_ext((int)n);
	if (!arr)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct json_object *req = json_object_new_object();
		struct json_object *params = json_object_new_array();
		for (int p = 0; p < calls[i].nparams; p++)
			json_object_array_add(params, json_object_new_string(calls[i].params[p]));
		json_object_object_add(req, "id", json_object_new_int64((int64_t)i));
		json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
		json_object_object_add(req, "method", json_object_new_string(calls[i].method));
		json_object_object_add(req, "params", params);
		json_object_array_add(arr, req);
	}
	size_t len;
	const char *s = json_object_to_json_string_length(arr, JSON_C_TO_STRING_PLAIN, &len);
	char *out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len + 1);
		if (len_out)
			*len_out = len;
	}
	json_object_put(arr);
	return out;
}

/* Ids come back as numbers or, from some proxies, as numeric strings. */
static bool envelope_id(struct json_object *env, size_t n, size_t *out)
{
	struct json_object *id;
	if (!json_object_object_get_ex(env, "id", &id))
		return false;
	int64_t v;
	if (json_object_is_type(id, json_type_int)) {
		v = json_object_get_int64(id);
	} else if (json_object_is_type(id, json_type_string)) {
		char *end;
		const char *s = json_object_get_string(id);
		v = strtoll(s, &end, 10);
		if (*s == '\0' || *end != '\0')
			return false;
	} else {
		return false;
	}
	if (v < 0 || (uint64_t)v >= n)
		return false;
	*out = (size_t)v;
	return true;
}

/* Fills reply from one envelope; false when it is neither result nor error. */
static bool decode_envelope(struct json_object *env, struct rpc_reply *reply)
{
	struct json_object *err, *res;
	if (json_object_object_get_ex(env, "error", &err) && json_object_is_type(err, json_type_object)) {
		struct json_object *code, *msg;
		reply->kind = RPC_REPLY_ERROR;
		reply->result = NULL;
		reply->code = json_object_object_get_ex(err, "code", &code) ? json_object_get_int64(code) : 0;
		reply->message = json_object_object_get_ex(err, "message", &msg) &&
				 json_object_is_type(msg, json_type_string)
				 ? json_object_get_string(msg) : "";
		return true;
	}
	if (json_object_object_get_ex(env, "result", &res)) {
		reply->kind = RPC_REPLY_RESULT;
		reply->result = res;
		reply->code = 0;
		reply->message = "";
		return true;
	}
	return false;
}

static bool decode_array(struct json_object *root, size_t n, struct rpc_reply *replies,
			 char *err, size_t errlen)
{
	size_t count = json_object_array_length(root);
	for (size_t i = 0; i < count; i++) {
		struct json_object *env = json_object_array_get_idx(root, i);
		size_t id;
		struct rpc_reply r;
		if (!json_object_is_type(env, json_type_object) || !envelope_id(env, n, &id) ||
		    !decode_envelope(env, &r)) {
			snprintf(err, errlen, "batch element %zu is not a JSON-RPC answer", i);
			return false;
		}
		replies[id] = r;
	}
	return true;
}

bool rpc_parse_batch(const char *body, size_t len, size_t n, struct json_object **root,
		     struct rpc_reply *replies, char *err, size_t errlen)
{
	*root = NULL;
	memset(replies, 0, n * sizeof(*replies));
	struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	struct json_object *doc = json_tokener_parse_ex(tok, body, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!doc || jerr != json_tokener_success) {
		snprintf(err, errlen, "response is not JSON (%s)",
			 jerr == json_tokener_continue ? "truncated" : json_tokener_error_desc(jerr));
		json_object_put(doc);
		return false;
	}
	for (size_t i = used; i < len; i++) {
		if (body[i] != ' ' && body[i] != '\n' && body[i] != '\r' && body[i] != '\t') {
			snprintf(err, errlen, "response has trailing bytes after the JSON");
			json_object_put(doc);
			return false;
		}
	}
	bool ok;
	if (json_object_is_type(doc, json_type_array)) {
		ok = decode_array(doc, n, replies, err, errlen);
	} else if (json_object_is_type(doc, json_type_object)) {
		struct rpc_reply r;
		ok = decode_envelope(doc, &r) && r.kind == RPC_REPLY_ERROR;
		for (size_t i = 0; ok && i < n; i++)
			replies[i] = r;
		if (!ok)
			snprintf(err, errlen, "batch answered by a single non-error object");
	} else {
		ok = false;
		snprintf(err, errlen, "response is neither a JSON-RPC array nor an error");
	}
	if (!ok) {
		json_object_put(doc);
		return false;
	}
	jraw_attach(doc, body, len);
	*root = doc;
	return true;
}

static bool contains(const char *haystack, const char *needle)
{
	return haystack && strcasestr(haystack, needle) != NULL;
}

enum rpc_outcome rpc_classify(const struct rpc_reply *reply)
{
	switch (reply->kind) {
	case RPC_REPLY_MISSING:
		return RPC_OUTCOME_FAILED;
	case RPC_REPLY_RESULT:
		return reply->result ? RPC_OUTCOME_OK : RPC_OUTCOME_NOT_READY;
	case RPC_REPLY_ERROR:
		break;
	}
	const char *m = reply->message;
	if (contains(m, "no transactions"))
		return RPC_OUTCOME_NO_TXNS;
	if (contains(m, "rate limit") || contains(m, "rate_limit") || contains(m, "too many requests"))
		return RPC_OUTCOME_RATE_LIMITED;
	if (contains(m, "not finalized") || contains(m, "does not exist"))
		return RPC_OUTCOME_NOT_READY;
	return RPC_OUTCOME_FAILED;
}

const char *rpc_outcome_name(enum rpc_outcome outcome)
{
	static const char *const names[] = { "ok", "no transactions", "not ready",
					     "rate limited", "failed" };
	return names[outcome];
}
