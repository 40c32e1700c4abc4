/* Follower state machine on the event loop. Nothing here blocks: the
 * lookup is reached through evhttp, PostgreSQL through the store thread.
 * All requests are sent from one place (schedule, run from the "kick"
 * event), never from inside a lookup callback. Lookup failures of any kind
 * pause fetching for an exponential backoff; an outage is logged when it
 * begins, every 30 s while it lasts and when it ends.
 *
 * Before a complete block goes to the store it is checked: it must link
 * to the block before it (chain.h; else following halts), fit in
 * --max-block-bytes (else it halts) and be valid UTF-8 (else it is
 * fetched again, and stored repaired if it comes back the same). A block
 * PostgreSQL refuses is fetched again with a growing delay until it is
 * stored: a transaction already stored in another block is such a case,
 * since a lookup on another chain is stopped by the chain check first,
 * and one whose blocks link but repeat transactions is answering wrongly.
 * Responses to requests sent before such a refetch are dropped.
 *
 * The follower keeps the counters and state /healthz and /metrics report
 * (ingest_health.h); a halt shows there as the reason. */
#include "follower.h"

#include <event2/event.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "block_sql.h"
#include "chain.h"
#include "clock.h"
#include "diagnose.h"
#include "ingest_health.h"
#include "ingest_metrics.h"
#include "outage.h"
#include "txblock.h"
#include "ingest_config.h"
#include "log.h"
#include "lookup.h"
#include "progress.h"
#include "rpc.h"
#include "store.h"
#include "window.h"

#define PROGRESS_INTERVAL_S 5
#define NOT_READY_RETRY_MS 200
#define HALT_TICK_S 1

struct follower {
	struct event_base *base;
	const struct ingest_config *cfg;
	struct lookup *lookup;
	struct store *store;
	struct window *window;
	struct backoff backoff;
	bool started, stopping, paused, fatal;
	bool head_known, head_due, head_inflight;
	uint64_t head;
	bool has_committed;
	uint64_t committed;
	size_t batch_calls;
	uint64_t progress_height;
	double progress_time;
	struct chain_tip tip;          /* the last block handed to the store */
	struct chain_halt halt;
	uint64_t generation;           /* bumped by every refetch */
	struct backoff refetch_backoff;
	bool utf8_suspect;             /* utf8_num came once with invalid UTF-8 */
	uint64_t utf8_num;
	bool refused;                  /* refused_num was refused, not yet stored */
	uint64_t refused_num;
	struct event *kick_ev, *poll_ev, *backoff_ev, *retry_ev, *progress_ev, *halt_ev;
	/* for /healthz and /metrics */
	struct ingest_health health;
	struct outage lookup_outage;
	char lookup_error[400];
	bool lookup_misconfigured;
	uint64_t caught_up_ms;  /* last time the head was committed (or the start) */
	double blocks_per_s;
	uint64_t blocks_total, txns_total, event_logs_total;
	uint64_t head_requests, block_requests;
	uint64_t lookup_failures[LOOKUP_FAILURE_COUNT];
	bool draining;
	struct event *drain_ev;
};

/* One batch request in flight. */
struct fetch_req {
	struct follower *f;
	uint64_t generation;
	bool is_head;
	size_t n;
	struct window_call calls[];
};

static void kick(struct follower *f)
{
	if (!f->stopping)
		event_active(f->kick_ev, EV_TIMEOUT, 0);
}

static void add_timer_ms(struct event *ev, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
	event_add(ev, &tv);
}

/* Logs a lookup failure: when the outage begins, every OUTAGE_REPEAT_MS
 * while it lasts, else at debug level. */
static void report_lookup_failure(struct follower *f, const char *reason, int delay)
{
	uint64_t now = clock_now_ms();
	switch (outage_fail(&f->lookup_outage, now)) {
	case OUTAGE_BEGAN:
		log_warn("lookup %s failed: %s; retrying in %.2fs", lookup_peer(f->lookup), reason,
			 delay / 1000.0);
		break;
	case OUTAGE_STILL:
		log_warn("lookup %s still failing after %.0fs: %s; retrying in %.2fs", lookup_peer(f->lookup),
			 outage_seconds(&f->lookup_outage, now), reason, delay / 1000.0);
		break;
	case OUTAGE_QUIET:
		log_debug("lookup %s failed again: %s; retrying in %.2fs", lookup_peer(f->lookup),
			  reason, delay / 1000.0);
		break;
	}
}

