/* zws address map: entries embedded in the caller's structs are found by
 * their 20-byte address, through collisions and growth, until removed;
 * freeing the map leaves the entries to their owner. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addrmap.h"

/* A caller's struct with the entry embedded first, as subs.c does. */
struct holder {
	struct addrmap_entry e;
	unsigned id;
};

/* A well-spread address for index i, as real addresses are. */
static void spread_key(unsigned i, uint8_t key[ADDRESS_BYTES])
{
	uint64_t x = 0x9e3779b97f4a7c15ULL * (i + 1);
	for (size_t k = 0; k < ADDRESS_BYTES; k++) {
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ULL;
		key[k] = (uint8_t)(x >> 56);
	}
}

/* An address equal to every other from this function but in byte at. */
static void near_key(size_t at, unsigned i, uint8_t key[ADDRESS_BYTES])
{
	memset(key, 0x5a, ADDRESS_BYTES);
	key[at] = (uint8_t)i;
}

static struct holder *found(const struct addrmap *m, const uint8_t key[ADDRESS_BYTES])
{
	return (struct holder *)addrmap_get(m, key);
}

Test(zws_addrmap, an_empty_map_finds_nothing)
{
	struct addrmap m = ADDRMAP_INIT;
	uint8_t key[ADDRESS_BYTES];
	spread_key(1, key);
	cr_expect_null(addrmap_get(&m, key));
	cr_expect_eq(m.count, 0);
	addrmap_free(&m);
}

Test(zws_addrmap, put_get_remove)
{
	struct addrmap m = ADDRMAP_INIT;
	struct holder a = { .id = 1 }, b = { .id = 2 };
	spread_key(1, a.e.key);
	spread_key(2, b.e.key);
	cr_assert(addrmap_put(&m, &a.e));
	cr_assert(addrmap_put(&m, &b.e));
	cr_expect_eq(m.count, 2);
	cr_expect_eq(found(&m, a.e.key), &a, "the entry itself, not a copy");
	cr_expect_eq(found(&m, b.e.key), &b);
	uint8_t key[ADDRESS_BYTES];
	memcpy(key, a.e.key, sizeof(key));
	cr_expect_eq(found(&m, key), &a, "found by value, not by pointer");
	key[ADDRESS_BYTES - 1] ^= 1;
	cr_expect_null(addrmap_get(&m, key), "a differing address is not found");
	addrmap_remove(&m, &a.e);
	cr_expect_eq(m.count, 1);
	cr_expect_null(addrmap_get(&m, a.e.key));
	cr_expect_eq(found(&m, b.e.key), &b);
	addrmap_remove(&m, &b.e);
	cr_expect_eq(m.count, 0);
	cr_expect_null(addrmap_get(&m, b.e.key));
	cr_assert(addrmap_put(&m, &a.e), "a removed entry may be put back");
	cr_expect_eq(found(&m, a.e.key), &a);
	addrmap_free(&m);
}

/* Addresses alike in all but one byte, wherever that byte is, are told
 * apart: an address's every byte counts, whichever bytes are hashed. */
Test(zws_addrmap, addresses_alike_but_for_one_byte_are_told_apart)
{
	static const size_t positions[] = { 0, 3, 4, 11, 12, ADDRESS_BYTES - 1 };
	for (size_t p = 0; p < sizeof(positions) / sizeof(positions[0]); p++) {
		struct addrmap m = ADDRMAP_INIT;
		struct holder h[200];
		for (unsigned i = 0; i < 200; i++) {
			h[i].id = i;
			near_key(positions[p], i, h[i].e.key);
			cr_assert(addrmap_put(&m, &h[i].e));
		}
		cr_expect_eq(m.count, 200);
		for (unsigned i = 0; i < 200; i++)
			cr_expect_eq(found(&m, h[i].e.key), &h[i], "byte %zu = %u", positions[p], i);
		uint8_t absent[ADDRESS_BYTES];
		near_key(positions[p], 250, absent);
		cr_expect_null(addrmap_get(&m, absent));
		addrmap_free(&m);
	}
}

