/* zws per-address request limit: a burst of rate requests, then one per
 * 1/rate s; other addresses unaffected; the table stays bounded. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "addr_rate.h"

Test(zws_addr_rate, a_burst_of_rate_then_refused_until_refilled)
{
	struct addr_rate *t = addr_rate_new(3);
	cr_assert(t);
	for (int i = 0; i < 3; i++)
		cr_expect(addr_rate_take(t, "127.0.0.1", 1000), "request %d within the burst", i);
	cr_expect_not(addr_rate_take(t, "127.0.0.1", 1000), "the fourth in the same instant is over");
	cr_expect(addr_rate_take(t, "127.0.0.2", 1000), "another address has its own bucket");
	cr_expect_not(addr_rate_take(t, "127.0.0.1", 1300), "a third of a token is not a request");
	cr_expect(addr_rate_take(t, "127.0.0.1", 1334), "one token after 1/3 s");
	cr_expect_not(addr_rate_take(t, "127.0.0.1", 1334));
	cr_expect_eq(addr_rate_count(t), 2);
	addr_rate_free(t);
}

Test(zws_addr_rate, many_addresses_stay_within_the_table)
{
	struct addr_rate *t = addr_rate_new(1);
	cr_assert(t);
	char addr[32];
	for (unsigned i = 0; i < 3 * ADDR_RATE_SLOTS; i++) {
		snprintf(addr, sizeof(addr), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		cr_assert(addr_rate_take(t, addr, 5000), "a new address gets its first request");
	}
	cr_expect_eq(addr_rate_count(t), ADDR_RATE_SLOTS);
	/* The most recent address is still remembered as spent. */
	cr_expect_not(addr_rate_take(t, addr, 5000));
	/* Once buckets have refilled, a newcomer takes one of their places. */
	cr_expect(addr_rate_take(t, "192.0.2.1", 7000));
	cr_expect_not(addr_rate_take(t, "192.0.2.1", 7000));
	cr_expect_eq(addr_rate_count(t), ADDR_RATE_SLOTS);
	addr_rate_free(t);
}

Test(zws_addr_rate, long_text_is_one_address)
{
	struct addr_rate *t = addr_rate_new(1);
	char addr[200];
	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	cr_expect(addr_rate_take(t, addr, 1000));
	cr_expect_not(addr_rate_take(t, addr, 1000), "cut to the kept length, still the same address");
	addr_rate_free(t);
}
