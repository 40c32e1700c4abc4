/* The contract-check engine (see contract_check.h). An address being
 * asked about is an inquiry, keyed by address; each check waits on the
 * inquiries of the addresses it does not know, one waiter per address,
 * and is ready once none is pending or its deadline passed. */
#include "contract_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrmap.h"
#include "contract_cache.h"

enum inquiry_stage { INQUIRY_DB_QUEUED, INQUIRY_DB, INQUIRY_LOOKUP_QUEUED, INQUIRY_LOOKUP };

/* One address being asked about, and the checks waiting for it. */
struct inquiry {
	struct addrmap_entry key;
	struct dlist link;    /* on a queue or in its batch */
	struct dlist waiters; /* struct waiter.link */
	enum inquiry_stage stage;
	enum contract_state answer; /* the database's, while in its batch */
};

/* Check c waits for its address i as c->waiters[i], on that inquiry. */
struct waiter {
	struct dlist link;
	struct contract_check *check;
};

struct contract_check {
	struct dlist link; /* on cs->waiting (by deadline) or cs->ready */
	uint64_t deadline;
	contract_check_done_fn done;
	void *ctx;
	size_t n;
	size_t pending; /* addresses still unanswered */
	enum contract_check_outcome outcome;
	enum contract_state *states;
	struct waiter waiters[];
};

struct contract_checks {
	struct contract_check_config cfg;
	struct contract_cache known;
	bool known_full_told;
	struct addrmap inquiries;
	struct dlist db_queue, lookup_queue;      /* struct inquiry.link */
	struct dlist db_running, lookups_running; /* struct contract_check_batch.link, oldest first */
	unsigned nlookups;
	uint64_t lookup_rest_until;
	struct dlist waiting; /* checks, oldest deadline first */
	struct dlist ready;   /* checks answered, done not run yet */
	char lookup_why[128];
};

/* ---- inquiries ---- */

static void remember(struct contract_checks *cs, const uint8_t addr[ADDRESS_BYTES])
{
	if (contract_cache_add(&cs->known, addr) || cs->known_full_told)
		return;
	cs->known_full_told = true;
	if (cs->cfg.cache_full)
		cs->cfg.cache_full(cs->cfg.ctx, cs->known.count);
}

static void make_ready(struct contract_checks *cs, struct contract_check *c)
{
	dlist_del(&c->link);
	dlist_add(&cs->ready, &c->link);
}

static void forget(struct contract_checks *cs, struct inquiry *inq)
{
	addrmap_remove(&cs->inquiries, &inq->key);
	dlist_del(&inq->link);
	free(inq);
}

/* Answers every check waiting for inq, then drops it. failed: the answer
 * is unknown because the lookup failed. */
static void settle(struct contract_checks *cs, struct inquiry *inq, enum contract_state state, bool failed)
{
	while (!dlist_empty(&inq->waiters)) {
		struct waiter *w = container_of(inq->waiters.next, struct waiter, link);
		struct contract_check *c = w->check;
		dlist_del(&w->link);
		c->states[w - c->waiters] = state;
		if (failed && c->outcome == CONTRACT_CHECK_ANSWERED)
			c->outcome = CONTRACT_CHECK_LOOKUP_FAILED;
		if (--c->pending == 0)
			make_ready(cs, c);
	}
	forget(cs, inq);
}

static void settle_queue(struct contract_checks *cs, struct dlist *queue, bool failed)
{
	while (!dlist_empty(queue))
		settle(cs, container_of(queue->next, struct inquiry, link), CONTRACT_UNKNOWN, failed);
}

static void queue_inquiry(struct dlist *queue, struct inquiry *inq, enum inquiry_stage stage)
{
	dlist_del(&inq->link);
	inq->stage = stage;
	dlist_add(queue, &inq->link);
}

/* The inquiry for addr, queued for the database if it is new. */
static struct inquiry *inquiry_for(struct contract_checks *cs, const uint8_t addr[ADDRESS_BYTES])
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

/* A batch of up to max inquiries that someone waits for, moved from
 * queue; inquiries nobody waits for any more are dropped. NULL if none
 * is left (*oom: out of memory). */
static struct contract_check_batch *fill(struct contract_checks *cs, struct dlist *queue, size_t max,
					 enum inquiry_stage stage, bool *oom)
{
	struct contract_check_batch *b = calloc(1, sizeof(*b));
	if (b)
		b->addrs = malloc(max * sizeof(b->addrs[0]));
	if (!b || !b->addrs) {
		free(b);
		*oom = true;
		return NULL;
	}
	b->cs = cs;
	b->lookup = stage == INQUIRY_LOOKUP;
	dlist_init(&b->inquiries);
	while (b->n < max && !dlist_empty(queue)) {
		struct inquiry *inq = container_of(queue->next, struct inquiry, link);
		if (dlist_empty(&inq->waiters)) {
			forget(cs, inq);
			continue;
		}
		queue_inquiry(&b->inquiries, inq, stage);
		inq->answer = CONTRACT_UNKNOWN;
		memcpy(b->addrs[b->n++], inq->key.key, ADDRESS_BYTES);
	}
	if (b->n)
		return b;
	free(b->addrs);
	free(b);
	return NULL;
}

