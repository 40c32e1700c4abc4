/* JSON-RPC reads, the pure parts: which messages are JSON-RPC, every
 * method's parameters with the exact error codes, ids echoed as sent,
 * batches, and the results built from stored text (a body with its
 * receipt put back must be the node's bytes again, checked on the real
 * mainnet transactions). */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "fixture_text.h"
#include "rpc_request.h"
#include "rpc_result.h"

static const struct rpc_limits lim = { .max_batch = 4, .max_query_blocks = 100, .max_addresses = 3,
				       .max_names = 2 };

static enum rpc_parse_result parse(const char *text, struct rpc_batch *b)
{
	return rpc_parse(text, strlen(text), &lim, b);
}

Test(zws_rpc_request, subscription_queries_are_not_rpc)
{
	static const char *const texts[] = {
		"{\"query\":\"NewBlock\"}",
		"{\"query\":\"NewBlock\",\"jsonrpc\":\"2.0\",\"method\":\"GetTxBlock\"}",
		"NewBlock", "", "{}", "{\"query\":", "42", "\"x\"",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct rpc_batch b;
		cr_assert_eq(parse(texts[i], &b), RPC_PARSE_NOT_RPC, "%s", texts[i]);
	}
}

struct call_case {
	const char *text;
	int code;         /* 0: valid */
	const char *id;   /* as echoed */
	enum rpc_method method;
	const char *message_has;
};

static const struct call_case calls[] = {
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTxBlock\",\"params\":[\"692365\"]}", 0, "1", RPC_GET_TX_BLOCK, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"GetTxBlock\",\"params\":[692365]}", 0, "\"a\"", RPC_GET_TX_BLOCK, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"GetLatestTxBlock\",\"params\":[\"\"]}", 0, "null", RPC_GET_LATEST_TX_BLOCK, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":{\"k\":[1,\"/\"]},\"method\":\"GetNumTxBlocks\"}", 0, "{\"k\":[1,\"/\"]}", RPC_GET_NUM_TX_BLOCKS, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"GetServerInfo\",\"params\":[]}", 0, "2", RPC_GET_SERVER_INFO, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"GetTxnBodiesForTxBlockEx\",\"params\":[\"1\",\"3\"]}", 0, "2", RPC_GET_TXN_BODIES_FOR_TX_BLOCK_EX, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"GetTransaction\",\"params\":[\"0xF9170F9661A2EC5A90E6701618BA38D76257C00A1E5848D8F541E1EF52D11EDE\"]}", 0, "2", RPC_GET_TRANSACTION, NULL },
	/* -32700, -32600, -32601 */
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", RPC_PARSE_ERROR, "null", 0, "not valid JSON" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTxBlock\"} x", RPC_PARSE_ERROR, "null", 0, "not valid JSON" },
	{ "[]", RPC_INVALID_REQUEST, "null", 0, "empty batch" },
	{ "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"GetTxBlock\"}", RPC_INVALID_REQUEST, "1", 0, "\"2.0\"" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1}", RPC_INVALID_REQUEST, "1", 0, "method" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getLogs\"}", RPC_METHOD_NOT_FOUND, "1", 0, "eth_getLogs" },
	/* -32602 */
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTxBlock\",\"params\":\"1\"}", RPC_INVALID_PARAMS, "1", 0, "array or an object" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTxBlock\",\"params\":[]}", RPC_INVALID_PARAMS, "1", 0, "GetTxBlock takes [\"<block number>\"]" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTxBlock\",\"params\":[\"-1\"]}", RPC_INVALID_PARAMS, "1", 0, "decimal string" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTxBlock\",\"params\":[-1]}", RPC_INVALID_PARAMS, "1", 0, "decimal string" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTxBlock\",\"params\":[\"1234567890123456789\"]}", RPC_INVALID_PARAMS, "1", 0, "18 digits" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTransactionsForTxBlockEx\",\"params\":[\"1\"]}", RPC_INVALID_PARAMS, "1", 0, "<page>" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTransactionsForTxBlockEx\",\"params\":[\"1\",\"x\"]}", RPC_INVALID_PARAMS, "1", 0, "page" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTransaction\",\"params\":[\"abc\"]}", RPC_INVALID_PARAMS, "1", 0, "64 hex" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetLatestTxBlock\",\"params\":[\"1\"]}", RPC_INVALID_PARAMS, "1", 0, "no parameters" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetEventLogs\",\"params\":[]}", RPC_INVALID_PARAMS, "1", 0, "fromBlock" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetEventLogs\",\"params\":{\"fromBlock\":1,\"toBlock\":100,\"addresses\":\"0x17329229cd84b964130977975054f7725a85381a\"}}", 0, "1", RPC_GET_EVENT_LOGS, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetEventLogs\",\"params\":{\"fromBlock\":1,\"toBlock\":101,\"addresses\":\"0x17329229cd84b964130977975054f7725a85381a\"}}", RPC_INVALID_PARAMS, "1", 0, "spans 101 blocks; at most 100 (--max-query-blocks)" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetEventLogs\",\"params\":{\"fromBlock\":2,\"toBlock\":1,\"addresses\":[]}}", RPC_INVALID_PARAMS, "1", 0, "below fromBlock" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetEventLogs\",\"params\":{\"fromBlock\":1,\"toBlock\":1}}", RPC_INVALID_PARAMS, "1", 0, "addresses is required" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetEventLogs\",\"params\":{\"fromBlock\":1,\"toBlock\":1,\"addresses\":[\"a\",\"b\",\"c\",\"d\"]}}", RPC_INVALID_PARAMS, "1", 0, "at most 3 addresses" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetEventLogs\",\"params\":{\"fromBlock\":1,\"toBlock\":1,\"addresses\":[\"0x1234\"]}}", RPC_INVALID_PARAMS, "1", 0, "each address" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetEventLogs\",\"params\":{\"fromBlock\":1,\"toBlock\":1,\"addresses\":[\"17329229cd84b964130977975054f7725a85381a\"],\"eventNames\":[\"a\",\"b\",\"c\"]}}", RPC_INVALID_PARAMS, "1", 0, "1 to 2 names" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetEventLogs\",\"params\":{\"fromBlock\":1,\"toBlock\":1,\"addresses\":[\"17329229cd84b964130977975054f7725a85381a\"],\"topics\":[]}}", RPC_INVALID_PARAMS, "1", 0, "no parameter \"topics\"" },
};

