/* The contract-check engine alone: what goes to the database and the
 * lookup, what each check is answered, deadlines and cancels, with the
 * time passed in. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "contract_check.h"

#define TIMEOUT 1000
#define REST 500

struct answer {
	int calls;
	size_t n;
	enum contract_state states[8];
};

struct reports {
	int late, failed, answered, full;
};

static void done(void *ctx, const enum contract_state *states, size_t n)
{
	struct answer *a = ctx;
	a->calls++;
	a->n = n;
	memcpy(a->states, states, n * sizeof(*states));
}

static void outcome(void *ctx, enum contract_check_outcome o, size_t n)
{
	struct reports *r = ctx;
	r->late += o == CONTRACT_CHECK_LATE;
	r->failed += o == CONTRACT_CHECK_LOOKUP_FAILED;
	r->answered += o == CONTRACT_CHECK_ANSWERED;
}

static void full(void *ctx, size_t count)
{
	((struct reports *)ctx)->full++;
}

static struct contract_checks *engine(struct reports *r, bool have_lookup, size_t cache_limit)
{
	struct contract_check_config cfg = {
		.cache_limit = cache_limit, .db_batch = 3, .lookup_batch = 2, .lookups_running = 1,
		.timeout_us = TIMEOUT, .lookup_rest_us = REST, .have_lookup = have_lookup,
		.ctx = r, .answered = outcome, .cache_full = full,
	};
	struct contract_checks *cs = contract_check_new(&cfg);
	cr_assert(cs);
	return cs;
}

static void addr(uint8_t out[ADDRESS_BYTES], int i)
{
	memset(out, 0, ADDRESS_BYTES);
	out[0] = (uint8_t)(i + 1);
}

/* n addresses numbered from first. */
static void addrs(uint8_t (*out)[ADDRESS_BYTES], int first, int n)
{
	for (int i = 0; i < n; i++)
		addr(out[i], first + i);
}

static int num(const uint8_t a[ADDRESS_BYTES])
{
	return a[0] - 1;
}

Test(contract_check, database_then_lookup_then_cache)
{
	struct reports r = { 0 };
	struct contract_checks *cs = engine(&r, true, 100);
	uint8_t a[4][ADDRESS_BYTES];
	addrs(a, 0, 4);
	struct answer got = { 0 };
	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])a, 4, done, &got, 0));
	bool oom;
	struct contract_check_batch *db1 = contract_check_next_db(cs, &oom);
	struct contract_check_batch *db2 = contract_check_next_db(cs, &oom);
	cr_assert(db1 && db2 && !contract_check_next_db(cs, &oom) && !oom);
	cr_assert_eq(db1->n, 3, "db_batch addresses per query");
	cr_assert_eq(db2->n, 1);
	cr_assert_eq(num(db2->addrs[0]), 3);
	contract_check_db_row(db1, a[0], true);
	contract_check_db_row(db1, a[1], false);
	contract_check_db_done(db1); /* a[2] unknown: to the lookup */
	contract_check_db_done(db2); /* the query failed: a[3] too */
	contract_check_answer_ready(cs);
	cr_assert_eq(got.calls, 0, "two addresses still unanswered");
	struct contract_check_batch *lk = contract_check_next_lookup(cs, 10);
	cr_assert(lk);
	cr_assert_eq(lk->n, 2);
	cr_assert_eq(num(lk->addrs[0]), 2);
	cr_assert_null(contract_check_next_lookup(cs, 10), "one request at a time");
	enum contract_state states[2] = { CONTRACT_YES, CONTRACT_NO };
	contract_check_lookup_done(lk, states, NULL, 20);
	contract_check_answer_ready(cs);
	cr_assert_eq(got.calls, 1);
	cr_assert_eq(got.n, 4);
	enum contract_state want[4] = { CONTRACT_YES, CONTRACT_NO, CONTRACT_YES, CONTRACT_NO };
	cr_assert_arr_eq(got.states, want, sizeof(want));
	cr_assert_eq(r.answered, 1);

	/* a[0] and a[2] are remembered: a second check needs no I/O. */
	struct answer again = { 0 };
	uint8_t known[2][ADDRESS_BYTES];
	memcpy(known[0], a[2], ADDRESS_BYTES);
	memcpy(known[1], a[0], ADDRESS_BYTES);
	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])known, 2, done, &again, 30));
	cr_assert_null(contract_check_next_db(cs, &oom));
	cr_assert(contract_check_any_ready(cs));
	contract_check_answer_ready(cs);
	cr_assert_eq(again.calls, 1);
	cr_assert_eq(again.states[0], CONTRACT_YES);
	cr_assert_eq(again.states[1], CONTRACT_YES);
	contract_check_free(cs);
}

