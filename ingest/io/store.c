/* The store thread. It takes what is queued, up to STORE_GROUP blocks, and
 * commits it as one transaction sent in one libpq pipeline: BEGIN, one
 * statement per table for the whole group, the cursor, the NOTIFYs in
 * block order, COMMIT, Sync. While backfilling the queue is long and
 * groups are big; a live block arrives alone and is committed at once.
 * A group commits whole or not at all, so the cursor never skips a block;
 * after a failed group the next ones are single blocks until one commits,
 * so a bad block holds back only itself and is named in the log. After a
 * lost connection the thread reconnects with backoff, re-reads the cursor
 * and drops what it shows as committed before resending the rest
 * (replays are harmless anyway). The backoff ends, and a recovery is
 * logged, only when a group commits: a connection that accepts nothing
 * is no recovery. A single block refused for its data is reported, not
 * retried (store.h).
 * Before migrating or writing, each connection takes the leader lock
 * (leader_lock.h); while another zws-ingest holds it the thread waits as a
 * standby, asking again every LEADER_RETRY_MS on the same connection.
 * Outages are logged when they begin, every 30 s while they last and when
 * they end; misconfigurations are named as such (diagnose.h). */
#define _GNU_SOURCE
#include "store.h"

#include <event2/event.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "clock.h"
#include "txblock.h"
#include "block_sql.h"
#include "diagnose.h"
#include "leader_lock.h"
#include "log.h"
#include "migrate.h"
#include "outage.h"

#define STORE_GROUP 64
/* How often a standby asks for the leader lock. */
#define LEADER_RETRY_MS 1000

/* A PostgreSQL error: its SQLSTATE and one line of text. */
struct db_error {
	char sqlstate[6];
	char text[560];
};

struct store_item {
	struct store_item *next;
	struct ingest_block *block;
	struct block_sql_rows *rows;
	uint64_t head;
	bool live;
};

struct store {
	struct event *wake_ev;
	int pipe_r, pipe_w;
	store_wake_cb cb;
	void *arg;
	char *conninfo;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	/* shared, under mu */
	bool stop;
	struct store_item *first, *last;
	size_t backlog;
	struct store_item *committed; /* for the loop thread to free */
	struct store_commit *commits;
	size_t ncommits, capcommits;
	bool ready;
	struct chain_tip tip; /* the last committed block */
	bool refused;         /* stopped at a refused block until it is taken */
	struct store_refusal refusal;
	struct store_status status;
	/* store thread only */
	PGconn *conn;
	struct backoff backoff;
	struct outage outage;
	size_t group_max;
	uint64_t rewind; /* blocks to delete once connected */
};

static void wake_loop(struct store *s)
{
	char c = 1;
	ssize_t w = write(s->pipe_w, &c, 1);
	(void)w;
}

/* Sleeps ms unless stopped; returns false when stopping. */
static bool sleep_unless_stopped(struct store *s, int ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->stop && pthread_cond_timedwait(&s->cond, &s->mu, &until) == 0)
		;
	bool go_on = !s->stop;
	pthread_mutex_unlock(&s->mu);
	return go_on;
}

static void set_status(struct store *s, enum ingest_pg_state pg, enum ingest_role role,
		       bool misconfigured, const char *error)
{
	pthread_mutex_lock(&s->mu);
	s->status.pg = pg;
	s->status.role = role;
	s->status.misconfigured = misconfigured;
	snprintf(s->status.error, sizeof(s->status.error), "%s", error ? error : "");
	if (role != INGEST_ROLE_STANDBY)
		s->status.leader_pid = 0;
	if (role != INGEST_ROLE_LEADER)
		s->ready = false;
	pthread_mutex_unlock(&s->mu);
}

/* Logs an outage when it begins and every OUTAGE_REPEAT_MS while it
 * lasts, then waits the backoff delay; the connection (and with it the
 * leader lock) is dropped when lost or unusable (drop). */
