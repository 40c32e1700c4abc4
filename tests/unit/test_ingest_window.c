/* The fetch window against the lookup node's quirks: complete blocks,
 * empty blocks (-1), the Zilliqa 1 dummy block, Zilliqa 2 null and "Block
 * not finalized", "Tx Block does not exist" below the head, rate limits,
 * missing answers, pagination through the Ex methods, in-order release. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "txblock.h"
#include "window.h"

static struct json_object *fixture(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
	struct json_object *doc = json_object_from_file(path);
	cr_assert(doc, "%s", path);
	struct json_object *result;
	cr_assert(json_object_object_get_ex(doc, "result", &result));
	json_object_get(result);
	json_object_put(doc);
	return result;
}

static struct json_object *hashes_of(struct json_object *bodies)
{
	struct json_object *shard = json_object_new_array(), *all = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(bodies); i++) {
		struct json_object *id;
		json_object_object_get_ex(json_object_array_get_idx(bodies, i), "ID", &id);
		json_object_array_add(shard, json_object_get(id));
	}
	json_object_array_add(all, shard);
	return all;
}

static struct rpc_reply ok(struct json_object *result)
{
	struct rpc_reply r = { RPC_REPLY_RESULT, result, 0, "" };
	return r;
}

static struct rpc_reply error(int64_t code, const char *message)
{
	struct rpc_reply r = { RPC_REPLY_ERROR, NULL, code, message };
	return r;
}

static struct json_object *g_header, *g_bodies, *g_hashes, *g_empty_header;

static void setup(void)
{
	g_header = fixture("GetTxBlock.json");
	g_bodies = fixture("GetTxnBodiesForTxBlock.json");
	g_hashes = hashes_of(g_bodies);
	g_empty_header = fixture("GetTxBlock_1001_no_txns.json");
}

static void teardown(void)
{
	json_object_put(g_header);
	json_object_put(g_bodies);
	json_object_put(g_hashes);
	json_object_put(g_empty_header);
}

TestSuite(ingest_window, .init = setup, .fini = teardown);

Test(ingest_window, complete_block_692365)
{
	struct window *w = window_new(8, 200);
	struct window_call calls[30];
	window_reset(w, 692365);
	size_t n = window_plan(w, 692365, 0, calls, 30);
	cr_assert_eq(n, 3, "one block: GetTxBlock, hashes, bodies");
	struct rpc_call rc[3];
	window_rpc_calls(calls, n, rc);
	cr_assert_str_eq(rc[0].method, "GetTxBlock");
	cr_assert_str_eq(rc[1].method, "GetTransactionsForTxBlock");
	cr_assert_str_eq(rc[2].method, "GetTxnBodiesForTxBlock");
	cr_assert_str_eq(rc[2].params[0], "692365");
	struct rpc_reply r[3] = { ok(g_header), ok(g_hashes), ok(g_bodies) };
	struct window_outcome out;
	window_apply(w, calls, n, r, 0, &out);
	cr_assert_eq(out.completed, 1);
	struct ingest_block *b = window_pop(w);
	cr_assert_not_null(b);
	cr_assert_eq(b->ntxns, 28);
	cr_assert_eq(b->nlogs, 13);
	cr_assert_null(window_pop(w));
	cr_assert_eq(window_next(w), 692366);
	cr_assert_eq(window_plan(w, 692365, 0, calls, 30), 0, "nothing above the head");
	txblock_free(b);
	window_free(w);
}

Test(ingest_window, empty_block_answers_minus_one)
{
	struct window *w = window_new(8, 200);
	struct window_call calls[3];
	window_reset(w, 1001);
	cr_assert_eq(window_plan(w, 1001, 0, calls, 3), 3);
	struct rpc_reply r[3] = { ok(g_empty_header), error(-1, "TxBlock has no transactions"),
				  error(-1, "TxBlock has no transactions") };
	struct window_outcome out;
	window_apply(w, calls, 3, r, 0, &out);
	cr_assert_eq(out.completed, 1);
	struct ingest_block *b = window_pop(w);
	cr_assert_eq(b->ntxns, 0);
	cr_assert_str_eq(json_object_to_json_string_ext(b->tx_hashes, JSON_C_TO_STRING_PLAIN), "[]");
	txblock_free(b);
	window_free(w);
}

/* Each case: the node is not there yet; ask again after retry_ms. */
Test(ingest_window, not_ready_quirks)
{
	struct json_object *dummy = json_tokener_parse(json_object_to_json_string(g_header));
	struct json_object *hdr;
	json_object_object_get_ex(dummy, "header", &hdr);
	json_object_object_add(hdr, "BlockNum", json_object_new_string(BLOCK_DUMMY_NUM));
	struct json_object *short_bodies = json_tokener_parse(json_object_to_json_string(g_bodies));
	json_object_array_del_idx(short_bodies, 0, 1);
	const struct {
		const char *what;
		struct rpc_reply r[3];
	} cases[] = {
		{ "Zilliqa 1 dummy block", { ok(dummy), ok(g_hashes), ok(g_bodies) } },
		{ "Zilliqa 2 null", { ok(NULL), ok(NULL), ok(NULL) } },
		{ "Zilliqa 2 Block not finalized", { error(-32603, "Block not finalized"), ok(NULL), ok(NULL) } },
		{ "Tx Block does not exist below the head",
		  { ok(g_header), error(-32602, "INVALID_PARAMS: Invalid method parameters (invalid name and/or type) recognised: Tx Block does not exist"), ok(g_bodies) } },
		{ "-1 for a block with transactions",
		  { ok(g_header), error(-1, "TxBlock has no transactions"), ok(g_bodies) } },
		{ "fewer bodies than NumTxns", { ok(g_header), ok(g_hashes), ok(short_bodies) } },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct window *w = window_new(8, 200);
		struct window_call calls[3];
		struct window_outcome out;
		window_reset(w, 692365);
		cr_assert_eq(window_plan(w, 692365, 1000, calls, 3), 3);
		window_apply(w, calls, 3, cases[i].r, 1000, &out);
		cr_assert_eq(out.not_ready, 1, "%s", cases[i].what);
		cr_assert_eq(out.failed + out.rate_limited + out.completed, 0, "%s", cases[i].what);
		cr_assert_null(window_pop(w));
		cr_assert_eq(window_next_retry(w), 1200, "%s", cases[i].what);
		cr_assert_eq(window_plan(w, 692365, 1199, calls, 3), 0, "%s: waits", cases[i].what);
		cr_assert_eq(window_plan(w, 692365, 1200, calls, 3), 3, "%s: asks again", cases[i].what);
		window_free(w);
	}
	json_object_put(dummy);
	json_object_put(short_bodies);
}

