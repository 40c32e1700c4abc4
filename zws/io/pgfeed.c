/* PostgreSQL feed (see pgfeed.h). States: DOWN (waiting to retry) ->
 * CONNECTING (PQconnectPoll driven by a short timer that polls the socket
 * without waiting) -> READY (socket adopted by lws; LISTEN, block fetches
 * and its users' queries run in FIFO order). Block fetches survive a lost
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

#include "block_read.h"
#include "continuity.h"
#include "dlist.h"
#include "log.h"
#include "notify_payload.h"
#include "schema.h"

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
	bool live;          /* block fetches: announced as live */
	uint64_t wanted;    /* pgfeed_read_block: the block, answered to wanted_cb */
	pgfeed_block_fn wanted_cb;
	void *wanted_ctx;
	struct pgfeed *feed;
	/* Block fetches: when announced and sent; socket reads and loop turns
	 * it took to read the result. */
	lws_usec_t announced, sent_at;
	unsigned reads, turns;
};

struct pgfeed {
	const char *conninfo;
	const struct pgfeed_hooks *hooks;
	struct lws_context *cx;
	struct lws_vhost *vh;
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
	struct continuity order; /* which announced blocks are pushed */
	uint64_t announced;      /* highest block announced (or found after a reconnect) */
};

#define PGFEED_CONNECT_TIMEOUT_US ((lws_usec_t)10 * 1000 * 1000)
#define PGFEED_BACKOFF_MAX_MS 10000

/* Set once per connection, before any block is read. A block is read by
 * cheap index scans; a bigger block or stale statistics can tip the
 * planner into starting parallel workers, which take cores from fan-out,
 * or into compiling the plan with JIT first, both slower than the query
 * (bench/fanout/results.md, "Design measurements"). */
static const char session_sql[] =
	"SELECT set_config('jit', 'off', false), set_config('max_parallel_workers_per_gather', '0', false)";

static const char catchup_sql[] = "SELECT max(block_num) FROM tx_blocks";

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

static void block_fetched(void *ctx, const PGresult *res)
{
	struct pgfeed_request *r = ctx;
	struct pgfeed *f = r->feed;
	char err[160] = "";
	if (!res)
		return; /* connection lost: the request stays queued */
	lws_usec_t t_read = lws_now_usecs();
	size_t logs = 0;
	struct block *b = block_read(r->block_num, res, &logs, err, sizeof(err));
	if (!b) {
		if (err[0])
			log_error("blk=%llu not delivered: %s", (unsigned long long)r->block_num, err);
		else
			log_warn("blk=%llu announced but not in tx_blocks; skipped",
				 (unsigned long long)r->block_num);
		return;
	}
	lws_usec_t t_built = lws_now_usecs();
	log_info("blk=%llu read in %.1f ms (%zu event logs of %zu contracts, %d rows): queued %.1f ms, "
		 "query %.1f ms over %u reads in %u loop turns, built in %.1f ms",
		 (unsigned long long)r->block_num, (double)(t_built - r->announced) / 1000, logs,
		 b->events.count, PQntuples(res), (double)(r->sent_at - r->announced) / 1000,
		 (double)(t_read - r->sent_at) / 1000, r->reads, r->turns,
		 (double)(t_built - t_read) / 1000);
	b->event_logs = (uint32_t)logs;
	b->transactions = (uint32_t)(PQntuples(res) - 1 - (int)logs);
	b->announced_us = r->announced;
	uint64_t from, to, took;
	if (continuity_pushed(&f->order, r->block_num, r->live, (uint64_t)t_built, &from, &to, &took))
		log_info("caught up blk=%llu..%llu (%llu blocks ingest stored as backfill) in %.1f ms",
			 (unsigned long long)from, (unsigned long long)to,
			 (unsigned long long)(to - from + 1), (double)took / 1000);
	f->hooks->block(f->hooks->ctx, b);
}

/* A block read for pgfeed_read_block. */
static void wanted_fetched(void *ctx, const PGresult *res)
{
	struct pgfeed_request *r = ctx;
	char err[160] = "";
	size_t logs = 0;
	struct block *b = res ? block_read(r->wanted, res, &logs, err, sizeof(err)) : NULL;
	if (res && !b && err[0])
		log_error("blk=%llu cannot be read: %s", (unsigned long long)r->wanted, err);
	r->wanted_cb(r->wanted_ctx, r->wanted, b, res != NULL);
}

