/* The whole zws protocol end to end (real PostgreSQL, zws-ingest, the fake
 * lookup and zws): queries and their exact echoes and errors, EventLog with
 * contract validation (also for a contract deployed before ingest started,
 * and with the lookup gone), TxnLog, Unsubscribe, one batched message per
 * epoch in the order NewBlock, EventLog, TxnLog, Unsubscribe. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* The contract that emits 13 events in mainnet block 692365. */
#define CONTRACT "0x17329229cd84b964130977975054f7725a85381a"
/* Recipient of block 692365's first payment; not a contract. */
#define PAYEE "07c9d1edb8aa95194033b6783b351409b1cbd355"

static struct it_ws *connect_ws(const struct it_stack *s)
{
	struct it_ws *ws = it_ws_connect(s->zws_port, 5000);
	cr_assert(ws, "WebSocket handshake with zws failed");
	return ws;
}

/* Sends q and asserts the reply is exactly want (the echo if want is NULL). */
static void ask(struct it_ws *ws, const char *q, const char *want)
{
	cr_assert(it_ws_send(ws, q));
	char *got = it_ws_recv(ws, 10000);
	cr_assert(got, "no answer to %s", q);
	cr_assert_str_eq(got, want ? want : q, "answer to %s", q);
	free(got);
}

static void ask_error(struct it_ws *ws, const char *q, const char *message)
{
	char want[200];
	snprintf(want, sizeof(want), "{\"type\":\"Error\",\"error\":\"%s\"}", message);
	ask(ws, q, want);
}

/* values[] of a notification, with the queries joined by commas. */
static struct json_object *notification(struct it_ws *ws, char *queries, size_t qlen)
{
	char *msg = it_ws_recv(ws, 15000);
	cr_assert(msg, "no notification");
	struct json_object *o = json_tokener_parse(msg);
	cr_assert(o, "not JSON: %.200s", msg);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(o, "type")), "Notification");
	struct json_object *values = json_object_object_get(o, "values");
	queries[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(values); i++) {
		struct json_object *v = json_object_array_get_idx(values, i);
		snprintf(queries + strlen(queries), qlen - strlen(queries), "%s%s", i ? "," : "",
			 json_object_get_string(json_object_object_get(v, "query")));
	}
	free(msg);
	return o;
}

static struct json_object *value_of(struct json_object *n, const char *query)
{
	struct json_object *values = json_object_object_get(n, "values");
	for (size_t i = 0; i < json_object_array_length(values); i++) {
		struct json_object *v = json_object_array_get_idx(values, i);
		if (strcmp(json_object_get_string(json_object_object_get(v, "query")), query) == 0)
			return json_object_object_get(v, "value");
	}
	return NULL;
}

/* Block 692365's event logs as the receipts have them. */
static struct json_object *receipt_events(void)
{
	struct json_object *doc = json_object_from_file(it_fixture("GetTxnBodiesForTxBlock.json"));
	struct json_object *bodies = json_object_object_get(doc, "result");
	struct json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(bodies); i++) {
		struct json_object *r = json_object_object_get(json_object_array_get_idx(bodies, i), "receipt");
		struct json_object *logs = json_object_object_get(r, "event_logs");
		for (size_t j = 0; logs && j < json_object_array_length(logs); j++) {
			struct json_object *log = json_object_array_get_idx(logs, j), *e = json_object_new_object();
			json_object_object_add(e, "_eventname", json_object_get(json_object_object_get(log, "_eventname")));
			json_object_object_add(e, "params", json_object_get(json_object_object_get(log, "params")));
			json_object_array_add(out, e);
		}
	}
	json_object_put(doc);
	return out;
}

