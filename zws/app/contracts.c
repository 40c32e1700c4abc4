/* Contract checks for EventLog queries (see contracts.h).
 *
 * A reconnect storm sends thousands of checks of the same few addresses
 * within a second, so an address is asked about once however many checks
 * wait for it:
 * - Contracts seen once answer from memory (contract_cache): a contract
 *   stays one. "Not a contract" is not kept here: ingest may see the
 *   address deployed at any moment, and the database knows it then.
 * - Any other address becomes an inquiry that every check asking for it
 *   waits on. The inquiries queued during one loop turn go to PostgreSQL
 *   together, CONTRACTS_DB_BATCH addresses per query; those the database
 *   does not know go to the lookup, CONTRACTS_LOOKUP_BATCH per request, at
 *   most CONTRACTS_LOOKUPS_RUNNING requests at a time.
 * - Every check and every lookup request waits the same time, so each
 *   sits in a FIFO that appending keeps ordered by deadline; one timer
 *   serves both.
 * Sessions get their answers from the turn callback only, never from
 * inside contracts_check_start or a pgfeed or lookup callback. Warnings
 * that a burst would repeat per check (the lookup failing, checks timing
 * out) are folded into one line per CONTRACTS_REPORT_MS (tally.h). */
#include "contracts.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "addrmap.h"
#include "clock.h"
#include "contract_cache.h"
#include "contract_lookup.h"
#include "contract_store.h"
#include "dlist.h"
#include "log.h"
#include "tally.h"

#define CONTRACTS_CACHE_LIMIT 262144
#define CONTRACTS_DB_BATCH 1000
#define CONTRACTS_LOOKUP_BATCH 100
#define CONTRACTS_LOOKUPS_RUNNING 4
/* After a failed lookup request, unknown addresses are not asked about for
 * this long: a lookup that is down is not hammered by every loop turn. */
#define CONTRACTS_LOOKUP_REST_US ((lws_usec_t)1000 * 1000)
#define CONTRACTS_REPORT_MS 10000

enum inquiry_stage { INQUIRY_DB_QUEUED, INQUIRY_DB, INQUIRY_LOOKUP_QUEUED, INQUIRY_LOOKUP };

/* One address being asked about, and the checks waiting for it. */
struct inquiry {
	struct addrmap_entry key;
	struct dlist link;    /* on a queue or in its batch */
	struct dlist waiters; /* struct waiter.link */
	enum inquiry_stage stage;
	enum contract_state answer; /* the database's, while in its batch */
};

/* The inquiries of one database query or one lookup request. */
struct batch {
	struct contracts *cs;
	struct dlist link; /* on cs->db_running or cs->lookups_running */
	struct dlist inquiries;
	size_t n;
	lws_usec_t deadline; /* lookup requests */
	struct contract_lookup_request *lk;
};

/* Check c waits for its address i as c->waiters[i], on that inquiry. */
struct waiter {
	struct dlist link;
	struct contracts_check *check;
};

enum check_outcome { CHECK_ANSWERED, CHECK_LOOKUP_FAILED, CHECK_LATE };

struct contracts_check {
	struct dlist link; /* on cs->waiting (by deadline) or cs->ready */
	lws_usec_t deadline;
	contracts_done_fn done;
	void *ctx;
	size_t n;
	size_t pending; /* addresses still unanswered */
	enum check_outcome outcome;
	enum contract_state *states;
	struct waiter waiters[];
};

struct contracts {
	struct lws_context *cx;
	struct pgfeed *feed;
	struct contract_lookup *lookup; /* NULL: no lookup configured */
	unsigned timeout_ms;
	struct contract_cache known;
	bool known_full_logged;
	struct addrmap inquiries;
	struct dlist db_queue, lookup_queue;      /* struct inquiry.link */
	struct dlist db_running, lookups_running; /* struct batch.link, oldest first */
	unsigned nlookups;
	lws_usec_t lookup_rest_until;
	struct dlist waiting; /* checks, oldest deadline first */
	struct dlist ready;   /* checks answered; done runs in the next turn */
	lws_sorted_usec_list_t turn_sul, deadline_sul, report_sul;
	bool turn_set, deadline_set, report_set, stopped;
	struct tally late, lookup_failed, db_failed;
	char lookup_why[128], db_why[128];
	uint8_t scratch[CONTRACTS_DB_BATCH][ADDRESS_BYTES];
};

static bool empty(const struct dlist *head)
{
	return head->next == head;
}

