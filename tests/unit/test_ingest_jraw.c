/* The node's text of stored values: found in real (pretty-printed) lookup
 * answers, cut cleanly around a body's receipt, and kept byte for byte
 * where json-c would write the same value differently. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_text.h"
#include "jraw.h"
#include "rpc.h"

/* o's raw text joined into one string (malloc'ed); NULL when it has none. */
static char *raw(struct json_object *o)
{
	struct jraw_text t;
	if (!jraw_text(o, &t))
		return NULL;
	size_t n = t.len[0] + (t.count == 2 ? t.len[1] : 0);
	char *s = malloc(n + 1);
	memcpy(s, t.piece[0], t.len[0]);
	if (t.count == 2)
		memcpy(s + t.len[0], t.piece[1], t.len[1]);
	s[n] = '\0';
	return s;
}

/* The raw text is JSON that parses to the same value as o. */
static void assert_same(struct json_object *o, const char *what)
{
	char *text = raw(o);
	cr_assert(text, "%s has no raw text", what);
	struct json_object *again = json_tokener_parse(text);
	cr_assert(again, "%s: raw text is not JSON: %s", what, text);
	cr_assert(json_object_equal(again, o), "%s differs: %s", what, text);
	json_object_put(again);
	free(text);
}

/* Parses "[" fixture "]" as the answer to a batch of two calls (the
 * fixtures carry id "1"). */
static struct json_object *parse_fixture(const char *name, struct rpc_reply *reply)
{
	char *text = fixture_text(name);
	size_t n = strlen(text) + 2;
	char *batch = malloc(n + 1);
	snprintf(batch, n + 1, "[%s]", text);
	struct rpc_reply replies[2];
	struct json_object *root;
	char err[256];
	cr_assert(rpc_parse_batch(batch, n, 2, &root, replies, err, sizeof(err)), "%s", err);
	*reply = replies[1];
	free(text);
	free(batch);
	return root;
}

Test(ingest_jraw, scanner)
{
	const char *s = " \"a\\\"b\\\\\" , {\"k\":[1,\"]\",{\"x\":\"}\"}]} 12.5e3,true]";
	size_t n = strlen(s);
	cr_assert_eq(jraw_value_end(s, n, 0), 9); /* the string, escapes included */
	size_t obj = 12;
	cr_assert_eq(s[obj], '{');
	size_t end = jraw_value_end(s, n, obj);
	cr_assert_eq(end, 35);
	cr_assert_eq(jraw_value_end(s, n, end), end + 7); /* " 12.5e3" */
	cr_assert_eq(jraw_value_end(s, 5, 0), 0, "an unterminated string has no end");
	cr_assert_eq(jraw_value_end("[[1]", 4, 0), 0, "an unclosed array has no end");

	const char *o = "{ \"a\" : 1 , \"b\":{\"a\":2}, \"a\": [3] }";
	struct jraw_span v, m;
	cr_assert(jraw_member(o, (struct jraw_span){ 0, strlen(o) }, "a", &v, &m));
	cr_assert_eq(strncmp(o + v.start, "[3]", v.end - v.start), 0, "the last duplicate wins, as in json-c");
	cr_assert_eq(strncmp(o + m.start, "\"a\": [3]", m.end - m.start), 0);
	cr_assert_not(jraw_member(o, (struct jraw_span){ 0, strlen(o) }, "c", &v, NULL));
	cr_assert_not(jraw_member("[1]", (struct jraw_span){ 0, 3 }, "a", &v, NULL));
}

