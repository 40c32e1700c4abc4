/* zws peer address table: one shared string per address, released with
 * its last session. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "peers.h"

Test(zws_peers, same_address_shares_one_string)
{
	struct peers *t = peers_new();
	cr_assert(t);
	const char *a = peers_take(t, "127.0.0.1"), *b = peers_take(t, "127.0.0.1");
	const char *c = peers_take(t, "::1");
	cr_assert(a && b && c);
	cr_expect_eq(a, b, "one copy per address");
	cr_expect_str_eq(a, "127.0.0.1");
	cr_expect_str_eq(c, "::1");
	cr_expect_eq(peers_count(t), 2);
	peers_release(t, a);
	cr_expect_eq(peers_count(t), 2, "still held by b");
	cr_expect_str_eq(b, "127.0.0.1");
	peers_release(t, b);
	peers_release(t, c);
	peers_release(t, NULL);
	cr_expect_eq(peers_count(t), 0);
	peers_free(t);
	peers_free(NULL);
}

Test(zws_peers, many_addresses_through_growth)
{
	enum { N = 5000 };
	static const char *held[N];
	struct peers *t = peers_new();
	char text[32];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			snprintf(text, sizeof(text), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
			const char *p = peers_take(t, text);
			cr_assert(p && strcmp(p, text) == 0);
			if (round)
				cr_assert_eq(p, held[i], "address %d gets the same copy", i);
			held[i] = p;
		}
	}
	cr_expect_eq(peers_count(t), N);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < N; i += 1)
			peers_release(t, held[i]);
	cr_expect_eq(peers_count(t), 0);
	peers_free(t);
}
