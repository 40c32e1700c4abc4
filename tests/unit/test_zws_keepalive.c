/* Keepalive deadlines: who is pinged and who is dropped when, with the
 * time passed in. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "keepalive.h"

#define PING 30
#define DROP 70

/* Every due decision at now, as "P<i>"/"D<i>" joined, i the index in c. */
static void decide(struct keepalive *ka, struct keepalive_entry *c, uint32_t now, char *out)
{
	enum keepalive_action what;
	struct keepalive_entry *e;
	out[0] = '\0';
	while ((e = keepalive_next(ka, now, &what))) {
		char one[8];
		snprintf(one, sizeof(one), "%s%c%d", out[0] ? " " : "", what == KEEPALIVE_PING ? 'P' : 'D',
			 (int)(e - c));
		strcat(out, one);
	}
	cr_assert_eq(what, KEEPALIVE_NONE);
}

Test(keepalive, silent_client_is_pinged_then_dropped)
{
	struct keepalive ka;
	struct keepalive_entry c[1];
	char got[64];
	memset(c, 0, sizeof(c));
	keepalive_init(&ka, PING, DROP);
	keepalive_heard(&ka, &c[0], 1000);
	decide(&ka, c, 1000 + PING - 1, got);
	cr_assert_str_eq(got, "");
	decide(&ka, c, 1000 + PING, got);
	cr_assert_str_eq(got, "P0");
	decide(&ka, c, 1000 + PING, got);
	cr_assert_str_eq(got, "", "a ping is decided once");
	decide(&ka, c, 1000 + DROP - 1, got);
	cr_assert_str_eq(got, "");
	decide(&ka, c, 1000 + DROP, got);
	cr_assert_str_eq(got, "D0");
	decide(&ka, c, 1000 + 10 * DROP, got);
	cr_assert_str_eq(got, "", "a dropped client is on no list");
}

Test(keepalive, hearing_from_a_client_moves_its_deadline)
{
	struct keepalive ka;
	struct keepalive_entry c[2];
	char got[64];
	memset(c, 0, sizeof(c));
	keepalive_init(&ka, PING, DROP);
	keepalive_heard(&ka, &c[0], 0);
	keepalive_heard(&ka, &c[1], 5);
	keepalive_heard(&ka, &c[0], 20); /* now behind c[1] */
	decide(&ka, c, 35, got);
	cr_assert_str_eq(got, "P1");
	decide(&ka, c, 50, got);
	cr_assert_str_eq(got, "P0");
	keepalive_heard(&ka, &c[1], 60); /* the pong: back to waiting for a ping */
	decide(&ka, c, 89, got);
	cr_assert_str_eq(got, "", "c[0] is dropped %d s after its last frame", DROP);
	decide(&ka, c, 90, got);
	cr_assert_str_eq(got, "D0 P1");
}

Test(keepalive, drops_come_before_pings_and_forget_removes)
{
	struct keepalive ka;
	struct keepalive_entry c[3];
	char got[64];
	memset(c, 0, sizeof(c));
	keepalive_init(&ka, PING, DROP);
	keepalive_heard(&ka, &c[0], 0);
	keepalive_heard(&ka, &c[1], 0);
	decide(&ka, c, PING, got);
	cr_assert_str_eq(got, "P0 P1");
	keepalive_heard(&ka, &c[2], DROP - PING);
	keepalive_forget(&c[1]);
	keepalive_forget(&c[1]); /* twice is harmless */
	decide(&ka, c, DROP, got);
	cr_assert_str_eq(got, "D0 P2");
	struct keepalive_entry never = { 0 };
	keepalive_forget(&never); /* never listed */
}

Test(keepalive, deadlines_survive_the_clock_wrapping)
{
	struct keepalive ka;
	struct keepalive_entry c[1];
	char got[64];
	memset(c, 0, sizeof(c));
	keepalive_init(&ka, PING, DROP);
	keepalive_heard(&ka, &c[0], UINT32_MAX - 10);
	decide(&ka, c, UINT32_MAX, got);
	cr_assert_str_eq(got, "");
	decide(&ka, c, PING - 11, got);
	cr_assert_str_eq(got, "P0");
}
