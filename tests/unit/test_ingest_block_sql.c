/* Statements and parameters storing groups of blocks (block 692365, an
 * empty block, both together), and the binary array encoding. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txblock.h"
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

/* A decoded binary text[] parameter. */
struct elems {
	size_t n;
	char *v[128]; /* NULL: SQL NULL */
};

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void decode(const struct block_sql_params *p, int i, struct elems *out)
{
	const unsigned char *d = (const unsigned char *)p->values[i];
	size_t len = (size_t)p->lengths[i], off = 12;
	cr_assert_eq(p->formats[i], 1, "param %d is binary", i);
	cr_assert(len >= 12 && get_u32(d + 8) == BLOCK_SQL_TEXT_OID);
	memset(out, 0, sizeof(*out));
	if (get_u32(d) == 0) {
		cr_assert_eq(len, 12);
		return;
	}
	cr_assert_eq(get_u32(d), 1, "one dimension");
	out->n = get_u32(d + 12);
	cr_assert_eq(get_u32(d + 16), 1, "lower bound 1");
	off = 20;
	for (size_t k = 0; k < out->n; k++) {
		uint32_t n = get_u32(d + off);
		off += 4;
		if (n == UINT32_MAX)
			continue;
		if (k < 128)
			out->v[k] = strndup((const char *)d + off, n);
		off += n;
	}
	cr_assert_eq(off, len, "the elements fill the value");
}

static void elems_free(struct elems *e)
{
	for (size_t k = 0; k < 128; k++)
		free(e->v[k]);
}

/* Asserts param i holds n elements and, when first is not NULL, that its
 * first element is first. */
static void expect(const struct block_sql_params *p, int i, size_t n, const char *first)
{
	struct elems e;
	decode(p, i, &e);
	cr_assert_eq(e.n, n, "param %d: %zu elements, want %zu", i, e.n, n);
	if (first)
		cr_assert_str_eq(e.v[0], first, "param %d", i);
	elems_free(&e);
}

Test(ingest_block_sql, binary_arrays)
{
	struct block_sql_buf a = { 0 }, b = { 0 }, empty = { 0 };
	block_sql_elems_add(&a, "x");
	block_sql_elems_add(&a, NULL);
	block_sql_elems_add(&b, "{\"k\":\"v\\\\\"}");
	const struct block_sql_buf *parts[] = { &a, &empty, &b };
	size_t len;
	char *v = block_sql_array_join(parts, 3, &len);
	static const unsigned char want[] = {
		0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 25, 0, 0, 0, 3, 0, 0, 0, 1,
		0, 0, 0, 1, 'x', 0xff, 0xff, 0xff, 0xff,
		0, 0, 0, 11, '{', '"', 'k', '"', ':', '"', 'v', '\\', '\\', '"', '}',
	};
	cr_assert_eq(len, sizeof(want));
	cr_assert(memcmp(v, want, len) == 0);
	free(v);
	const struct block_sql_buf *none[] = { &empty };
	v = block_sql_array_join(none, 1, &len);
	static const unsigned char want_empty[] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 25 };
	cr_assert_eq(len, sizeof(want_empty));
	cr_assert(memcmp(v, want_empty, len) == 0);
	free(v);
	block_sql_elems_free(&a);
	block_sql_elems_free(&b);
}

typedef void edit_fn(struct json_object *bodies);

static struct ingest_block *block_692365_edited(edit_fn *edit)
{
	char err[256];
	struct json_object *h = fixture("GetTxBlock.json"), *bodies = fixture("GetTxnBodiesForTxBlock.json");
	if (edit)
		edit(bodies);
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
	json_object_put(h);
	json_object_put(bodies);
	json_object_put(hashes);
	return b;
}

static struct ingest_block *block_692365(void)
{
	return block_692365_edited(NULL);
}