Test(contract_check, checks_share_one_inquiry_per_address)
{
	struct reports r = { 0 };
	struct contract_checks *cs = engine(&r, false, 100);
	uint8_t a[1][ADDRESS_BYTES];
	addrs(a, 7, 1);
	struct answer got[3] = { 0 };
	for (int i = 0; i < 3; i++)
		cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])a, 1, done, &got[i], 0));
	bool oom;
	struct contract_check_batch *db = contract_check_next_db(cs, &oom);
	cr_assert(db);
	cr_assert_eq(db->n, 1, "three checks, one address asked once");
	cr_assert_null(contract_check_next_db(cs, &oom));
	contract_check_db_row(db, a[0], true);
	contract_check_db_done(db);
	contract_check_answer_ready(cs);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(got[i].calls, 1);
		cr_assert_eq(got[i].states[0], CONTRACT_YES);
	}
	contract_check_free(cs);
}

Test(contract_check, no_lookup_answers_unknown_without_failure)
{
	struct reports r = { 0 };
	struct contract_checks *cs = engine(&r, false, 100);
	uint8_t a[1][ADDRESS_BYTES];
	addrs(a, 0, 1);
	struct answer got = { 0 };
	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])a, 1, done, &got, 0));
	bool oom;
	contract_check_db_done(contract_check_next_db(cs, &oom));
	cr_assert_null(contract_check_next_lookup(cs, 0));
	contract_check_answer_ready(cs);
	cr_assert_eq(got.calls, 1);
	cr_assert_eq(got.states[0], CONTRACT_UNKNOWN);
	cr_assert_eq(r.answered, 1);
	cr_assert_eq(r.failed, 0);
	contract_check_free(cs);
}

Test(contract_check, failed_lookup_rests_then_asks_again)
{
	struct reports r = { 0 };
	struct contract_checks *cs = engine(&r, true, 100);
	uint8_t a[2][ADDRESS_BYTES];
	addrs(a, 0, 2);
	struct answer first = { 0 }, second = { 0 }, third = { 0 };
	bool oom;
	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])a, 1, done, &first, 0));
	contract_check_db_done(contract_check_next_db(cs, &oom));
	struct contract_check_batch *lk = contract_check_next_lookup(cs, 0);
	cr_assert(lk);
	contract_check_lookup_done(lk, NULL, "HTTP status 500", 100);
	cr_assert_str_eq(contract_check_lookup_why(cs), "HTTP status 500");
	contract_check_answer_ready(cs);
	cr_assert_eq(first.states[0], CONTRACT_UNKNOWN);
	cr_assert_eq(r.failed, 1);

	/* Resting until 100 + REST: answered unknown at once, nothing asked. */
	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])&a[1], 1, done, &second, 200));
	contract_check_db_done(contract_check_next_db(cs, &oom));
	cr_assert_null(contract_check_next_lookup(cs, 100 + REST - 1));
	contract_check_answer_ready(cs);
	cr_assert_eq(second.calls, 1);
	cr_assert_eq(r.failed, 2);

	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])&a[1], 1, done, &third, 700));
	contract_check_db_done(contract_check_next_db(cs, &oom));
	lk = contract_check_next_lookup(cs, 100 + REST);
	cr_assert(lk, "asked again once the rest is over");
	enum contract_state st = CONTRACT_UNKNOWN;
	contract_check_lookup_done(lk, &st, NULL, 800);
	cr_assert_str_eq(contract_check_lookup_why(cs), "it answered neither way for some addresses");
	contract_check_answer_ready(cs);
	cr_assert_eq(third.calls, 1);
	cr_assert_eq(r.failed, 3);
	contract_check_free(cs);
}

