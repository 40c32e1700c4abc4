/* SQL for storing a block. Each table is filled by one prepared statement
 * whose rows come from unnest() over array parameters, so a block with 28
 * transactions is still a handful of statements. A block first deletes any
 * earlier copy of itself (the foreign keys cascade), so replaying it
 * leaves exactly one copy and plain INSERTs suffice; the cursor only moves
 * forward. */
#include "block_sql.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

const struct block_sql_stmt_def block_sql_stmts[BLOCK_SQL_STMT_COUNT] = {
	[BLOCK_SQL_REPLACE] = { "zi_replace",
		"DELETE FROM tx_blocks WHERE block_num = $1", 1 },
	[BLOCK_SQL_TX_BLOCK] = { "zi_tx_block",
		"INSERT INTO tx_blocks (block_num, block_hash, num_txns, timestamp_us, tx_block, tx_hashes)"
		" VALUES ($1, $2, $3, $4, $5, $6)", 6 },
	[BLOCK_SQL_SHARDS] = { "zi_shards",
		"INSERT INTO tx_block_shards (block_num, shard, tx_hashes)"
		" SELECT $1, (s.ord - 1)::int, ARRAY(SELECT json_array_elements_text(s.list))"
		" FROM json_array_elements($2::json) WITH ORDINALITY AS s(list, ord)", 2 },
	[BLOCK_SQL_TXNS] = { "zi_txns",
		"INSERT INTO transactions (tx_hash, block_num, position, from_addr, to_addr, amount,"
		" nonce, gas_price, gas_limit, success, is_deploy, contract_addr, receipt, body)"
		" SELECT h, $1, p, f, t, a, n, gp, gl, s, d, c, r, b FROM unnest($2::text[], $3::int[],"
		" $4::text[], $5::text[], $6::numeric[], $7::bigint[], $8::numeric[], $9::numeric[],"
		" $10::bool[], $11::bool[], $12::text[], $13::json[], $14::json[])"
		" AS u(h, p, f, t, a, n, gp, gl, s, d, c, r, b)", 14 },
	[BLOCK_SQL_EVENT_LOGS] = { "zi_event_logs",
		"INSERT INTO event_logs (block_num, tx_position, log_index, tx_hash, address,"
		" event_name, params, success) SELECT $1, p, i, h, a, e, pr, s FROM unnest($2::int[],"
		" $3::int[], $4::text[], $5::text[], $6::text[], $7::json[], $8::bool[])"
		" AS u(p, i, h, a, e, pr, s)", 8 },
	[BLOCK_SQL_CONTRACTS] = { "zi_contracts",
		"INSERT INTO contracts (address, is_contract, source, block_num)"
		" SELECT a, true, s, $1 FROM unnest($2::text[], $3::text[]) AS u(a, s)"
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
		"SELECT pg_notify('" SCHEMA_NOTIFY_CHANNEL "', $1)", 1 },
};

static const char *json_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void buf_reserve(struct block_sql_buf *buf, size_t extra)
{
	if (buf->failed || buf->len + extra + 1 <= buf->cap)
		return;
	size_t cap = buf->cap ? buf->cap : 256;
	while (cap < buf->len + extra + 1)
		cap *= 2;
	char *d = realloc(buf->data, cap);
	if (!d) {
		buf->failed = true;
		return;
	}
	buf->data = d;
	buf->cap = cap;
}

static void buf_put(struct block_sql_buf *buf, const char *s, size_t n)
{
	buf_reserve(buf, n);
	if (buf->failed)
		return;
	memcpy(buf->data + buf->len, s, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
}

void block_sql_array_begin(struct block_sql_buf *buf)
{
	memset(buf, 0, sizeof(*buf));
	buf_put(buf, "{", 1);
}

void block_sql_array_add(struct block_sql_buf *buf, const char *elem)
{
	if (buf->len > 1)
		buf_put(buf, ",", 1);
	if (!elem) {
		buf_put(buf, "NULL", 4);
		return;
	}
	size_t n = strlen(elem);
	buf_reserve(buf, 2 * n + 2);
	if (buf->failed)
		return;
	char *d = buf->data + buf->len;
	*d++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (elem[i] == '"' || elem[i] == '\\')
			*d++ = '\\';
		*d++ = elem[i];
	}
	*d++ = '"';
	*d = '\0';
	buf->len = (size_t)(d - buf->data);
}