static char *u64_text(uint64_t v)
{
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	return strdup(tmp);
}

static void fetch_block(struct pgfeed *f, uint64_t num, bool live)
{
	lws_usec_t now = lws_now_usecs();
	struct pgfeed_request *r = enqueue(f, block_read_sql, 1, u64_text(num), NULL, block_fetched, NULL, false);
	if (!r) {
		log_error("blk=%llu not delivered: out of memory", (unsigned long long)num);
		return;
	}
	r->ctx = r;
	r->block_num = num;
	r->live = live;
	r->announced = now;
}

/* Block num is stored (live: ingest marks it live): pushes what
 * continuity says, in order. */
static void announce(struct pgfeed *f, uint64_t num, bool live)
{
	if (num > f->announced)
		f->announced = num;
	if (f->hooks->announced)
		f->hooks->announced(f->hooks->ctx, num);
	struct continuity_step st = continuity_announce(&f->order, num, live);
	switch (st.action) {
	case CONTINUITY_NONE:
		if (st.first_waiting)
			log_info("blk=%llu is %llu blocks after the last block pushed (blk=%llu), more than "
				 "--max-resume %llu; waiting for the next live block",
				 (unsigned long long)num, (unsigned long long)(num - f->order.last),
				 (unsigned long long)f->order.last, (unsigned long long)f->order.max_resume);
		else
			log_debug("blk=%llu committed during backfill; not pushed", (unsigned long long)num);
		return;
	case CONTINUITY_REWOUND:
		if (st.first_rewound)
			log_info("blk=%llu stored again (zws-ingest --rewind?): blocks up to blk=%llu were "
				 "pushed already and are not pushed again; pushing resumes at blk=%llu",
				 (unsigned long long)num, (unsigned long long)f->order.last,
				 (unsigned long long)f->order.last + 1);
		return;
	case CONTINUITY_PUSH:
		break;
	}
	if (st.skip_to)
		log_warn("skipped %llu blocks (blk=%llu..%llu): more than --max-resume %llu behind; "
			 "pushing resumes at live blk=%llu",
			 (unsigned long long)(st.skip_to - st.skip_from + 1), (unsigned long long)st.skip_from,
			 (unsigned long long)st.skip_to, (unsigned long long)f->order.max_resume,
			 (unsigned long long)st.from);
	if (st.to > st.from)
		log_info("catching up blk=%llu..%llu (%llu blocks)", (unsigned long long)st.from,
			 (unsigned long long)st.to, (unsigned long long)(st.to - st.from + 1));
	for (uint64_t n = st.from; n <= st.to; n++)
		fetch_block(f, n, live && n == st.to);
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
	announce(f, num, live);
}

/* After a reconnect: the newest block committed while zws was not
 * listening, announced as backfill (continuity pushes what it missed). */
static void catchup_done(void *ctx, const PGresult *res)
{
	struct pgfeed *f = ctx;
	if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		announce(f, strtoull(PQgetvalue(res, 0, 0), NULL, 10), false);
}

static void listen_done(void *ctx, const PGresult *res)
{
	struct pgfeed *f = ctx;
	if (!res)
		return;
	if (f->hooks->block)
		log_info("PostgreSQL %s; listening on %s", f->outage_logged ? "reconnected" : "connected",
			 SCHEMA_NOTIFY_CHANNEL);
	else
		log_info("PostgreSQL %s for queries", f->outage_logged ? "reconnected" : "connected");
	f->outage_logged = false;
	f->backoff_ms = 0;
	f->hooks->ready(f->hooks->ctx);
	if (f->order.last &&
	    !enqueue(f, catchup_sql, 0, NULL, NULL, catchup_done, f, true))
		log_error("cannot look for blocks missed while disconnected: out of memory");
}

bool pgfeed_read_block(struct pgfeed *f, uint64_t num, pgfeed_block_fn cb, void *ctx)
{
	struct pgfeed_request *r = enqueue(f, block_read_sql, 1, u64_text(num), NULL, NULL, ctx, false);
	if (!r)
		return false;
	r->wanted = num;
	r->wanted_cb = cb;
	r->wanted_ctx = ctx;
	r->cb = wanted_fetched;
	r->ctx = r;
	return true;
}