static lws_usec_t timeout_us(const struct contracts *cs)
{
	return (lws_usec_t)cs->timeout_ms * 1000;
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

/* Something due at deadline joined a FIFO. Whatever is queued already is
 * due no later, so a timer that is set is early enough. */
static void arm_deadline(struct contracts *cs, lws_usec_t deadline)
{
	if (cs->deadline_set || cs->stopped)
		return;
	cs->deadline_set = true;
	lws_usec_t now = lws_now_usecs();
	lws_sul_schedule(cs->cx, 0, &cs->deadline_sul, deadline_passed,
			 deadline > now ? deadline - now : 0);
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
			 " answered from what is known", n, cs->timeout_ms,
			 (unsigned long long)span / 1000);
	if ((n = tally_take(&cs->lookup_failed, now, CONTRACTS_REPORT_MS, &span)))
		log_warn("contract checks: lookup failed for %u more checks in the last %llu s (%s);"
			 " answered from the database", n, (unsigned long long)span / 1000, cs->lookup_why);
	if ((n = tally_take(&cs->db_failed, now, CONTRACTS_REPORT_MS, &span)))
		log_warn("contract checks: database unavailable %u more times in the last %llu s (%s);"
			 " asked the lookup only", n, (unsigned long long)span / 1000, cs->db_why);
	arm_report(cs);
}

/* ---- inquiries ---- */

static void remember(struct contracts *cs, const uint8_t addr[ADDRESS_BYTES])
{
	if (contract_cache_add(&cs->known, addr) || cs->known_full_logged)
		return;
	cs->known_full_logged = true;
	log_info("contract checks: %zu contracts remembered, the most kept in memory;"
		 " others are checked in the database each time", cs->known.count);
}

static void make_ready(struct contracts *cs, struct contracts_check *c)
{
	dlist_del(&c->link);
	dlist_add(&cs->ready, &c->link);
	schedule_turn(cs);
}

static void forget(struct contracts *cs, struct inquiry *inq)
{
	addrmap_remove(&cs->inquiries, &inq->key);
	dlist_del(&inq->link);
	free(inq);
}

/* Answers every check waiting for inq, then drops it. failed: the answer
 * is unknown because the lookup failed. */
static void settle(struct contracts *cs, struct inquiry *inq, enum contract_state state, bool failed)
{
	while (!empty(&inq->waiters)) {
		struct waiter *w = container_of(inq->waiters.next, struct waiter, link);
		struct contracts_check *c = w->check;
		dlist_del(&w->link);
		c->states[w - c->waiters] = state;
		if (failed && c->outcome == CHECK_ANSWERED)
			c->outcome = CHECK_LOOKUP_FAILED;
		if (--c->pending == 0)
			make_ready(cs, c);
	}
	forget(cs, inq);
}

static void settle_queue(struct contracts *cs, struct dlist *queue, bool failed)
{
	while (!empty(queue))
		settle(cs, container_of(queue->next, struct inquiry, link), CONTRACT_UNKNOWN, failed);
}

static void queue_inquiry(struct dlist *queue, struct inquiry *inq, enum inquiry_stage stage)
{
	dlist_del(&inq->link);
	inq->stage = stage;
	dlist_add(queue, &inq->link);
}

/* The inquiry for addr, queued for the database if it is new. */
static struct inquiry *inquiry_for(struct contracts *cs, const uint8_t addr[ADDRESS_BYTES])
{
	struct addrmap_entry *e = addrmap_get(&cs->inquiries, addr);
	if (e)
		return container_of(e, struct inquiry, key);
	struct inquiry *inq = calloc(1, sizeof(*inq));
	if (!inq)
		return NULL;
	memcpy(inq->key.key, addr, ADDRESS_BYTES);
	if (!addrmap_put(&cs->inquiries, &inq->key)) {
		free(inq);
		return NULL;
	}
	dlist_init(&inq->waiters);
	queue_inquiry(&cs->db_queue, inq, INQUIRY_DB_QUEUED);
	return inq;
}

/* ---- batches ---- */

static struct batch *batch_new(struct contracts *cs)
{
	struct batch *b = calloc(1, sizeof(*b));
	if (b) {
		b->cs = cs;
		dlist_init(&b->inquiries);
	}
	return b;
}

/* Moves up to max inquiries that someone waits for from queue into b,
 * their addresses into cs->scratch. Inquiries nobody waits for any more
 * are dropped. Returns b->n. */