/* A failed request, a lookup error or a rate limit: pause and back off. */
static void lookup_failed(struct follower *f, enum lookup_failure kind, bool misconfigured,
			  const char *reason)
{
	int delay = backoff_fail(&f->backoff);
	f->lookup_failures[kind]++;
	f->lookup_misconfigured = misconfigured;
	snprintf(f->lookup_error, sizeof(f->lookup_error), "%s", reason);
	report_lookup_failure(f, reason, delay);
	f->paused = true;
	add_timer_ms(f->backoff_ev, (uint64_t)delay);
}

static void lookup_succeeded(struct follower *f)
{
	double secs;
	backoff_succeed(&f->backoff);
	unsigned n = outage_end(&f->lookup_outage, clock_now_ms(), &secs);
	if (n > 0)
		log_info("lookup %s recovered after %u failure%s (%.0fs)", lookup_peer(f->lookup), n,
			 n == 1 ? "" : "s", secs);
}

/* Fetches again from block num after delay_ms: what is in the window and
 * the answers still on their way are dropped. */
static void refetch(struct follower *f, uint64_t num, int delay_ms)
{
	f->generation++;
	window_reset(f->window, num);
	if (delay_ms > 0) {
		f->paused = true;
		add_timer_ms(f->backoff_ev, (uint64_t)delay_ms);
	}
	kick(f);
}

static void report_halt(struct follower *f)
{
	if (chain_halt_report_due(&f->halt, clock_now_ms()))
		log_error("not following: %s", f->halt.reason);
}

/* Stops following for good (until an operator restarts ingest). */
static void halt(struct follower *f)
{
	f->generation++;
	window_reset(f->window, f->halt.num);
	report_halt(f);
	struct timeval tick = { HALT_TICK_S, 0 };
	event_add(f->halt_ev, &tick);
}

static void start_at(struct follower *f, uint64_t next, const char *why)
{
	window_reset(f->window, next);
	f->started = true;
	f->progress_height = next > 0 ? next - 1 : 0;
	f->progress_time = (double)clock_now_ms() / 1000.0;
	log_info("following %s from blk=%" PRIu64 " (%s)", lookup_peer(f->lookup), next, why);
}

/* Positions the window once the store has read the cursor (and, on a
 * fresh database without --from-block, once the head is known). */
static void maybe_start(struct follower *f)
{
	struct chain_tip cur;
	if (f->started || !store_ready(f->store, &cur))
		return;
	bool has_cursor = cur.known;
	uint64_t cursor = cur.num;
	f->tip = cur;
	if (has_cursor) {
		if (f->cfg->has_from_block && f->cfg->from_block != cursor + 1)
			log_info("--from-block %" PRIu64 " ignored: the database has a cursor",
				 f->cfg->from_block);
		f->has_committed = true;
		f->committed = cursor;
		start_at(f, cursor + 1, "resuming after the cursor");
	} else if (f->cfg->has_from_block) {
		start_at(f, f->cfg->from_block, "--from-block");
	} else if (f->head_known) {
		start_at(f, f->head, "fresh database: the lookup's head");
	}
}

static void on_response(const struct lookup_response *resp, void *arg);

static bool post_request(struct follower *f, struct fetch_req *req, const struct rpc_call *rc,
			 size_t n)
{
	size_t len;
	char *body = rpc_batch_request(rc, n, &len);
	bool ok = body && lookup_post(f->lookup, body, len, on_response, req);
	free(body);
	if (ok && req->is_head)
		f->head_requests++;
	else if (ok)
		f->block_requests++;
	return ok;
}

static void send_head(struct follower *f)
{
	struct fetch_req *req = calloc(1, sizeof(*req));
	struct rpc_call rc = { .method = "GetLatestTxBlock", .nparams = 0 };
	if (!req)
		return;
	req->f = f;
	req->generation = f->generation;
	req->is_head = true;
	if (!post_request(f, req, &rc, 1)) {
		free(req);
		return;
	}
	f->head_due = false;
	f->head_inflight = true;
}