Test(ingest_jraw, bodies_of_block_692365)
{
	struct rpc_reply r;
	struct json_object *root = parse_fixture("GetTxnBodiesForTxBlock.json", &r);
	cr_assert_eq(json_object_array_length(r.result), 28);
	assert_same(r.result, "the result");
	size_t logs = 0;
	for (size_t i = 0; i < 28; i++) {
		struct json_object *body = json_object_array_get_idx(r.result, i), *receipt, *el;
		cr_assert(json_object_object_get_ex(body, "receipt", &receipt));
		assert_same(body, "a body with its receipt");
		assert_same(receipt, "a receipt");
		if (json_object_object_get_ex(receipt, "event_logs", &el)) {
			for (size_t k = 0; k < json_object_array_length(el); k++, logs++) {
				struct json_object *params;
				cr_assert(json_object_object_get_ex(json_object_array_get_idx(el, k), "params",
								    &params));
				assert_same(params, "event params");
			}
		}
		/* Taking the receipt out cuts it from the text too. */
		json_object_get(receipt);
		json_object_object_del(body, "receipt");
		assert_same(body, "a body without its receipt");
		char *text = raw(body);
		cr_assert_null(strstr(text, "\"receipt\""), "%s", text);
		free(text);
		assert_same(receipt, "a detached receipt");
		json_object_put(receipt);
	}
	cr_assert_eq(logs, 13);
	json_object_put(root);
}

Test(ingest_jraw, ex_page_transactions)
{
	struct rpc_reply r;
	struct json_object *root = parse_fixture("GetTxnBodiesForTxBlockEx.json", &r);
	struct json_object *txns;
	cr_assert(json_object_object_get_ex(r.result, "Transactions", &txns));
	cr_assert_gt(json_object_array_length(txns), 0);
	for (size_t i = 0; i < json_object_array_length(txns); i++)
		assert_same(json_object_array_get_idx(txns, i), "a page's body");
	json_object_put(root);
}

/* The receipt first, last or alone: each cut leaves valid JSON; and the
 * node's own escapes stay as sent (json-c would write "\/" as "/" and
 * "\u00e9" as UTF-8). */
Test(ingest_jraw, receipt_anywhere_and_bytes_kept)
{
	const char *batch =
		"[{\"id\":0,\"result\":[{\"receipt\":{\"success\":true},\"data\":\"a\\/b\\u00e9\"},"
		"{\"ID\":\"x\" , \"receipt\" : {\"success\":false} },"
		"{\"receipt\":{}}]}]";
	struct rpc_reply r;
	struct json_object *root;
	char err[256];
	cr_assert(rpc_parse_batch(batch, strlen(batch), 1, &root, &r, err, sizeof(err)), "%s", err);
	const char *want[] = { "{\"data\":\"a\\/b\\u00e9\"}", "{\"ID\":\"x\"  }", "{}" };
	for (size_t i = 0; i < 3; i++) {
		struct json_object *body = json_object_array_get_idx(r.result, i);
		json_object_object_del(body, "receipt");
		char *text = raw(body);
		cr_assert_str_eq(text, want[i]);
		free(text);
		assert_same(body, "a cut body");
	}
	json_object_put(root);
}

/* json-c's lenient mode reads comments and single-quoted strings, which
 * the scanner does not follow: such values keep no text (they are
 * serialized), and nothing after them in the response is paired with the
 * wrong text. */
Test(ingest_jraw, lenient_json_keeps_no_text)
{
	const char *batch =
		"[{\"id\":1,\"result\":{\"k\":\"it's\"}},"
		" {\"id\":0,\"result\":[ /* [ */ {\"a\":1}, {\"b\":'}'}, {\"c\":[3]} ]}]";
	struct rpc_reply r[2];
	struct json_object *root;
	char err[256];
	cr_assert(rpc_parse_batch(batch, strlen(batch), 2, &root, r, err, sizeof(err)), "%s", err);
	struct jraw_text t;
	cr_assert_not(jraw_text(r[0].result, &t));
	for (size_t i = 0; i < 3; i++)
		cr_assert_not(jraw_text(json_object_array_get_idx(r[0].result, i), &t), "element %zu", i);
	assert_same(r[1].result, "a standard answer before them");
	json_object_put(root);
}

/* Every object or array under o that has text: the text parses to it. */
static size_t check_tree(struct json_object *o)
{
	size_t tied = 0;
	struct jraw_text t;
	if (jraw_text(o, &t)) {
		assert_same(o, "a value of a mutated answer");
		tied++;
	}
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			tied += check_tree(v);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			tied += check_tree(json_object_array_get_idx(o, i));
	}
	return tied;
}

/* Answers damaged byte by byte that json-c still accepts: whatever text
 * jraw ties to a value is that value's. */