Test(ingest_window, failures_are_retried_without_delay)
{
	const struct {
		const char *what;
		struct rpc_reply r[3];
		int rate_limited, failed;
	} cases[] = {
		{ "rate limit", { error(-32000, "RPC_RATE_LIMIT"), ok(NULL), ok(NULL) }, 1, 0 },
		{ "missing answer", { { RPC_REPLY_MISSING, NULL, 0, "" }, ok(g_hashes), ok(g_bodies) }, 0, 1 },
		{ "internal error", { ok(g_header), ok(g_hashes), error(-32603, "Internal error") }, 0, 1 },
		{ "not a TxBlock", { ok(g_hashes), ok(g_hashes), ok(g_bodies) }, 0, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct window *w = window_new(8, 200);
		struct window_call calls[3];
		struct window_outcome out;
		window_reset(w, 692365);
		cr_assert_eq(window_plan(w, 692365, 0, calls, 3), 3);
		window_apply(w, calls, 3, cases[i].r, 0, &out);
		cr_assert_eq(out.rate_limited, cases[i].rate_limited, "%s", cases[i].what);
		cr_assert_eq(out.failed, cases[i].failed, "%s", cases[i].what);
		cr_assert(out.error[0], "%s", cases[i].what);
		cr_assert_null(window_pop(w));
		cr_assert_eq(window_plan(w, 692365, 0, calls, 3), 3, "%s", cases[i].what);
		window_free(w);
	}
}

Test(ingest_window, abandon_and_limits)
{
	struct window *w = window_new(2, 200);
	struct window_call calls[30];
	window_reset(w, 10);
	cr_assert_eq(window_plan(w, 100, 0, calls, 30), 6, "window of 2 blocks");
	cr_assert_eq(window_plan(w, 100, 0, calls, 30), 0, "all in flight");
	window_abandon(w, calls, 6);
	cr_assert_eq(window_plan(w, 100, 0, calls, 30), 6);
	cr_assert_eq(calls[3].num, 11);
	window_free(w);
	w = window_new(64, 200);
	window_reset(w, 10);
	cr_assert_eq(window_plan(w, 12, 0, calls, 30), 9, "up to the head");
	window_reset(w, 10);
	cr_assert_eq(window_plan(w, 100, 0, calls, 7), 6, "whole blocks only");
	window_free(w);
}

Test(ingest_window, released_in_order)
{
	struct window *w = window_new(8, 200);
	struct window_call calls[6];
	struct window_outcome out;
	struct json_object *h1002 = fixture("GetTxBlock_1002_no_txns.json");
	window_reset(w, 1001);
	cr_assert_eq(window_plan(w, 1002, 0, calls, 6), 6);
	struct rpc_reply second[3] = { ok(h1002), error(-1, "TxBlock has no transactions"),
				       error(-1, "TxBlock has no transactions") };
	window_apply(w, calls + 3, 3, second, 0, &out);
	cr_assert_eq(out.completed, 1);
	cr_assert_null(window_pop(w), "1001 first");
	struct rpc_reply first[3] = { ok(g_empty_header), error(-1, "TxBlock has no transactions"),
				      error(-1, "TxBlock has no transactions") };
	window_apply(w, calls, 3, first, 0, &out);
	struct ingest_block *a = window_pop(w), *b = window_pop(w);
	cr_assert_eq(a->num, 1001);
	cr_assert_eq(b->num, 1002);
	txblock_free(a);
	txblock_free(b);
	json_object_put(h1002);
	window_free(w);
}

static struct json_object *page_answer(int page, struct json_object *transactions)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "CurrPage", json_object_new_int(page));
	json_object_object_add(o, "NumPages", json_object_new_int(2));
	json_object_object_add(o, "Transactions", transactions);
	return o;
}

