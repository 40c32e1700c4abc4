/* SQL for storing groups of blocks. Each table is filled by one prepared
 * statement whose rows come from unnest() over array parameters, so a
 * group of 64 blocks of 28 transactions is still a handful of statements.
 * A group first deletes any earlier copy of its blocks from every table,
 * so replaying leaves exactly one copy and plain INSERTs suffice; the
 * cursor only moves forward. Array literals are built per block, once; a
 * group joins its blocks' literals. JSON values are copied as the node
 * sent them (jraw.h), serialized only when they have no such text. */
#include "block_sql.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jraw.h"
#include "schema.h"
#include "utf8.h"

const struct block_sql_stmt_def block_sql_stmts[BLOCK_SQL_STMT_COUNT] = {
	[BLOCK_SQL_REPLACE] = { "zi_replace",
		"WITH s AS (DELETE FROM tx_block_shards WHERE block_num BETWEEN $1::bigint AND $2::bigint),"
		" t AS (DELETE FROM transactions WHERE block_num BETWEEN $1::bigint AND $2::bigint),"
		" e AS (DELETE FROM event_logs WHERE block_num BETWEEN $1::bigint AND $2::bigint)"
		" DELETE FROM tx_blocks WHERE block_num BETWEEN $1::bigint AND $2::bigint", 2 },
	[BLOCK_SQL_BLOCKS] = { "zi_blocks",
		"WITH b AS (INSERT INTO tx_blocks (block_num, block_hash, num_txns, timestamp_us, tx_block,"
		" tx_hashes) SELECT * FROM unnest($1::text[]::bigint[], $2::text[], $3::text[]::int[],"
		" $4::text[]::bigint[], $5::text[]::json[], $6::text[]::json[]) RETURNING block_num, tx_hashes)"
		" INSERT INTO tx_block_shards (block_num, shard, tx_hashes)"
		" SELECT b.block_num, (s.ord - 1)::int, ARRAY(SELECT json_array_elements_text(s.list))"
		" FROM b, json_array_elements(b.tx_hashes) WITH ORDINALITY AS s(list, ord)", 6 },
	[BLOCK_SQL_TXNS] = { "zi_txns",
		"INSERT INTO transactions (block_num, tx_hash, position, from_addr, to_addr, amount,"
		" nonce, gas_price, gas_limit, success, is_deploy, contract_addr, receipt, body)"
		" SELECT * FROM unnest($1::text[]::bigint[], $2::text[], $3::text[]::int[], $4::text[],"
		" $5::text[], $6::text[]::numeric[], $7::text[]::bigint[], $8::text[]::numeric[],"
		" $9::text[]::numeric[], $10::text[]::bool[], $11::text[]::bool[], $12::text[],"
		" $13::text[], $14::text[])", 14 },
	[BLOCK_SQL_EVENT_LOGS] = { "zi_event_logs",
		"INSERT INTO event_logs (block_num, tx_position, log_index, tx_hash, address,"
		" event_name, params, success) SELECT * FROM unnest($1::text[]::bigint[],"
		" $2::text[]::int[], $3::text[]::int[], $4::text[], $5::text[], $6::text[], $7::text[],"
		" $8::text[]::bool[])", 8 },
	[BLOCK_SQL_CONTRACTS] = { "zi_contracts",
		"INSERT INTO contracts (address, is_contract, source, block_num)"
		" SELECT a, true, s, n FROM unnest($1::text[], $2::text[], $3::text[]::bigint[]) AS u(a, s, n)"
		" ON CONFLICT (address) DO UPDATE SET is_contract = true, source = EXCLUDED.source,"
		" block_num = EXCLUDED.block_num, checked_at = now()"
		" WHERE NOT contracts.is_contract"
		" OR (EXCLUDED.source = 'deploy' AND contracts.source <> 'deploy')", 3 },
	[BLOCK_SQL_CURSOR] = { "zi_cursor",
		"INSERT INTO ingest_cursor (id, block_num, head, updated_at) VALUES (1, $1, $2, now())"
		" ON CONFLICT (id) DO UPDATE SET"
		" block_num = GREATEST(ingest_cursor.block_num, EXCLUDED.block_num),"
		" head = EXCLUDED.head, updated_at = now()", 2 },
	[BLOCK_SQL_NOTIFY] = { "zi_notify",
		"SELECT pg_notify('" SCHEMA_NOTIFY_CHANNEL "', p) FROM unnest($1::text[]) AS u(p)", 1 },
};