/* Plans and sends one batch of block calls; false when there is nothing
 * to send. */
static bool send_blocks(struct follower *f)
{
	struct fetch_req *req = malloc(sizeof(*req) + f->batch_calls * sizeof(req->calls[0]));
	struct rpc_call *rc = malloc(f->batch_calls * sizeof(*rc));
	bool sent = false;
	if (req && rc) {
		req->f = f;
		req->generation = f->generation;
		req->is_head = false;
		req->n = window_plan(f->window, f->head, clock_now_ms(), req->calls, f->batch_calls);
		window_rpc_calls(req->calls, req->n, rc);
		sent = req->n > 0 && post_request(f, req, rc, req->n);
		if (!sent && req->n > 0)
			window_abandon(f->window, req->calls, req->n);
	}
	if (!sent)
		free(req);
	free(rc);
	return sent;
}

static void arm_retry(struct follower *f)
{
	uint64_t at = window_next_retry(f->window), now = clock_now_ms();
	if (at > 0 && !evtimer_pending(f->retry_ev, NULL))
		add_timer_ms(f->retry_ev, at > now ? at - now : 1);
}

static void schedule(struct follower *f)
{
	if (f->stopping || f->paused || f->halt.halted)
		return;
	if (f->head_due && !f->head_inflight && lookup_idle(f->lookup) > 0)
		send_head(f);
	if (!f->started || !f->head_known)
		return;
	while (lookup_idle(f->lookup) > 0 && store_backlog(f->store) < (size_t)f->cfg->window) {
		if (!send_blocks(f))
			break;
	}
	arm_retry(f);
}

static void out_of_memory(struct follower *f, uint64_t num)
{
	log_error("blk=%" PRIu64 " cannot be queued: out of memory; stopping", num);
	f->fatal = true;
	follower_stop(f);
}

/* Text that is not valid UTF-8 (tx: where, NULL for the header): the
 * first time, the block is fetched again; false then. */
static bool accept_utf8(struct follower *f, const struct ingest_block *b, bool repaired, const char *tx)
{
	if (!repaired) {
		log_info("blk=%" PRIu64 " tx=%s: the lookup sent text that is not valid UTF-8;"
			 " fetching the block again", b->num, tx ? tx : "-");
		f->utf8_suspect = true;
		f->utf8_num = b->num;
		refetch(f, b->num, 0);
		return false;
	}
	log_warn("blk=%" PRIu64 " tx=%s: the lookup sent text that is not valid UTF-8 again;"
		 " stored with each invalid sequence replaced by \\ufffd", b->num, tx ? tx : "-");
	f->utf8_suspect = false;
	return true;
}

/* Checks b before it is stored and serializes it into *rows; false when it
 * is not to be stored now (following halted, or the block is fetched
 * again). */
static bool admit(struct follower *f, const struct ingest_block *b, bool live,
		  struct block_sql_rows **rows)
{
	const char *prev = b->has_prev_hash ? b->prev_hash : NULL;
	if (chain_check(&f->tip, b->num, prev) == CHAIN_BROKEN) {
		chain_halt_broken(&f->halt, &f->tip, b->num, prev, clock_now_ms());
		halt(f);
		return false;
	}
	bool repair = f->utf8_suspect && f->utf8_num == b->num;
	*rows = block_sql_rows_build(b, live, repair);
	if (!*rows) {
		out_of_memory(f, b->num);
		return false;
	}
	const char *tx;
	size_t bytes = block_sql_rows_bytes(*rows);
	bool ok = true;
	if (bytes > f->cfg->max_block_bytes) {
		char reason[300];
		snprintf(reason, sizeof(reason), "blk=%" PRIu64 " holds %zu bytes, over --max-block-bytes %"
			 PRIu64 "; not stored (restart with a larger --max-block-bytes to store it)",
			 b->num, bytes, f->cfg->max_block_bytes);
		chain_halt_other(&f->halt, b->num, reason, clock_now_ms());
		halt(f);
		ok = false;
	} else if (block_sql_rows_bad_utf8(*rows, &tx)) {
		ok = accept_utf8(f, b, repair, tx);
	} else if (repair) {
		f->utf8_suspect = false; /* the second answer was clean */
	}
	if (!ok) {
		block_sql_rows_free(*rows);
		*rows = NULL;
	}
	return ok;
}