Test(ingest_jraw, mutated_answers_never_get_wrong_text)
{
	char *text = fixture_text("GetTxnBodiesForTxBlock_549481_exceptions.json");
	size_t n = strlen(text);
	static const char bytes[] = "{}[]\",:'/\\ 0a\n";
	unsigned seed = 692365;
	size_t accepted = 0, tied = 0;
	for (int round = 0; round < 3000; round++) {
		char *m = malloc(n + 3);
		snprintf(m, n + 3, "[%s]", text);
		for (int k = 0; k < 1 + round % 3; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = 1 + (seed >> 8) % n;
			seed = seed * 1103515245u + 12345u;
			m[at] = bytes[(seed >> 8) % (sizeof(bytes) - 1)];
		}
		struct rpc_reply r[2];
		struct json_object *root;
		char err[256];
		if (rpc_parse_batch(m, n + 2, 2, &root, r, err, sizeof(err))) {
			accepted++;
			tied += check_tree(root);
			json_object_put(root);
		}
		free(m);
	}
	cr_log_info("%zu of 3000 mutated answers accepted, %zu values with text checked", accepted, tied);
	cr_assert_gt(accepted, 100, "too few mutations were still JSON to test anything");
	cr_assert_gt(tied, 100);
	free(text);
}

/* Objects built in memory have no raw text: they are serialized. */
Test(ingest_jraw, none_for_built_objects)
{
	struct json_object *o = json_object_new_object();
	struct jraw_text t;
	cr_assert_not(jraw_text(o, &t));
	cr_assert_not(jraw_text(NULL, &t));
	json_object_put(o);
}

/* The text stored for o, if any, reads back as o (what the node meant is
 * what is stored). */
static void assert_text_is_value(struct json_object *o, const char *what)
{
	char *text = raw(o);
	if (text) {
		struct json_object *again = json_tokener_parse(text);
		cr_assert(json_object_equal(again, o), "%s is stored as %s", what, text);
		json_object_put(again);
	}
	free(text);
}

/* A body naming its receipt twice: cutting out the one json-c kept would
 * store the other with the body. Such a body keeps no text and is
 * serialized without its receipt. */
Test(ingest_jraw, body_with_two_receipts_keeps_no_text)
{
	const char *batch = "[{\"id\":0,\"jsonrpc\":\"2.0\",\"result\":[{\"ID\":\"a\","
			    "\"receipt\":{\"success\":false},\"amount\":\"1\",\"receipt\":{\"success\":true}}]}]";
	struct rpc_reply r[1];
	struct json_object *root;
	char err[256];
	cr_assert(rpc_parse_batch(batch, strlen(batch), 1, &root, r, err, sizeof(err)), "%s", err);
	assert_same(r[0].result, "the result holding it");
	struct json_object *body = json_object_array_get_idx(r[0].result, 0);
	json_object_object_del(body, "receipt"); /* as txn.c detaches it */
	struct jraw_text t;
	cr_assert_not(jraw_text(body, &t), "the body keeps text holding a receipt");
	json_object_put(root);
}

/* A member name written with an escape may be the name looked for, and
 * json-c keeps the last of the two: neither text is taken for it. */
Test(ingest_jraw, escaped_member_names_get_no_wrong_text)
{
	const char *batch = "[{\"id\":0,\"jsonrpc\":\"2.0\",\"result\":[{\"ID\":\"a\",\"receipt\":{\"n\":1},"
			    "\"\\u0072eceipt\":{\"n\":2}}],\"\\u0072esult\":[{\"ID\":\"b\"}]}]";
	struct rpc_reply r[1];
	struct json_object *root;
	char err[256];
	cr_assert(rpc_parse_batch(batch, strlen(batch), 1, &root, r, err, sizeof(err)), "%s", err);
	assert_text_is_value(r[0].result, "the result");
	struct json_object *body = json_object_array_get_idx(r[0].result, 0);
	assert_text_is_value(body, "the body");
	json_object_object_del(body, "receipt");
	assert_text_is_value(body, "the body without its receipt");
	json_object_put(root);
}
