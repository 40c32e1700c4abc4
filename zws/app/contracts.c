/* Contract checks for EventLog queries on the loop (see contracts.h): the
 * engine (core/contract_check.h) decides what to ask and whom to answer;
 * this file carries it out. It sends the engine's batches to the
 * contracts table (io/contract_store.h) and the lookup node
 * (io/contract_lookup.h), caches the lookup's answers, runs one lws timer
 * for the engine's deadlines and answers checks from a turn callback
 * only, never from inside contracts_check_start or a feed or lookup
 * callback. Warnings that a burst would repeat per check (the lookup
 * failing, checks timing out) are folded into one line per
 * CONTRACTS_REPORT_MS (tally.h). */
#include "contracts.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "contract_check.h"
#include "contract_lookup.h"
#include "contract_store.h"
#include "dlist.h"
#include "log.h"
#include "negative_bound.h"
#include "tally.h"

#define CONTRACTS_CACHE_LIMIT 262144
#define CONTRACTS_DB_BATCH 1000
#define CONTRACTS_LOOKUP_BATCH 100
#define CONTRACTS_LOOKUPS_RUNNING 4
/* After a failed lookup request, unknown addresses are not asked about for
 * this long: a lookup that is down is not hammered by every loop turn. */
#define CONTRACTS_LOOKUP_REST_US ((uint64_t)1000 * 1000)
#define CONTRACTS_REPORT_MS 10000

struct contracts {
	struct lws_context *cx;
	struct pgfeed *feed;
	struct contract_lookup *lookup; /* NULL: no lookup configured */
	unsigned timeout_ms;
	struct contract_checks *engine;
	lws_sorted_usec_list_t turn_sul, deadline_sul, report_sul;
	bool turn_set, deadline_set, report_set, stopped;
	struct tally late, lookup_failed, db_failed;
	struct negative_bound negatives; /* "not a contract" rows in the table */
	struct stats_slot *stats; /* outcomes counted here */
	char db_why[128];
};

static uint64_t now_us(void)
{
	return (uint64_t)lws_now_usecs();
}

/* ---- timers ---- */

static void turn(lws_sorted_usec_list_t *sul);
static void deadline_passed(lws_sorted_usec_list_t *sul);
static void report(lws_sorted_usec_list_t *sul);

static void schedule_turn(struct contracts *cs)
{
	if (cs->turn_set || cs->stopped)
		return;
	cs->turn_set = true;
	lws_sul_schedule(cs->cx, 0, &cs->turn_sul, turn, 0);
}

/* The engine has something due; a timer already set is early enough,
 * since whatever it waits for is due no later than anything added since. */
static void arm_deadline(struct contracts *cs)
{
	uint64_t due = contract_check_next_deadline(cs->engine);
	if (cs->deadline_set || cs->stopped || due == UINT64_MAX)
		return;
	cs->deadline_set = true;
	uint64_t now = now_us();
	lws_sul_schedule(cs->cx, 0, &cs->deadline_sul, deadline_passed,
			 (lws_usec_t)(due > now ? due - now : 0));
}

static void arm_report(struct contracts *cs)
{
	uint64_t due = tally_due_ms(&cs->late, CONTRACTS_REPORT_MS);
	uint64_t d = tally_due_ms(&cs->lookup_failed, CONTRACTS_REPORT_MS);
	due = d < due ? d : due;
	d = tally_due_ms(&cs->db_failed, CONTRACTS_REPORT_MS);
	due = d < due ? d : due;
	if (cs->report_set || cs->stopped || due == UINT64_MAX)
		return;
	cs->report_set = true;
	uint64_t now = clock_now_ms();
	lws_sul_schedule(cs->cx, 0, &cs->report_sul, report,
			 (lws_usec_t)(due > now ? due - now : 0) * 1000);
}

static void report(lws_sorted_usec_list_t *sul)
{
	struct contracts *cs = container_of(sul, struct contracts, report_sul);
	uint64_t now = clock_now_ms(), span = 0;
	unsigned n;
	cs->report_set = false;
	if ((n = tally_take(&cs->late, now, CONTRACTS_REPORT_MS, &span)))
		log_warn("contract checks: %u more had no answer within %u ms in the last %llu s;"
			 " answered from what is known", n, cs->timeout_ms, (unsigned long long)span / 1000);
	if ((n = tally_take(&cs->lookup_failed, now, CONTRACTS_REPORT_MS, &span)))
		log_warn("contract checks: lookup failed for %u more checks in the last %llu s (%s);"
			 " answered from the database", n, (unsigned long long)span / 1000,
			 contract_check_lookup_why(cs->engine));
	if ((n = tally_take(&cs->db_failed, now, CONTRACTS_REPORT_MS, &span)))
		log_warn("contract checks: database unavailable %u more times in the last %llu s (%s);"
			 " asked the lookup only", n, (unsigned long long)span / 1000, cs->db_why);
	arm_report(cs);
}