/* Hands every complete block at the front of the window to the store. */
static void flush_ready(struct follower *f)
{
	struct ingest_block *b;
	while (!f->halt.halted && !f->stopping && (b = window_pop(f->window)) != NULL) {
		bool live = b->num + f->cfg->live_distance >= f->head;
		uint64_t num = b->num;
		char hash[sizeof(b->hash)];
		struct block_sql_rows *rows;
		memcpy(hash, b->hash, sizeof(hash));
		if (!admit(f, b, live, &rows)) {
			txblock_free(b);
			return;
		}
		if (!store_submit_take(f->store, b, rows, f->head, live)) {
			block_sql_rows_free(rows);
			txblock_free(b);
			out_of_memory(f, num);
			return;
		}
		chain_tip_set(&f->tip, num, hash);
	}
}

/* Caught up with the head known so far: the lag in seconds counts from
 * the last moment this held. */
static void note_caught_up(struct follower *f)
{
	if (f->has_committed && f->head_known && f->committed >= f->head)
		f->caught_up_ms = clock_now_ms();
}

static void apply_head(struct follower *f, const struct rpc_reply *r)
{
	enum rpc_outcome o = rpc_classify(r);
	uint64_t num = 0;
	char err[256] = "";
	if (o == RPC_OUTCOME_NOT_READY)
		return;
	enum block_header_status st = o == RPC_OUTCOME_OK
		? txblock_peek_num(r->result, &num, err, sizeof(err)) : BLOCK_HEADER_BAD;
	if (st == BLOCK_HEADER_BAD) {
		enum lookup_failure kind = o == RPC_OUTCOME_OK ? LOOKUP_FAILURE_INVALID
			: o == RPC_OUTCOME_RATE_LIMITED ? LOOKUP_FAILURE_RATE_LIMITED : LOOKUP_FAILURE_RPC_ERROR;
		lookup_failed(f, kind, false, o == RPC_OUTCOME_OK ? err
			      : r->kind == RPC_REPLY_ERROR ? r->message : rpc_outcome_name(o));
		return;
	}
	lookup_succeeded(f);
	if (st == BLOCK_HEADER_NOT_READY)
		return;
	if (!f->head_known || num != f->head)
		log_debug("head blk=%" PRIu64, num);
	note_caught_up(f);
	f->head_known = true;
	f->head = num;
	maybe_start(f);
}

static void apply_blocks(struct follower *f, struct fetch_req *req, const struct rpc_reply *replies)
{
	struct window_outcome out;
	window_apply(f->window, req->calls, req->n, replies, clock_now_ms(), &out);
	if (out.rate_limited > 0 || out.failed > 0) {
		char reason[300];
		snprintf(reason, sizeof(reason), "%s%s", out.rate_limited ? "rate limited: " : "", out.error);
		lookup_failed(f, out.rate_limited ? LOOKUP_FAILURE_RATE_LIMITED : LOOKUP_FAILURE_RPC_ERROR,
			      false, reason);
	} else {
		lookup_succeeded(f);
		if (out.not_ready > 0)
			log_debug("%d block(s) not ready yet: %s", out.not_ready, out.error);
	}
	flush_ready(f);
}

static void request_failed(struct follower *f, struct fetch_req *req, enum lookup_failure kind,
			   bool misconfigured, const char *reason)
{
	if (req->is_head) {
		f->head_due = true;
	} else {
		window_abandon(f->window, req->calls, req->n);
	}
	lookup_failed(f, kind, misconfigured, reason);
}

/* HTTP 413: the batch was too big for the node; halve it. */
static bool shrink_batch(struct follower *f)
{
	if (f->batch_calls <= 3)
		return false;
	size_t smaller = f->batch_calls / 2 < 3 ? 3 : f->batch_calls / 2;
	log_warn("lookup %s refused a batch of %zu calls (HTTP 413); using %zu",
		 lookup_peer(f->lookup), f->batch_calls, smaller);
	f->batch_calls = smaller;
	return true;
}