Test(zws_rpc_request, every_call_and_error)
{
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct call_case *k = &calls[i];
		struct rpc_batch b;
		cr_assert_eq(parse(k->text, &b), RPC_PARSE_OK, "%s", k->text);
		cr_assert_eq(b.count, 1, "%s", k->text);
		const struct rpc_call *c = &b.calls[0];
		cr_assert_eq(c->code, k->code, "%s: code %d (%s)", k->text, c->code, c->message);
		cr_assert_str_eq(c->id, k->id, "%s", k->text);
		if (k->code == 0)
			cr_assert_eq(c->method, k->method, "%s", k->text);
		else
			cr_assert(strstr(c->message, k->message_has), "%s: message '%s'", k->text, c->message);
		rpc_batch_clear(&b);
	}
}

Test(zws_rpc_request, parameters_are_decoded)
{
	struct rpc_batch b;
	cr_assert_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTxnBodiesForTxBlockEx\",\"params\":[\"692365\",\"2\"]}", &b), RPC_PARSE_OK);
	cr_assert_eq(b.calls[0].block, 692365);
	cr_assert_eq(b.calls[0].page, 2);
	rpc_batch_clear(&b);
	cr_assert_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetContractAddressFromTransactionID\",\"params\":[\"0xF9170F9661A2EC5A90E6701618BA38D76257C00A1E5848D8F541E1EF52D11EDE\"]}", &b), RPC_PARSE_OK);
	cr_assert_str_eq(b.calls[0].hash, "f9170f9661a2ec5a90e6701618ba38d76257c00a1e5848d8f541e1ef52d11ede");
	rpc_batch_clear(&b);
	/* Every address form a subscription takes, duplicates merged; names
	 * kept escaped as sql/004 stores them. */
	cr_assert_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetEventLogs\",\"params\":[{\"fromBlock\":\"5\",\"toBlock\":9,"
			   "\"addresses\":[\"0x17329229CD84B964130977975054F7725A85381A\",\"17329229cd84b964130977975054f7725a85381a\","
			   "\"zil1zuefy2wdsjukgycfw7t4q48hwfdg2wq6yteuvj\"],\"eventNames\":[\"Transfer\",\"Evil\\u0000Name\"]}]}", &b),
		     RPC_PARSE_OK);
	const struct rpc_call *c = &b.calls[0];
	cr_assert_eq(c->code, 0, "%s", c->message);
	cr_assert_eq(c->from, 5);
	cr_assert_eq(c->to, 9);
	cr_assert_eq(c->nnames, 2);
	cr_assert_str_eq(c->names[0], "Transfer");
	cr_assert_str_eq(c->names[1], "Evil\\u0000Name");
	cr_assert_eq(c->naddresses, 1);
	rpc_batch_clear(&b);
}

