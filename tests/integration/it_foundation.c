/* End to end, the foundation: fake lookup -> zws-ingest -> PostgreSQL ->
 * zws -> a WebSocket client. A NewBlock subscriber receives, for each new
 * TxBlock, exactly the lookup's GetTxBlock result and its hash lists. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct json_object *parse_notification(const char *msg)
{
	struct json_object *o = json_tokener_parse(msg);
	cr_assert(o, "not JSON: %.300s", msg);
	struct json_object *type, *values;
	cr_assert(json_object_object_get_ex(o, "type", &type));
	cr_assert_str_eq(json_object_get_string(type), "Notification");
	cr_assert(json_object_object_get_ex(o, "values", &values));
	cr_assert(json_object_is_type(values, json_type_array));
	return o;
}

/* The NewBlock value of a notification (borrowed from o). */
static struct json_object *newblock_value(struct json_object *o)
{
	struct json_object *values = json_object_object_get(o, "values");
	cr_assert_eq(json_object_array_length(values), 1, "only NewBlock was subscribed");
	struct json_object *v0 = json_object_array_get_idx(values, 0);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(v0, "query")), "NewBlock");
	struct json_object *value = json_object_object_get(v0, "value");
	cr_assert(value, "NewBlock entry has no value");
	return value;
}

/* Asks the fake lookup what a real client would: GetTransactionsForTxBlock. */
static char *lookup_hashes(int port, const char *block)
{
	char req[256];
	snprintf(req, sizeof(req),
		 "{\"id\":\"1\",\"jsonrpc\":\"2.0\",\"method\":\"GetTransactionsForTxBlock\",\"params\":[\"%s\"]}",
		 block);
	char *body = NULL;
	cr_assert_eq(it_http(port, "POST", "/", req, &body), 200);
	struct json_object *o = json_tokener_parse(body);
	struct json_object *r;
	cr_assert(json_object_object_get_ex(o, "result", &r), "no hash lists: %s", body);
	char *s = strdup(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	free(body);
	return s;
}

static struct it_ws *subscribe_newblock(int port)
{
	struct it_ws *ws = it_ws_connect(port, 5000);
	cr_assert(ws, "WebSocket handshake with zws failed");
	const char *q = "{\"query\":\"NewBlock\"}";
	cr_assert(it_ws_send(ws, q));
	char *echo = it_ws_recv(ws, 5000);
	cr_assert(echo, "no answer to the NewBlock query");
	cr_assert_str_eq(echo, q, "the query is echoed as sent");
	free(echo);
	return ws;
}

Test(foundation, mainnet_block_692365_arrives_exactly, .timeout = 90)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 692364 };
	it_stack_start(&s, &o);
	struct it_ws *ws = subscribe_newblock(s.zws_port);

	cr_assert_eq(it_lookup_produce(s.lookup_port, 1), 692365);
	char *msg = it_ws_recv(ws, 15000);
	cr_assert(msg, "no notification for block 692365");
	struct json_object *n = parse_notification(msg);
	struct json_object *value = newblock_value(n);

	char *want_block = it_fixture_result("GetTxBlock.json");
	const char *got_block = json_object_to_json_string_ext(
		json_object_object_get(value, "TxBlock"), JSON_C_TO_STRING_PLAIN);
	cr_assert(it_json_equal(got_block, want_block),
		  "TxBlock differs from the mainnet fixture:\n got %.600s\nwant %.600s", got_block, want_block);
	/* Same keys in the node's order, not just the same set. */
	cr_assert_str_eq(got_block, want_block);

	struct json_object *hashes = json_object_object_get(value, "TxHashes");
	char *want_hashes = lookup_hashes(s.lookup_port, "692365");
	cr_assert_str_eq(json_object_to_json_string_ext(hashes, JSON_C_TO_STRING_PLAIN), want_hashes);

	/* The 28 hashes are exactly the IDs of the block's transaction bodies. */
	struct json_object *bodies_doc = json_object_from_file(it_fixture("GetTxnBodiesForTxBlock.json"));
	struct json_object *bodies = json_object_object_get(bodies_doc, "result");
	size_t total = 0;
	for (size_t i = 0; i < json_object_array_length(hashes); i++) {
		struct json_object *shard = json_object_array_get_idx(hashes, i);
		for (size_t j = 0; j < json_object_array_length(shard); j++, total++) {
			struct json_object *body = json_object_array_get_idx(bodies, total);
			cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(shard, j)),
					 json_object_get_string(json_object_object_get(body, "ID")));
		}
	}
	cr_assert_eq(total, 28);
	cr_assert(it_ws_silent(ws, 500), "one message per block");

	json_object_put(bodies_doc);
	free(want_hashes);
	free(want_block);
	json_object_put(n);
	free(msg);
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(foundation, empty_block_notifies_with_empty_hash_list, .timeout = 90)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	struct it_ws *ws = subscribe_newblock(s.zws_port);

	cr_assert_eq(it_lookup_produce(s.lookup_port, 1), 1001);
	char *msg = it_ws_recv(ws, 15000);
	cr_assert(msg, "no notification for empty block 1001");
	struct json_object *n = parse_notification(msg);
	struct json_object *value = newblock_value(n);
	char *want = it_fixture_result("GetTxBlock_1001_no_txns.json");
	cr_assert_str_eq(json_object_to_json_string_ext(json_object_object_get(value, "TxBlock"),
							JSON_C_TO_STRING_PLAIN), want);
	cr_assert_str_eq(json_object_to_json_string_ext(json_object_object_get(value, "TxHashes"),
							JSON_C_TO_STRING_PLAIN), "[]");
	cr_assert(strstr(msg, "\"TxHashes\":[]"), "wire text carries an empty TxHashes: %.200s", msg);

	free(want);
	json_object_put(n);
	free(msg);
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

