/* JSON-RPC reads (see rpc.h). A job holds one message's calls and an
 * answer per call. Calls that need PostgreSQL run on the query feeds, the
 * less loaded first; at most RPC_MAX_INFLIGHT calls wait on them across
 * the process and RPC_OWNER_JOBS messages per owner, so no client can
 * make the server hold unbounded answers: beyond those a call is
 * answered "busy" at once. Every query also returns the range of blocks
 * held, so a block or transaction that is not stored is answered with
 * that range, never guessed. */
#define _GNU_SOURCE
#include "rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "log.h"
#include "pgfeed.h"
#include "replay.h"
#include "rpc_request.h"
#include "rpc_result.h"
#include "session.h"
#include "zws_report.h"

#define RPC_QUERY_FEEDS 2
#define RPC_MAX_INFLIGHT 256
#define RPC_OWNER_JOBS 8
#define RPC_MAX_BATCH 32
#define RPC_MAX_NAMES 32
#define RPC_RECENT_BLOCKS 64
#define RPC_VERSION "0.1.0"

/* What every query starts with: the blocks held. */
#define HELD "(SELECT min(block_num) lo, max(block_num) hi FROM tx_blocks) r"

static const char block_sql[] =
	"SELECT r.lo, r.hi, b.tx_block::text, b.tx_hashes::text, b.num_txns FROM " HELD
	" LEFT JOIN tx_blocks b ON b.block_num = $1::bigint";
static const char latest_sql[] =
	"SELECT r.lo, r.hi, b.tx_block::text, b.tx_hashes::text, b.num_txns FROM " HELD
	" LEFT JOIN tx_blocks b ON b.block_num = r.hi";
/* $2: the page, or -1 for every transaction of the block, as the lookup
 * answers GetTxnBodiesForTxBlock whatever the block's size. */
static const char bodies_sql[] =
	"SELECT r.lo, r.hi, b.num_txns, t.body, t.receipt FROM " HELD
	" LEFT JOIN tx_blocks b ON b.block_num = $1::bigint"
	" LEFT JOIN transactions t ON t.block_num = b.block_num AND"
	" ($2::int < 0 OR (t.position >= $2::int * 2500 AND t.position < ($2::int + 1) * 2500))"
	" ORDER BY t.position";
static const char txn_sql[] =
	"SELECT r.lo, r.hi, t.body, t.receipt, t.is_deploy, t.contract_addr FROM " HELD
	" LEFT JOIN transactions t ON t.tx_hash = $1";
static const char info_sql[] =
	"SELECT r.lo, r.hi, c.block_num, c.head FROM " HELD " LEFT JOIN ingest_cursor c ON true";
/* $1: {"from":…,"to":…,"limit":…,"addresses":[…],"names":[…] or absent}. */
static const char events_sql[] =
	"SELECT r.lo, r.hi, e.block_num, e.tx_hash, e.address, e.event_name, e.params FROM " HELD
	" LEFT JOIN LATERAL (SELECT e.* FROM event_logs e, (SELECT $1::json j) q"
	"  WHERE e.block_num BETWEEN (q.j->>'from')::bigint AND (q.j->>'to')::bigint"
	"  AND e.address IN (SELECT json_array_elements_text(q.j->'addresses') COLLATE \"C\")"
	"  AND e.success"
	"  AND (q.j->'names' IS NULL OR e.event_name IN (SELECT json_array_elements_text(q.j->'names')))"
	"  ORDER BY e.block_num, e.tx_position, e.log_index LIMIT ($1::json->>'limit')::int) e ON true"
	" ORDER BY e.block_num, e.tx_position, e.log_index";

struct recent_block {
	uint64_t num; /* 0: empty slot */
	char *tx_block, *tx_hashes;
};

struct rpc_task {
	struct rpc_job *job;
	size_t index;
	int feed;
};

