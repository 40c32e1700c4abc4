/* PostgreSQL feed (see pgfeed.h). States: DOWN (waiting to retry) ->
 * CONNECTING (PQconnectPoll driven by a short timer that polls the socket
 * without waiting) -> READY (socket adopted by lws; LISTEN, block fetches
 * and contract queries run in FIFO order). Block fetches survive a lost
 * connection and run after the reconnect; other queries fail at once so
 * their callers can answer without waiting. A failed send gives the
 * connection up from the timer, never inside the call that queued the
 * query: the loss answers every queued request, and the caller has not
 * got its own yet. */
#include "pgfeed.h"

#include <libwebsockets.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block_feed.h"
#include "contracts.h"
#include "fanout.h"
#include "log.h"
#include "notify_payload.h"
#include "schema.h"
#include "server.h"

enum pgfeed_state { PGFEED_DOWN, PGFEED_CONNECTING, PGFEED_READY };

struct pgfeed_request {
	struct pgfeed_request *next;
	const char *sql;
	int nparams;
	char *params[2];
	pgfeed_result_fn cb;
	void *ctx;
	PGresult *result;
	uint64_t block_num; /* block fetches only */
	struct pgfeed *feed;
	/* Block fetches: when announced and sent; socket reads and loop turns
	 * it took to read the result. */
	lws_usec_t announced, sent_at;
	unsigned reads, turns;
};

struct pgfeed {
	struct zws *app;
	PGconn *conn;
	enum pgfeed_state state;
	PostgresPollingStatusType polling;
	lws_usec_t connect_started;
	struct lws *wsi;
	lws_sorted_usec_list_t sul;
	unsigned backoff_ms;
	bool outage_logged;
	char failed[256]; /* a send failed: why; the timer gives the connection up */
	struct pgfeed_request *head, *tail;
	bool sent; /* head is running */
	uint64_t finished; /* requests answered so far */
	uint64_t last_queued; /* highest block fetched or skipped */
};

#define PGFEED_CONNECT_TIMEOUT_US ((lws_usec_t)10 * 1000 * 1000)
#define PGFEED_BACKOFF_MAX_MS 10000

/* A block's rows in one round trip, in whatever order PostgreSQL reads
 * them: block_rows_sort puts them in block order. Sorting 11,001 rows of
 * 3.5 MB server-side (ORDER BY 1, 2, 3) spilled past work_mem and took 14
 * of the query's 20 ms before the first row could leave; without it rows
 * stream as they are scanned, and the sort here is one pass when they come
 * in order, as they do for a block stored once. */
static const char block_sql[] =
	"SELECT 0, 0, 0, tx_block::text, tx_hashes::text, NULL::text, NULL::text, NULL::text"
	" FROM tx_blocks WHERE block_num = $1::bigint"
	" UNION ALL SELECT 1, tx_position, log_index, address, event_name, params::text, NULL, NULL"
	" FROM event_logs WHERE block_num = $1::bigint AND success"
	" UNION ALL SELECT 2, position, 0, tx_hash, from_addr, to_addr, amount::text, success::text"
	" FROM transactions WHERE block_num = $1::bigint";

/* Set once per connection, before any block is read. A block is read by
 * index scans that take ~5 ms for 10,000 event logs (plan cost ~3,200).
 * A bigger block or stale statistics can tip the planner into starting
 * parallel workers, which made those scans take 20 ms and take cores from
 * fan-out, or past jit_above_cost (100,000) into compiling the plan first:
 * 13 ms, and 180 ms past jit_optimize_above_cost, for a 5 ms query. */
static const char session_sql[] =
	"SELECT set_config('jit', 'off', false), set_config('max_parallel_workers_per_gather', '0', false)";

static const char known_sql[] =
	"SELECT address, is_contract FROM contracts WHERE address = ANY($1::text[])"
	" AND (is_contract OR source <> 'lookup' OR checked_at > now() - interval '10 minutes')";

