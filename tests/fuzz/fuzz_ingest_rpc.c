/* Fuzz target: a lookup's answer to a JSON-RPC batch (ingest/core/rpc.c)
 * and the raw text jraw ties to the values zws-ingest stores
 * (ingest/core/jraw.c). The first byte says how many calls the batch
 * made; the rest is the body, not NUL-terminated. Every value that keeps
 * the node's text must read back, on its own, as the very value json-c
 * parsed (a body with its receipt cut out as the body without it): that
 * text is what PostgreSQL stores and clients receive. */
#include "fuzz.h"

#include <json-c/json.h>

#include "fuzz_json.h"
#include "jraw.h"
#include "rpc.h"

/* o's raw text, parsed on its own; NULL when o keeps none. */
static struct json_object *reparse(struct json_object *o, bool *had_text)
{
	struct jraw_text raw;
	*had_text = jraw_text(o, &raw);
	if (!*had_text)
		return NULL;
	size_t len = raw.len[0] + (raw.count > 1 ? raw.len[1] : 0);
	char *text = malloc(len + 1);
	FUZZ_CHECK(text != NULL);
	memcpy(text, raw.piece[0], raw.len[0]);
	if (raw.count > 1)
		memcpy(text + raw.len[0], raw.piece[1], raw.len[1]);
	text[len] = '\0';
	struct json_tokener *tok = json_tokener_new();
	FUZZ_CHECK(tok != NULL);
	struct json_object *back = json_tokener_parse_ex(tok, text, (int)len);
	bool whole = json_tokener_get_error(tok) == json_tokener_success;
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!whole)
		fprintf(stderr, "raw text does not parse on its own: %.200s\n", text);
	FUZZ_CHECK(whole && end == len);
	free(text);
	return back;
}

static void check_value(struct json_object *o)
{
	bool had;
	struct json_object *back = reparse(o, &had);
	if (had)
		FUZZ_CHECK(fuzz_json_same(o, back));
	json_object_put(back);
}

/* Checks o and everything under it. */
static void check_tree(struct json_object *o)
{
	check_value(o);
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			check_tree(json_object_array_get_idx(o, i));
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, val) {
			(void)key;
			check_tree(val);
		}
	}
}

/* The bodies of a result (its elements, or those of an Ex page's
 * Transactions) read back without their receipts, as txn.c stores them. */
static void check_bodies(struct json_object *result)
{
	struct json_object *txns;
	if (json_object_is_type(result, json_type_object) &&
	    json_object_object_get_ex(result, "Transactions", &txns))
		result = txns;
	if (!json_object_is_type(result, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(result); i++) {
		struct json_object *body = json_object_array_get_idx(result, i), *receipt;
		if (json_object_is_type(body, json_type_object) &&
		    json_object_object_get_ex(body, "receipt", &receipt)) {
			json_object_object_del(body, "receipt");
			check_value(body);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t n = data[0] % 8 + 1;
	char *body = fuzz_bytes(data + 1, size - 1);
	struct rpc_reply *replies = calloc(n, sizeof(*replies));
	struct json_object *root = NULL;
	char err[256] = "";
	if (body && replies && rpc_parse_batch(body, size - 1, n, &root, replies, err, sizeof(err))) {
		for (size_t i = 0; i < n; i++) {
			enum rpc_outcome o = rpc_classify(&replies[i]);
			FUZZ_CHECK(o <= RPC_OUTCOME_FAILED && rpc_outcome_name(o) != NULL);
			FUZZ_CHECK(replies[i].kind != RPC_REPLY_ERROR || replies[i].message != NULL);
		}
		check_tree(root);
		for (size_t i = 0; i < n; i++)
			check_bodies(replies[i].result);
		json_object_put(root);
	} else if (body && replies) {
		FUZZ_CHECK(root == NULL && err[0] != '\0');
	}
	free(replies);
	free(body);
	return 0;
}