static size_t fill(struct contracts *cs, struct dlist *queue, size_t max, enum inquiry_stage stage,
		   struct batch *b)
{
	while (b->n < max && !empty(queue)) {
		struct inquiry *inq = container_of(queue->next, struct inquiry, link);
		if (empty(&inq->waiters)) {
			forget(cs, inq);
			continue;
		}
		queue_inquiry(&b->inquiries, inq, stage);
		inq->answer = CONTRACT_UNKNOWN;
		memcpy(cs->scratch[b->n++], inq->key.key, ADDRESS_BYTES);
	}
	return b->n;
}

static void batch_free(struct contracts *cs, struct batch *b)
{
	if (b->lk && dlist_linked(&b->link))
		cs->nlookups--;
	dlist_del(&b->link);
	free(b);
}

static void db_failed(struct contracts *cs, const char *why)
{
	snprintf(cs->db_why, sizeof(cs->db_why), "%s", why);
	if (tally_add(&cs->db_failed, clock_now_ms()))
		log_warn("contract checks: database unavailable (%s); asking the lookup only", why);
	arm_report(cs);
}

static void db_answered(void *ctx, const PGresult *res)
{
	struct batch *b = ctx;
	struct contracts *cs = b->cs;
	if (!res)
		db_failed(cs, "the query failed");
	for (int r = 0; res && r < PQntuples(res); r++) {
		uint8_t addr[ADDRESS_BYTES];
		const char *text = PQgetvalue(res, r, 0);
		struct addrmap_entry *e;
		if (!address_parse(text, strlen(text), addr) || !(e = addrmap_get(&cs->inquiries, addr)))
			continue;
		struct inquiry *inq = container_of(e, struct inquiry, key);
		if (inq->stage == INQUIRY_DB)
			inq->answer = PQgetvalue(res, r, 1)[0] == 't' ? CONTRACT_YES : CONTRACT_NO;
	}
	while (!empty(&b->inquiries)) {
		struct inquiry *inq = container_of(b->inquiries.next, struct inquiry, link);
		if (inq->answer == CONTRACT_UNKNOWN) {
			queue_inquiry(&cs->lookup_queue, inq, INQUIRY_LOOKUP_QUEUED);
			continue;
		}
		if (inq->answer == CONTRACT_YES)
			remember(cs, inq->key.key);
		settle(cs, inq, inq->answer, false);
	}
	batch_free(cs, b);
	schedule_turn(cs);
}

/* Everything queued for the database goes out, CONTRACTS_DB_BATCH
 * addresses per query. */
static void send_db_batches(struct contracts *cs)
{
	while (!empty(&cs->db_queue)) {
		struct batch *b = batch_new(cs);
		if (!b) {
			log_error("contract checks: out of memory; answering from what is known");
			settle_queue(cs, &cs->db_queue, false);
			return;
		}
		if (!fill(cs, &cs->db_queue, CONTRACTS_DB_BATCH, INQUIRY_DB, b)) {
			free(b);
			return;
		}
		if (contract_store_known(cs->feed, (const uint8_t(*)[ADDRESS_BYTES])cs->scratch, b->n,
					 db_answered, b)) {
			dlist_add(&cs->db_running, &b->link);
			continue;
		}
		db_failed(cs, "not connected");
		while (!empty(&b->inquiries))
			queue_inquiry(&cs->lookup_queue, container_of(b->inquiries.next, struct inquiry, link),
				      INQUIRY_LOOKUP_QUEUED);
		free(b);
	}
}

/* The lookup answered b (states, one per inquiry in order) or failed
 * (states NULL, why). */
static void lookup_over(struct contracts *cs, struct batch *b, const enum contract_state *states,
			const char *why)
{
	if (!states) {
		snprintf(cs->lookup_why, sizeof(cs->lookup_why), "%s", why);
		cs->lookup_rest_until = lws_now_usecs() + CONTRACTS_LOOKUP_REST_US;
	} else {
		size_t i = 0;
		for (struct dlist *p = b->inquiries.next; p != &b->inquiries; p = p->next)
			memcpy(cs->scratch[i++], container_of(p, struct inquiry, link)->key.key, ADDRESS_BYTES);
		if (!contract_store_save(cs->feed, (const uint8_t(*)[ADDRESS_BYTES])cs->scratch, states, b->n))
			log_warn("contract answers not cached: out of memory");
	}
	for (size_t i = 0; !empty(&b->inquiries); i++) {
		struct inquiry *inq = container_of(b->inquiries.next, struct inquiry, link);
		enum contract_state st = states ? states[i] : CONTRACT_UNKNOWN;
		if (st == CONTRACT_YES)
			remember(cs, inq->key.key);
		if (st == CONTRACT_UNKNOWN && states)
			snprintf(cs->lookup_why, sizeof(cs->lookup_why), "it answered neither way for some addresses");
		settle(cs, inq, st, st == CONTRACT_UNKNOWN);
	}
	batch_free(cs, b);
	schedule_turn(cs);
}