static const char store_sql[] =
	"INSERT INTO contracts (address, is_contract, source)"
	" SELECT a, c, 'lookup' FROM unnest($1::text[], $2::boolean[]) AS t(a, c)"
	" ON CONFLICT (address) DO UPDATE SET is_contract = EXCLUDED.is_contract, checked_at = now()"
	" WHERE contracts.source = 'lookup'";

static const char catchup_sql[] =
	"SELECT block_num FROM tx_blocks WHERE block_num > $1::bigint ORDER BY block_num LIMIT 100";

static void schedule(struct pgfeed *f, lws_usec_t us);
static void send_next(struct pgfeed *f);

static void request_free(struct pgfeed_request *r)
{
	PQclear(r->result);
	free(r->params[0]);
	free(r->params[1]);
	free(r);
}

/* Queues a query; first: it runs next, ahead of those not yet sent. */
static struct pgfeed_request *enqueue(struct pgfeed *f, const char *sql, int nparams, char *p0,
				      char *p1, pgfeed_result_fn cb, void *ctx, bool first)
{
	struct pgfeed_request *r = calloc(1, sizeof(*r));
	if (!r || (nparams > 0 && !p0) || (nparams > 1 && !p1)) {
		free(r);
		free(p0);
		free(p1);
		return NULL;
	}
	*r = (struct pgfeed_request){ .sql = sql, .nparams = nparams, .params = { p0, p1 }, .cb = cb,
				       .ctx = ctx, .feed = f };
	if (first && f->head) {
		struct pgfeed_request **at = f->sent ? &f->head->next : &f->head;
		r->next = *at;
		*at = r;
		if (!r->next)
			f->tail = r;
	} else {
		if (f->tail)
			f->tail->next = r;
		else
			f->head = r;
		f->tail = r;
	}
	send_next(f);
	return r;
}

static void pop_head(struct pgfeed *f)
{
	struct pgfeed_request *r = f->head;
	f->head = r->next;
	if (!f->head)
		f->tail = NULL;
	f->sent = false;
	f->finished++;
	request_free(r);
}

void pgfeed_cancel(struct pgfeed_request *r)
{
	if (r)
		r->cb = NULL;
}