struct rpc_job {
	struct rpc *rpc;
	struct rpc_batch batch;
	struct buf *answers; /* one per call; empty: none (a notification) */
	struct rpc_task *tasks;
	size_t waiting;
	bool refused; /* its owner has RPC_OWNER_JOBS running already */
	rpc_deliver_fn *deliver;
	void *owner;                 /* NULL once cancelled */
	struct rpc_job *next, **prev; /* on rpc->jobs */
};

struct rpc {
	struct zws *app;
	struct pgfeed *feeds[RPC_QUERY_FEEDS];
	unsigned load[RPC_QUERY_FEEDS];
	struct pgfeed_hooks hooks;
	size_t inflight;
	struct rpc_job *jobs;
	struct recent_block recent[RPC_RECENT_BLOCKS];
};

static void feed_ready(void *ctx)
{
	(void)ctx;
}

struct rpc *rpc_new(struct zws *app)
{
	struct rpc *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->app = app;
	r->hooks = (struct pgfeed_hooks){ .ctx = r, .ready = feed_ready, .block = NULL };
	for (int i = 0; i < RPC_QUERY_FEEDS; i++) {
		if (!(r->feeds[i] = pgfeed_new(app->cfg->db, &r->hooks, 0))) {
			rpc_free(r);
			return NULL;
		}
	}
	return r;
}

void rpc_start(struct rpc *r)
{
	for (int i = 0; i < RPC_QUERY_FEEDS; i++)
		pgfeed_start(r->feeds[i], r->app->context, r->app->vhost);
}

void rpc_stop(struct rpc *r)
{
	for (int i = 0; r && i < RPC_QUERY_FEEDS; i++)
		pgfeed_stop(r->feeds[i]);
}

static void job_free(struct rpc_job *j)
{
	*j->prev = j->next;
	if (j->next)
		j->next->prev = j->prev;
	for (size_t i = 0; j->answers && i < j->batch.count; i++)
		buf_free(&j->answers[i]);
	free(j->answers);
	free(j->tasks);
	rpc_batch_clear(&j->batch);
	free(j);
}

void rpc_free(struct rpc *r)
{
	if (!r)
		return;
	for (int i = 0; i < RPC_QUERY_FEEDS; i++)
		pgfeed_free(r->feeds[i]); /* drops queued queries without answers */
	while (r->jobs)
		job_free(r->jobs);
	for (size_t i = 0; i < RPC_RECENT_BLOCKS; i++) {
		free(r->recent[i].tx_block);
		free(r->recent[i].tx_hashes);
	}
	free(r);
}

/* ---- recent blocks ---- */

void rpc_learn_block(struct rpc *r, const struct block *b)
{
	/* newblock_value is {"TxBlock":<tx_block>,"TxHashes":<tx_hashes>};
	 * the hash lists hold only hex strings, so the last ,"TxHashes":
	 * is where the TxBlock ends. */
	static const char head[] = "{\"TxBlock\":", mid[] = ",\"TxHashes\":";
	const char *v = b->newblock_value.data, *m = NULL;
	size_t n = b->newblock_value.len;
	for (const char *p = v; v && (p = memmem(p, n - (size_t)(p - v), mid, sizeof(mid) - 1)); p++)
		m = p;
	if (!m || n < sizeof(head) || memcmp(v, head, sizeof(head) - 1) != 0)
		return;
	struct recent_block *slot = &r->recent[b->num % RPC_RECENT_BLOCKS];
	free(slot->tx_block);
	free(slot->tx_hashes);
	const char *hashes = m + sizeof(mid) - 1;
	slot->tx_block = strndup(v + sizeof(head) - 1, (size_t)(m - v) - (sizeof(head) - 1));
	slot->tx_hashes = strndup(hashes, (size_t)(v + n - 1 - hashes));
	slot->num = slot->tx_block && slot->tx_hashes ? b->num : 0;
}

static const struct recent_block *recent(const struct rpc *r, uint64_t num)
{
	const struct recent_block *slot = &r->recent[num % RPC_RECENT_BLOCKS];
	return num && slot->num == num ? slot : NULL;
}

/* ---- answers ---- */

static void answer_error(struct rpc_job *j, size_t i, int code, const char *message)
{
	rpc_error_json(&j->answers[i], j->batch.calls[i].id, code, message);
}

