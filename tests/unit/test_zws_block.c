/* zws block encoding: mainnet block 692365 (fixtures GetTxBlock.json and
 * GetTxnBodiesForTxBlock.json) turned into the NewBlock value and the
 * per-contract EventLog / per-address TxnLog fragments, compared with what
 * json-c builds independently from the receipts. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "block_feed.h"

#define PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static struct json_object *fixture_result(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
	struct json_object *doc = json_object_from_file(path);
	cr_assert(doc, "cannot read %s", path);
	struct json_object *r = json_object_get(json_object_object_get(doc, "result"));
	json_object_put(doc);
	return r;
}

static const char *text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, PLAIN);
}

/* Block 692365 built as zws builds it from the rows ingest stores. */
static struct block *mainnet_block(struct json_object *txblock, struct json_object *bodies)
{
	struct block *b = block_new(692365, text(txblock), "[[\"aa\"],[]]");
	cr_assert(b);
	char err[160];
	for (size_t i = 0; i < json_object_array_length(bodies); i++) {
		struct json_object *body = json_object_array_get_idx(bodies, i);
		struct json_object *receipt = json_object_object_get(body, "receipt");
		bool ok = json_object_get_boolean(json_object_object_get(receipt, "success"));
		struct json_object *logs = json_object_object_get(receipt, "event_logs");
		for (size_t j = 0; ok && logs && j < json_object_array_length(logs); j++) {
			struct json_object *log = json_object_array_get_idx(logs, j);
			cr_assert(block_add_event(b, json_object_get_string(json_object_object_get(log, "address")),
						  json_object_get_string(json_object_object_get(log, "_eventname")),
						  text(json_object_object_get(log, "params")), err, sizeof(err)), "%s", err);
		}
	}
	cr_assert(block_finish(b, err, sizeof(err)));
	return b;
}

Test(zws_block, newblock_value_splices_stored_text)
{
	struct json_object *txblock = fixture_result("GetTxBlock.json");
	struct json_object *bodies = fixture_result("GetTxnBodiesForTxBlock.json");
	struct block *b = mainnet_block(txblock, bodies);
	char want[8192];
	snprintf(want, sizeof(want), "{\"TxBlock\":%s,\"TxHashes\":[[\"aa\"],[]]}", text(txblock));
	cr_expect_str_eq(b->newblock_value.data, want);
	block_free(b);
	json_object_put(txblock);
	json_object_put(bodies);
}

Test(zws_block, event_logs_of_692365_match_the_receipts)
{
	struct json_object *txblock = fixture_result("GetTxBlock.json");
	struct json_object *bodies = fixture_result("GetTxnBodiesForTxBlock.json");
	struct block *b = mainnet_block(txblock, bodies);

	/* Expected: every log of 0x1732…381a, in transaction then log order. */
	struct json_object *want = json_object_new_object();
	struct json_object *events = json_object_new_array();
	json_object_object_add(want, "address", json_object_new_string("0x17329229cd84b964130977975054f7725a85381a"));
	json_object_object_add(want, "event_logs", events);
	for (size_t i = 0; i < json_object_array_length(bodies); i++) {
		struct json_object *receipt = json_object_object_get(json_object_array_get_idx(bodies, i), "receipt");
		struct json_object *logs = json_object_object_get(receipt, "event_logs");
		for (size_t j = 0; logs && j < json_object_array_length(logs); j++) {
			struct json_object *log = json_object_array_get_idx(logs, j);
			struct json_object *e = json_object_new_object();
			json_object_object_add(e, "_eventname", json_object_get(json_object_object_get(log, "_eventname")));
			json_object_object_add(e, "params", json_object_get(json_object_object_get(log, "params")));
			json_object_array_add(events, e);
		}
	}
	cr_assert_eq(json_object_array_length(events), 13);
	cr_assert_eq(b->events.count, 1);
	cr_expect_str_eq(b->events.groups[0]->fragment.data, text(want));
	json_object_put(want);
	block_free(b);
	json_object_put(txblock);
	json_object_put(bodies);
}

struct txn_row {
	const char *id, *amount, *from, *to;
	bool success;
};

