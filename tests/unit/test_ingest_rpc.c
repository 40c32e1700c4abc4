/* JSON-RPC batch building, response splitting and error classification,
 * on the lookup's real answers. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_text.h"
#include "rpc.h"

Test(ingest_rpc, batch_request)
{
	struct rpc_call calls[] = {
		{ "GetTxBlock", { "692365" }, 1 },
		{ "GetTxnBodiesForTxBlockEx", { "1002353", "2" }, 2 },
		{ "GetLatestTxBlock", { NULL }, 0 },
	};
	size_t len;
	char *s = rpc_batch_request(calls, 3, &len);
	cr_assert_str_eq(s, "[{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"GetTxBlock\",\"params\":[\"692365\"]},"
			    "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"GetTxnBodiesForTxBlockEx\",\"params\":[\"1002353\",\"2\"]},"
			    "{\"id\":2,\"jsonrpc\":\"2.0\",\"method\":\"GetLatestTxBlock\",\"params\":[]}]");
	cr_assert_eq(len, strlen(s));
	free(s);
}

/* Wraps a fixture's envelope (id "1") into a batch answer with id. */
static char *batch_of(const char *fixture, int id)
{
	char *text = fixture_text(fixture);
	struct json_object *env = json_tokener_parse(text);
	json_object_object_add(env, "id", json_object_new_int(id));
	struct json_object *arr = json_object_new_array();
	json_object_array_add(arr, env);
	char *out = strdup(json_object_to_json_string(arr));
	json_object_put(arr);
	free(text);
	return out;
}

Test(ingest_rpc, parse_real_answers)
{
	static const struct {
		const char *fixture;
		enum rpc_reply_kind kind;
		int64_t code;
		enum rpc_outcome outcome;
	} cases[] = {
		{ "GetTxBlock.json", RPC_REPLY_RESULT, 0, RPC_OUTCOME_OK },
		{ "GetTxnBodiesForTxBlock.json", RPC_REPLY_RESULT, 0, RPC_OUTCOME_OK },
		{ "GetTransaction_error_not_present.json", RPC_REPLY_ERROR, -20, RPC_OUTCOME_FAILED },
		{ "GetTransaction_error_bad_size.json", RPC_REPLY_ERROR, -32602, RPC_OUTCOME_FAILED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *body = batch_of(cases[i].fixture, 0);
		struct json_object *root;
		struct rpc_reply r[1];
		char err[128];
		cr_assert(rpc_parse_batch(body, strlen(body), 1, &root, r, err, sizeof(err)), "%s", err);
		cr_assert_eq(r[0].kind, cases[i].kind, "%s", cases[i].fixture);
		cr_assert_eq(r[0].code, cases[i].code);
		cr_assert_eq(rpc_classify(&r[0]), cases[i].outcome, "%s", cases[i].fixture);
		json_object_put(root);
		free(body);
	}
}

Test(ingest_rpc, ids_out_of_order_as_strings_and_missing)
{
	const char *body = "[{\"id\":\"2\",\"jsonrpc\":\"2.0\",\"result\":\"c\"},"
			   "{\"id\":0,\"jsonrpc\":\"2.0\",\"result\":null}]";
	struct json_object *root;
	struct rpc_reply r[3];
	char err[128];
	cr_assert(rpc_parse_batch(body, strlen(body), 3, &root, r, err, sizeof(err)));
	cr_assert_eq(r[0].kind, RPC_REPLY_RESULT);
	cr_assert_null(r[0].result);
	cr_assert_eq(rpc_classify(&r[0]), RPC_OUTCOME_NOT_READY, "Zilliqa 2 null");
	cr_assert_eq(r[1].kind, RPC_REPLY_MISSING);
	cr_assert_eq(rpc_classify(&r[1]), RPC_OUTCOME_FAILED);
	cr_assert_str_eq(json_object_get_string(r[2].result), "c");
	json_object_put(root);
}

Test(ingest_rpc, one_error_for_the_whole_batch)
{
	const char *body = "{\"id\":null,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"RPC_RATE_LIMIT\"}}";
	struct json_object *root;
	struct rpc_reply r[2];
	char err[128];
	cr_assert(rpc_parse_batch(body, strlen(body), 2, &root, r, err, sizeof(err)));
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(r[i].code, -32000);
		cr_assert_eq(rpc_classify(&r[i]), RPC_OUTCOME_RATE_LIMITED);
	}
	json_object_put(root);
}

Test(ingest_rpc, garbage_is_refused)
{
	static const char *bodies[] = {
		"",
		"<html>502 Bad Gateway</html>",
		"[{\"id\":0,\"jsonrpc\":\"2.0\",\"result\":{\"header\":{\"BlockNum\":\"1\"",
		"[{\"id\":0,\"jsonrpc\":\"2.0\",\"result\":1}] trailing",
		"[{\"id\":7,\"jsonrpc\":\"2.0\",\"result\":1}]",
		"[{\"id\":0,\"jsonrpc\":\"2.0\"}]",
		"[1,2]",
		"{\"id\":0,\"jsonrpc\":\"2.0\",\"result\":1}",
		"\"just a string\"",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct json_object *root = (struct json_object *)1;
		struct rpc_reply r[1];
		char err[128] = "";
		cr_assert_not(rpc_parse_batch(bodies[i], strlen(bodies[i]), 1, &root, r, err, sizeof(err)),
			      "%s", bodies[i]);
		cr_assert_null(root);
		cr_assert(err[0]);
	}
}

Test(ingest_rpc, classify_node_errors)
{
	static const struct {
		int64_t code;
		const char *message;
		enum rpc_outcome outcome;
	} cases[] = {
		{ -1, "TxBlock has no transactions", RPC_OUTCOME_NO_TXNS },
		{ -32602, "INVALID_PARAMS: Invalid method parameters (invalid name and/or type) recognised: Tx Block does not exist", RPC_OUTCOME_NOT_READY },
		{ -32603, "Block not finalized", RPC_OUTCOME_NOT_READY },
		{ -32000, "RPC_RATE_LIMIT", RPC_OUTCOME_RATE_LIMITED },
		{ -32000, "Too many requests", RPC_OUTCOME_RATE_LIMITED },
		{ -32603, "Internal error", RPC_OUTCOME_FAILED },
		{ -32601, "METHOD_NOT_FOUND: The method being requested is not available on this server", RPC_OUTCOME_FAILED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rpc_reply r = { RPC_REPLY_ERROR, NULL, cases[i].code, cases[i].message };
		cr_assert_eq(rpc_classify(&r), cases[i].outcome, "%s", cases[i].message);
	}
}