static struct json_object *slice(struct json_object *arr, size_t from, size_t to)
{
	struct json_object *out = json_object_new_array();
	for (size_t i = from; i < to; i++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(arr, i)));
	return out;
}

Test(ingest_window, paginated_block_uses_ex_methods)
{
	struct json_object *hdr = json_tokener_parse(json_object_to_json_string(g_header));
	struct json_object *h;
	json_object_object_get_ex(hdr, "header", &h);
	json_object_object_add(h, "NumTxns", json_object_new_int(3));
	json_object_object_add(h, "NumPages", json_object_new_int(2));
	struct window *w = window_new(8, 200);
	struct window_call calls[12];
	struct window_outcome out;
	window_reset(w, 692365);
	cr_assert_eq(window_plan(w, 692365, 0, calls, 12), 3);
	struct rpc_reply first[3] = { ok(hdr), error(-32603, "too many"), error(-32603, "too many") };
	window_apply(w, calls, 3, first, 0, &out);
	cr_assert_eq(out.completed + out.failed + out.not_ready, 0, "whole-block answers ignored");
	cr_assert_eq(window_plan(w, 692365, 0, calls, 12), 4, "two pages, two calls each");
	struct rpc_call rc[4];
	window_rpc_calls(calls, 4, rc);
	cr_assert_str_eq(rc[0].method, "GetTransactionsForTxBlockEx");
	cr_assert_str_eq(rc[1].method, "GetTxnBodiesForTxBlockEx");
	cr_assert_str_eq(rc[2].params[1], "1");
	struct json_object *all = json_object_array_get_idx(g_hashes, 0);
	struct json_object *p0h = json_object_new_array(), *p1h = json_object_new_array();
	json_object_array_add(p0h, slice(all, 0, 2));
	json_object_array_add(p1h, slice(all, 2, 3));
	struct json_object *ans[4] = { page_answer(0, p0h), page_answer(0, slice(g_bodies, 0, 2)),
				       page_answer(1, p1h), page_answer(1, slice(g_bodies, 2, 3)) };
	struct rpc_reply pages[4] = { ok(ans[0]), ok(ans[1]), ok(ans[2]), ok(ans[3]) };
	window_apply(w, calls + 2, 2, pages + 2, 0, &out);
	cr_assert_eq(out.completed, 0);
	window_apply(w, calls, 2, pages, 0, &out);
	cr_assert_eq(out.completed, 1);
	struct ingest_block *b = window_pop(w);
	cr_assert_eq(b->ntxns, 3);
	cr_assert_eq(json_object_array_length(json_object_array_get_idx(b->tx_hashes, 0)), 3);
	cr_assert_str_eq(b->txns[2].hash, json_object_get_string(json_object_array_get_idx(all, 2)));
	txblock_free(b);
	for (int i = 0; i < 4; i++)
		json_object_put(ans[i]);
	json_object_put(hdr);
	window_free(w);
}