/* ---- what the engine reports ---- */

static void answered(void *ctx, enum contract_check_outcome outcome, size_t n)
{
	struct contracts *cs = ctx;
	enum stats_check counter = outcome == CONTRACT_CHECK_LATE ? STATS_CHECK_LATE
				   : outcome == CONTRACT_CHECK_LOOKUP_FAILED ? STATS_CHECK_LOOKUP_FAILED
									     : STATS_CHECK_ANSWERED;
	stats_add(&cs->stats->checks[counter], 1);
	atomic_store_explicit(&cs->stats->lookup_failing, outcome == CONTRACT_CHECK_LOOKUP_FAILED,
			      memory_order_relaxed);
	if (outcome == CONTRACT_CHECK_LATE && tally_add(&cs->late, clock_now_ms()))
		log_warn("contract check of %zu addresses: no answer within %u ms; answering from what is known",
			 n, cs->timeout_ms);
	else if (outcome == CONTRACT_CHECK_LOOKUP_FAILED && tally_add(&cs->lookup_failed, clock_now_ms()))
		log_warn("contract check: lookup failed (%s); answering from the database",
			 contract_check_lookup_why(cs->engine));
	if (outcome != CONTRACT_CHECK_ANSWERED)
		arm_report(cs);
}

static void cache_full(void *ctx, size_t count)
{
	log_info("contract checks: %zu contracts remembered, the most kept in memory;"
		 " others are checked in the database each time", count);
}

/* ---- the database ---- */

static void db_failed(struct contracts *cs, const char *why)
{
	snprintf(cs->db_why, sizeof(cs->db_why), "%s", why);
	if (tally_add(&cs->db_failed, clock_now_ms()))
		log_warn("contract checks: database unavailable (%s); asking the lookup only", why);
	arm_report(cs);
}

static void db_answered(void *ctx, const PGresult *res)
{
	struct contract_check_batch *b = ctx;
	struct contracts *cs = contract_check_batch_ctx(b);
	if (!res)
		db_failed(cs, "the query failed");
	for (int r = 0; res && r < PQntuples(res); r++) {
		uint8_t addr[ADDRESS_BYTES];
		const char *text = PQgetvalue(res, r, 0);
		if (address_parse(text, strlen(text), addr))
			contract_check_db_row(b, addr, PQgetvalue(res, r, 1)[0] == 't');
	}
	contract_check_db_done(b);
	schedule_turn(cs);
}

/* Everything queued for the database goes out, CONTRACTS_DB_BATCH
 * addresses per query. */
static void send_db_batches(struct contracts *cs)
{
	struct contract_check_batch *b;
	bool oom = false;
	while ((b = contract_check_next_db(cs->engine, &oom))) {
		if (contract_store_known(cs->feed, (const uint8_t(*)[ADDRESS_BYTES])b->addrs, b->n, db_answered, b))
			continue;
		db_failed(cs, "not connected");
		contract_check_db_done(b);
	}
	if (oom)
		log_error("contract checks: out of memory; answering from what is known");
}

/* ---- the lookup ---- */

/* Caches the lookup's answers to b, trimming the "not a contract" rows
 * first when they would pass their bound. */
static void save_answers(struct contracts *cs, struct contract_check_batch *b, const enum contract_state *states)
{
	size_t no = 0;
	for (size_t i = 0; i < b->n; i++)
		no += states[i] == CONTRACT_NO;
	if (negative_bound_before_save(&cs->negatives, no) && !contract_store_trim(cs->feed, cs->negatives.keep))
		log_warn("\"not a contract\" answers not trimmed: out of memory");
	if (!contract_store_save(cs->feed, (const uint8_t(*)[ADDRESS_BYTES])b->addrs, states, b->n))
		log_warn("contract answers not cached: out of memory");
}

/* The lookup answered b or failed (states NULL, why). */
static void lookup_over(struct contracts *cs, struct contract_check_batch *b, const enum contract_state *states,
			const char *why)
{
	if (states)
		save_answers(cs, b, states);
	contract_check_lookup_done(b, states, why, now_us());
	schedule_turn(cs);
}