Test(protocol, newblock_eventlog_txnlog_and_unsubscribe_in_one_message, .timeout = 120)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 692364 };
	it_stack_start(&s, &o);
	struct it_ws *ws = connect_ws(&s);
	struct it_ws *bystander = connect_ws(&s);
	struct it_ws *quiet = connect_ws(&s);
	ask(quiet, "{\"query\":\"TxnLog\",\"addresses\":[\"0x000000000000000000000000000000000000dead\"]}", NULL);
	ask(bystander, "{\"query\":\"EventLog\",\"addresses\":[\"" CONTRACT "\"]}", NULL);
	ask(ws, "{\"query\":\"NewBlock\"}", NULL);
	/* Mixed case, a non-contract dropped silently, echo as sent. */
	ask(ws, "{\"query\":\"EventLog\",\"addresses\":[\"0x17329229CD84B964130977975054F7725A85381A\",\"0x" PAYEE "\"]}", NULL);
	ask(ws, "{\"query\":\"TxnLog\",\"addresses\":[\"" PAYEE "\"]}", NULL);
	ask(ws, "{\"query\":\"Unsubscribe\",\"type\":\"EventLog\"}", NULL);

	cr_assert_eq(it_lookup_produce(s.lookup_port, 1), 692365);
	char q[200];
	struct json_object *n = notification(ws, q, sizeof(q));
	cr_assert_str_eq(q, "NewBlock,EventLog,TxnLog,Unsubscribe");
	struct json_object *ev = value_of(n, "EventLog");
	cr_assert_eq(json_object_array_length(ev), 1, "only the contract, not the payee");
	struct json_object *entry = json_object_array_get_idx(ev, 0);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(entry, "address")), CONTRACT);
	struct json_object *want = receipt_events();
	cr_assert(json_object_equal(json_object_object_get(entry, "event_logs"), want),
		  "the 13 event logs exactly as in the receipts");
	struct json_object *tl = json_object_array_get_idx(value_of(n, "TxnLog"), 0);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(tl, "address")), "0x" PAYEE);
	struct json_object *t0 = json_object_array_get_idx(json_object_object_get(tl, "log"), 0);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(t0, "ID")),
			 "304c77801b13a896da46c9471624fb5a6c01b6544680fc83ef181966a050f24a");
	cr_assert_str_eq(json_object_get_string(json_object_object_get(t0, "toAddr")), PAYEE);
	cr_assert_str_eq(json_object_to_json_string(value_of(n, "Unsubscribe")), "[ \"EventLog\" ]");
	json_object_put(n);
	cr_assert(it_ws_silent(ws, 300), "one message per block");

	/* The bystander got only its EventLog, byte for byte the same entry. */
	n = notification(bystander, q, sizeof(q));
	cr_assert_str_eq(q, "EventLog");
	cr_assert(json_object_equal(json_object_object_get(json_object_array_get_idx(value_of(n, "EventLog"), 0), "event_logs"), want));
	json_object_put(n);
	json_object_put(want);

	/* From the next block on, EventLog is gone for ws (the contract emits
	 * again there: the bystander hears it). */
	cr_assert_eq(it_lookup_produce(s.lookup_port, 1), 692366);
	n = notification(ws, q, sizeof(q));
	cr_assert(strncmp(q, "NewBlock", 8) == 0 && !strstr(q, "EventLog") && !strstr(q, "Unsubscribe"), "%s", q);
	json_object_put(n);
	n = notification(bystander, q, sizeof(q));
	cr_assert_str_eq(q, "EventLog");
	json_object_put(n);
	cr_assert(it_ws_silent(quiet, 300), "nothing to receive, no message");
	it_ws_close(ws);
	it_ws_close(bystander);
	it_ws_close(quiet);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(protocol, queries_and_exact_errors, .timeout = 60)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 692364, .zws_args = (const char *const[]){ "--max-addresses", "2", NULL } };
	it_stack_start(&s, &o);
	struct it_ws *ws = connect_ws(&s);
	ask_error(ws, "hello", "invalid query field");
	/* An array is a JSON-RPC batch (docs/protocol.md, "Reading the chain"). */
	ask(ws, "[1]", "[{\"id\":null,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,"
		       "\"message\":\"a request must be a JSON object\"}}]");
	ask_error(ws, "{\"query\":\"Blocks\"}", "invalid query field");
	ask_error(ws, "{\"query\":\"EventLog\"}", "invalid addresses field");
	ask_error(ws, "{\"query\":\"EventLog\",\"addresses\":[]}", "invalid addresses field");
	ask_error(ws, "{\"query\":\"EventLog\",\"addresses\":[\"0x1234\"]}", "invalid addresses field");
	ask_error(ws, "{\"query\":\"TxnLog\",\"addresses\":[\"zil1zueg9zwdsjukgycfwam4q48hwfdgtsqm6ecwjv\"]}",
		  "invalid addresses field");
	ask_error(ws, "{\"query\":\"EventLog\",\"addresses\":[\"" PAYEE "\"]}", "no contract found in list");
	ask_error(ws, "{\"query\":\"Unsubscribe\"}", "invalid type field");
	ask_error(ws, "{\"query\":\"Unsubscribe\",\"type\":\"Everything\"}", "invalid type field");
	/* The per-connection address cap (2 here) counts EventLog + TxnLog. */
	ask(ws, "{\"query\":\"TxnLog\",\"addresses\":[\"" PAYEE "\",\"0x1eb03ba948ab480fda77c3ff0724773066f94b02\"]}", NULL);
	ask_error(ws, "{\"query\":\"EventLog\",\"addresses\":[\"" CONTRACT "\"]}",
		  "too many addresses (limit 2 per connection)");
	ask(ws, "{\"query\":\"Unsubscribe\",\"type\":\"TxnLog\"}", NULL);
	ask(ws, "{\"query\":\"EventLog\",\"addresses\":[\"" CONTRACT "\"]}", NULL);
	/* A failed query changed nothing and the connection stays open. */
	ask(ws, "{\"query\":\"NewBlock\"}", NULL);
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(protocol, contract_deployed_before_ingest_started_is_checked_and_cached, .timeout = 60)
{
	const char *old = "0x00000000000000000000000000000000000c0de1";
	struct it_stack s;
	struct it_stack_opts o = { .height = 692364,
				   .lookup_args = (const char *const[]){ "--contract", old, NULL } };
	it_stack_start(&s, &o);
	cr_assert_eq(it_db_count(s.db, "SELECT count(*) FROM contracts WHERE address = '0x00000000000000000000000000000000000c0de1'"), 0);
	struct it_ws *ws = connect_ws(&s);
	ask(ws, "{\"query\":\"EventLog\",\"addresses\":[\"0x00000000000000000000000000000000000C0DE1\"]}", NULL);
	/* The answer is stored after the client has its echo, not before. */
	long long cached = 0;
	for (long long end = it_now_ms() + 5000; cached == 0 && it_now_ms() < end; usleep(20000))
		cached = it_db_count(s.db, "SELECT count(*) FROM contracts WHERE address = '0x00000000000000000000000000000000000c0de1'"
					   " AND is_contract AND source = 'lookup'");
	cr_assert_eq(cached, 1, "the lookup's answer is cached");
	/* With the lookup gone, known contracts still work from the database
	 * and unknown addresses get an answer from what is known. */
	it_proc_stop(s.lookup, SIGTERM, 5000);
	ask(ws, "{\"query\":\"EventLog\",\"addresses\":[\"0x00000000000000000000000000000000000c0de1\"]}", NULL);
	ask_error(ws, "{\"query\":\"EventLog\",\"addresses\":[\"0x00000000000000000000000000000000000c0de2\"]}",
		  "no contract found in list");
	cr_assert(it_log_wait(s.zws, "lookup", 2000), "zws logs that the lookup failed");
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(protocol, shutdown_closes_clients_with_1001, .timeout = 60)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	struct it_ws *ws = connect_ws(&s);
	ask(ws, "{\"query\":\"NewBlock\"}", NULL);
	cr_assert_eq(it_proc_stop(s.zws, SIGTERM, 5000), 0, "zws exits 0 on SIGTERM");
	cr_assert_null(it_ws_recv(ws, 3000));
	cr_assert_eq(it_ws_close_code(ws), 1001);
	s.zws = NULL;
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

/* While a contract check waits on the lookup, later messages wait too:
 * their replies come after the EventLog echo, in the order they were sent. */
Test(protocol, messages_sent_during_a_contract_check_are_answered_in_order, .timeout = 60)
{
	struct it_stack s;
	it_stack_start(&s, &(struct it_stack_opts){ .height = 692364 });
	int st = it_http(s.lookup_port, "POST", "/fake/fault", "{\"mode\":\"slow\",\"count\":-1,\"delay_ms\":700}", NULL);
	cr_assert_eq(st, 200, "the fake lookup refused the fault");
	struct it_ws *ws = connect_ws(&s);
	const char *sent[] = {
		"{\"query\":\"EventLog\",\"addresses\":[\"" CONTRACT "\"]}",
		"{\"query\":\"NewBlock\"}",
		"{\"query\":\"TxnLog\",\"addresses\":[\"" PAYEE "\"]}",
		"{\"query\":\"Nothing\"}",
		"{\"query\":\"Unsubscribe\",\"type\":\"TxnLog\"}",
	};
	const char *want[] = { sent[0], sent[1], sent[2], "{\"type\":\"Error\",\"error\":\"invalid query field\"}",
			       sent[4] };
	for (size_t i = 0; i < 5; i++)
		cr_assert(it_ws_send(ws, sent[i]));
	long long t0 = it_now_ms();
	for (size_t i = 0; i < 5; i++) {
		char *got = it_ws_recv(ws, 10000);
		cr_assert(got, "no answer to %s", sent[i]);
		cr_assert_str_eq(got, want[i], "answer %zu", i);
		free(got);
	}
	cr_assert_geq(it_now_ms() - t0, 500, "the EventLog query did not wait for the lookup");
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}