Test(ingest_block_sql, block_692365)
{
	struct ingest_block *b = block_692365();
	struct block_sql_rows *rows = block_sql_rows_build(b, true, false);
	cr_assert_not_null(rows);
	struct block_sql_member m = { b, rows, 692370 };
	struct block_sql *s = block_sql_group_build(&m, 1);
	cr_assert_not_null(s);
	cr_assert_eq(s->count, 7, "replace, blocks, txns, logs, contracts, cursor, notify");
	const struct block_sql_params *p = find(s, BLOCK_SQL_REPLACE);
	cr_assert_str_eq(p->values[0], "692365");
	cr_assert_str_eq(p->values[1], "692365");
	p = find(s, BLOCK_SQL_BLOCKS);
	expect(p, 0, 1, "692365");
	expect(p, 2, 1, "28");
	expect(p, 3, 1, "1595863976488744");
	struct elems e;
	decode(p, 4, &e);
	/* compact, node key order */
	cr_assert(strncmp(e.v[0], "{\"header\":{\"Rewards\":\"19734000000000\",\"DSBlockNum\":\"6924\"", 56) == 0,
		  "%.80s", e.v[0]);
	elems_free(&e);
	p = find(s, BLOCK_SQL_TXNS);
	cr_assert_eq(p->nparams, 14);
	for (int c = 0; c < 14; c++)
		expect(p, c, 28, NULL);
	expect(p, 1, 28, "304c77801b13a896da46c9471624fb5a6c01b6544680fc83ef181966a050f24a");
	expect(p, 3, 28, "1eb03ba948ab480fda77c3ff0724773066f94b02");
	decode(p, 11, &e);
	cr_assert_null(e.v[0], "no contract address for calls");
	elems_free(&e);
	p = find(s, BLOCK_SQL_EVENT_LOGS);
	for (int c = 0; c < 8; c++)
		expect(p, c, 13, NULL);
	expect(p, 4, 13, "0x17329229cd84b964130977975054f7725a85381a");
	p = find(s, BLOCK_SQL_CONTRACTS);
	expect(p, 0, 1, "0x17329229cd84b964130977975054f7725a85381a");
	expect(p, 1, 1, "event");
	expect(p, 2, 1, "692365");
	p = find(s, BLOCK_SQL_CURSOR);
	cr_assert_str_eq(p->values[0], "692365");
	cr_assert_str_eq(p->values[1], "692370");
	expect(find(s, BLOCK_SQL_NOTIFY), 0, 1, "{\"block_num\":692365,\"live\":true}");
	for (int i = 0; i < s->count; i++)
		cr_assert_eq(s->stmts[i].nparams, block_sql_stmts[s->stmts[i].stmt].nparams);
	block_sql_free(s);
	block_sql_rows_free(rows);
	txblock_free(b);
}