static void answer_result(struct rpc_job *j, size_t i, const char *result, size_t len)
{
	rpc_result_json(&j->answers[i], j->batch.calls[i].id, result, len);
}

static void answer_buf(struct rpc_job *j, size_t i, struct buf *b)
{
	if (b->failed)
		answer_error(j, i, RPC_BUSY, "out of memory");
	else
		answer_result(j, i, b->data ? b->data : "", b->len);
	buf_free(b);
}

static void answer_not_held(struct rpc_job *j, size_t i, const PGresult *res, const char *what)
{
	char msg[200];
	bool any = !PQgetisnull(res, 0, 0);
	rpc_not_held_text(msg, sizeof(msg), what, any, any ? strtoull(PQgetvalue(res, 0, 0), NULL, 10) : 0,
			  any ? strtoull(PQgetvalue(res, 0, 1), NULL, 10) : 0);
	answer_error(j, i, RPC_NOT_HELD, msg);
}

static void answer_no_txns(struct rpc_job *j, size_t i)
{
	answer_error(j, i, RPC_LOOKUP_NO_TXNS, "TxBlock has no transactions");
}

/* A block's hash lists, from memory or a row. */
static void answer_hashes(struct rpc_job *j, size_t i, const char *tx_hashes, uint64_t num_txns)
{
	const struct rpc_call *c = &j->batch.calls[i];
	struct buf b = BUF_INIT;
	if (num_txns == 0 || strcmp(tx_hashes, "[]") == 0)
		answer_no_txns(j, i);
	else if (c->method == RPC_GET_TRANSACTIONS_FOR_TX_BLOCK)
		answer_result(j, i, tx_hashes, strlen(tx_hashes));
	else if (!rpc_hash_page(&b, tx_hashes, num_txns, c->page))
		answer_no_txns(j, i);
	else
		answer_buf(j, i, &b);
	buf_free(&b);
}

static void answer_block(struct rpc_job *j, size_t i, const PGresult *res)
{
	const struct rpc_call *c = &j->batch.calls[i];
	char what[48];
	if (c->method == RPC_GET_LATEST_TX_BLOCK || c->method == RPC_GET_NUM_TX_BLOCKS)
		snprintf(what, sizeof(what), "the latest block");
	else
		snprintf(what, sizeof(what), "block %llu", (unsigned long long)c->block);
	if (PQgetisnull(res, 0, 2)) {
		answer_not_held(j, i, res, what);
		return;
	}
	char count[24];
	switch (c->method) {
	case RPC_GET_NUM_TX_BLOCKS: /* blocks 0 to the last, as the lookup counts */
		snprintf(count, sizeof(count), "\"%llu\"", strtoull(PQgetvalue(res, 0, 1), NULL, 10) + 1);
		answer_result(j, i, count, strlen(count));
		break;
	case RPC_GET_TRANSACTIONS_FOR_TX_BLOCK:
	case RPC_GET_TRANSACTIONS_FOR_TX_BLOCK_EX:
		answer_hashes(j, i, PQgetvalue(res, 0, 3), strtoull(PQgetvalue(res, 0, 4), NULL, 10));
		break;
	default:
		answer_result(j, i, PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2));
		break;
	}
}

static void answer_bodies(struct rpc_job *j, size_t i, const PGresult *res)
{
	const struct rpc_call *c = &j->batch.calls[i];
	char what[48];
	snprintf(what, sizeof(what), "block %llu", (unsigned long long)c->block);
	if (PQgetisnull(res, 0, 2)) {
		answer_not_held(j, i, res, what);
		return;
	}
	uint64_t num_txns = strtoull(PQgetvalue(res, 0, 2), NULL, 10);
	bool paged = c->method == RPC_GET_TXN_BODIES_FOR_TX_BLOCK_EX;
	if (num_txns == 0 || (paged && c->page >= rpc_num_pages(num_txns))) {
		answer_no_txns(j, i);
		return;
	}
	struct buf b = BUF_INIT;
	if (paged)
		rpc_bodies_page_head(&b, num_txns, c->page);
	else
		buf_append_char(&b, '[');
	for (int row = 0; row < PQntuples(res); row++) {
		if (PQgetisnull(res, row, 3))
			continue;
		if (row > 0)
			buf_append_char(&b, ',');
		if (!rpc_body_with_receipt(&b, PQgetvalue(res, row, 3), PQgetvalue(res, row, 4)))
			b.failed = true;
	}
	buf_append_str(&b, paged ? "]}" : "]");
	answer_buf(j, i, &b);
}