/* Gives up the connection; block fetches stay queued for the next one. */
static void connection_lost(struct pgfeed *f, const char *why, bool in_wsi_callback)
{
	if (!f->outage_logged)
		log_warn("PostgreSQL unavailable: %s; reconnecting with backoff", why);
	f->outage_logged = true;
	struct pgfeed_request **p = &f->head, *keep_tail = NULL;
	while (*p) {
		struct pgfeed_request *r = *p;
		PQclear(r->result);
		r->result = NULL;
		if (r->block_num) {
			keep_tail = r;
			p = &r->next;
			continue;
		}
		*p = r->next;
		if (r->cb)
			r->cb(r->ctx, NULL);
		request_free(r);
	}
	f->tail = keep_tail;
	f->sent = false;
	if (f->wsi) {
		lws_set_opaque_user_data(f->wsi, NULL);
		if (!in_wsi_callback)
			lws_set_timeout(f->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		f->wsi = NULL;
	}
	PQfinish(f->conn);
	f->conn = NULL;
	f->state = PGFEED_DOWN;
	f->failed[0] = '\0';
	f->backoff_ms = f->backoff_ms ? f->backoff_ms * 2 : 250;
	if (f->backoff_ms > PGFEED_BACKOFF_MAX_MS)
		f->backoff_ms = PGFEED_BACKOFF_MAX_MS;
	schedule(f, (lws_usec_t)f->backoff_ms * 1000);
}

static void lost_with_pq_error(struct pgfeed *f, bool in_wsi_callback)
{
	char msg[256];
	snprintf(msg, sizeof(msg), "%s", f->conn ? PQerrorMessage(f->conn) : "no connection");
	msg[strcspn(msg, "\n")] = '\0';
	connection_lost(f, msg, in_wsi_callback);
}

/* Sending failed: connect_step gives the connection up, soon. */
static void send_failed(struct pgfeed *f)
{
	if (f->failed[0])
		return;
	snprintf(f->failed, sizeof(f->failed), "%s", PQerrorMessage(f->conn));
	f->failed[strcspn(f->failed, "\n")] = '\0';
	if (!f->failed[0])
		snprintf(f->failed, sizeof(f->failed), "sending a query failed");
	schedule(f, 0);
}

static void flush(struct pgfeed *f)
{
	int r = PQflush(f->conn);
	if (r == 1 && f->wsi)
		lws_callback_on_writable(f->wsi);
	else if (r < 0)
		send_failed(f);
}

static void send_next(struct pgfeed *f)
{
	struct pgfeed_request *r = f->head;
	if (f->state != PGFEED_READY || f->sent || !r || f->failed[0])
		return;
	if (!PQsendQueryParams(f->conn, r->sql, r->nparams, NULL, (const char *const *)r->params, NULL,
			       NULL, 0)) {
		send_failed(f);
		return;
	}
	f->sent = true;
	r->sent_at = lws_now_usecs();
	r->reads = r->turns = 0;
	flush(f);
}

/* ---- blocks ---- */

static void fetch_block(struct pgfeed *f, uint64_t num);

static bool add_row(struct block *b, const PGresult *res, int i, char *err, size_t errlen)
{
	const char *kind = PQgetvalue(res, i, 0);
	if (kind[0] == '1')
		return block_add_event(b, PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
				       PQgetvalue(res, i, 5), err, errlen);
	if (kind[0] == '2')
		return block_add_txn(b, PQgetvalue(res, i, 3), PQgetvalue(res, i, 6), PQgetvalue(res, i, 4),
				     PQgetvalue(res, i, 5), strcmp(PQgetvalue(res, i, 7), "true") == 0,
				     err, errlen);
	return true;
}

/* The rows of res in block order (block_sql leaves the order to us). */
static struct block_row *rows_in_order(const PGresult *res, int rows)
{
	struct block_row *order = malloc((size_t)rows * sizeof(*order));
	if (!order)
		return NULL;
	for (int i = 0; i < rows; i++)
		order[i] = (struct block_row){ .kind = (uint32_t)strtoul(PQgetvalue(res, i, 0), NULL, 10),
					       .pos = (uint32_t)strtoul(PQgetvalue(res, i, 1), NULL, 10),
					       .index = (uint32_t)strtoul(PQgetvalue(res, i, 2), NULL, 10),
					       .row = (uint32_t)i };
	block_rows_sort(order, (size_t)rows);
	return order;
}

/* The block of res, or NULL with err filled (empty when announced but
 * not stored). */
static struct block *block_from_result(uint64_t num, const PGresult *res, size_t *logs, char *err,
				       size_t errlen)
{
	int rows = PQntuples(res);
	struct block_row *order = rows ? rows_in_order(res, rows) : NULL;
	if (rows && !order) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!rows || order[0].kind != 0) {
		free(order);
		return NULL;
	}
	struct block *b = block_new(num, PQgetvalue(res, (int)order[0].row, 3),
				    PQgetvalue(res, (int)order[0].row, 4));
	bool ok = b != NULL;
	*logs = 0;
	for (int i = 1; ok && i < rows; i++) {
		*logs += order[i].kind == 1;
		ok = add_row(b, res, (int)order[i].row, err, errlen);
	}
	free(order);
	if (!ok || !block_finish(b, err, errlen)) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		block_free(b);
		return NULL;
	}
	return b;
}

static void block_fetched(void *ctx, const PGresult *res)
{
	struct pgfeed_request *r = ctx;
	char err[160] = "";
	if (!res)
		return; /* connection lost: the request stays queued */
	lws_usec_t t_read = lws_now_usecs();
	size_t logs = 0;
	struct block *b = block_from_result(r->block_num, res, &logs, err, sizeof(err));
	if (!b) {
		if (err[0])
			log_error("blk=%llu not delivered: %s", (unsigned long long)r->block_num, err);
		else
			log_warn("blk=%llu announced but not in tx_blocks; skipped",
				 (unsigned long long)r->block_num);
		return;
	}
	for (size_t i = 0; i < b->events.count; i++)
		contracts_learn(r->feed->app->contracts, b->events.groups[i]->key.key);
	lws_usec_t t_built = lws_now_usecs();
	log_info("blk=%llu read in %.1f ms (%zu event logs of %zu contracts, %d rows): queued %.1f ms, "
		 "query %.1f ms over %u reads in %u loop turns, built in %.1f ms",
		 (unsigned long long)r->block_num, (double)(t_built - r->announced) / 1000, logs,
		 b->events.count, PQntuples(res), (double)(r->sent_at - r->announced) / 1000,
		 (double)(t_read - r->sent_at) / 1000, r->reads, r->turns,
		 (double)(t_built - t_read) / 1000);
	fanout_block(r->feed->app, b);
	block_free(b);
}