char *block_sql_array_end(struct block_sql_buf *buf)
{
	buf_put(buf, "}", 1);
	if (buf->failed) {
		free(buf->data);
		return NULL;
	}
	return buf->data;
}

void block_sql_notify_payload(uint64_t num, bool live, char *out, size_t outlen)
{
	snprintf(out, outlen, "{\"block_num\":%" PRIu64 ",\"live\":%s}", num, live ? "true" : "false");
}

/* Adds a parameter the params struct owns (malloc'ed; NULL = failure). */
static bool add_owned(struct block_sql_params *p, char *value)
{
	p->owned[p->nparams] = value;
	p->values[p->nparams++] = value;
	return value != NULL;
}

static bool add_u64(struct block_sql_params *p, uint64_t v)
{
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	return add_owned(p, strdup(tmp));
}

static void add_borrowed(struct block_sql_params *p, const char *value)
{
	p->values[p->nparams++] = value;
}

static struct block_sql_params *next_stmt(struct block_sql *s, enum block_sql_stmt stmt)
{
	struct block_sql_params *p = &s->stmts[s->count++];
	p->stmt = stmt;
	return p;
}

static bool build_tx_block(struct block_sql_params *p, const struct ingest_block *b)
{
	char tmp[24];
	if (!add_u64(p, b->num))
		return false;
	add_borrowed(p, b->hash);
	snprintf(tmp, sizeof(tmp), "%u", b->num_txns);
	if (!add_owned(p, strdup(tmp)))
		return false;
	if (b->has_timestamp) {
		snprintf(tmp, sizeof(tmp), "%" PRId64, b->timestamp_us);
		if (!add_owned(p, strdup(tmp)))
			return false;
	} else {
		add_borrowed(p, NULL);
	}
	add_borrowed(p, json_text(b->tx_block));
	add_borrowed(p, json_text(b->tx_hashes));
	return true;
}

static bool build_shards(struct block_sql_params *p, const struct ingest_block *b)
{
	if (!add_u64(p, b->num))
		return false;
	add_borrowed(p, json_text(b->tx_hashes));
	return true;
}

/* One array literal per column; column(t, i, tmp) yields row i's value. */
typedef const char *(*txn_column_fn)(const struct ingest_txn *t, char tmp[32]);

static const char *col_hash(const struct ingest_txn *t, char tmp[32]) { return t->hash; }
static const char *col_position(const struct ingest_txn *t, char tmp[32])
{
	snprintf(tmp, 32, "%d", t->position);
	return tmp;
}
static const char *col_from(const struct ingest_txn *t, char tmp[32]) { return t->from_addr; }
static const char *col_to(const struct ingest_txn *t, char tmp[32]) { return t->to_addr; }
static const char *col_amount(const struct ingest_txn *t, char tmp[32]) { return t->amount; }
static const char *col_nonce(const struct ingest_txn *t, char tmp[32])
{
	if (!t->has_nonce)
		return NULL;
	snprintf(tmp, 32, "%" PRIu64, t->nonce);
	return tmp;
}
static const char *col_gas_price(const struct ingest_txn *t, char tmp[32]) { return t->gas_price; }
static const char *col_gas_limit(const struct ingest_txn *t, char tmp[32]) { return t->gas_limit; }
static const char *col_success(const struct ingest_txn *t, char tmp[32]) { return t->success ? "t" : "f"; }
static const char *col_deploy(const struct ingest_txn *t, char tmp[32]) { return t->is_deploy ? "t" : "f"; }
static const char *col_contract(const struct ingest_txn *t, char tmp[32])
{
	return t->has_contract ? t->contract_addr : NULL;
}
static const char *col_receipt(const struct ingest_txn *t, char tmp[32]) { return json_text(t->receipt); }
static const char *col_body(const struct ingest_txn *t, char tmp[32]) { return json_text(t->body); }

static const txn_column_fn txn_columns[] = {
	col_hash, col_position, col_from, col_to, col_amount, col_nonce, col_gas_price,
	col_gas_limit, col_success, col_deploy, col_contract, col_receipt, col_body,
};