static void answer_txn(struct rpc_job *j, size_t i, const PGresult *res)
{
	const struct rpc_call *c = &j->batch.calls[i];
	char what[100];
	snprintf(what, sizeof(what), "transaction %s", c->hash);
	if (PQgetisnull(res, 0, 2)) {
		answer_not_held(j, i, res, what);
		return;
	}
	struct buf b = BUF_INIT;
	if (c->method == RPC_GET_TRANSACTION) {
		if (!rpc_body_with_receipt(&b, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3)))
			b.failed = true;
	} else if (PQgetvalue(res, 0, 4)[0] != 't' || PQgetisnull(res, 0, 5)) {
		answer_error(j, i, RPC_LOOKUP_NOT_CONTRACT, "ID is not a contract txn");
		return;
	} else {
		buf_append_json_string(&b, PQgetvalue(res, 0, 5), (size_t)PQgetlength(res, 0, 5));
	}
	answer_buf(j, i, &b);
}

static void answer_events(struct rpc_job *j, size_t i, const PGresult *res)
{
	const struct rpc_call *c = &j->batch.calls[i];
	unsigned max = j->rpc->app->cfg->max_query_logs;
	char msg[200];
	bool any = !PQgetisnull(res, 0, 0);
	uint64_t lo = any ? strtoull(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	uint64_t hi = any ? strtoull(PQgetvalue(res, 0, 1), NULL, 10) : 0;
	if (!any || c->from < lo || c->to > hi) {
		char what[80];
		snprintf(what, sizeof(what), "blocks %llu to %llu", (unsigned long long)c->from,
			 (unsigned long long)c->to);
		answer_not_held(j, i, res, what);
		return;
	}
	int rows = PQgetisnull(res, 0, 2) ? 0 : PQntuples(res);
	if ((unsigned)rows > max) {
		snprintf(msg, sizeof(msg), "more than %u event logs match (--max-query-logs); ask for fewer blocks",
			 max);
		answer_error(j, i, RPC_TOO_MANY_LOGS, msg);
		return;
	}
	struct buf b = BUF_INIT;
	buf_append_char(&b, '[');
	for (int row = 0; row < rows; row++) {
		if (row)
			buf_append_char(&b, ',');
		rpc_event_log_json(&b, strtoull(PQgetvalue(res, row, 2), NULL, 10), PQgetvalue(res, row, 3),
				   PQgetvalue(res, row, 4), PQgetvalue(res, row, 5), PQgetvalue(res, row, 6));
	}
	buf_append_char(&b, ']');
	answer_buf(j, i, &b);
}

static void append_field(struct buf *b, const char *name, const PGresult *res, int col)
{
	buf_append_str(b, name);
	buf_append_str(b, PQgetisnull(res, 0, col) ? "null" : PQgetvalue(res, 0, col));
}

/* "sessions":n,"subscriptions":{…} of one process or the whole server. */
static void append_clients(struct buf *b, const struct report_clients *c)
{
	static const char *const topics[TOPIC_COUNT] = { "NewBlock", "EventLog", "TxnLog" };
	buf_append_str(b, "\"sessions\":");
	buf_append_u64(b, c->connections);
	buf_append_str(b, ",\"subscriptions\":{");
	for (size_t t = 0; t < TOPIC_COUNT; t++) {
		buf_append_str(b, t ? ",\"" : "\"");
		buf_append_str(b, topics[t]);
		buf_append_str(b, "\":");
		buf_append_u64(b, c->subscribers[t]);
	}
	buf_append_str(b, ",\"EventLogAddresses\":");
	buf_append_u64(b, c->addresses[TOPIC_EVENTLOG]);
	buf_append_str(b, ",\"TxnLogAddresses\":");
	buf_append_u64(b, c->addresses[TOPIC_TXNLOG]);
	buf_append_char(b, '}');
}

static void answer_info(struct rpc_job *j, size_t i, const PGresult *res)
{
	struct zws *app = j->rpc->app;
	/* The addresses held are published once a second; this process's
	 * own share is made current before it is read. */
	stats_set(&app->stats->addresses[TOPIC_EVENTLOG], app->index[SUBS_EVENTLOG].links);
	stats_set(&app->stats->addresses[TOPIC_TXNLOG], app->index[SUBS_TXNLOG].links);
	struct report_clients mine, all;
	report_slot_clients(app->stats, &mine);
	report_clients(app->stats_region, &all);
	struct buf b = BUF_INIT;
	buf_append_str(&b, "{\"version\":\"" RPC_VERSION "\",\"scope\":\"process\",\"pid\":");
	buf_append_u64(&b, (unsigned long long)getpid());
	buf_append_str(&b, ",\"worker\":");
	buf_append_u64(&b, app->worker);
	buf_append_str(&b, ",\"workers\":");
	buf_append_u64(&b, app->cfg->workers);
	buf_append_char(&b, ',');
	append_clients(&b, &mine);
	buf_append_str(&b, ",\"server\":{\"workers\":");
	buf_append_u64(&b, all.workers);
	buf_append_char(&b, ',');
	append_clients(&b, &all);
	buf_append_str(&b, "},\"queriesInFlight\":");
	buf_append_u64(&b, j->rpc->inflight);
	append_field(&b, ",\"firstBlock\":", res, 0);
	append_field(&b, ",\"lastBlock\":", res, 1);
	append_field(&b, ",\"ingestBlock\":", res, 2);
	append_field(&b, ",\"ingestHead\":", res, 3);
	/* Where a Resume without fromBlock sent now would start: a client
	 * that asks first resumes from here, and loses nothing if it drops
	 * before its first notification. */
	uint64_t next = replay_next_live(app);
	buf_append_str(&b, ",\"nextBlock\":");
	if (next)
		buf_append_u64(&b, next);
	else
		buf_append_str(&b, "null");
	buf_append_char(&b, '}');
	answer_buf(j, i, &b);
}

/* ---- running calls ---- */

static void finish(struct rpc_job *j)
{
	struct buf out = BUF_INIT;
	size_t answered = 0;
	if (j->batch.is_batch)
		buf_append_char(&out, '[');
	for (size_t i = 0; i < j->batch.count; i++) {
		if (!j->answers[i].len)
			continue;
		if (answered++)
			buf_append_char(&out, ',');
		buf_append(&out, j->answers[i].data, j->answers[i].len);
	}
	if (j->batch.is_batch)
		buf_append_char(&out, ']');
	if (j->owner && !out.failed)
		j->deliver(j->owner, answered ? out.data : "", answered ? out.len : 0);
	else if (j->owner)
		log_error("a JSON-RPC answer was dropped: out of memory");
	buf_free(&out);
	job_free(j);
}

static void task_done(void *ctx, const PGresult *res)
{
	struct rpc_task *t = ctx;
	struct rpc_job *j = t->job;
	j->rpc->inflight--;
	j->rpc->load[t->feed]--;
	if (!res || PQntuples(res) < 1) {
		answer_error(j, t->index, RPC_UNAVAILABLE, "the database is unavailable; try again later");
	} else {
		switch (j->batch.calls[t->index].method) {
		case RPC_GET_TXN_BODIES_FOR_TX_BLOCK:
		case RPC_GET_TXN_BODIES_FOR_TX_BLOCK_EX:
			answer_bodies(j, t->index, res);
			break;
		case RPC_GET_TRANSACTION:
		case RPC_GET_CONTRACT_ADDRESS:
			answer_txn(j, t->index, res);
			break;
		case RPC_GET_EVENT_LOGS:
			answer_events(j, t->index, res);
			break;
		case RPC_GET_SERVER_INFO:
			answer_info(j, t->index, res);
			break;
		default:
			answer_block(j, t->index, res);
			break;
		}
	}
	if (--j->waiting == 0)
		finish(j);
}

static char *u64_text(uint64_t v)
{
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	return strdup(tmp);
}

/* GetEventLogs' one parameter (see events_sql). */
static char *events_param(const struct rpc_call *c, unsigned limit)
{
	struct buf b = BUF_INIT;
	char addr[ADDRESS_CANON_LEN];
	buf_append_str(&b, "{\"from\":");
	buf_append_u64(&b, c->from);
	buf_append_str(&b, ",\"to\":");
	buf_append_u64(&b, c->to);
	buf_append_str(&b, ",\"limit\":");
	buf_append_u64(&b, (unsigned long long)limit + 1);
	buf_append_str(&b, ",\"addresses\":[");
	for (size_t k = 0; k < c->naddresses; k++) {
		address_format(c->addresses[k], addr);
		buf_append_str(&b, k ? ",\"" : "\"");
		buf_append_str(&b, addr);
		buf_append_char(&b, '"');
	}
	buf_append_char(&b, ']');
	for (size_t k = 0; k < c->nnames; k++) {
		buf_append_str(&b, k ? "," : ",\"names\":[");
		buf_append_json_string(&b, c->names[k], strlen(c->names[k]));
	}
	buf_append_str(&b, c->nnames ? "]}" : "}");
	buf_append_char(&b, '\0');
	return buf_take(&b, NULL);
}

/* The query for call i: sql and its parameters (taken by the feed). */
static const char *query_for(const struct rpc_call *c, unsigned max_logs, int *n, char **p0, char **p1)
{
	*n = 0;
	switch (c->method) {
	case RPC_GET_LATEST_TX_BLOCK:
	case RPC_GET_NUM_TX_BLOCKS:
		return latest_sql;
	case RPC_GET_TX_BLOCK:
	case RPC_GET_TRANSACTIONS_FOR_TX_BLOCK:
	case RPC_GET_TRANSACTIONS_FOR_TX_BLOCK_EX:
		*n = 1;
		*p0 = u64_text(c->block);
		return block_sql;
	case RPC_GET_TXN_BODIES_FOR_TX_BLOCK:
	case RPC_GET_TXN_BODIES_FOR_TX_BLOCK_EX:
		*n = 2;
		*p0 = u64_text(c->block);
		*p1 = c->method == RPC_GET_TXN_BODIES_FOR_TX_BLOCK ? strdup("-1") : u64_text(c->page);
		return bodies_sql;
	case RPC_GET_TRANSACTION:
	case RPC_GET_CONTRACT_ADDRESS:
		*n = 1;
		*p0 = strdup(c->hash);
		return txn_sql;
	case RPC_GET_EVENT_LOGS:
		*n = 1;
		*p0 = events_param(c, max_logs);
		return events_sql;
	case RPC_GET_SERVER_INFO:
		return info_sql;
	}
	return NULL;
}

/* Answers from memory when the block is held there. */
static bool from_memory(struct rpc_job *j, size_t i)
{
	const struct rpc_call *c = &j->batch.calls[i];
	/* The Ex form needs the block's count of transactions: not kept. */
	if (c->method != RPC_GET_TX_BLOCK && c->method != RPC_GET_TRANSACTIONS_FOR_TX_BLOCK)
		return false;
	const struct recent_block *b = recent(j->rpc, c->block);
	if (!b)
		return false;
	log_debug("%s blk=%llu answered from memory", rpc_method_name(c->method),
		  (unsigned long long)c->block);
	if (c->method == RPC_GET_TX_BLOCK) {
		answer_result(j, i, b->tx_block, strlen(b->tx_block));
		return true;
	}
	answer_hashes(j, i, b->tx_hashes, 1);
	return true;
}

static int pick_feed(const struct rpc *r)
{
	int best = -1;
	for (int k = 0; k < RPC_QUERY_FEEDS; k++)
		if (pgfeed_connected(r->feeds[k]) && (best < 0 || r->load[k] < r->load[best]))
			best = k;
	return best;
}

static void run_call(struct rpc_job *j, size_t i)
{
	struct rpc *r = j->rpc;
	const struct rpc_call *c = &j->batch.calls[i];
	if (c->notification)
		return;
	if (c->code) {
		answer_error(j, i, c->code, c->message);
		return;
	}
	if (j->refused) {
		answer_error(j, i, RPC_BUSY, "too many requests waiting on this connection; wait for answers");
		return;
	}
	if (from_memory(j, i))
		return;
	int feed = pick_feed(r);
	if (feed < 0) {
		answer_error(j, i, RPC_UNAVAILABLE, "the database is unavailable; try again later");
		return;
	}
	if (r->inflight >= RPC_MAX_INFLIGHT) {
		answer_error(j, i, RPC_BUSY, "the server is busy with other queries; try again");
		return;
	}
	int n;
	char *p0 = NULL, *p1 = NULL;
	const char *sql = query_for(c, r->app->cfg->max_query_logs, &n, &p0, &p1);
	j->tasks[i] = (struct rpc_task){ .job = j, .index = i, .feed = feed };
	if (!pgfeed_query_take(r->feeds[feed], sql, n, p0, p1, task_done, &j->tasks[i])) {
		answer_error(j, i, RPC_BUSY, "out of memory");
		return;
	}
	r->inflight++;
	r->load[feed]++;
	j->waiting++;
}

/* Jobs of owner still waiting: bounded by the calls in flight. */
static size_t owner_jobs(const struct rpc *r, const void *owner)
{
	size_t n = 0;
	for (const struct rpc_job *j = r->jobs; j; j = j->next)
		n += j->owner == owner;
	return n;
}

bool rpc_begin(struct rpc *r, const char *text, size_t len, rpc_deliver_fn *deliver, void *owner)
{
	struct rpc_limits lim = { .max_batch = RPC_MAX_BATCH, .max_query_blocks = r->app->cfg->max_query_blocks,
				  .max_addresses = r->app->cfg->max_addresses, .max_names = RPC_MAX_NAMES };
	struct rpc_job *j = calloc(1, sizeof(*j));
	enum rpc_parse_result pr = j ? rpc_parse(text, len, &lim, &j->batch) : RPC_PARSE_OOM;
	if (pr == RPC_PARSE_NOT_RPC) {
		free(j);
		return false;
	}
	if (pr == RPC_PARSE_OOM || !(j->answers = calloc(j->batch.count, sizeof(*j->answers))) ||
	    !(j->tasks = calloc(j->batch.count, sizeof(*j->tasks)))) {
		if (j) {
			free(j->answers);
			rpc_batch_clear(&j->batch);
		}
		free(j);
		deliver(owner, NULL, 0);
		return true;
	}
	j->rpc = r;
	j->waiting = 1; /* held until every call has run */
	j->refused = owner_jobs(r, owner) >= RPC_OWNER_JOBS;
	j->deliver = deliver;
	j->owner = owner;
	j->next = r->jobs;
	j->prev = &r->jobs;
	if (r->jobs)
		r->jobs->prev = &j->next;
	r->jobs = j;
	for (size_t i = 0; i < j->batch.count; i++)
		run_call(j, i);
	if (--j->waiting == 0)
		finish(j);
	return true;
}

void rpc_cancel_owner(struct rpc *r, const void *owner)
{
	for (struct rpc_job *j = r->jobs; j; j = j->next)
		if (j->owner == owner)
			j->owner = NULL;
}

/* ---- WebSocket sessions ---- */

static void session_deliver(void *owner, const char *text, size_t len)
{
	struct session *s = owner;
	if (!text)
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
	else if (len)
		session_reply_text(s, text, len);
}

bool rpc_session_message(struct session *s, const char *text, size_t len)
{
	return rpc_begin(s->app->rpc, text, len, session_deliver, s);
}