bool pgfeed_connected(const struct pgfeed *f)
{
	return f->state == PGFEED_READY;
}

bool pgfeed_query_take(struct pgfeed *f, const char *sql, int nparams, char *p0, char *p1,
		       pgfeed_result_fn cb, void *ctx)
{
	return enqueue(f, sql, nparams, p0, p1, cb, ctx, false) != NULL;
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
 * than one turn per socket buffer: with the poll loop a turn walks every
 * client's socket, and a big block took dozens of turns to arrive
 * (bench/fanout/results.md, "Design measurements"). PostgreSQL refills
 * the socket within microseconds while it sends a result; a gap of
 * PGFEED_BLOCK_READ_GAP_MS (it is still executing, or a NOTIFY woke us)
 * hands back to the loop, and so does PGFEED_BLOCK_READ_BUDGET_US. */
#define PGFEED_BLOCK_READ_GAP_MS 2
#define PGFEED_BLOCK_READ_BUDGET_US ((lws_usec_t)100 * 1000)

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

/* The budgeted wait inside the loop, taken on purpose: while a block's
 * result is arriving, waits on the PostgreSQL socket alone and reads
 * what comes, until the block is complete, a gap of
 * PGFEED_BLOCK_READ_GAP_MS passes with nothing to read, or
 * PGFEED_BLOCK_READ_BUDGET_US is spent. It holds up everything else on
 * the loop (every client's reads and writes, timers, accepts) for at most
 * PGFEED_BLOCK_READ_BUDGET_US plus one gap. false: the connection is gone. */
static bool read_block_budgeted(struct pgfeed *f)
{
	uint64_t finished = f->finished;
	lws_usec_t until = lws_now_usecs() + PGFEED_BLOCK_READ_BUDGET_US;
	while (f->sent && f->head->block_num && f->finished == finished && lws_now_usecs() < until) {
		struct pollfd p = { PQsocket(f->conn), POLLIN, 0 };
		if (poll(&p, 1, PGFEED_BLOCK_READ_GAP_MS) <= 0)
			break;
		if (!consume(f))
			return false;
	}
	return true;
}

/* The socket is readable. false: the connection is gone. */
static bool on_readable(struct pgfeed *f)
{
	if (!consume(f))
		return false;
	if (f->sent)
		f->head->turns++;
	return read_block_budgeted(f);
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
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return -1; /* internal: never a client's WebSocket */
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
	lws_adopt_desc_t desc = { .vh = f->vh, .type = LWS_ADOPT_RAW_FILE_DESC,
				  .vh_prot_name = "zws-pg", .opaque = f };
	desc.fd.filefd = dup(PQsocket(f->conn));
	f->wsi = desc.fd.filefd >= 0 ? lws_adopt_descriptor_vhost_via_info(&desc) : NULL;
	if (!f->wsi) {
		connection_lost(f, "cannot watch the PostgreSQL socket", false);
		return;
	}
	f->state = PGFEED_READY;
	/* A feed for queries only LISTENs to nothing: it is ready once its
	 * session is set up. */
	bool listens = f->hooks->block != NULL;
	if ((listens && !enqueue(f, "LISTEN " SCHEMA_NOTIFY_CHANNEL, 0, NULL, NULL, listen_done, f, true)) ||
	    !enqueue(f, session_sql, 0, NULL, NULL, listens ? NULL : listen_done, f, true))
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
		/* Named, so pg_stat_activity tells zws's connection (and its
		 * query connections, "zws-query") apart. */
		static const char *const keys[] = { "dbname", "fallback_application_name", NULL };
		const char *const values[] = { f->conninfo, f->hooks->block ? "zws" : "zws-query", NULL };
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
	lws_sul_schedule(f->cx, 0, &f->sul, connect_step, us);
}

struct pgfeed *pgfeed_new(const char *conninfo, const struct pgfeed_hooks *hooks, uint64_t max_resume)
{
	struct pgfeed *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->conninfo = conninfo;
	f->hooks = hooks;
	continuity_init(&f->order, max_resume);
	return f;
}

void pgfeed_start(struct pgfeed *f, struct lws_context *cx, struct lws_vhost *vh)
{
	f->cx = cx;
	f->vh = vh;
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