static void db_failed(struct store *s, const char *what, const char *msg, bool drop)
{
	char m[512];
	bool misconfigured = diagnose_pg(msg, m, sizeof(m));
	int delay = backoff_fail(&s->backoff);
	switch (outage_fail(&s->outage, clock_now_ms())) {
	case OUTAGE_BEGAN:
		log_warn("%s: %s; retrying in %.2fs", what, m, delay / 1000.0);
		break;
	case OUTAGE_STILL:
		log_warn("%s: still failing after %.0fs: %s; retrying in %.2fs", what,
			 outage_seconds(&s->outage, clock_now_ms()), m, delay / 1000.0);
		break;
	case OUTAGE_QUIET:
		log_debug("%s again: %s; retrying in %.2fs", what, m, delay / 1000.0);
		break;
	}
	if (drop)
		set_status(s, INGEST_PG_DOWN, INGEST_ROLE_STARTING, misconfigured, m);
	if (s->conn && drop) {
		PQfinish(s->conn);
		s->conn = NULL;
	}
	sleep_unless_stopped(s, delay);
}

static void db_succeeded(struct store *s)
{
	double secs;
	backoff_succeed(&s->backoff);
	unsigned n = outage_end(&s->outage, clock_now_ms(), &secs);
	if (n > 0)
		log_info("PostgreSQL recovered after %u failure%s (%.0fs)", n, n == 1 ? "" : "s", secs);
}

static void push_commit(struct store *s, const struct store_commit *c)
{
	if (s->ncommits == s->capcommits) {
		size_t cap = s->capcommits ? s->capcommits * 2 : 64;
		struct store_commit *n = realloc(s->commits, cap * sizeof(*n));
		if (!n)
			return;
		s->commits = n;
		s->capcommits = cap;
	}
	s->commits[s->ncommits++] = *c;
}

static void item_free(struct store_item *it)
{
	block_sql_rows_free(it->rows);
	txblock_free(it->block);
	free(it);
}

/* Moves the first n queued items, committed, to s->committed; under mu.
 * The loop thread, which allocated them, frees them (store_take_commits):
 * memory going back to the thread that allocated it keeps malloc fast. */
static void pop_committed(struct store *s, size_t n, double ms)
{
	struct store_item *done = s->first;
	struct store_item *last = NULL;
	for (size_t i = 0; i < n && s->first; i++) {
		struct store_item *it = s->first;
		struct store_commit c = { it->block->num, (uint32_t)it->block->ntxns,
					  (uint32_t)it->block->nlogs, ms, it->live };
		push_commit(s, &c);
		s->first = it->next;
		if (!s->first)
			s->last = NULL;
		s->backlog--;
		chain_tip_set(&s->tip, it->block->num, it->block->hash);
		last = it;
	}
	if (!last)
		return;
	last->next = s->committed;
	s->committed = done;
}

static void free_items(struct store_item *it)
{
	while (it) {
		struct store_item *next = it->next;
		item_free(it);
		it = next;
	}
}

/* The cursor and the hash of the block it names (none when that row is
 * gone). */
static bool read_cursor(struct store *s, struct chain_tip *tip, char *err, size_t errlen)
{
	PGresult *r = PQexec(s->conn, "SELECT c.block_num, b.block_hash FROM ingest_cursor c"
				      " LEFT JOIN tx_blocks b ON b.block_num = c.block_num WHERE c.id = 1");
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	memset(tip, 0, sizeof(*tip));
	if (ok && PQntuples(r) > 0)
		chain_tip_set(tip, strtoull(PQgetvalue(r, 0, 0), NULL, 10),
			      PQgetisnull(r, 0, 1) ? NULL : PQgetvalue(r, 0, 1));
	PQclear(r);
	return ok;
}

/* Deletes the rows of every block after keep (all of them when keep is
 * -1) and the contracts learnt from them, and moves the cursor back, in
 * one statement. */