static char *u64_text(uint64_t v)
{
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	return strdup(tmp);
}

static void fetch_block(struct pgfeed *f, uint64_t num)
{
	if (num <= f->last_queued)
		return;
	f->last_queued = num;
	lws_usec_t now = lws_now_usecs();
	struct pgfeed_request *r = enqueue(f, block_sql, 1, u64_text(num), NULL, block_fetched, NULL, false);
	if (!r) {
		log_error("blk=%llu not delivered: out of memory", (unsigned long long)num);
		return;
	}
	r->ctx = r;
	r->block_num = num;
	r->announced = now;
}

static void on_notify(struct pgfeed *f, const PGnotify *n)
{
	uint64_t num;
	bool live;
	char err[96];
	if (strcmp(n->relname, SCHEMA_NOTIFY_CHANNEL) != 0)
		return;
	if (!notify_payload_parse(n->extra, &num, &live, err, sizeof(err))) {
		log_warn("ignoring NOTIFY %s '%.100s': %s", n->relname, n->extra, err);
		return;
	}
	if (!live) {
		log_debug("blk=%llu committed during backfill; not pushed", (unsigned long long)num);
		if (num > f->last_queued)
			f->last_queued = num;
		return;
	}
	fetch_block(f, num);
}

/* After a reconnect: blocks committed while zws was not listening. */
static void catchup_done(void *ctx, const PGresult *res)
{
	struct pgfeed *f = ctx;
	for (int i = 0; res && i < PQntuples(res); i++)
		fetch_block(f, strtoull(PQgetvalue(res, i, 0), NULL, 10));
}

static void listen_done(void *ctx, const PGresult *res)
{
	struct pgfeed *f = ctx;
	if (!res)
		return;
	log_info("PostgreSQL %s; listening on %s", f->outage_logged ? "reconnected" : "connected",
		 SCHEMA_NOTIFY_CHANNEL);
	f->outage_logged = false;
	f->backoff_ms = 0;
	server_feed_ready(f->app);
	if (f->last_queued &&
	    !enqueue(f, catchup_sql, 1, u64_text(f->last_queued), NULL, catchup_done, f, true))
		log_error("cannot look for blocks missed while disconnected: out of memory");
}

/* ---- contracts ---- */

/* A PostgreSQL text[] literal of canonical addresses. */
static char *address_array(const uint8_t (*addrs)[ADDRESS_BYTES], const enum contract_state *states,
			   size_t n)
{
	struct buf b = BUF_INIT;
	buf_append_char(&b, '{');
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (states && states[i] == CONTRACT_UNKNOWN)
			continue;
		char canon[ADDRESS_CANON_LEN];
		address_format(addrs[i], canon);
		if (!first)
			buf_append_char(&b, ',');
		buf_append_str(&b, canon);
		first = false;
	}
	buf_append_char(&b, '}');
	if (b.failed) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b, NULL);
}

struct pgfeed_request *pgfeed_known_contracts(struct pgfeed *f, const uint8_t (*addrs)[ADDRESS_BYTES],
					      size_t n, pgfeed_result_fn cb, void *ctx)
{
	if (f->state != PGFEED_READY)
		return NULL;
	return enqueue(f, known_sql, 1, address_array(addrs, NULL, n), NULL, cb, ctx, false);
}