Test(zws_addrmap, removing_from_a_chain_keeps_the_rest)
{
	struct addrmap m = ADDRMAP_INIT;
	struct holder h[6];
	for (unsigned i = 0; i < 6; i++) {
		h[i].id = i;
		near_key(ADDRESS_BYTES - 1, i, h[i].e.key); /* the same hashed bytes */
		cr_assert(addrmap_put(&m, &h[i].e));
	}
	static const unsigned order[] = { 0, 3, 5, 1, 4, 2 }; /* first, middle, last put */
	for (size_t r = 0; r < 6; r++) {
		addrmap_remove(&m, &h[order[r]].e);
		cr_expect_eq(m.count, 5 - r);
		for (size_t k = 0; k < 6; k++) {
			bool gone = false;
			for (size_t j = 0; j <= r; j++)
				gone |= order[j] == k;
			if (gone)
				cr_expect_null(addrmap_get(&m, h[k].e.key), "%zu removed", k);
			else
				cr_expect_eq(found(&m, h[k].e.key), &h[k], "%zu kept", k);
		}
	}
	addrmap_free(&m);
}

Test(zws_addrmap, grows_past_many_entries)
{
	enum { N = 20000 };
	struct addrmap m = ADDRMAP_INIT;
	struct holder *h = calloc(N, sizeof(*h));
	cr_assert_not_null(h);
	for (unsigned i = 0; i < N; i++) {
		h[i].id = i;
		spread_key(i, h[i].e.key);
		cr_assert(addrmap_put(&m, &h[i].e));
	}
	cr_expect_eq(m.count, N);
	for (unsigned i = 0; i < N; i++)
		cr_assert_eq(found(&m, h[i].e.key), &h[i], "entry %u after growth", i);
	for (unsigned i = 0; i < N; i += 2)
		addrmap_remove(&m, &h[i].e);
	cr_expect_eq(m.count, N / 2);
	for (unsigned i = 0; i < N; i++) {
		if (i % 2)
			cr_assert_eq(found(&m, h[i].e.key), &h[i], "entry %u kept", i);
		else
			cr_assert_null(addrmap_get(&m, h[i].e.key), "entry %u removed", i);
	}
	addrmap_free(&m);
	free(h);
}

/* Walking every bucket's chain meets each entry once: owners free their
 * entries this way before addrmap_free. */
Test(zws_addrmap, walking_the_buckets_meets_each_entry_once)
{
	enum { N = 3000 };
	struct addrmap m = ADDRMAP_INIT;
	struct holder *h = calloc(N, sizeof(*h));
	unsigned *seen = calloc(N, sizeof(*seen));
	cr_assert(h && seen);
	for (unsigned i = 0; i < N; i++) {
		h[i].id = i;
		if (i < 600 && i % 3 == 0)
			near_key(ADDRESS_BYTES - 2, i / 3, h[i].e.key); /* a long chain */
		else
			spread_key(i, h[i].e.key);
		cr_assert(addrmap_put(&m, &h[i].e));
	}
	size_t walked = 0;
	for (size_t b = 0; b < m.nbuckets; b++)
		for (struct addrmap_entry *e = m.buckets[b]; e; e = e->next) {
			seen[((struct holder *)e)->id]++;
			walked++;
		}
	cr_expect_eq(walked, N);
	for (unsigned i = 0; i < N; i++)
		cr_expect_eq(seen[i], 1, "entry %u", i);
	addrmap_free(&m);
	free(seen);
	free(h);
}

Test(zws_addrmap, free_leaves_the_entries_to_their_owner)
{
	struct addrmap m = ADDRMAP_INIT;
	struct holder *h = malloc(sizeof(*h));
	cr_assert_not_null(h);
	h->id = 7;
	spread_key(7, h->e.key);
	cr_assert(addrmap_put(&m, &h->e));
	addrmap_free(&m);
	uint8_t key[ADDRESS_BYTES];
	spread_key(7, key);
	cr_expect_eq(memcmp(h->e.key, key, ADDRESS_BYTES), 0, "the entry is untouched");
	struct addrmap again = ADDRMAP_INIT;
	cr_assert(addrmap_put(&again, &h->e), "and may go in another map");
	cr_expect_eq(found(&again, key), h);
	addrmap_free(&again);
	free(h);
}