static bool build_txns(struct block_sql_params *p, const struct ingest_block *b)
{
	if (!add_u64(p, b->num))
		return false;
	for (size_t c = 0; c < sizeof(txn_columns) / sizeof(txn_columns[0]); c++) {
		struct block_sql_buf buf;
		char tmp[32];
		block_sql_array_begin(&buf);
		for (size_t i = 0; i < b->ntxns; i++)
			block_sql_array_add(&buf, txn_columns[c](&b->txns[i], tmp));
		if (!add_owned(p, block_sql_array_end(&buf)))
			return false;
	}
	return true;
}

typedef const char *(*log_column_fn)(const struct ingest_event_log *e, char tmp[32]);

static const char *log_position(const struct ingest_event_log *e, char tmp[32])
{
	snprintf(tmp, 32, "%d", e->tx_position);
	return tmp;
}
static const char *log_index(const struct ingest_event_log *e, char tmp[32])
{
	snprintf(tmp, 32, "%d", e->log_index);
	return tmp;
}
static const char *log_hash(const struct ingest_event_log *e, char tmp[32]) { return e->tx_hash; }
static const char *log_address(const struct ingest_event_log *e, char tmp[32]) { return e->address; }
static const char *log_name(const struct ingest_event_log *e, char tmp[32]) { return e->event_name; }
static const char *log_params(const struct ingest_event_log *e, char tmp[32]) { return json_text(e->params); }
static const char *log_success(const struct ingest_event_log *e, char tmp[32]) { return e->success ? "t" : "f"; }

static const log_column_fn log_columns[] = {
	log_position, log_index, log_hash, log_address, log_name, log_params, log_success,
};

static bool build_event_logs(struct block_sql_params *p, const struct ingest_block *b)
{
	if (!add_u64(p, b->num))
		return false;
	for (size_t c = 0; c < sizeof(log_columns) / sizeof(log_columns[0]); c++) {
		struct block_sql_buf buf;
		char tmp[32];
		block_sql_array_begin(&buf);
		for (size_t i = 0; i < b->nlogs; i++)
			block_sql_array_add(&buf, log_columns[c](&b->logs[i], tmp));
		if (!add_owned(p, block_sql_array_end(&buf)))
			return false;
	}
	return true;
}

static bool build_contracts(struct block_sql_params *p, const struct ingest_block *b)
{
	struct block_sql_buf addrs, sources;
	if (!add_u64(p, b->num))
		return false;
	block_sql_array_begin(&addrs);
	block_sql_array_begin(&sources);
	for (size_t i = 0; i < b->ncontracts; i++) {
		block_sql_array_add(&addrs, b->contracts[i].address);
		block_sql_array_add(&sources, b->contracts[i].deployed ? "deploy" : "event");
	}
	bool ok = add_owned(p, block_sql_array_end(&addrs));
	return add_owned(p, block_sql_array_end(&sources)) && ok;
}

struct block_sql *block_sql_build(const struct ingest_block *b, uint64_t head, bool live)
{
	struct block_sql *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	char payload[96];
	block_sql_notify_payload(b->num, live, payload, sizeof(payload));
	bool ok = add_u64(next_stmt(s, BLOCK_SQL_REPLACE), b->num) &&
		  build_tx_block(next_stmt(s, BLOCK_SQL_TX_BLOCK), b);
	if (ok && json_object_array_length(b->tx_hashes) > 0)
		ok = build_shards(next_stmt(s, BLOCK_SQL_SHARDS), b);
	if (ok && b->ntxns > 0)
		ok = build_txns(next_stmt(s, BLOCK_SQL_TXNS), b);
	if (ok && b->nlogs > 0)
		ok = build_event_logs(next_stmt(s, BLOCK_SQL_EVENT_LOGS), b);
	if (ok && b->ncontracts > 0)
		ok = build_contracts(next_stmt(s, BLOCK_SQL_CONTRACTS), b);
	if (ok)
		ok = add_u64(next_stmt(s, BLOCK_SQL_CURSOR), b->num) &&
		     add_u64(&s->stmts[s->count - 1], head);
	if (ok)
		ok = add_owned(next_stmt(s, BLOCK_SQL_NOTIFY), strdup(payload));
	if (!ok) {
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