void pgfeed_store_contracts(struct pgfeed *f, const uint8_t (*addrs)[ADDRESS_BYTES],
			    const enum contract_state *states, size_t n)
{
	if (f->state != PGFEED_READY)
		return;
	struct buf flags = BUF_INIT;
	buf_append_char(&flags, '{');
	for (size_t i = 0; i < n; i++) {
		if (states[i] == CONTRACT_UNKNOWN)
			continue;
		if (flags.len > 1)
			buf_append_char(&flags, ',');
		buf_append_str(&flags, states[i] == CONTRACT_YES ? "t" : "f");
	}
	buf_append_char(&flags, '}');
	if (flags.len == 2 || flags.failed) {
		buf_free(&flags);
		return;
	}
	if (!enqueue(f, store_sql, 2, address_array(addrs, states, n), buf_take(&flags, NULL), NULL,
		     NULL, false))
		log_warn("contract answers not cached: out of memory");
}

/* ---- the connection ---- */

static void collect_results(struct pgfeed *f)
{
	while (f->conn && f->sent && !PQisBusy(f->conn)) {
		PGresult *res = PQgetResult(f->conn);
		struct pgfeed_request *r = f->head;
		if (!res) {
			if (r->cb)
				r->cb(r->ctx, r->result);
			pop_head(f);
			send_next(f);
			continue;
		}
		ExecStatusType st = PQresultStatus(res);
		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
			char *msg = PQresultErrorMessage(res);
			log_warn("PostgreSQL query failed: %.*s", (int)strcspn(msg, "\n"), msg);
			PQclear(res);
		} else if (!r->result) {
			r->result = res;
		} else {
			PQclear(res);
		}
	}
}

/* Hands on every notification and finished result libpq holds. Collecting
 * a result parses whatever else arrived in the same read, NOTIFYs
 * included, and PQflush may read too; the socket will not wake us again
 * for what is already buffered, so loop until a pass finds no NOTIFY. */
static void drain(struct pgfeed *f)
{
	bool again = true;
	while (again && f->conn) {
		again = false;
		collect_results(f);
		PGnotify *n;
		while (f->conn && (n = PQnotifies(f->conn))) {
			on_notify(f, n);
			PQfreemem(n);
			again = true;
		}
	}
}

/* A block's rows are read in one loop turn while they stream in, rather
 * than one turn per socket buffer. With --event-loop poll a turn polls
 * every client's socket, ~12 ms with 19,000 clients, so the 3.5 MB of a
 * block of 10,000 event logs took 30-38 turns and 390-700 ms to arrive;
 * read here, 1-4 turns and 13-50 ms. With libev a turn is cheap and this
 * changes nothing measurable (15-48 ms over 130-320 turns or over 1-4).
 * PostgreSQL refills the socket within microseconds while it sends a
 * result; a gap of BLOCK_READ_GAP_MS (it is still executing, or a NOTIFY
 * woke us) hands back to the loop, and so does BLOCK_READ_BUDGET_US, so a
 * huge block cannot keep clients waiting longer than that at a time. */
#define BLOCK_READ_GAP_MS 2
#define BLOCK_READ_BUDGET_US ((lws_usec_t)100 * 1000)

static bool consume(struct pgfeed *f)
{
	if (!PQconsumeInput(f->conn) || PQstatus(f->conn) == CONNECTION_BAD) {
		lost_with_pq_error(f, true);
		return false;
	}
	if (f->sent)
		f->head->reads++;
	drain(f);
	return f->conn != NULL;
}

/* The socket is readable. false: the connection is gone. */
static bool on_readable(struct pgfeed *f)
{
	if (!consume(f))
		return false;
	if (f->sent)
		f->head->turns++;
	uint64_t finished = f->finished;
	lws_usec_t until = lws_now_usecs() + BLOCK_READ_BUDGET_US;
	while (f->sent && f->head->block_num && f->finished == finished && lws_now_usecs() < until) {
		struct pollfd p = { PQsocket(f->conn), POLLIN, 0 };
		if (poll(&p, 1, BLOCK_READ_GAP_MS) <= 0)
			break;
		if (!consume(f))
			return false;
	}
	return true;
}