static const char rewind_sql[] =
	"WITH s AS (DELETE FROM tx_block_shards WHERE block_num > $1::bigint),"
	" t AS (DELETE FROM transactions WHERE block_num > $1::bigint),"
	" e AS (DELETE FROM event_logs WHERE block_num > $1::bigint),"
	" c AS (DELETE FROM contracts WHERE source IN ('deploy', 'event') AND block_num > $1::bigint),"
	" b AS (DELETE FROM tx_blocks WHERE block_num > $1::bigint),"
	" u AS (UPDATE ingest_cursor SET block_num = $1::bigint, updated_at = now()"
	"   WHERE id = 1 AND $1::bigint >= 0)"
	" DELETE FROM ingest_cursor WHERE id = 1 AND $1::bigint < 0";

/* --rewind: deletes the last s->rewind blocks before following resumes. */
static bool rewind_blocks(struct store *s, char *err, size_t errlen)
{
	struct chain_tip cur;
	if (s->rewind == 0)
		return true;
	if (!read_cursor(s, &cur, err, errlen))
		return false;
	if (!cur.known) {
		log_info("--rewind %" PRIu64 ": the database holds no blocks yet", s->rewind);
		s->rewind = 0;
		return true;
	}
	long long keep = s->rewind > cur.num ? -1 : (long long)(cur.num - s->rewind);
	char param[24];
	snprintf(param, sizeof(param), "%lld", keep);
	const char *values[1] = { param };
	PGresult *r = PQexecParams(s->conn, rewind_sql, 1, NULL, values, NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		snprintf(err, errlen, "--rewind: %s", PQresultErrorMessage(r));
	PQclear(r);
	if (!ok)
		return false;
	if (keep >= 0)
		log_info("--rewind %" PRIu64 ": deleted blk=%lld..%" PRIu64 "; following resumes at blk=%lld",
			 s->rewind, keep + 1, cur.num, keep + 1);
	else
		log_info("--rewind %" PRIu64 ": deleted every block up to blk=%" PRIu64
			 " and the cursor; starting as on a fresh database", s->rewind, cur.num);
	s->rewind = 0;
	return true;
}

/* Prepares every statement. Their plans never depend on the values (the
 * rows come from arrays, blocks by key), so the session plans each once
 * instead of once per execution. */
static bool prepare_all(struct store *s, char *err, size_t errlen)
{
	PGresult *set = PQexec(s->conn, "SET plan_cache_mode = force_generic_plan");
	bool set_ok = PQresultStatus(set) == PGRES_COMMAND_OK;
	if (!set_ok)
		snprintf(err, errlen, "%s", PQresultErrorMessage(set));
	PQclear(set);
	if (!set_ok)
		return false;
	for (int i = 0; i < BLOCK_SQL_STMT_COUNT; i++) {
		const struct block_sql_stmt_def *d = &block_sql_stmts[i];
		PGresult *r = PQprepare(s->conn, d->name, d->sql, d->nparams, NULL);
		bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			snprintf(err, errlen, "preparing %s: %s", d->name, PQresultErrorMessage(r));
		PQclear(r);
		if (!ok)
			return false;
	}
	return true;
}

static PGconn *open_conn(const char *conninfo)
{
	const char *keys[] = { "application_name", "connect_timeout", "dbname", NULL };
	const char *vals[] = { "zws-ingest", "10", conninfo, NULL };
	return PQconnectdbParams(keys, vals, 1);
}

/* Waits, as a standby, until this session holds the leader lock; false
 * when the connection failed (after db_failed) or the store is stopping. */
static bool become_leader(struct store *s)
{
	uint64_t since = clock_now_ms();
	bool standby = false;
	for (;;) {
		char err[512] = "", holder[200];
		bool got;
		if (!leader_lock_try(s->conn, &got, err, sizeof(err))) {
			db_failed(s, "PostgreSQL unavailable", err, true);
			return false;
		}
		if (got)
			break;
		if (!standby) {
			int pid = leader_lock_holder(s->conn, holder, sizeof(holder));
			db_succeeded(s);
			log_info("standby: another zws-ingest holds the leader lock (%s); asking again every %.1fs",
				 holder, LEADER_RETRY_MS / 1000.0);
			set_status(s, INGEST_PG_UP, INGEST_ROLE_STANDBY, false, NULL);
			pthread_mutex_lock(&s->mu);
			s->status.leader_pid = pid;
			pthread_mutex_unlock(&s->mu);
			standby = true;
		}
		if (!sleep_unless_stopped(s, LEADER_RETRY_MS))
			return false;
	}
	if (standby)
		log_info("leader: took the leader lock after %.1fs as standby", (double)(clock_now_ms() - since) / 1000.0);
	else
		log_info("leader: holding the leader lock");
	return true;
}

/* Connects, becomes the leader, migrates, prepares and syncs the queue
 * with the cursor. */
static bool connect_db(struct store *s)
{
	char err[512] = "";
	struct chain_tip cur;
	s->conn = open_conn(s->conninfo);
	if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
		db_failed(s, "PostgreSQL unavailable", s->conn ? PQerrorMessage(s->conn) : "out of memory", true);
		return false;
	}
	if (!become_leader(s))
		return false;
	if (!migrate_apply(s->conn, err, sizeof(err)) || !prepare_all(s, err, sizeof(err)) ||
	    !rewind_blocks(s, err, sizeof(err)) || !read_cursor(s, &cur, err, sizeof(err))) {
		db_failed(s, "PostgreSQL unavailable", err, true);
		return false;
	}
	pthread_mutex_lock(&s->mu);
	size_t done = 0;
	for (struct store_item *it = s->first; cur.known && it && it->block->num <= cur.num; it = it->next)
		done++;
	pop_committed(s, done, 0);
	if (cur.known && (!s->tip.known || cur.num >= s->tip.num))
		s->tip = cur;
	pthread_mutex_unlock(&s->mu);
	set_status(s, INGEST_PG_UP, INGEST_ROLE_LEADER, false, NULL);
	pthread_mutex_lock(&s->mu);
	s->ready = true;
	pthread_mutex_unlock(&s->mu);
	wake_loop(s);
	return true;
}