static void batch_free(struct contract_check_batch *b)
{
	if (b->lookup)
		b->cs->nlookups--;
	dlist_del(&b->link);
	free(b->addrs);
	free(b);
}

void *contract_check_batch_ctx(const struct contract_check_batch *b)
{
	return b->cs->cfg.ctx;
}

struct contract_check_batch *contract_check_next_db(struct contract_checks *cs, bool *oom)
{
	*oom = false;
	struct contract_check_batch *b = fill(cs, &cs->db_queue, cs->cfg.db_batch, INQUIRY_DB, oom);
	if (b)
		dlist_add(&cs->db_running, &b->link);
	else if (*oom)
		settle_queue(cs, &cs->db_queue, false);
	return b;
}

void contract_check_db_row(struct contract_check_batch *b, const uint8_t addr[ADDRESS_BYTES], bool is_contract)
{
	struct addrmap_entry *e = addrmap_get(&b->cs->inquiries, addr);
	if (!e)
		return;
	struct inquiry *inq = container_of(e, struct inquiry, key);
	if (inq->stage == INQUIRY_DB)
		inq->answer = is_contract ? CONTRACT_YES : CONTRACT_NO;
}

void contract_check_db_done(struct contract_check_batch *b)
{
	struct contract_checks *cs = b->cs;
	while (!dlist_empty(&b->inquiries)) {
		struct inquiry *inq = container_of(b->inquiries.next, struct inquiry, link);
		if (inq->answer == CONTRACT_UNKNOWN) {
			queue_inquiry(&cs->lookup_queue, inq, INQUIRY_LOOKUP_QUEUED);
			continue;
		}
		if (inq->answer == CONTRACT_YES)
			remember(cs, inq->key.key);
		settle(cs, inq, inq->answer, false);
	}
	batch_free(b);
}

struct contract_check_batch *contract_check_next_lookup(struct contract_checks *cs, uint64_t now_us)
{
	if (dlist_empty(&cs->lookup_queue) || cs->nlookups >= cs->cfg.lookups_running)
		return NULL;
	if (!cs->cfg.have_lookup || now_us < cs->lookup_rest_until) {
		settle_queue(cs, &cs->lookup_queue, cs->cfg.have_lookup);
		return NULL;
	}
	bool oom = false;
	struct contract_check_batch *b = fill(cs, &cs->lookup_queue, cs->cfg.lookup_batch, INQUIRY_LOOKUP, &oom);
	if (!b) {
		if (oom) {
			snprintf(cs->lookup_why, sizeof(cs->lookup_why), "out of memory");
			settle_queue(cs, &cs->lookup_queue, true);
		}
		return NULL;
	}
	cs->nlookups++;
	b->deadline = now_us + cs->cfg.timeout_us;
	dlist_add(&cs->lookups_running, &b->link);
	return b;
}

void contract_check_lookup_done(struct contract_check_batch *b, const enum contract_state *states,
				const char *why, uint64_t now_us)
{
	struct contract_checks *cs = b->cs;
	if (!states) {
		snprintf(cs->lookup_why, sizeof(cs->lookup_why), "%s", why);
		cs->lookup_rest_until = now_us + cs->cfg.lookup_rest_us;
	}
	for (size_t i = 0; !dlist_empty(&b->inquiries); i++) {
		struct inquiry *inq = container_of(b->inquiries.next, struct inquiry, link);
		enum contract_state st = states ? states[i] : CONTRACT_UNKNOWN;
		if (st == CONTRACT_YES)
			remember(cs, inq->key.key);
		if (st == CONTRACT_UNKNOWN && states)
			snprintf(cs->lookup_why, sizeof(cs->lookup_why), "it answered neither way for some addresses");
		settle(cs, inq, st, st == CONTRACT_UNKNOWN);
	}
	batch_free(b);
}

const char *contract_check_lookup_why(const struct contract_checks *cs)
{
	return cs->lookup_why;
}

/* ---- checks ---- */

static void check_free(struct contract_check *c)
{
	free(c->states);
	free(c);
}

