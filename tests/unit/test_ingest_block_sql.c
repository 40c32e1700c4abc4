/* Statements and parameters storing a block (block 692365, an empty block). */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "block_sql.h"

static struct json_object *fixture(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
	struct json_object *doc = json_object_from_file(path), *result;
	cr_assert(doc && json_object_object_get_ex(doc, "result", &result), "%s", path);
	json_object_get(result);
	json_object_put(doc);
	return result;
}

static const struct block_sql_params *find(const struct block_sql *s, enum block_sql_stmt st)
{
	for (int i = 0; i < s->count; i++) {
		if (s->stmts[i].stmt == st)
			return &s->stmts[i];
	}
	return NULL;
}

Test(ingest_block_sql, array_literals)
{
	static const struct {
		const char *elems[3];
		int n;
		const char *literal;
	} cases[] = {
		{ { NULL }, 0, "{}" },
		{ { "a", "b" }, 2, "{\"a\",\"b\"}" },
		{ { "{\"k\":\"v\\\\\"}", NULL }, 2, "{\"{\\\"k\\\":\\\"v\\\\\\\\\\\"}\",NULL}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct block_sql_buf buf;
		block_sql_array_begin(&buf);
		for (int k = 0; k < cases[i].n; k++)
			block_sql_array_add(&buf, cases[i].elems[k]);
		char *lit = block_sql_array_end(&buf);
		cr_assert_str_eq(lit, cases[i].literal);
		free(lit);
	}
}

Test(ingest_block_sql, block_692365)
{
	char err[256];
	struct json_object *h = fixture("GetTxBlock.json"), *bodies = fixture("GetTxnBodiesForTxBlock.json");
	struct json_object *shard = json_object_new_array(), *hashes = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(bodies); i++) {
		struct json_object *id;
		json_object_object_get_ex(json_object_array_get_idx(bodies, i), "ID", &id);
		json_object_array_add(shard, json_object_get(id));
	}
	json_object_array_add(hashes, shard);
	struct ingest_block *b = txblock_new(692365);
	cr_assert_eq(txblock_set_header(b, h, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert(txblock_add_hashes(b, hashes, false, err, sizeof(err)) &&
		  txblock_add_bodies(b, bodies, false, err, sizeof(err)) && txblock_finish(b, err, sizeof(err)));
	struct block_sql *s = block_sql_build(b, 692370, true);
	cr_assert_not_null(s);
	cr_assert_eq(s->count, 8, "replace, tx_block, shards, txns, logs, contracts, cursor, notify");
	const struct block_sql_params *p = find(s, BLOCK_SQL_TX_BLOCK);
	cr_assert_str_eq(p->values[0], "692365");
	cr_assert_str_eq(p->values[2], "28");
	cr_assert_str_eq(p->values[3], "1595863976488744");
	/* compact, node key order */
	cr_assert(strncmp(p->values[4], "{\"header\":{\"Rewards\":\"19734000000000\",\"DSBlockNum\":\"6924\"", 56) == 0,
		  "%.80s", p->values[4]);
	p = find(s, BLOCK_SQL_TXNS);
	cr_assert_eq(p->nparams, 14);
	cr_assert(strncmp(p->values[1], "{\"304c77801b13a896da46c9471624fb5a6c01b6544680fc83ef181966a050f24a\"", 67) == 0);
	cr_assert(strncmp(p->values[3], "{\"1eb03ba948ab480fda77c3ff0724773066f94b02\"", 43) == 0);
	cr_assert(strstr(p->values[11], "NULL"), "no contract address for calls");
	p = find(s, BLOCK_SQL_EVENT_LOGS);
	cr_assert(strncmp(p->values[4], "{\"0x17329229cd84b964130977975054f7725a85381a\"", 45) == 0);
	p = find(s, BLOCK_SQL_CONTRACTS);
	cr_assert_str_eq(p->values[1], "{\"0x17329229cd84b964130977975054f7725a85381a\"}");
	cr_assert_str_eq(p->values[2], "{\"event\"}");
	p = find(s, BLOCK_SQL_CURSOR);
	cr_assert_str_eq(p->values[1], "692370");
	p = find(s, BLOCK_SQL_NOTIFY);
	cr_assert_str_eq(p->values[0], "{\"block_num\":692365,\"live\":true}");
	for (int i = 0; i < s->count; i++)
		cr_assert_eq(s->stmts[i].nparams, block_sql_stmts[s->stmts[i].stmt].nparams);
	block_sql_free(s);
	txblock_free(b);
	json_object_put(h);
	json_object_put(bodies);
	json_object_put(hashes);
}

Test(ingest_block_sql, empty_block)
{
	char err[256];
	struct json_object *h = fixture("GetTxBlock_1001_no_txns.json"), *empty = json_object_new_array();
	struct ingest_block *b = txblock_new(1001);
	cr_assert_eq(txblock_set_header(b, h, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert(txblock_add_hashes(b, empty, false, err, sizeof(err)) &&
		  txblock_add_bodies(b, empty, false, err, sizeof(err)) && txblock_finish(b, err, sizeof(err)));
	struct block_sql *s = block_sql_build(b, 5000, false);
	cr_assert_eq(s->count, 4, "replace, tx_block, cursor, notify");
	cr_assert_str_eq(find(s, BLOCK_SQL_TX_BLOCK)->values[5], "[]");
	cr_assert_str_eq(find(s, BLOCK_SQL_NOTIFY)->values[0], "{\"block_num\":1001,\"live\":false}");
	block_sql_free(s);
	txblock_free(b);
	json_object_put(h);
	json_object_put(empty);
}