static void handle_response(struct follower *f, struct fetch_req *req,
			    const struct lookup_response *resp)
{
	char reason[400];
	enum lookup_failure kind;
	if (resp->status == 0) {
		request_failed(f, req, resp->failure, resp->misconfigured, resp->error);
		return;
	}
	if (resp->status == 413 && !req->is_head && shrink_batch(f)) {
		window_abandon(f->window, req->calls, req->n);
		return;
	}
	if (resp->status != 200) {
		bool misconfigured = diagnose_lookup_status(resp->status, &kind, reason, sizeof(reason));
		request_failed(f, req, kind, misconfigured, reason);
		return;
	}
	size_t n = req->is_head ? 1 : req->n;
	struct rpc_reply *replies = calloc(n, sizeof(*replies));
	struct json_object *root = NULL;
	if (!replies || !rpc_parse_batch(resp->body, resp->len, n, &root, replies, reason, sizeof(reason))) {
		char why[400] = "out of memory";
		bool misconfigured = replies && diagnose_lookup_body(resp->body, resp->len, reason, &kind,
								     why, sizeof(why));
		request_failed(f, req, replies ? kind : LOOKUP_FAILURE_INVALID, misconfigured, why);
		free(replies);
		return;
	}
	if (req->is_head)
		apply_head(f, &replies[0]);
	else
		apply_blocks(f, req, replies);
	json_object_put(root);
	free(replies);
}

static void on_response(const struct lookup_response *resp, void *arg)
{
	struct fetch_req *req = arg;
	struct follower *f = req->f;
	if (req->is_head)
		f->head_inflight = false;
	if (!f->stopping && (req->is_head || req->generation == f->generation))
		handle_response(f, req, resp);
	free(req);
	kick(f);
}

static void log_commit(struct follower *f, const struct store_commit *c)
{
	f->has_committed = true;
	f->committed = c->num;
	f->blocks_total++;
	f->txns_total += c->txns;
	f->event_logs_total += c->events;
	if (f->refused && c->num >= f->refused_num) {
		int n = backoff_succeed(&f->refetch_backoff);
		log_info("blk=%" PRIu64 " stored after PostgreSQL refused it %d time%s", f->refused_num, n,
			 n == 1 ? "" : "s");
		f->refused = false;
	}
	if (c->live)
		log_info("blk=%" PRIu64 " txns=%u events=%u committed in %.1fms", c->num, c->txns,
			 c->events, c->ms);
}

/* The database's cursor may be ahead of this process's commits: another
 * zws-ingest led while this one was a standby. */
static void note_cursor(struct follower *f)
{
	struct chain_tip cur;
	store_ready(f->store, &cur);
	if (cur.known && (!f->has_committed || cur.num > f->committed)) {
		f->has_committed = true;
		f->committed = cur.num;
	}
	note_caught_up(f);
}

static void finish_stop(struct follower *f, const char *why)
{
	size_t left = store_backlog(f->store);
	if (f->has_committed)
		log_info("stopping (%s); last committed blk=%" PRIu64 "%s", why, f->committed,
			 left ? ", fetched blocks not committed were dropped" : "");
	else
		log_info("stopping (%s)", why);
	f->draining = false;
	event_del(f->drain_ev);
	event_base_loopexit(f->base, NULL);
}

/* PostgreSQL refused block r->num for its data: it is fetched again, less
 * and less often while it stays refused; one warning per block. */
static void block_refused(struct follower *f, const struct store_refusal *r)
{
	int delay = backoff_fail(&f->refetch_backoff);
	f->tip = r->committed;
	if (f->halt.halted)
		return;
	if (!f->refused || f->refused_num != r->num)
		log_warn("blk=%" PRIu64 " not stored: PostgreSQL refused it (%s: %s); fetching it again"
			 " in %.2fs, then less and less often until it is stored", r->num, r->sqlstate,
			 r->message, delay / 1000.0);
	else
		log_debug("blk=%" PRIu64 " refused again (%s: %s); fetching it again in %.2fs", r->num,
			  r->sqlstate, r->message, delay / 1000.0);
	f->refused = true;
	f->refused_num = r->num;
	refetch(f, r->num, delay);
}