static void buf_put(struct block_sql_buf *buf, const void *data, size_t n)
{
	if (buf->failed)
		return;
	if (buf->len + n > buf->cap) {
		size_t cap = buf->cap ? buf->cap : 256;
		while (cap < buf->len + n)
			cap *= 2;
		char *d = realloc(buf->data, cap);
		if (!d) {
			buf->failed = true;
			return;
		}
		buf->data = d;
		buf->cap = cap;
	}
	if (n) /* data may be NULL for an empty value */
		memcpy(buf->data + buf->len, data, n);
	buf->len += n;
}

static void put_u32(struct block_sql_buf *buf, uint32_t v)
{
	unsigned char be[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
				(unsigned char)(v >> 8), (unsigned char)v };
	buf_put(buf, be, 4);
}

/* Appends one element made of count pieces, its length first. */
static void put_elem(struct block_sql_buf *buf, const char *const *piece, const size_t *len, int count)
{
	size_t n = 0;
	for (int k = 0; k < count; k++)
		n += len[k];
	if (n > INT32_MAX)
		buf->failed = true;
	put_u32(buf, (uint32_t)n);
	for (int k = 0; k < count; k++)
		buf_put(buf, piece[k], len[k]);
	buf->count++;
}

void block_sql_elems_add(struct block_sql_buf *buf, const char *elem)
{
	if (!elem) {
		put_u32(buf, UINT32_MAX); /* -1: NULL */
		buf->count++;
		return;
	}
	size_t n = strlen(elem);
	put_elem(buf, &elem, &n, 1);
}

void block_sql_elems_free(struct block_sql_buf *buf)
{
	free(buf->data);
	memset(buf, 0, sizeof(*buf));
}

char *block_sql_array_join(const struct block_sql_buf *const *parts, size_t n, size_t *len)
{
	struct block_sql_buf out = { 0 };
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		count += parts[i]->count;
		out.failed |= parts[i]->failed;
	}
	put_u32(&out, count > 0);      /* dimensions */
	put_u32(&out, 1);              /* may hold NULLs */
	put_u32(&out, BLOCK_SQL_TEXT_OID);
	if (count > 0) {
		put_u32(&out, (uint32_t)count);
		put_u32(&out, 1);      /* lower bound */
	}
	for (size_t i = 0; i < n; i++)
		buf_put(&out, parts[i]->data, parts[i]->len);
	if (out.failed || count > INT32_MAX) {
		free(out.data);
		return NULL;
	}
	*len = out.len;
	return out.data;
}

void block_sql_notify_payload(uint64_t num, bool live, char *out, size_t outlen)
{
	snprintf(out, outlen, "{\"block_num\":%" PRIu64 ",\"live\":%s}", num, live ? "true" : "false");
}


/* The array columns of one block, grouped by statement: the columns of
 * statement BLOCKS, TXNS, EVENT_LOGS and NOTIFY, each in parameter order. */
enum rows_col {
	COL_BLOCKS = 0,
	COL_TXNS = COL_BLOCKS + 6,
	COL_LOGS = COL_TXNS + 14,
	COL_NOTIFY = COL_LOGS + 8,
	COL_COUNT = COL_NOTIFY + 1,
};

struct block_sql_rows {
	struct block_sql_buf col[COL_COUNT];
	bool repair_utf8;
	bool bad_utf8;       /* some text was not valid UTF-8 */
	bool bad_in_txn;     /* ... in a transaction (else the header or hash lists) */
	char bad_tx_hash[65];
};

/* One array column; column(b, i, tmp, json) yields row i's value as text,
 * or, for a JSON column, sets *json to the object to store as JSON. */
typedef const char *(*column_fn)(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json);

static const char *fmt_int(char tmp[32], long long v)
{
	snprintf(tmp, 32, "%lld", v);
	return tmp;
}
static const char *fmt_bool(bool v) { return v ? "t" : "f"; }
static const char *col_num(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	snprintf(tmp, 32, "%" PRIu64, b->num);
	return tmp;
}