static void lookup_answered(void *ctx, const enum contract_state *states, size_t n, bool ok,
			    const char *err)
{
	struct contract_check_batch *b = ctx;
	(void)n; /* b->n: the lookup answers as many as it was asked */
	lookup_over(contract_check_batch_ctx(b), b, ok ? states : NULL, err);
}

/* What the database did not know goes to the lookup, as far as the
 * number of requests running allows; the rest waits for a later turn. */
static void send_lookup_batches(struct contracts *cs)
{
	struct contract_check_batch *b;
	while ((b = contract_check_next_lookup(cs->engine, now_us()))) {
		b->request = contract_lookup_ask(cs->lookup, (const uint8_t(*)[ADDRESS_BYTES])b->addrs, b->n,
						 lookup_answered, b);
		if (!b->request)
			lookup_over(cs, b, NULL, "cannot reach the lookup");
	}
	arm_deadline(cs);
}

/* ---- the loop ---- */

static void turn(lws_sorted_usec_list_t *sul)
{
	struct contracts *cs = container_of(sul, struct contracts, turn_sul);
	cs->turn_set = false;
	send_db_batches(cs);
	send_lookup_batches(cs);
	contract_check_answer_ready(cs->engine);
}

static void deadline_passed(lws_sorted_usec_list_t *sul)
{
	struct contracts *cs = container_of(sul, struct contracts, deadline_sul);
	struct contract_check_batch *b;
	uint64_t now = now_us();
	cs->deadline_set = false;
	while ((b = contract_check_expire(cs->engine, now))) {
		char why[64];
		snprintf(why, sizeof(why), "no answer within %u ms", cs->timeout_ms);
		contract_lookup_cancel(b->request);
		lookup_over(cs, b, NULL, why);
	}
	if (contract_check_any_ready(cs->engine))
		schedule_turn(cs);
	arm_deadline(cs);
}

struct contract_check *contracts_check_start(struct contracts *cs, const uint8_t (*addrs)[ADDRESS_BYTES],
					     size_t n, contract_check_done_fn done, void *ctx)
{
	struct contract_check *c = cs ? contract_check_start(cs->engine, addrs, n, done, ctx, now_us()) : NULL;
	if (!c)
		return NULL;
	arm_deadline(cs);
	schedule_turn(cs);
	return c;
}

void contracts_check_cancel(struct contract_check *c)
{
	contract_check_cancel(c);
}

void contracts_learn(struct contracts *cs, const uint8_t addr[ADDRESS_BYTES])
{
	if (cs)
		contract_check_learn(cs->engine, addr);
}

/* ---- lifetime ---- */

struct contracts *contracts_new(struct lws_context *cx, struct pgfeed *feed, struct contract_lookup *lookup,
				const struct contracts_limits *limits, struct stats_slot *stats)
{
	struct contracts *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return NULL;
	unsigned timeout_ms = limits->timeout_ms;
	*cs = (struct contracts){ .cx = cx, .feed = feed, .lookup = lookup, .timeout_ms = timeout_ms,
				  .stats = stats };
	negative_bound_init(&cs->negatives, limits->max_negative, limits->workers, CONTRACTS_LOOKUP_BATCH);
	struct contract_check_config cfg = {
		.cache_limit = CONTRACTS_CACHE_LIMIT, .db_batch = CONTRACTS_DB_BATCH,
		.lookup_batch = CONTRACTS_LOOKUP_BATCH, .lookups_running = CONTRACTS_LOOKUPS_RUNNING,
		.timeout_us = (uint64_t)timeout_ms * 1000, .lookup_rest_us = CONTRACTS_LOOKUP_REST_US,
		.have_lookup = lookup != NULL, .ctx = cs, .answered = answered, .cache_full = cache_full,
	};
	if (!(cs->engine = contract_check_new(&cfg))) {
		free(cs);
		return NULL;
	}
	return cs;
}

void contracts_stop(struct contracts *cs)
{
	if (!cs)
		return;
	cs->stopped = true;
	lws_sul_cancel(&cs->turn_sul);
	lws_sul_cancel(&cs->deadline_sul);
	lws_sul_cancel(&cs->report_sul);
}

void contracts_free(struct contracts *cs)
{
	if (!cs)
		return;
	contract_check_free(cs->engine);
	free(cs);
}