static void on_store_wake(void *arg)
{
	struct follower *f = arg;
	struct store_commit commits[256];
	struct store_refusal refusal;
	size_t n;
	if (!f->started)
		maybe_start(f);
	while ((n = store_take_commits(f->store, commits, 256)) > 0) {
		for (size_t i = 0; i < n; i++)
			log_commit(f, &commits[i]);
	}
	if (store_take_refusal(f->store, &refusal))
		block_refused(f, &refusal);
	note_cursor(f);
	if (f->draining && store_backlog(f->store) == 0)
		finish_stop(f, "every fetched block committed");
	kick(f);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
	schedule(arg);
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct follower *f = arg;
	f->head_due = true;
	schedule(f);
}

static void on_backoff_done(evutil_socket_t fd, short what, void *arg)
{
	struct follower *f = arg;
	f->paused = false;
	f->head_due = true;
	schedule(f);
}

static void on_halt_tick(evutil_socket_t fd, short what, void *arg)
{
	report_halt(arg);
}

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
	struct follower *f = arg;
	double t = (double)clock_now_ms() / 1000.0;
	if (!f->started || !f->has_committed || !f->head_known)
		return;
	double rate = t > f->progress_time && f->committed >= f->progress_height
		? (double)(f->committed - f->progress_height) / (t - f->progress_time) : 0;
	f->blocks_per_s = rate;
	f->progress_height = f->committed;
	f->progress_time = t;
	if (f->head > f->committed + f->cfg->live_distance) {
		char line[200];
		progress_format(f->committed, f->head, rate, line, sizeof(line));
		log_info("%s", line);
	}
}

static void on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct follower *f = arg;
	log_warn("stopping: %zu fetched blocks still not committed after %.0fs", store_backlog(f->store),
		 FOLLOWER_DRAIN_MAX_MS / 1000.0);
	finish_stop(f, "drain timed out");
}

static bool make_events(struct follower *f)
{
	struct timeval poll = { f->cfg->poll_ms / 1000, (f->cfg->poll_ms % 1000) * 1000 };
	struct timeval progress = { PROGRESS_INTERVAL_S, 0 };
	f->kick_ev = event_new(f->base, -1, 0, on_kick, f);
	f->poll_ev = event_new(f->base, -1, EV_PERSIST, on_poll, f);
	f->backoff_ev = evtimer_new(f->base, on_backoff_done, f);
	f->retry_ev = evtimer_new(f->base, on_kick, f);
	f->progress_ev = event_new(f->base, -1, EV_PERSIST, on_progress, f);
	f->halt_ev = event_new(f->base, -1, EV_PERSIST, on_halt_tick, f);
	f->drain_ev = evtimer_new(f->base, on_drain_timeout, f);
	if (!f->kick_ev || !f->poll_ev || !f->backoff_ev || !f->retry_ev || !f->progress_ev ||
	    !f->halt_ev || !f->drain_ev)
		return false;
	return event_add(f->poll_ev, &poll) == 0 && event_add(f->progress_ev, &progress) == 0;
}