struct contract_check *contract_check_start(struct contract_checks *cs, const uint8_t (*addrs)[ADDRESS_BYTES],
					    size_t n, contract_check_done_fn done, void *ctx, uint64_t now_us)
{
	struct contract_check *c = calloc(1, sizeof(*c) + n * sizeof(c->waiters[0]));
	if (!c)
		return NULL;
	*c = (struct contract_check){ .done = done, .ctx = ctx, .n = n };
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
			contract_check_cancel(c);
			return NULL;
		}
		c->waiters[i].check = c;
		dlist_add(&inq->waiters, &c->waiters[i].link);
		c->pending++;
	}
	if (c->pending) {
		c->deadline = now_us + cs->cfg.timeout_us;
		dlist_add(&cs->waiting, &c->link);
	} else {
		dlist_add(&cs->ready, &c->link);
	}
	return c;
}

void contract_check_cancel(struct contract_check *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		dlist_del(&c->waiters[i].link);
	dlist_del(&c->link);
	check_free(c);
}

void contract_check_learn(struct contract_checks *cs, const uint8_t addr[ADDRESS_BYTES])
{
	remember(cs, addr);
}

uint64_t contract_check_next_deadline(const struct contract_checks *cs)
{
	uint64_t next = UINT64_MAX;
	if (!dlist_empty(&cs->waiting))
		next = container_of(cs->waiting.next, struct contract_check, link)->deadline;
	if (!dlist_empty(&cs->lookups_running)) {
		uint64_t d = container_of(cs->lookups_running.next, struct contract_check_batch, link)->deadline;
		next = d < next ? d : next;
	}
	return next;
}

/* A check out of time answers with what it has; its inquiries go on. */
static void expire_check(struct contract_checks *cs, struct contract_check *c)
{
	for (size_t i = 0; i < c->n; i++)
		dlist_del(&c->waiters[i].link);
	c->pending = 0;
	c->outcome = CONTRACT_CHECK_LATE;
	make_ready(cs, c);
}

struct contract_check_batch *contract_check_expire(struct contract_checks *cs, uint64_t now_us)
{
	while (!dlist_empty(&cs->waiting)) {
		struct contract_check *c = container_of(cs->waiting.next, struct contract_check, link);
		if (c->deadline > now_us)
			break;
		expire_check(cs, c);
	}
	if (dlist_empty(&cs->lookups_running))
		return NULL;
	struct contract_check_batch *b = container_of(cs->lookups_running.next, struct contract_check_batch, link);
	return b->deadline <= now_us ? b : NULL;
}

bool contract_check_any_ready(const struct contract_checks *cs)
{
	return !dlist_empty(&cs->ready);
}

void contract_check_answer_ready(struct contract_checks *cs)
{
	struct dlist now;
	dlist_init(&now);
	if (!dlist_empty(&cs->ready)) {
		now.next = cs->ready.next;
		now.prev = cs->ready.prev;
		now.next->prev = now.prev->next = &now;
		dlist_init(&cs->ready);
	}
	while (!dlist_empty(&now)) {
		struct contract_check *c = container_of(now.next, struct contract_check, link);
		dlist_del(&c->link);
		if (cs->cfg.answered)
			cs->cfg.answered(cs->cfg.ctx, c->outcome, c->n);
		c->done(c->ctx, c->states, c->n);
		check_free(c);
	}
}

/* ---- lifetime ---- */

struct contract_checks *contract_check_new(const struct contract_check_config *cfg)
{
	struct contract_checks *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return NULL;
	cs->cfg = *cfg;
	cs->known = (struct contract_cache)CONTRACT_CACHE_INIT(cfg->cache_limit);
	dlist_init(&cs->db_queue);
	dlist_init(&cs->lookup_queue);
	dlist_init(&cs->db_running);
	dlist_init(&cs->lookups_running);
	dlist_init(&cs->waiting);
	dlist_init(&cs->ready);
	return cs;
}

static void free_inquiries(struct dlist *list)
{
	while (!dlist_empty(list)) {
		struct dlist *p = list->next;
		dlist_del(p);
		free(container_of(p, struct inquiry, link));
	}
}

static void free_batches(struct dlist *list)
{
	while (!dlist_empty(list)) {
		struct contract_check_batch *b = container_of(list->next, struct contract_check_batch, link);
		free_inquiries(&b->inquiries);
		dlist_del(&b->link);
		free(b->addrs);
		free(b);
	}
}

static void free_checks(struct dlist *list)
{
	while (!dlist_empty(list)) {
		struct contract_check *c = container_of(list->next, struct contract_check, link);
		dlist_del(&c->link);
		check_free(c);
	}
}

void contract_check_free(struct contract_checks *cs)
{
	if (!cs)
		return;
	free_batches(&cs->db_running);
	free_batches(&cs->lookups_running);
	free_inquiries(&cs->db_queue);
	free_inquiries(&cs->lookup_queue);
	free_checks(&cs->waiting);
	free_checks(&cs->ready);
	addrmap_free(&cs->inquiries);
	contract_cache_free(&cs->known);
	free(cs);
}