Test(zws_rpc_request, notifications_and_batches)
{
	struct rpc_batch b;
	cr_assert_eq(parse("{\"jsonrpc\":\"2.0\",\"method\":\"GetTxBlock\",\"params\":[\"1\"]}", &b), RPC_PARSE_OK);
	cr_assert(b.calls[0].notification);
	cr_assert_not(b.is_batch);
	rpc_batch_clear(&b);
	cr_assert_eq(parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetNumTxBlocks\"},5,"
			   "{\"jsonrpc\":\"2.0\",\"method\":\"Nope\"}]", &b), RPC_PARSE_OK);
	cr_assert(b.is_batch);
	cr_assert_eq(b.count, 3);
	cr_assert_eq(b.calls[0].code, 0);
	cr_assert_eq(b.calls[1].code, RPC_INVALID_REQUEST);
	cr_assert_str_eq(b.calls[1].id, "null");
	cr_assert(b.calls[2].notification);
	rpc_batch_clear(&b);
	/* Over max_batch: one error, not a batch. */
	cr_assert_eq(parse("[1,2,3,4,5]", &b), RPC_PARSE_OK);
	cr_assert_eq(b.count, 1);
	cr_assert_not(b.is_batch);
	cr_assert_eq(b.calls[0].code, RPC_INVALID_REQUEST);
	cr_assert(strstr(b.calls[0].message, "at most 4"));
	rpc_batch_clear(&b);
}

Test(zws_rpc_request, responses)
{
	struct buf out = BUF_INIT;
	rpc_result_json(&out, "{\"k\":1}", "\"692366\"", 8);
	rpc_error_json(&out, "null", -32601, "method \"x\" not found");
	buf_append_char(&out, '\0');
	cr_assert_str_eq(out.data, "{\"id\":{\"k\":1},\"jsonrpc\":\"2.0\",\"result\":\"692366\"}"
				   "{\"id\":null,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"method \\\"x\\\" not found\"}}");
	buf_reset(&out);
	rpc_not_rpc_json(&out, "{\"query\":\"NewBlock\"}", 20);
	rpc_not_rpc_json(&out, "{", 1);
	buf_append_char(&out, '\0');
	cr_assert(strstr(out.data, "-32600") && strstr(out.data, "-32700"), "%s", out.data);
	buf_free(&out);
	char msg[160];
	rpc_not_held_text(msg, sizeof(msg), "block 5", true, 10, 20);
	cr_assert_str_eq(msg, "block 5 is not held by this server; it holds blocks 10 to 20");
	rpc_not_held_text(msg, sizeof(msg), "block 5", false, 0, 0);
	cr_assert_str_eq(msg, "block 5 is not held by this server; it holds no blocks yet");
}

/* The body's compact text as the node writes it, and that text with the
 * receipt member cut out as zws-ingest stores it. */
static void split_body(struct json_object *body, char **full, char **without, char **receipt)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	struct json_object *r;
	*full = strdup(json_object_to_json_string_ext(body, flags));
	cr_assert(json_object_object_get_ex(body, "receipt", &r));
	*receipt = strdup(json_object_to_json_string_ext(r, flags));
	json_object_get(r);
	json_object_object_del(body, "receipt");
	*without = strdup(json_object_to_json_string_ext(body, flags));
	json_object_put(r);
}