/* Drops queued blocks the database already has: another zws-ingest
 * committed them while this one was a standby. The loop thread frees
 * them with the committed ones; no commit record, this process did not
 * store them. Under mu; returns how many. */
static size_t drop_stored(struct store *s)
{
	size_t n = 0;
	while (s->tip.known && s->first && s->first->block->num <= s->tip.num) {
		struct store_item *it = s->first;
		s->first = it->next;
		if (!s->first)
			s->last = NULL;
		s->backlog--;
		it->next = s->committed;
		s->committed = it;
		n++;
	}
	return n;
}

/* Waits for queued blocks; returns how many were put in group. */
static size_t wait_group(struct store *s, struct store_item **group)
{
	size_t n = 0;
	pthread_mutex_lock(&s->mu);
	size_t dropped = drop_stored(s);
	while (!s->stop && (!s->first || s->refused))
		pthread_cond_wait(&s->cond, &s->mu);
	dropped += drop_stored(s);
	for (struct store_item *it = s->first; !s->stop && it && n < s->group_max; it = it->next)
		group[n++] = it;
	pthread_mutex_unlock(&s->mu);
	if (dropped > 0)
		wake_loop(s); /* the loop frees them and may be waiting for an empty queue */
	return n;
}

/* Serializes the group's blocks not serialized yet and builds its
 * statements; NULL when out of memory. */