static const char *blk_hash(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return b->hash; }
static const char *blk_ntxns(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	return fmt_int(tmp, b->num_txns);
}
static const char *blk_ts(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	return b->has_timestamp ? fmt_int(tmp, b->timestamp_us) : NULL;
}
static const char *blk_json(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	*json = b->tx_block;
	return NULL;
}
static const char *blk_hashes(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	*json = b->tx_hashes;
	return NULL;
}

#define TXN (&b->txns[i])
static const char *txn_hash(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return TXN->hash; }
static const char *txn_pos(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	return fmt_int(tmp, TXN->position);
}
static const char *txn_from(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return TXN->from_addr; }
static const char *txn_to(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return TXN->to_addr; }
static const char *txn_amount(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return TXN->amount; }
static const char *txn_nonce(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	if (!TXN->has_nonce)
		return NULL;
	snprintf(tmp, 32, "%" PRIu64, TXN->nonce);
	return tmp;
}
static const char *txn_gp(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return TXN->gas_price; }
static const char *txn_gl(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return TXN->gas_limit; }
static const char *txn_ok(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return fmt_bool(TXN->success); }
static const char *txn_deploy(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	return fmt_bool(TXN->is_deploy);
}
static const char *txn_contract(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	return TXN->has_contract ? TXN->contract_addr : NULL;
}
static const char *txn_receipt(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	*json = TXN->receipt;
	return NULL;
}
static const char *txn_body(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	*json = TXN->body;
	return NULL;
}
#undef TXN

#define LOG (&b->logs[i])
static const char *log_pos(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	return fmt_int(tmp, LOG->tx_position);
}
static const char *log_index(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	return fmt_int(tmp, LOG->log_index);
}
static const char *log_hash(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return LOG->tx_hash; }
static const char *log_addr(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return LOG->address; }
/* The name as the contents of a JSON string (set *json to it); a plain
 * name, the usual case, is its own JSON text. */
static const char *log_name(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	const char *name = LOG->event_name;
	size_t len = strlen(name);
	bool plain = LOG->event_name_json == NULL ||
		     (size_t)json_object_get_string_len(LOG->event_name_json) == len;
	for (size_t k = 0; plain && k < len; k++)
		plain = (unsigned char)name[k] >= 0x20 && name[k] != '"' && name[k] != '\\';
	if (!plain)
		*json = LOG->event_name_json;
	return name;
}
static const char *log_params(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json)
{
	*json = LOG->params;
	return NULL;
}
static const char *log_ok(const struct ingest_block *b, size_t i, char tmp[32], struct json_object **json) { return fmt_bool(LOG->success); }
#undef LOG

static const column_fn block_columns[] = { col_num, blk_hash, blk_ntxns, blk_ts, blk_json, blk_hashes };
static const column_fn txn_columns[] = {
	col_num, txn_hash, txn_pos, txn_from, txn_to, txn_amount, txn_nonce, txn_gp, txn_gl,
	txn_ok, txn_deploy, txn_contract, txn_receipt, txn_body,
};
static const column_fn log_columns[] = {
	col_num, log_pos, log_index, log_hash, log_addr, log_name, log_params, log_ok,
};

/* Adds o as the node sent it (jraw), or serialized when it has no text of
 * the node's (a list assembled from pages); a string without its quotes:
 * JSON-escaped, so a NUL is stored as \u0000. */
