/* zws subscriber index: adding, de-duplicating, finding and clearing,
 * for many subscribers on shared addresses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "subs.h"

static void addr_n(unsigned n, uint8_t out[ADDRESS_BYTES])
{
	char text[43];
	snprintf(text, sizeof(text), "0x%08x%08x%08x%08x%08x", n * 2654435761u, n * 40503u, n, n * 7u, ~n);
	cr_assert(address_parse(text, 42, out));
}

static size_t count_subscribers(const struct subs_index *idx, const uint8_t addr[ADDRESS_BYTES])
{
	struct subscriber *const *subs;
	return subs_of(idx, addr, &subs);
}

Test(zws_subs, add_find_clear)
{
	enum { SUBS = 320, ADDRS = 40 };
	static struct subscriber subs[SUBS];
	struct subs_index idx = SUBS_INDEX_INIT;
	uint8_t a[ADDRS][ADDRESS_BYTES];
	for (unsigned i = 0; i < ADDRS; i++)
		addr_n(i + 1, a[i]);
	/* Subscriber i holds addresses i % ADDRS .. +4, each added twice. */
	for (unsigned i = 0; i < SUBS; i++) {
		subs[i].id = i + 1;
		for (unsigned k = 0; k < 10; k++)
			cr_assert(subs_add(&idx, SUBS_EVENTLOG, &subs[i], a[(i + k % 5) % ADDRS]));
		cr_assert_eq(subs[i].count[SUBS_EVENTLOG], 5);
	}
	cr_expect_eq(idx.links, SUBS * 5);
	for (unsigned j = 0; j < ADDRS; j++)
		cr_expect_eq(count_subscribers(&idx, a[j]), SUBS * 5 / ADDRS, "address %u", j);
	cr_expect(subs_has(&subs[0], SUBS_EVENTLOG, a[4]));
	cr_expect_not(subs_has(&subs[0], SUBS_EVENTLOG, a[5]));
	cr_expect_not(subs_has(&subs[0], SUBS_TXNLOG, a[0]));

	for (unsigned i = 0; i < SUBS; i += 2)
		subs_clear(&idx, SUBS_EVENTLOG, &subs[i]);
	cr_expect_eq(idx.links, SUBS / 2 * 5);
	cr_expect_eq(subs[0].count[SUBS_EVENTLOG], 0);
	for (unsigned i = 1; i < SUBS; i += 2)
		subs_clear(&idx, SUBS_EVENTLOG, &subs[i]);
	cr_expect_eq(idx.links, 0);
	cr_expect_eq(idx.map.count, 0, "entries go when their last subscriber leaves");
	cr_expect_eq(count_subscribers(&idx, a[0]), 0);
	subs_index_free(&idx);
}

/* Random subscribes and clears against a plain table of who holds what:
 * after every step each address lists exactly its holders, whatever moved
 * inside the arrays. Covers a subscriber's array past its exact-size
 * range and entries growing and shrinking. */
Test(zws_subs, random_churn_matches_a_model)
{
	enum { SUBS = 60, ADDRS = 48, STEPS = 4000 };
	static struct subscriber subs[SUBS];
	static bool holds[SUBS][ADDRS];
	struct subs_index idx = SUBS_INDEX_INIT;
	uint8_t a[ADDRS][ADDRESS_BYTES];
	for (unsigned j = 0; j < ADDRS; j++)
		addr_n(j + 7, a[j]);
	for (unsigned i = 0; i < SUBS; i++)
		subs[i].id = i + 1;
	unsigned seed = 12345;
	for (unsigned step = 0; step < STEPS; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned i = (seed >> 8) % SUBS, j = (seed >> 16) % ADDRS;
		if ((seed >> 28) == 0) {
			subs_clear(&idx, SUBS_EVENTLOG, &subs[i]);
			memset(holds[i], 0, sizeof(holds[i]));
		} else {
			cr_assert(subs_add(&idx, SUBS_EVENTLOG, &subs[i], a[j]));
			holds[i][j] = true;
		}
		size_t links = 0;
		for (unsigned jj = 0; jj < ADDRS; jj++) {
			struct subscriber *const *who;
			size_t n = subs_of(&idx, a[jj], &who), want = 0;
			bool seen[SUBS] = { false };
			for (size_t k = 0; k < n; k++) {
				unsigned s = (unsigned)(who[k] - subs);
				cr_assert(s < SUBS && holds[s][jj] && !seen[s], "step %u: address %u lists %u", step, jj, s);
				seen[s] = true;
			}
			for (unsigned s = 0; s < SUBS; s++)
				want += holds[s][jj];
			cr_assert_eq(n, want, "step %u: address %u has %zu holders, not %zu", step, jj, n, want);
			links += n;
		}
		cr_assert_eq(idx.links, links);
		unsigned count = 0;
		for (unsigned jj = 0; jj < ADDRS; jj++) {
			count += holds[i][jj];
			cr_assert_eq(subs_has(&subs[i], SUBS_EVENTLOG, a[jj]), holds[i][jj]);
		}
		cr_assert_eq(subs[i].count[SUBS_EVENTLOG], count);
	}
	for (unsigned i = 0; i < SUBS; i++)
		subs_clear(&idx, SUBS_EVENTLOG, &subs[i]);
	cr_expect_eq(idx.map.count, 0);
	subs_index_free(&idx);
}

/* A subscriber holding many addresses, and many subscribers on one. */
Test(zws_subs, many_addresses_and_many_holders)
{
	enum { N = 1000 };
	static struct subscriber subs[N];
	struct subs_index idx = SUBS_INDEX_INIT;
	uint8_t a[N][ADDRESS_BYTES];
	for (unsigned j = 0; j < N; j++)
		addr_n(j + 3, a[j]);
	for (unsigned i = 0; i < N; i++) {
		subs[i].id = i + 1;
		cr_assert(subs_add(&idx, SUBS_TXNLOG, &subs[i], a[0]));
		cr_assert(subs_add(&idx, SUBS_TXNLOG, &subs[0], a[i]));
	}
	cr_expect_eq(subs[0].count[SUBS_TXNLOG], N);
	cr_expect_eq(count_subscribers(&idx, a[0]), N);
	cr_expect(subs_has(&subs[0], SUBS_TXNLOG, a[N - 1]));
	subs_clear(&idx, SUBS_TXNLOG, &subs[0]);
	cr_expect_eq(count_subscribers(&idx, a[0]), N - 1);
	cr_expect_eq(count_subscribers(&idx, a[N - 1]), 0);
	for (unsigned i = 1; i < N; i++)
		subs_clear(&idx, SUBS_TXNLOG, &subs[i]);
	cr_expect_eq(idx.links, 0);
	cr_expect_eq(idx.map.count, 0);
	subs_index_free(&idx);
}