Test(zws_block, txn_log_lists_each_address_in_first_appearance_order)
{
	/* The first payment of block 692365 and two made-up follow-ups. */
	static const struct txn_row rows[] = {
		{ "304c77801b13a896da46c9471624fb5a6c01b6544680fc83ef181966a050f24a", "29999000000000",
		  "1eb03ba948ab480fda77c3ff0724773066f94b02", "07c9d1edb8aa95194033b6783b351409b1cbd355", true },
		{ "0000000000000000000000000000000000000000000000000000000000000001", "1",
		  "07c9d1edb8aa95194033b6783b351409b1cbd355", "17329229cd84b964130977975054f7725a85381a", false },
		{ "0000000000000000000000000000000000000000000000000000000000000002", "0",
		  "17329229cd84b964130977975054f7725a85381a", "17329229cd84b964130977975054f7725a85381a", true },
	};
	struct block *b = block_new(1, "{}", "[]");
	char err[160];
	for (size_t i = 0; i < 3; i++)
		cr_assert(block_add_txn(b, rows[i].id, rows[i].amount, rows[i].from, rows[i].to,
					rows[i].success, err, sizeof(err)), "%s", err);
	cr_assert(block_finish(b, err, sizeof(err)));
	static const char *const want[] = {
		"{\"address\":\"0x07c9d1edb8aa95194033b6783b351409b1cbd355\",\"log\":["
		"{\"ID\":\"304c77801b13a896da46c9471624fb5a6c01b6544680fc83ef181966a050f24a\",\"amount\":\"29999000000000\","
		"\"fromAddr\":\"1eb03ba948ab480fda77c3ff0724773066f94b02\",\"success\":true,"
		"\"toAddr\":\"07c9d1edb8aa95194033b6783b351409b1cbd355\"},"
		"{\"ID\":\"0000000000000000000000000000000000000000000000000000000000000001\",\"amount\":\"1\","
		"\"fromAddr\":\"07c9d1edb8aa95194033b6783b351409b1cbd355\",\"success\":false,"
		"\"toAddr\":\"17329229cd84b964130977975054f7725a85381a\"}]}",
		"{\"address\":\"0x1eb03ba948ab480fda77c3ff0724773066f94b02\",\"log\":["
		"{\"ID\":\"304c77801b13a896da46c9471624fb5a6c01b6544680fc83ef181966a050f24a\",\"amount\":\"29999000000000\","
		"\"fromAddr\":\"1eb03ba948ab480fda77c3ff0724773066f94b02\",\"success\":true,"
		"\"toAddr\":\"07c9d1edb8aa95194033b6783b351409b1cbd355\"}]}",
		"{\"address\":\"0x17329229cd84b964130977975054f7725a85381a\",\"log\":["
		"{\"ID\":\"0000000000000000000000000000000000000000000000000000000000000001\",\"amount\":\"1\","
		"\"fromAddr\":\"07c9d1edb8aa95194033b6783b351409b1cbd355\",\"success\":false,"
		"\"toAddr\":\"17329229cd84b964130977975054f7725a85381a\"},"
		"{\"ID\":\"0000000000000000000000000000000000000000000000000000000000000002\",\"amount\":\"0\","
		"\"fromAddr\":\"17329229cd84b964130977975054f7725a85381a\",\"success\":true,"
		"\"toAddr\":\"17329229cd84b964130977975054f7725a85381a\"}]}",
	};
	cr_assert_eq(b->txns.count, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_expect_str_eq(b->txns.groups[i]->fragment.data, want[i], "group %zu", i);
		struct json_object *o = json_tokener_parse(b->txns.groups[i]->fragment.data);
		cr_expect(o, "group %zu is JSON", i);
		json_object_put(o);
	}
	block_free(b);
}

Test(zws_block, bad_rows_are_refused)
{
	struct block *b = block_new(1, "{}", "[]");
	char err[160] = "";
	cr_expect_not(block_add_event(b, "0x123", "E", "[]", err, sizeof(err)));
	cr_expect(strstr(err, "not an address"), "%s", err);
	cr_expect_not(block_add_txn(b, "id", "1", "nothex", "07c9d1edb8aa95194033b6783b351409b1cbd355", true,
				    err, sizeof(err)));
	/* Event names are stored as JSON string contents and sent as they are. */
	cr_assert(block_add_event(b, "0x17329229cd84b964130977975054f7725a85381a", "a\\\"b\\\\c\\n", "[]", err, sizeof(err)));
	cr_assert(block_finish(b, err, sizeof(err)));
	cr_expect_str_eq(b->events.groups[0]->fragment.data,
			 "{\"address\":\"0x17329229cd84b964130977975054f7725a85381a\",\"event_logs\":"
			 "[{\"_eventname\":\"a\\\"b\\\\c\\n\",\"params\":[]}]}");
	block_free(b);
	block_free(NULL);
}