static long long block_num_of(const char *msg)
{
	struct json_object *n = parse_notification(msg);
	struct json_object *tx = json_object_object_get(newblock_value(n), "TxBlock");
	struct json_object *hdr = json_object_object_get(tx, "header");
	long long b = atoll(json_object_get_string(json_object_object_get(hdr, "BlockNum")));
	json_object_put(n);
	return b;
}

Test(foundation, ingest_restart_resumes_after_last_block, .timeout = 120)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 2000 };
	it_stack_start(&s, &o);
	struct it_ws *ws = subscribe_newblock(s.zws_port);

	cr_assert_eq(it_lookup_produce(s.lookup_port, 2), 2002);
	cr_assert(it_wait_block(s.db, 2002, 15000));
	cr_assert_eq(it_proc_stop(s.ingest, SIGTERM, 10000), 0, "zws-ingest exits 0 on SIGTERM");
	/* Three blocks appear while ingest is down. */
	cr_assert_eq(it_lookup_produce(s.lookup_port, 3), 2005);

	char lookup_url[64];
	snprintf(lookup_url, sizeof(lookup_url), "http://127.0.0.1:%d", s.lookup_port);
	char *argv[] = { (char *)it_bin("zws-ingest"), "--db", s.db, "--lookup", lookup_url,
			 "--poll-ms", "100", NULL };
	s.ingest = it_proc_start("ingest-2", argv);
	cr_assert(it_wait_block(s.db, 2005, 20000), "restarted ingest did not catch up");

	for (long long want = 2001; want <= 2005; want++) {
		char *msg = it_ws_recv(ws, 15000);
		cr_assert(msg, "no notification for block %lld", want);
		cr_assert_eq(block_num_of(msg), want, "blocks arrive in order, each once");
		free(msg);
	}
	cr_assert(it_ws_silent(ws, 500));
	cr_assert_eq(it_db_count(s.db, "SELECT count(*) FROM tx_blocks WHERE block_num BETWEEN 2000 AND 2005"), 6);
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(foundation, zws_refuses_a_database_without_schema, .timeout = 30)
{
	char *db = it_db_new();
	char port[16];
	snprintf(port, sizeof(port), "%d", it_free_port());
	char *argv[] = { (char *)it_bin("zws"), "--db", db, "--port", port, NULL };
	struct it_proc *p = it_proc_start("zws", argv);
	int st = it_proc_wait(p, 10000);
	cr_assert(st != -1, "zws kept running without a schema");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0, "zws must fail");
	cr_assert(it_log_wait(p, "schema", 100), "zws names the schema problem in one line");
	free(db);
	it_mark_passed();
}