static struct block_sql *build_group(struct store_item **group, size_t n)
{
	struct block_sql_member m[STORE_GROUP];
	for (size_t i = 0; i < n; i++) {
		if (!group[i]->rows)
			group[i]->rows = block_sql_rows_build(group[i]->block, group[i]->live, true);
		if (!group[i]->rows)
			return NULL;
		m[i] = (struct block_sql_member){ group[i]->block, group[i]->rows, group[i]->head };
	}
	return block_sql_group_build(m, n);
}

static bool send_group(PGconn *conn, const struct block_sql *sql)
{
	if (!PQenterPipelineMode(conn) ||
	    !PQsendQueryParams(conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0))
		return false;
	for (int i = 0; i < sql->count; i++) {
		const struct block_sql_params *p = &sql->stmts[i];
		if (!PQsendQueryPrepared(conn, block_sql_stmts[p->stmt].name, p->nparams,
					 p->values, p->lengths, p->formats, 0))
			return false;
	}
	return PQsendQueryParams(conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) &&
	       PQpipelineSync(conn);
}

/* Keeps the first error of a result: SQLSTATE, message and detail. */
static void note_error(struct db_error *e, const PGresult *r)
{
	if (e->text[0])
		return;
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
	snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", state ? state : "");
	if (primary)
		snprintf(e->text, sizeof(e->text), "%s%s%s", primary, detail ? ": " : "", detail ? detail : "");
	else
		snprintf(e->text, sizeof(e->text), "%s", PQresultErrorMessage(r));
}

/* Reads one query's result; false when it did not succeed. A COMMIT
 * succeeds only if it really committed. */
static bool read_result(PGconn *conn, bool is_commit, struct db_error *e)
{
	PGresult *r = PQgetResult(conn);
	if (!r) {
		if (!e->text[0])
			snprintf(e->text, sizeof(e->text), "%s", PQerrorMessage(conn));
		return false;
	}
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (ok && is_commit)
		ok = strcmp(PQcmdStatus(r), "COMMIT") == 0;
	if (!ok && st == PGRES_FATAL_ERROR)
		note_error(e, r);
	PQclear(r);
	PGresult *end = PQgetResult(conn);
	PQclear(end);
	return ok;
}

/* Reads the results of a sent group; true when it committed. */
static bool read_group(PGconn *conn, const struct block_sql *sql, struct db_error *e)
{
	bool ok = read_result(conn, false, e);
	for (int k = 0; k < sql->count; k++)
		ok = read_result(conn, false, e) && ok;
	ok = read_result(conn, true, e) && ok;
	if (PQstatus(conn) == CONNECTION_BAD)
		return false;
	PGresult *r = PQgetResult(conn);
	if (PQresultStatus(r) != PGRES_PIPELINE_SYNC && !e->text[0])
		snprintf(e->text, sizeof(e->text), "pipeline out of step");
	PQclear(r);
	return ok;
}

/* Commits group[0..n) as one transaction; returns how many committed (n
 * or 0). On a broken connection the outcome is unknown: 0 is returned and
 * the caller reconnects (connect_db re-reads the cursor). */
static size_t commit_group(struct store *s, struct store_item **group, size_t n,
			   double *ms, struct db_error *e)
{
	PGconn *conn = s->conn;
	struct block_sql *sql = build_group(group, n);
	if (!sql) {
		snprintf(e->text, sizeof(e->text), "out of memory building blk=%" PRIu64, group[0]->block->num);
		return 0;
	}
	double t0 = clock_now_ms_frac();
	bool committed = send_group(conn, sql);
	if (!committed)
		snprintf(e->text, sizeof(e->text), "%s", PQerrorMessage(conn));
	else
		committed = read_group(conn, sql, e);
	block_sql_free(sql);
	*ms = clock_now_ms_frac() - t0;
	log_debug("store: %s blk=%" PRIu64 "..%" PRIu64 " in %.1fms", committed ? "committed" : "failed",
		  group[0]->block->num, group[n - 1]->block->num, *ms);
	if (PQstatus(conn) == CONNECTION_BAD)
		return 0;
	PQexitPipelineMode(conn);
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	return committed ? n : 0;
}