/* Rows read back in any order come out in block order: the tx_block row,
 * event logs by (tx_position, log_index), transactions by position. */
Test(zws_block, rows_sort_into_block_order)
{
	struct block_row rows[] = {
		{ 2, 1, 0, 0 }, { 1, 1, 0, 1 }, { 1, 0, 10, 2 }, { 0, 0, 0, 3 },
		{ 2, 0, 0, 4 }, { 1, 0, 2, 5 }, { 1, 2, 0, 6 }, { 1, 0, 9, 7 },
	};
	const uint32_t want[] = { 3, 5, 7, 2, 1, 6, 4, 0 };
	block_rows_sort(rows, sizeof(rows) / sizeof(rows[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect_eq(rows[i].row, want[i], "position %zu: row %u", i, rows[i].row);
}

Test(zws_block, rows_in_order_stay_and_ties_keep_their_row_order)
{
	struct block_row rows[] = {
		{ 0, 0, 0, 0 }, { 1, 0, 0, 1 }, { 1, 0, 1, 2 }, { 1, 1, 0, 3 }, { 2, 0, 0, 4 }, { 2, 1, 0, 5 },
	};
	block_rows_sort(rows, 6);
	for (uint32_t i = 0; i < 6; i++)
		cr_expect_eq(rows[i].row, i);
	struct block_row ties[] = { { 1, 4, 4, 7 }, { 1, 4, 4, 2 }, { 0, 0, 0, 9 } };
	block_rows_sort(ties, 3);
	cr_expect_eq(ties[0].row, 9);
	cr_expect_eq(ties[1].row, 2);
	cr_expect_eq(ties[2].row, 7);
	block_rows_sort(NULL, 0);
	block_rows_sort(ties, 1);
}

/* One contract's logs in a row, the same contract written differently and
 * another contract in between all land in the right group. */
Test(zws_block, consecutive_logs_of_a_contract_share_its_group)
{
	const char *a = "0x17329229cd84b964130977975054f7725a85381a";
	const char *a_upper = "0x17329229CD84B964130977975054F7725A85381A";
	const char *a_bare = "17329229cd84b964130977975054f7725a85381a";
	const char *b_addr = "0x07c9d1edb8aa95194033b6783b351409b1cbd355";
	struct block *b = block_new(1, "{}", "[]");
	char err[160] = "";
	cr_assert(block_add_event(b, a, "E1", "[]", err, sizeof(err)));
	cr_assert(block_add_event(b, a, "E2", "[]", err, sizeof(err)));
	cr_assert(block_add_event(b, b_addr, "E3", "[]", err, sizeof(err)));
	cr_assert(block_add_event(b, a_upper, "E4", "[]", err, sizeof(err)));
	cr_assert(block_add_event(b, a_bare, "E5", "[]", err, sizeof(err)));
	cr_expect_not(block_add_event(b, "0x17329229cd84b964130977975054f7725a85381", "E6", "[]", err,
				      sizeof(err)));
	cr_assert(block_add_event(b, a_bare, "E7", "[]", err, sizeof(err)));
	cr_assert(block_finish(b, err, sizeof(err)));
	cr_assert_eq(b->events.count, 2);
	cr_expect_str_eq(b->events.groups[0]->fragment.data,
			 "{\"address\":\"0x17329229cd84b964130977975054f7725a85381a\",\"event_logs\":["
			 "{\"_eventname\":\"E1\",\"params\":[]},{\"_eventname\":\"E2\",\"params\":[]},"
			 "{\"_eventname\":\"E4\",\"params\":[]},{\"_eventname\":\"E5\",\"params\":[]},"
			 "{\"_eventname\":\"E7\",\"params\":[]}]}");
	cr_expect_str_eq(b->events.groups[1]->fragment.data,
			 "{\"address\":\"0x07c9d1edb8aa95194033b6783b351409b1cbd355\",\"event_logs\":["
			 "{\"_eventname\":\"E3\",\"params\":[]}]}");
	block_free(b);
}