static void add_json(struct block_sql_buf *buf, struct json_object *o)
{
	struct jraw_text raw;
	if (!jraw_text(o, &raw)) {
		size_t len;
		const char *text = json_object_to_json_string_length(
			o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		raw = (struct jraw_text){ { text }, { len }, 1 };
		if (json_object_is_type(o, json_type_string) && len >= 2)
			raw = (struct jraw_text){ { text + 1 }, { len - 2 }, 1 };
	}
	put_elem(buf, raw.piece, raw.len, raw.count);
}

/* The transaction hash of row i of the columns starting at first (NULL:
 * the block's own row). */
static const char *row_tx_hash(const struct ingest_block *b, int first, size_t i)
{
	if (first == COL_TXNS)
		return b->txns[i].hash;
	return first == COL_LOGS ? b->logs[i].tx_hash : NULL;
}

/* Checks the element added at buf->data[at..] is valid UTF-8; notes where
 * it is not and, when repairing, rewrites it with utf8_repair. */
static void check_utf8(struct block_sql_rows *r, struct block_sql_buf *buf, size_t at,
		       const char *tx_hash)
{
	if (buf->failed || (buf->len - at == 4 && buf->data[at] == (char)0xff))
		return; /* failed, or NULL */
	const char *text = buf->data + at + 4;
	size_t n = buf->len - at - 4;
	if (utf8_valid(text, n))
		return;
	if (!r->bad_utf8) {
		r->bad_utf8 = true;
		r->bad_in_txn = tx_hash != NULL;
		snprintf(r->bad_tx_hash, sizeof(r->bad_tx_hash), "%s", tx_hash ? tx_hash : "");
	}
	if (!r->repair_utf8)
		return;
	char *fixed = malloc(utf8_repaired_len(text, n));
	if (!fixed) {
		buf->failed = true;
		return;
	}
	size_t len = utf8_repair(text, n, fixed);
	const char *piece = fixed;
	buf->len = at;
	buf->count--;
	put_elem(buf, &piece, &len, 1);
	free(fixed);
}

/* Fills rows->col[first..first+ncols) with nrows rows of each column. */
static bool build_columns(struct block_sql_rows *r, int first, const column_fn *cols, size_t ncols,
			  const struct ingest_block *b, size_t nrows)
{
	for (size_t c = 0; c < ncols; c++) {
		char tmp[32];
		for (size_t i = 0; i < nrows; i++) {
			struct json_object *json = NULL;
			struct block_sql_buf *buf = &r->col[first + c];
			size_t at = buf->len;
			const char *v = cols[c](b, i, tmp, &json);
			if (json)
				add_json(buf, json);
			else
				block_sql_elems_add(buf, v);
			check_utf8(r, buf, at, row_tx_hash(b, first, i));
		}
		if (r->col[first + c].failed)
			return false;
	}
	return true;
}

struct block_sql_rows *block_sql_rows_build(const struct ingest_block *b, bool live, bool repair_utf8)
{
	struct block_sql_rows *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->repair_utf8 = repair_utf8;
	char payload[96];
	block_sql_notify_payload(b->num, live, payload, sizeof(payload));
	block_sql_elems_add(&r->col[COL_NOTIFY], payload);
	if (r->col[COL_NOTIFY].failed ||
	    !build_columns(r, COL_BLOCKS, block_columns, 6, b, 1) ||
	    !build_columns(r, COL_TXNS, txn_columns, 14, b, b->ntxns) ||
	    !build_columns(r, COL_LOGS, log_columns, 8, b, b->nlogs)) {
		block_sql_rows_free(r);
		return NULL;
	}
	return r;
}

bool block_sql_rows_bad_utf8(const struct block_sql_rows *r, const char **tx_hash)
{
	*tx_hash = r->bad_utf8 && r->bad_in_txn ? r->bad_tx_hash : NULL;
	return r->bad_utf8;
}

size_t block_sql_rows_bytes(const struct block_sql_rows *r)
{
	size_t n = 0;
	for (int c = 0; c < COL_COUNT; c++)
		n += r->col[c].len;
	return n;
}

void block_sql_rows_free(struct block_sql_rows *r)
{
	if (!r)
		return;
	for (int c = 0; c < COL_COUNT; c++)
		block_sql_elems_free(&r->col[c]);
	free(r);
}

/* Adds a text parameter the params struct owns (malloc'ed; NULL =
 * failure). */
static bool add_owned(struct block_sql_params *p, char *value)
{
	p->owned[p->nparams] = value;
	p->values[p->nparams++] = value;
	return value != NULL;
}

/* Adds a binary text[] parameter joining parts[0..n). */
static bool add_array(struct block_sql_params *p, const struct block_sql_buf *const *parts, size_t n)
{
	size_t len = 0;
	char *value = block_sql_array_join(parts, n, &len);
	p->lengths[p->nparams] = (int)len;
	p->formats[p->nparams] = 1;
	return add_owned(p, value);
}

static bool add_u64(struct block_sql_params *p, uint64_t v)
{
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	return add_owned(p, strdup(tmp));
}

static struct block_sql_params *next_stmt(struct block_sql *s, enum block_sql_stmt stmt)
{
	struct block_sql_params *p = &s->stmts[s->count++];
	p->stmt = stmt;
	return p;
}

/* Adds stmt with one array per column, joining the members' rows. */
static bool add_joined(struct block_sql *s, enum block_sql_stmt stmt, int first,
		       const struct block_sql_member *m, size_t n)
{
	struct block_sql_params *p = next_stmt(s, stmt);
	const struct block_sql_buf **parts = calloc(n, sizeof(*parts));
	bool ok = parts != NULL;
	for (int c = 0; ok && c < block_sql_stmts[stmt].nparams; c++) {
		for (size_t i = 0; i < n; i++)
			parts[i] = &m[i].rows->col[first + c];
		ok = add_array(p, parts, n);
	}
	free(parts);
	return ok;
}

/* Contract rows of the group, one per address as if the blocks had been
 * upserted one by one: the first block that names it, unless a later one
 * deployed it. */
static bool add_contracts(struct block_sql *s, const struct block_sql_member *m, size_t n)
{
	size_t total = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		total += m[i].block->ncontracts;
	const struct ingest_contract **uniq = calloc(total, sizeof(*uniq));
	uint64_t *nums = calloc(total, sizeof(*nums));
	bool ok = uniq && nums;
	for (size_t i = 0; ok && i < n; i++) {
		const struct ingest_block *b = m[i].block;
		for (size_t c = 0; c < b->ncontracts; c++) {
			size_t j = 0;
			while (j < k && strcmp(uniq[j]->address, b->contracts[c].address) != 0)
				j++;
			if (j == k || (b->contracts[c].deployed && !uniq[j]->deployed)) {
				uniq[j] = &b->contracts[c];
				nums[j] = b->num;
				k += j == k;
			}
		}
	}
	struct block_sql_buf cols[3] = { { 0 } };
	for (size_t j = 0; ok && j < k; j++) {
		char tmp[24];
		snprintf(tmp, sizeof(tmp), "%" PRIu64, nums[j]);
		block_sql_elems_add(&cols[0], uniq[j]->address);
		block_sql_elems_add(&cols[1], uniq[j]->deployed ? "deploy" : "event");
		block_sql_elems_add(&cols[2], tmp);
	}
	free(uniq);
	free(nums);
	struct block_sql_params *p = next_stmt(s, BLOCK_SQL_CONTRACTS);
	for (int c = 0; c < 3; c++) {
		const struct block_sql_buf *part = &cols[c];
		ok = add_array(p, &part, 1) && ok;
		block_sql_elems_free(&cols[c]);
	}
	return ok;
}

static bool build_group(struct block_sql *s, const struct block_sql_member *m, size_t n)
{
	size_t ntxns = 0, nlogs = 0, ncontracts = 0;
	for (size_t i = 0; i < n; i++) {
		ntxns += m[i].block->ntxns;
		nlogs += m[i].block->nlogs;
		ncontracts += m[i].block->ncontracts;
	}
	struct block_sql_params *p = next_stmt(s, BLOCK_SQL_REPLACE);
	if (!add_u64(p, m[0].block->num) || !add_u64(p, m[n - 1].block->num) ||
	    !add_joined(s, BLOCK_SQL_BLOCKS, COL_BLOCKS, m, n))
		return false;
	if (ntxns > 0 && !add_joined(s, BLOCK_SQL_TXNS, COL_TXNS, m, n))
		return false;
	if (nlogs > 0 && !add_joined(s, BLOCK_SQL_EVENT_LOGS, COL_LOGS, m, n))
		return false;
	if (ncontracts > 0 && !add_contracts(s, m, n))
		return false;
	p = next_stmt(s, BLOCK_SQL_CURSOR);
	if (!add_u64(p, m[n - 1].block->num) || !add_u64(p, m[n - 1].head))
		return false;
	return add_joined(s, BLOCK_SQL_NOTIFY, COL_NOTIFY, m, n);
}

struct block_sql *block_sql_group_build(const struct block_sql_member *members, size_t n)
{
	struct block_sql *s = n > 0 ? calloc(1, sizeof(*s)) : NULL;
	if (!s)
		return NULL;
	if (!build_group(s, members, n)) {
		block_sql_free(s);
		return NULL;
	}
	return s;
}

void block_sql_free(struct block_sql *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->count; i++) {
		for (int k = 0; k < BLOCK_SQL_MAX_PARAMS; k++)
			free(s->stmts[i].owned[k]);
	}
	free(s);
}