/* SQLSTATE classes 22 (data exception), 23 (integrity constraint
 * violation) and 54 (program limit exceeded, such as a value too big):
 * the rows themselves are refused. */
static bool data_error(const struct db_error *e)
{
	return strncmp(e->sqlstate, "22", 2) == 0 || strncmp(e->sqlstate, "23", 2) == 0 ||
	       strncmp(e->sqlstate, "54", 2) == 0;
}

/* A duplicate transaction hash: appends the block already holding it. */
static void name_holder(struct store *s, struct db_error *e)
{
	static const char key[] = "Key (tx_hash)=(";
	const char *k = strstr(e->text, key);
	char hash[65];
	if (strcmp(e->sqlstate, "23505") != 0 || !k || strlen(k) < sizeof(key) - 1 + 64)
		return;
	memcpy(hash, k + sizeof(key) - 1, 64);
	hash[64] = '\0';
	const char *values[1] = { hash };
	PGresult *r = PQexecParams(s->conn, "SELECT block_num FROM transactions WHERE tx_hash = $1",
				   1, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		size_t n = strlen(e->text);
		snprintf(e->text + n, sizeof(e->text) - n, " (stored in blk=%s)", PQgetvalue(r, 0, 0));
	}
	PQclear(r);
}

/* Stops at the refused block until the loop takes the refusal. */
static void refuse(struct store *s, const struct store_item *it, struct db_error *e)
{
	name_holder(s, e);
	pthread_mutex_lock(&s->mu);
	s->refused = true;
	s->refusal.num = it->block->num;
	snprintf(s->refusal.sqlstate, sizeof(s->refusal.sqlstate), "%s", e->sqlstate);
	snprintf(s->refusal.message, sizeof(s->refusal.message), "%s", e->text);
	s->refusal.committed = s->tip;
	pthread_mutex_unlock(&s->mu);
	wake_loop(s);
}

static void store_group(struct store *s, struct store_item **group, size_t n)
{
	double ms;
	struct db_error e = { "", "" };
	size_t done = commit_group(s, group, n, &ms, &e);
	s->group_max = done == n ? STORE_GROUP : 1;
	if (done > 0) {
		pthread_mutex_lock(&s->mu);
		pop_committed(s, done, ms);
		pthread_mutex_unlock(&s->mu);
		wake_loop(s);
		db_succeeded(s);
	}
	if (done == n)
		return;
	if (!s->conn || PQstatus(s->conn) == CONNECTION_BAD) {
		db_failed(s, "PostgreSQL unavailable", e.text[0] ? e.text : "connection lost", true);
		return;
	}
	if (data_error(&e)) {
		if (n == 1)
			refuse(s, group[0], &e);
		else
			log_debug("store: blk=%" PRIu64 "..%" PRIu64 " refused (%s); storing them one by one",
				  group[0]->block->num, group[n - 1]->block->num, e.text);
		return;
	}
	char what[64];
	if (n == 1)
		snprintf(what, sizeof(what), "blk=%" PRIu64 " not stored", group[0]->block->num);
	else
		snprintf(what, sizeof(what), "blk=%" PRIu64 "..%" PRIu64 " not stored",
			 group[0]->block->num, group[n - 1]->block->num);
	db_failed(s, what, e.text, false);
}