int pgfeed_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
	struct pgfeed *f = lws_get_opaque_user_data(wsi);
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (!f)
			return -1;
		return on_readable(f) ? 0 : -1;
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		if (f && f->conn) {
			flush(f);
			drain(f);
		}
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (f && f->wsi == wsi) {
			f->wsi = NULL;
			connection_lost(f, "socket closed", true);
		}
		return 0;
	default:
		return 0;
	}
}

/* libpq reports server notices and asynchronous errors here. */
static void notice_to_log(void *arg, const char *message)
{
	log_info("PostgreSQL: %.*s", (int)strcspn(message, "\n"), message);
}

static void connected(struct pgfeed *f)
{
	PQsetNoticeProcessor(f->conn, notice_to_log, NULL);
	if (PQsetnonblocking(f->conn, 1) != 0) {
		lost_with_pq_error(f, false);
		return;
	}
	lws_adopt_desc_t desc = { .vh = f->app->vhost, .type = LWS_ADOPT_RAW_FILE_DESC,
				  .vh_prot_name = "zws-pg", .opaque = f };
	desc.fd.filefd = dup(PQsocket(f->conn));
	f->wsi = desc.fd.filefd >= 0 ? lws_adopt_descriptor_vhost_via_info(&desc) : NULL;
	if (!f->wsi) {
		connection_lost(f, "cannot watch the PostgreSQL socket", false);
		return;
	}
	f->state = PGFEED_READY;
	if (!enqueue(f, "LISTEN " SCHEMA_NOTIFY_CHANNEL, 0, NULL, NULL, listen_done, f, true) ||
	    !enqueue(f, session_sql, 0, NULL, NULL, NULL, NULL, true))
		connection_lost(f, "out of memory", false);
	else
		send_next(f);
}

static void connect_step(lws_sorted_usec_list_t *sul)
{
	struct pgfeed *f = container_of(sul, struct pgfeed, sul);
	if (f->state == PGFEED_READY) {
		if (f->failed[0])
			connection_lost(f, f->failed, false);
		return;
	}
	if (f->state == PGFEED_DOWN) {
		/* Named, so pg_stat_activity tells zws's connection apart. */
		static const char *const keys[] = { "dbname", "fallback_application_name", NULL };
		const char *const values[] = { f->app->cfg->db, "zws", NULL };
		f->conn = PQconnectStartParams(keys, values, 1);
		if (!f->conn || PQstatus(f->conn) == CONNECTION_BAD) {
			lost_with_pq_error(f, false);
			return;
		}
		f->state = PGFEED_CONNECTING;
		f->polling = PGRES_POLLING_WRITING;
		f->connect_started = lws_now_usecs();
	}
	struct pollfd p = { PQsocket(f->conn), f->polling == PGRES_POLLING_READING ? POLLIN : POLLOUT, 0 };
	if (poll(&p, 1, 0) == 0) {
		if (lws_now_usecs() - f->connect_started > PGFEED_CONNECT_TIMEOUT_US)
			connection_lost(f, "connection timed out", false);
		else
			schedule(f, 5000);
		return;
	}
	f->polling = PQconnectPoll(f->conn);
	if (f->polling == PGRES_POLLING_FAILED)
		lost_with_pq_error(f, false);
	else if (f->polling == PGRES_POLLING_OK)
		connected(f);
	else
		schedule(f, 0);
}

static void schedule(struct pgfeed *f, lws_usec_t us)
{
	lws_sul_schedule(f->app->context, 0, &f->sul, connect_step, us);
}

struct pgfeed *pgfeed_new(struct zws *app)
{
	struct pgfeed *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->app = app;
	return f;
}

void pgfeed_start(struct pgfeed *f)
{
	schedule(f, 0);
}

void pgfeed_stop(struct pgfeed *f)
{
	if (!f)
		return;
	lws_sul_cancel(&f->sul);
	if (f->wsi)
		lws_set_opaque_user_data(f->wsi, NULL);
	f->wsi = NULL;
	f->state = PGFEED_DOWN;
}

void pgfeed_free(struct pgfeed *f)
{
	if (!f)
		return;
	while (f->head)
		pop_head(f);
	PQfinish(f->conn);
	free(f);
}