static struct ingest_block *empty_block(uint64_t num)
{
	char err[256];
	struct json_object *h = fixture("GetTxBlock_1001_no_txns.json"), *empty = json_object_new_array();
	struct ingest_block *b = txblock_new(1001);
	cr_assert_eq(txblock_set_header(b, h, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert(txblock_add_hashes(b, empty, false, err, sizeof(err)) &&
		  txblock_add_bodies(b, empty, false, err, sizeof(err)) && txblock_finish(b, err, sizeof(err)));
	json_object_put(h);
	json_object_put(empty);
	b->num = num;
	return b;
}

Test(ingest_block_sql, empty_block)
{
	struct ingest_block *b = empty_block(1001);
	struct block_sql_rows *rows = block_sql_rows_build(b, false, false);
	struct block_sql_member m = { b, rows, 5000 };
	struct block_sql *s = block_sql_group_build(&m, 1);
	cr_assert_eq(s->count, 4, "replace, blocks, cursor, notify");
	expect(find(s, BLOCK_SQL_BLOCKS), 5, 1, "[]");
	expect(find(s, BLOCK_SQL_NOTIFY), 0, 1, "{\"block_num\":1001,\"live\":false}");
	block_sql_free(s);
	block_sql_rows_free(rows);
	txblock_free(b);
}

/* A group joins its blocks' rows in block order; a contract named by
 * several blocks is one row, from the first block naming it. */
Test(ingest_block_sql, group)
{
	struct ingest_block *blocks[4] = { empty_block(692364), block_692365(), block_692365(), empty_block(692367) };
	blocks[2]->num = 692366;
	struct block_sql_rows *rows[4];
	struct block_sql_member m[4];
	for (int i = 0; i < 4; i++) {
		rows[i] = block_sql_rows_build(blocks[i], i == 3, false);
		m[i] = (struct block_sql_member){ blocks[i], rows[i], 692367 };
	}
	struct block_sql *s = block_sql_group_build(m, 4);
	cr_assert_eq(s->count, 7);
	const struct block_sql_params *p = find(s, BLOCK_SQL_REPLACE);
	cr_assert_str_eq(p->values[0], "692364");
	cr_assert_str_eq(p->values[1], "692367");
	p = find(s, BLOCK_SQL_BLOCKS);
	for (int c = 0; c < 6; c++)
		expect(p, c, 4, NULL);
	struct elems e;
	decode(p, 0, &e);
	cr_assert(strcmp(e.v[0], "692364") == 0 && strcmp(e.v[1], "692365") == 0 &&
		  strcmp(e.v[2], "692366") == 0 && strcmp(e.v[3], "692367") == 0);
	elems_free(&e);
	p = find(s, BLOCK_SQL_TXNS);
	for (int c = 0; c < 14; c++)
		expect(p, c, 56, NULL);
	decode(p, 0, &e);
	cr_assert(strcmp(e.v[27], "692365") == 0 && strcmp(e.v[28], "692366") == 0);
	elems_free(&e);
	p = find(s, BLOCK_SQL_EVENT_LOGS);
	for (int c = 0; c < 8; c++)
		expect(p, c, 26, NULL);
	p = find(s, BLOCK_SQL_CONTRACTS);
	expect(p, 0, 1, "0x17329229cd84b964130977975054f7725a85381a");
	expect(p, 2, 1, "692365");
	cr_assert_str_eq(find(s, BLOCK_SQL_CURSOR)->values[0], "692367");
	decode(find(s, BLOCK_SQL_NOTIFY), 0, &e);
	cr_assert_eq(e.n, 4);
	cr_assert_str_eq(e.v[0], "{\"block_num\":692364,\"live\":false}");
	cr_assert_str_eq(e.v[2], "{\"block_num\":692366,\"live\":false}");
	cr_assert_str_eq(e.v[3], "{\"block_num\":692367,\"live\":true}");
	elems_free(&e);
	block_sql_free(s);
	for (int i = 0; i < 4; i++) {
		block_sql_rows_free(rows[i]);
		txblock_free(blocks[i]);
	}
}

/* The first event log of block 692365 (transaction 17) as a hostile lookup
 * might send it: a NUL escape in its name, invalid UTF-8 in a param. */
static void hostile_event(struct json_object *bodies)
{
	struct json_object *receipt, *logs, *log, *params;
	json_object_object_get_ex(json_object_array_get_idx(bodies, 17), "receipt", &receipt);
	cr_assert(json_object_object_get_ex(receipt, "event_logs", &logs));
	log = json_object_array_get_idx(logs, 0);
	json_object_object_add(log, "_eventname", json_object_new_string_len("Evil\0Name", 9));
	json_object_object_get_ex(log, "params", &params);
	json_object_object_add(json_object_array_get_idx(params, 0), "value",
			       json_object_new_string("bad \xff\xfe bytes"));
}

Test(ingest_block_sql, event_names_keep_nul_and_invalid_utf8_is_found_or_repaired)
{
	struct ingest_block *b = block_692365_edited(hostile_event);
	const char *tx = "389d0c16969c078d3322213619d291c7449c610d747ce3b42afa1ebeff539289";
	for (int repair = 0; repair < 2; repair++) {
		struct block_sql_rows *rows = block_sql_rows_build(b, true, repair);
		const char *where = NULL;
		cr_assert(block_sql_rows_bad_utf8(rows, &where));
		cr_assert_str_eq(where, tx, "the transaction holding the bytes");
		struct block_sql_member m = { b, rows, 692370 };
		struct block_sql *s = block_sql_group_build(&m, 1);
		const struct block_sql_params *p = find(s, BLOCK_SQL_EVENT_LOGS);
		struct elems e;
		decode(p, 5, &e);
		cr_assert_str_eq(e.v[0], "Evil\\u0000Name", "the name as JSON string contents");
		cr_assert_str_eq(e.v[1], "VerifyTweetSuccessful", "a plain name as it is");
		elems_free(&e);
		decode(p, 6, &e);
		cr_assert(strstr(e.v[0], repair ? "bad \\ufffd\\ufffd bytes" : "bad \xff\xfe bytes"), "%s", e.v[0]);
		elems_free(&e);
		decode(find(s, BLOCK_SQL_TXNS), 12, &e);
		cr_assert(strstr(e.v[17], repair ? "bad \\ufffd\\ufffd bytes" : "bad \xff\xfe bytes"), "receipt");
		elems_free(&e);
		block_sql_free(s);
		block_sql_rows_free(rows);
	}
	txblock_free(b);
}

Test(ingest_block_sql, clean_rows_report_no_invalid_utf8_and_their_size)
{
	struct ingest_block *b = block_692365();
	struct block_sql_rows *rows = block_sql_rows_build(b, true, false);
	const char *where = "unset";
	cr_assert_not(block_sql_rows_bad_utf8(rows, &where));
	cr_assert_null(where);
	size_t bytes = block_sql_rows_bytes(rows);
	cr_assert(bytes > 20000 && bytes < 200000, "%zu", bytes);
	block_sql_rows_free(rows);
	txblock_free(b);
}