static void lookup_answered(void *ctx, const enum contract_state *states, size_t n, bool ok,
			    const char *err)
{
	struct batch *b = ctx;
	(void)n; /* b->n: the lookup answers as many as it was asked */
	lookup_over(b->cs, b, ok ? states : NULL, err);
}

/* What the database did not know goes to the lookup, as far as the
 * number of requests running allows; the rest waits for a later turn. */
static void send_lookup_batches(struct contracts *cs)
{
	while (!empty(&cs->lookup_queue) && cs->nlookups < CONTRACTS_LOOKUPS_RUNNING) {
		if (!cs->lookup || lws_now_usecs() < cs->lookup_rest_until) {
			settle_queue(cs, &cs->lookup_queue, cs->lookup != NULL);
			return;
		}
		struct batch *b = batch_new(cs);
		if (!b) {
			snprintf(cs->lookup_why, sizeof(cs->lookup_why), "out of memory");
			settle_queue(cs, &cs->lookup_queue, true);
			return;
		}
		if (!fill(cs, &cs->lookup_queue, CONTRACTS_LOOKUP_BATCH, INQUIRY_LOOKUP, b)) {
			free(b);
			return;
		}
		b->lk = contract_lookup_ask(cs->lookup, (const uint8_t(*)[ADDRESS_BYTES])cs->scratch, b->n,
					 lookup_answered, b);
		if (!b->lk) {
			lookup_over(cs, b, NULL, "cannot reach the lookup");
			continue;
		}
		cs->nlookups++;
		b->deadline = lws_now_usecs() + timeout_us(cs);
		dlist_add(&cs->lookups_running, &b->link);
		arm_deadline(cs, b->deadline);
	}
}

/* ---- checks ---- */

static void check_free(struct contracts_check *c)
{
	free(c->states);
	free(c);
}

static void note_outcome(struct contracts *cs, const struct contracts_check *c)
{
	if (c->outcome == CHECK_LATE && tally_add(&cs->late, clock_now_ms()))
		log_warn("contract check of %zu addresses: no answer within %u ms; answering from what is known",
			 c->n, cs->timeout_ms);
	else if (c->outcome == CHECK_LOOKUP_FAILED && tally_add(&cs->lookup_failed, clock_now_ms()))
		log_warn("contract check: lookup failed (%s); answering from the database", cs->lookup_why);
	if (c->outcome != CHECK_ANSWERED)
		arm_report(cs);
}

/* Calls done for the checks answered so far. A done may start or cancel
 * checks; those it starts are answered in a later turn. */
static void answer_ready(struct contracts *cs)
{
	struct dlist now;
	dlist_init(&now);
	if (!empty(&cs->ready)) {
		now.next = cs->ready.next;
		now.prev = cs->ready.prev;
		now.next->prev = now.prev->next = &now;
		dlist_init(&cs->ready);
	}
	while (!empty(&now)) {
		struct contracts_check *c = container_of(now.next, struct contracts_check, link);
		dlist_del(&c->link);
		note_outcome(cs, c);
		c->done(c->ctx, c->states, c->n);
		check_free(c);
	}
}

static void turn(lws_sorted_usec_list_t *sul)
{
	struct contracts *cs = container_of(sul, struct contracts, turn_sul);
	cs->turn_set = false;
	send_db_batches(cs);
	send_lookup_batches(cs);
	answer_ready(cs);
}

/* A check out of time answers with what it has; its inquiries go on and
 * still fill the cache. */
static void expire(struct contracts *cs, struct contracts_check *c)
{
	for (size_t i = 0; i < c->n; i++)
		dlist_del(&c->waiters[i].link);
	c->pending = 0;
	c->outcome = CHECK_LATE;
	make_ready(cs, c);
}