Test(contract_check, deadlines_answer_late_checks_and_expire_lookups)
{
	struct reports r = { 0 };
	struct contract_checks *cs = engine(&r, true, 100);
	uint8_t a[1][ADDRESS_BYTES];
	addrs(a, 0, 1);
	struct answer got = { 0 }, later = { 0 };
	bool oom;
	cr_assert_eq(contract_check_next_deadline(cs), UINT64_MAX);
	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])a, 1, done, &got, 0));
	cr_assert_eq(contract_check_next_deadline(cs), TIMEOUT);
	contract_check_db_done(contract_check_next_db(cs, &oom));
	struct contract_check_batch *lk = contract_check_next_lookup(cs, 400);
	cr_assert(lk);
	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])a, 1, done, &later, 500));
	cr_assert_null(contract_check_expire(cs, TIMEOUT - 1));
	cr_assert_not(contract_check_any_ready(cs));
	cr_assert_null(contract_check_expire(cs, TIMEOUT));
	contract_check_answer_ready(cs);
	cr_assert_eq(got.calls, 1);
	cr_assert_eq(got.states[0], CONTRACT_UNKNOWN);
	cr_assert_eq(r.late, 1);
	cr_assert_eq(later.calls, 0, "the later check still waits");
	cr_assert_eq(contract_check_next_deadline(cs), 400 + TIMEOUT, "the lookup request's");
	cr_assert_eq(contract_check_expire(cs, 400 + TIMEOUT), lk);
	contract_check_lookup_done(lk, NULL, "no answer within 1000 ms", 400 + TIMEOUT);
	contract_check_answer_ready(cs);
	cr_assert_eq(later.calls, 1);
	cr_assert_eq(r.failed, 1);
	cr_assert_eq(contract_check_next_deadline(cs), UINT64_MAX);
	contract_check_free(cs);
}

Test(contract_check, cancel_leaves_the_others_and_the_ctx)
{
	struct reports r = { 0 };
	struct contract_checks *cs = engine(&r, true, 100);
	uint8_t a[2][ADDRESS_BYTES];
	addrs(a, 0, 2);
	struct answer gone = { 0 }, kept = { 0 };
	bool oom;
	struct contract_check *c = contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])a, 2, done, &gone, 0);
	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])a, 1, done, &kept, 0));
	struct contract_check_batch *db = contract_check_next_db(cs, &oom);
	contract_check_cancel(c);
	contract_check_cancel(NULL);
	contract_check_db_row(db, a[0], true);
	contract_check_db_done(db);
	contract_check_answer_ready(cs);
	cr_assert_eq(gone.calls, 0);
	cr_assert_eq(kept.calls, 1);
	cr_assert_null(contract_check_next_lookup(cs, 0), "a[1] has nobody waiting any more");

	/* A check cancelled before its batch goes out leaves nothing to ask. */
	struct answer none = { 0 };
	uint8_t b[1][ADDRESS_BYTES];
	addrs(b, 5, 1);
	contract_check_cancel(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])b, 1, done, &none, 0));
	cr_assert_null(contract_check_next_db(cs, &oom));
	cr_assert_not(oom);
	contract_check_free(cs);
}

Test(contract_check, learned_contracts_and_a_full_cache)
{
	struct reports r = { 0 };
	struct contract_checks *cs = engine(&r, true, 2);
	uint8_t a[3][ADDRESS_BYTES];
	addrs(a, 0, 3);
	for (int i = 0; i < 3; i++)
		contract_check_learn(cs, a[i]);
	cr_assert_eq(r.full, 1, "told once");
	contract_check_learn(cs, a[2]);
	cr_assert_eq(r.full, 1);
	struct answer got = { 0 };
	bool oom;
	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])a, 3, done, &got, 0));
	struct contract_check_batch *db = contract_check_next_db(cs, &oom);
	cr_assert(db);
	cr_assert_eq(db->n, 1, "only the one the cache had no room for");
	cr_assert_eq(num(db->addrs[0]), 2);
	contract_check_db_row(db, a[2], true);
	contract_check_db_done(db);
	contract_check_answer_ready(cs);
	enum contract_state want[3] = { CONTRACT_YES, CONTRACT_YES, CONTRACT_YES };
	cr_assert_arr_eq(got.states, want, sizeof(want));
	contract_check_free(cs);
}

Test(contract_check, free_releases_what_is_still_running)
{
	struct reports r = { 0 };
	struct contract_checks *cs = engine(&r, true, 100);
	uint8_t a[5][ADDRESS_BYTES];
	addrs(a, 0, 5);
	struct answer got = { 0 };
	bool oom;
	cr_assert(contract_check_start(cs, (const uint8_t(*)[ADDRESS_BYTES])a, 5, done, &got, 0));
	struct contract_check_batch *db = contract_check_next_db(cs, &oom);
	cr_assert(db);
	contract_check_db_done(db);
	cr_assert(contract_check_next_lookup(cs, 0));
	contract_check_free(cs); /* a batch at the lookup, one queued, one at the database */
	cr_assert_eq(got.calls, 0);
}
