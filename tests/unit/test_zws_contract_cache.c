/* zws known-contract cache: membership, growth, the limit, the zero
 * address, and addresses that differ in a single byte (clients choose
 * what they ask about). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "contract_cache.h"

static void addr_n(unsigned n, uint8_t out[ADDRESS_BYTES])
{
	char text[43];
	snprintf(text, sizeof(text), "0x%08x%08x%08x%08x%08x", n * 2654435761u, n * 40503u, n, n * 7u, ~n);
	cr_assert(address_parse(text, 42, out));
}

Test(zws_contract_cache, holds_what_was_added_and_nothing_else)
{
	struct contract_cache c = CONTRACT_CACHE_INIT(100000);
	uint8_t a[ADDRESS_BYTES];
	addr_n(1, a);
	cr_expect_not(contract_cache_has(&c, a), "an empty cache knows nothing");
	enum { N = 5000 };
	for (unsigned i = 0; i < N; i++) {
		addr_n(i, a);
		cr_assert(contract_cache_add(&c, a));
	}
	cr_expect_eq(c.count, N);
	cr_expect_leq(c.count * 2, c.nslots, "at most half full");
	for (unsigned i = 0; i < N; i++) {
		addr_n(i, a);
		cr_expect(contract_cache_has(&c, a), "address %u lost", i);
		addr_n(i + N, a);
		cr_expect_not(contract_cache_has(&c, a), "address %u never added", i + N);
	}
	/* Adding again changes nothing. */
	addr_n(7, a);
	cr_expect(contract_cache_add(&c, a));
	cr_expect_eq(c.count, N);
	contract_cache_free(&c);
	cr_expect_not(contract_cache_has(&c, a));
	contract_cache_free(&c);
}

Test(zws_contract_cache, addresses_differing_in_one_byte)
{
	/* 0x000…0001 to 0x000…0fa0: the form test contracts and hand-made
	 * addresses take; they must not all share a slot chain. */
	struct contract_cache c = CONTRACT_CACHE_INIT(100000);
	uint8_t a[ADDRESS_BYTES] = { 0 };
	for (unsigned i = 1; i <= 4000; i++) {
		a[18] = (uint8_t)(i >> 8);
		a[19] = (uint8_t)i;
		cr_assert(contract_cache_add(&c, a));
	}
	for (unsigned i = 1; i <= 8000; i++) {
		a[18] = (uint8_t)(i >> 8);
		a[19] = (uint8_t)i;
		cr_expect_eq(contract_cache_has(&c, a), i <= 4000, "address %u", i);
	}
	contract_cache_free(&c);
}

Test(zws_contract_cache, zero_address)
{
	struct contract_cache c = CONTRACT_CACHE_INIT(10);
	const uint8_t zero[ADDRESS_BYTES] = { 0 };
	uint8_t a[ADDRESS_BYTES];
	addr_n(3, a);
	cr_assert(contract_cache_add(&c, a));
	cr_expect_not(contract_cache_has(&c, zero), "empty slots do not count as the zero address");
	cr_assert(contract_cache_add(&c, zero));
	cr_expect(contract_cache_has(&c, zero));
	cr_expect(contract_cache_has(&c, a));
	cr_expect_eq(c.count, 2);
	contract_cache_free(&c);
}

Test(zws_contract_cache, stops_growing_at_its_limit)
{
	struct contract_cache c = CONTRACT_CACHE_INIT(3);
	uint8_t a[ADDRESS_BYTES];
	for (unsigned i = 0; i < 3; i++) {
		addr_n(i, a);
		cr_assert(contract_cache_add(&c, a));
	}
	addr_n(3, a);
	cr_expect_not(contract_cache_add(&c, a), "the fourth is refused");
	cr_expect_not(contract_cache_has(&c, a));
	addr_n(1, a);
	cr_expect(contract_cache_add(&c, a), "one already there is still 'added'");
	cr_expect_eq(c.count, 3);
	contract_cache_free(&c);
}