static void deadline_passed(lws_sorted_usec_list_t *sul)
{
	struct contracts *cs = container_of(sul, struct contracts, deadline_sul);
	lws_usec_t now = lws_now_usecs(), next = 0;
	cs->deadline_set = false;
	while (!empty(&cs->waiting)) {
		struct contracts_check *c = container_of(cs->waiting.next, struct contracts_check, link);
		if (c->deadline > now) {
			next = c->deadline;
			break;
		}
		expire(cs, c);
	}
	while (!empty(&cs->lookups_running)) {
		struct batch *b = container_of(cs->lookups_running.next, struct batch, link);
		if (b->deadline > now) {
			next = next && next < b->deadline ? next : b->deadline;
			break;
		}
		char why[64];
		snprintf(why, sizeof(why), "no answer within %u ms", cs->timeout_ms);
		contract_lookup_cancel(b->lk);
		lookup_over(cs, b, NULL, why);
	}
	if (next)
		arm_deadline(cs, next);
}

struct contracts_check *contracts_check_start(struct contracts *cs, const uint8_t (*addrs)[ADDRESS_BYTES],
					      size_t n, contracts_done_fn done, void *ctx)
{
	struct contracts_check *c = cs ? calloc(1, sizeof(*c) + n * sizeof(c->waiters[0])) : NULL;
	if (!c)
		return NULL;
	*c = (struct contracts_check){ .done = done, .ctx = ctx, .n = n };
	if (!(c->states = calloc(n ? n : 1, sizeof(*c->states)))) {
		free(c);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (contract_cache_has(&cs->known, addrs[i])) {
			c->states[i] = CONTRACT_YES;
			continue;
		}
		struct inquiry *inq = inquiry_for(cs, addrs[i]);
		if (!inq) {
			contracts_check_cancel(c);
			return NULL;
		}
		c->waiters[i].check = c;
		dlist_add(&inq->waiters, &c->waiters[i].link);
		c->pending++;
	}
	if (c->pending) {
		c->deadline = lws_now_usecs() + timeout_us(cs);
		dlist_add(&cs->waiting, &c->link);
		arm_deadline(cs, c->deadline);
	} else {
		dlist_add(&cs->ready, &c->link);
	}
	schedule_turn(cs);
	return c;
}

void contracts_check_cancel(struct contracts_check *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		dlist_del(&c->waiters[i].link);
	dlist_del(&c->link);
	check_free(c);
}

void contracts_learn(struct contracts *cs, const uint8_t addr[ADDRESS_BYTES])
{
	if (cs)
		remember(cs, addr);
}

/* ---- lifetime ---- */

struct contracts *contracts_new(struct lws_context *cx, struct pgfeed *feed,
				struct contract_lookup *lookup, unsigned timeout_ms)
{
	struct contracts *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return NULL;
	cs->cx = cx;
	cs->feed = feed;
	cs->lookup = lookup;
	cs->timeout_ms = timeout_ms;
	cs->known = (struct contract_cache)CONTRACT_CACHE_INIT(CONTRACTS_CACHE_LIMIT);
	dlist_init(&cs->db_queue);
	dlist_init(&cs->lookup_queue);
	dlist_init(&cs->db_running);
	dlist_init(&cs->lookups_running);
	dlist_init(&cs->waiting);
	dlist_init(&cs->ready);
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

static void free_batches(struct dlist *list)
{
	while (!empty(list)) {
		struct batch *b = container_of(list->next, struct batch, link);
		while (!empty(&b->inquiries)) {
			struct dlist *p = b->inquiries.next;
			dlist_del(p);
			free(container_of(p, struct inquiry, link));
		}
		dlist_del(&b->link);
		free(b);
	}
}

static void free_checks(struct dlist *list)
{
	while (!empty(list)) {
		struct contracts_check *c = container_of(list->next, struct contracts_check, link);
		dlist_del(&c->link);
		check_free(c);
	}
}

void contracts_free(struct contracts *cs)
{
	if (!cs)
		return;
	free_batches(&cs->db_running);
	free_batches(&cs->lookups_running);
	struct dlist *queues[] = { &cs->db_queue, &cs->lookup_queue };
	for (int q = 0; q < 2; q++)
		while (!empty(queues[q])) {
			struct dlist *p = queues[q]->next;
			dlist_del(p);
			free(container_of(p, struct inquiry, link));
		}
	free_checks(&cs->waiting);
	free_checks(&cs->ready);
	addrmap_free(&cs->inquiries);
	contract_cache_free(&cs->known);
	free(cs);
}