Test(zws_rpc_request, receipt_goes_back_where_the_node_wrote_it)
{
	static const char *const fixtures[] = {
		"GetTransaction_payment.json", "GetTransaction_contract_call.json",
		"GetTransaction_contract_deploy.json", "GetTransaction_event_logs.json",
		"GetTransaction_failed.json", "GetTxnBodiesForTxBlock.json",
	};
	size_t checked = 0;
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		char *text = fixture_text(fixtures[f]);
		struct json_object *doc = json_tokener_parse(text), *result;
		cr_assert(json_object_object_get_ex(doc, "result", &result), "%s", fixtures[f]);
		size_t n = json_object_is_type(result, json_type_array) ? json_object_array_length(result) : 1;
		for (size_t i = 0; i < n; i++) {
			struct json_object *body = n == 1 && !json_object_is_type(result, json_type_array)
							   ? result : json_object_array_get_idx(result, i);
			char *full, *without, *receipt;
			split_body(body, &full, &without, &receipt);
			struct buf out = BUF_INIT;
			cr_assert(rpc_body_with_receipt(&out, without, receipt));
			buf_append_char(&out, '\0');
			cr_assert_str_eq(out.data, full, "%s #%zu", fixtures[f], i);
			buf_free(&out);
			free(full);
			free(without);
			free(receipt);
			checked++;
		}
		json_object_put(doc);
		free(text);
	}
	cr_assert_gt(checked, 10);
	/* First, last, alone; and what is not an object. */
	static const char *const cases[][2] = {
		{ "{\"senderPubKey\":\"x\"}", "{\"receipt\":{},\"senderPubKey\":\"x\"}" },
		{ "{\"ID\":\"a\",\"nonce\":\"1\"}", "{\"ID\":\"a\",\"nonce\":\"1\",\"receipt\":{}}" },
		{ "{}", "{\"receipt\":{}}" },
		{ "{\"a\":{\"receipt\":[\"}\"]},\"z\":1}", "{\"a\":{\"receipt\":[\"}\"]},\"receipt\":{},\"z\":1}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		cr_assert(rpc_body_with_receipt(&out, cases[i][0], "{}"));
		buf_append_char(&out, '\0');
		cr_assert_str_eq(out.data, cases[i][1]);
		buf_free(&out);
	}
	struct buf out = BUF_INIT;
	cr_assert_not(rpc_body_with_receipt(&out, "[1]", "{}"));
	cr_assert_not(rpc_body_with_receipt(&out, "{\"a\":", "{}"));
	cr_assert_not(rpc_body_with_receipt(&out, "{\"a\" 1}", "{}"));
	buf_free(&out);
}

Test(zws_rpc_request, hash_pages)
{
	/* 3 lists of 2000, 1500 and 2000: pages of 2500. */
	struct buf lists = BUF_INIT;
	const size_t sizes[] = { 2000, 1500, 2000 };
	buf_append_char(&lists, '[');
	for (size_t s = 0, k = 0; s < 3; s++) {
		buf_append_str(&lists, s ? ",[" : "[");
		for (size_t i = 0; i < sizes[s]; i++, k++) {
			char h[16];
			snprintf(h, sizeof(h), "%s\"%zu\"", i ? "," : "", k);
			buf_append_str(&lists, h);
		}
		buf_append_char(&lists, ']');
	}
	buf_append_str(&lists, "]");
	buf_append_char(&lists, '\0');
	cr_assert_eq(rpc_num_pages(5500), 3);
	cr_assert_eq(rpc_num_pages(0), 0);
	for (uint32_t page = 0; page < 3; page++) {
		struct buf out = BUF_INIT;
		cr_assert(rpc_hash_page(&out, lists.data, 5500, page));
		buf_append_char(&out, '\0');
		struct json_object *o = json_tokener_parse(out.data), *v;
		cr_assert(o, "%s", out.data);
		cr_assert(json_object_object_get_ex(o, "CurrPage", &v) && json_object_get_int(v) == (int)page);
		cr_assert(json_object_object_get_ex(o, "NumPages", &v) && json_object_get_int(v) == 3);
		cr_assert(json_object_object_get_ex(o, "Transactions", &v) && json_object_array_length(v) == 3);
		size_t total = 0, first = (size_t)-1;
		for (size_t s = 0; s < 3; s++) {
			struct json_object *l = json_object_array_get_idx(v, s);
			if (json_object_array_length(l) && first == (size_t)-1)
				first = (size_t)atoi(json_object_get_string(json_object_array_get_idx(l, 0)));
			total += json_object_array_length(l);
		}
		cr_assert_eq(total, page < 2 ? 2500 : 500, "page %u: %zu", page, total);
		cr_assert_eq(first, page * 2500);
		json_object_put(o);
		buf_free(&out);
	}
	struct buf out = BUF_INIT;
	cr_assert_not(rpc_hash_page(&out, lists.data, 5500, 3));
	cr_assert_not(rpc_hash_page(&out, "{}", 1, 0));
	buf_free(&out);
	buf_free(&lists);
}