struct follower *follower_new(struct event_base *base, const struct ingest_config *cfg,
			      char *err, size_t errlen)
{
	struct follower *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->base = base;
	f->cfg = cfg;
	f->batch_calls = (size_t)cfg->batch_blocks * 3;
	f->head_due = true;
	f->caught_up_ms = clock_now_ms();
	outage_init(&f->lookup_outage);
	backoff_init(&f->backoff, 250, cfg->backoff_max_ms);
	backoff_init(&f->refetch_backoff, 250, cfg->backoff_max_ms);
	f->lookup = lookup_new(base, cfg->lookup, cfg->inflight, cfg->timeout_ms, err, errlen);
	if (!f->lookup)
		goto fail;
	f->window = window_new(cfg->window, NOT_READY_RETRY_MS);
	if (!f->window || !make_events(f)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	f->store = store_new(base, cfg->db, cfg->backoff_max_ms, cfg->rewind, on_store_wake, f, err,
			     errlen);
	if (!f->store)
		goto fail;
	kick(f);
	return f;
fail:
	follower_free(f);
	return NULL;
}

void follower_stop(struct follower *f)
{
	if (f->stopping) {
		if (f->draining)
			finish_stop(f, "asked again");
		return;
	}
	f->stopping = true;
	struct store_status st;
	store_status(f->store, &st);
	size_t queued = store_backlog(f->store);
	if (queued == 0 || st.role != INGEST_ROLE_LEADER) {
		finish_stop(f, queued ? "not the leader: nothing can be committed" : "nothing left to commit");
		return;
	}
	log_info("stopping: committing the %zu fetched blocks first (at most %.0fs; signal again to stop now)",
		 queued, FOLLOWER_DRAIN_MAX_MS / 1000.0);
	f->draining = true;
	add_timer_ms(f->drain_ev, FOLLOWER_DRAIN_MAX_MS);
}

/* The snapshot /healthz and /metrics report. */
static void fill_status(struct follower *f, struct ingest_status *st, struct store_status *ss)
{
	uint64_t now = clock_now_ms();
	note_cursor(f);
	store_status(f->store, ss);
	const char *why;
	if (follower_health(f, &why) == FOLLOWER_HALTED)
		ingest_health_halt(&f->health, why);
	memset(st, 0, sizeof(*st));
	st->health = &f->health;
	st->role = ss->role;
	st->leader_pid = ss->leader_pid;
	st->pg = ss->pg;
	st->pg_misconfigured = ss->misconfigured;
	st->pg_error = ss->error;
	st->lookup_failing = f->lookup_outage.active;
	st->lookup_misconfigured = f->lookup_misconfigured;
	st->lookup_failing_s = outage_seconds(&f->lookup_outage, now);
	st->lookup_error = f->lookup_error;
	st->head_known = f->head_known;
	st->head = f->head;
	st->committed_known = f->has_committed;
	st->committed = f->committed;
	st->live_distance = f->cfg->live_distance;
	bool caught_up = f->has_committed && f->head_known && f->committed >= f->head;
	st->behind_s = caught_up || now < f->caught_up_ms ? 0 : (double)(now - f->caught_up_ms) / 1000.0;
	st->blocks_per_s = f->blocks_per_s;
	st->blocks_total = f->blocks_total;
	st->txns_total = f->txns_total;
	st->event_logs_total = f->event_logs_total;
	st->head_requests = f->head_requests;
	st->block_requests = f->block_requests;
	memcpy(st->lookup_failures, f->lookup_failures, sizeof(st->lookup_failures));
}

static void evaluate(struct follower *f, struct ingest_status *st, struct store_status *ss,
		     struct health_verdict *v)
{
	struct health_limits lim = { f->cfg->healthy_lag_blocks, f->cfg->healthy_lag_s };
	fill_status(f, st, ss);
	health_evaluate(st, &lim, v);
}

int follower_healthz(void *arg, char *out, size_t outlen)
{
	struct ingest_status st;
	struct store_status ss;
	struct health_verdict v;
	evaluate(arg, &st, &ss, &v);
	return health_json(&st, &v, out, outlen);
}

size_t follower_metrics(void *arg, char *out, size_t outlen)
{
	struct ingest_status st;
	struct store_status ss;
	struct health_verdict v;
	evaluate(arg, &st, &ss, &v);
	return ingest_metrics_format(&st, &v, out, outlen);
}

bool follower_failed(const struct follower *f)
{
	return f->fatal;
}

enum follower_health follower_health(const struct follower *f, const char **why)
{
	*why = f->halt.halted ? f->halt.reason : NULL;
	if (f->halt.halted)
		return FOLLOWER_HALTED;
	return f->started ? FOLLOWER_FOLLOWING : FOLLOWER_STARTING;
}

static void free_event(struct event *ev)
{
	if (ev) {
		event_del(ev);
		event_free(ev);
	}
}

void follower_free(struct follower *f)
{
	if (!f)
		return;
	f->stopping = true;
	store_free(f->store);
	lookup_free(f->lookup);
	window_free(f->window);
	free_event(f->kick_ev);
	free_event(f->poll_ev);
	free_event(f->backoff_ev);
	free_event(f->retry_ev);
	free_event(f->progress_ev);
	free_event(f->halt_ev);
	free_event(f->drain_ev);
	free(f);
}