static bool stopping(struct store *s)
{
	pthread_mutex_lock(&s->mu);
	bool stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

static void *store_main(void *arg)
{
	struct store *s = arg;
	struct store_item *group[STORE_GROUP];
	while (!stopping(s)) {
		if (!s->conn && !connect_db(s))
			continue;
		size_t n = wait_group(s, group);
		if (n > 0)
			store_group(s, group, n);
	}
	return NULL;
}

static void wake_read(evutil_socket_t fd, short what, void *arg)
{
	struct store *s = arg;
	char buf[256];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	s->cb(s->arg);
}

static bool make_pipe(struct store *s)
{
	int fds[2];
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
		return false;
	s->pipe_r = fds[0];
	s->pipe_w = fds[1];
	return true;
}

struct store *store_new(struct event_base *base, const char *conninfo, int backoff_max_ms,
			uint64_t rewind, store_wake_cb cb, void *arg, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->pipe_r = s->pipe_w = -1;
	s->cb = cb;
	s->arg = arg;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	backoff_init(&s->backoff, 250, backoff_max_ms);
	outage_init(&s->outage);
	s->status.pg = INGEST_PG_CONNECTING;
	s->group_max = STORE_GROUP;
	s->rewind = rewind;
	s->conninfo = strdup(conninfo);
	if (!s->conninfo || !make_pipe(s))
		goto fail;
	s->wake_ev = event_new(base, s->pipe_r, EV_READ | EV_PERSIST, wake_read, s);
	if (!s->wake_ev || event_add(s->wake_ev, NULL) != 0)
		goto fail;
	if (pthread_create(&s->thread, NULL, store_main, s) != 0)
		goto fail;
	s->thread_started = true;
	return s;
fail:
	snprintf(err, errlen, "cannot start the store thread");
	store_free(s);
	return NULL;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	if (s->conn)
		PQfinish(s->conn);
	free_items(s->first);
	free_items(s->committed);
	if (s->wake_ev) {
		event_del(s->wake_ev);
		event_free(s->wake_ev);
	}
	if (s->pipe_r >= 0)
		close(s->pipe_r);
	if (s->pipe_w >= 0)
		close(s->pipe_w);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cond);
	free(s->commits);
	free(s->conninfo);
	free(s);
}

bool store_ready(struct store *s, struct chain_tip *cursor)
{
	pthread_mutex_lock(&s->mu);
	bool ready = s->ready;
	*cursor = s->tip;
	pthread_mutex_unlock(&s->mu);
	return ready;
}

bool store_take_refusal(struct store *s, struct store_refusal *out)
{
	pthread_mutex_lock(&s->mu);
	bool refused = s->refused;
	struct store_item *dropped = NULL;
	if (refused) {
		*out = s->refusal;
		dropped = s->first;
		s->first = s->last = NULL;
		s->backlog = 0;
		s->refused = false;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->mu);
	free_items(dropped);
	return refused;
}

bool store_submit_take(struct store *s, struct ingest_block *b, struct block_sql_rows *rows,
		       uint64_t head, bool live)
{
	struct store_item *it = calloc(1, sizeof(*it));
	if (!it)
		return false;
	it->block = b;
	it->head = head;
	it->live = live;
	/* Serialized by the caller, on the loop thread, which overlaps it with
	 * the store thread's commits; the store thread only joins the
	 * strings. The json goes back to malloc at once, while it is still in
	 * cache, and a queue of blocks waiting for PostgreSQL holds only
	 * their rows. */
	it->rows = rows;
	if (it->rows)
		txblock_shed(b);
	pthread_mutex_lock(&s->mu);
	if (s->last)
		s->last->next = it;
	else
		s->first = it;
	s->last = it;
	s->backlog++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
	return true;
}

size_t store_take_commits(struct store *s, struct store_commit *out, size_t max)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->ncommits < max ? s->ncommits : max;
	if (n) { /* s->commits is NULL until the first commit */
		memcpy(out, s->commits, n * sizeof(*out));
		memmove(s->commits, s->commits + n, (s->ncommits - n) * sizeof(*out));
		s->ncommits -= n;
	}
	struct store_item *committed = s->committed;
	s->committed = NULL;
	pthread_mutex_unlock(&s->mu);
	free_items(committed);
	return n;
}

size_t store_backlog(struct store *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->backlog;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void store_status(struct store *s, struct store_status *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->status;
	pthread_mutex_unlock(&s->mu);
}
