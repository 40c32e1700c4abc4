/* zws subscriber index: adding, de-duplicating, finding and clearing,
 * for many subscribers on shared addresses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "zws/subs.h"

static void addr_n(unsigned n, uint8_t out[ADDRESS_BYTES])
{
	char text[43];
	snprintf(text, sizeof(text), "0x%08x%08x%08x%08x%08x", n * 2654435761u, n * 40503u, n, n * 7u, ~n);
	cr_assert(address_parse(text, 42, out));
}

static size_t count_subscribers(const struct subs_index *idx, const uint8_t addr[ADDRESS_BYTES])
{
	size_t n = 0;
	for (const struct subs_link *l = subs_first(idx, addr); l; l = l->next)
		n++;
	return n;
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
	cr_expect_null(subs_first(&idx, a[0]));
	subs_index_free(&idx);
}
