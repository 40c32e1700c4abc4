/* Which announced blocks zws pushes: nothing before the first live one,
 * then every block in order within --max-resume, gaps past it skipped to
 * the next live block, rewound blocks not pushed again, catch-ups timed. */
#include <criterion/criterion.h>

#include "continuity.h"

static struct continuity_step step(struct continuity *c, uint64_t num, bool live)
{
	return continuity_announce(c, num, live);
}

Test(zws_continuity, history_before_the_first_live_block_is_not_pushed)
{
	struct continuity c;
	continuity_init(&c, 100);
	cr_expect_eq(step(&c, 10, false).action, CONTINUITY_NONE);
	cr_expect_eq(step(&c, 11, false).action, CONTINUITY_NONE);
	struct continuity_step s = step(&c, 12, true);
	cr_expect_eq(s.action, CONTINUITY_PUSH);
	cr_expect_eq(s.from, 12);
	cr_expect_eq(s.to, 12);
}

Test(zws_continuity, backfill_after_the_first_live_block_is_pushed_in_order)
{
	struct continuity c;
	continuity_init(&c, 100);
	step(&c, 12, true);
	struct continuity_step s = step(&c, 13, false);
	cr_expect_eq(s.action, CONTINUITY_PUSH);
	cr_expect_eq(s.from, 13);
	cr_expect_eq(s.to, 13);
	/* A jump (blocks found after a reconnect) fills the gap. */
	s = step(&c, 40, false);
	cr_expect_eq(s.action, CONTINUITY_PUSH);
	cr_expect_eq(s.from, 14);
	cr_expect_eq(s.to, 40);
	cr_expect_eq(s.skip_to, 0);
}

Test(zws_continuity, a_gap_past_max_resume_waits_for_a_live_block)
{
	struct continuity c;
	continuity_init(&c, 5);
	step(&c, 100, true);
	struct continuity_step s = step(&c, 110, false);
	cr_expect_eq(s.action, CONTINUITY_NONE);
	cr_expect(s.first_waiting);
	s = step(&c, 111, false);
	cr_expect_eq(s.action, CONTINUITY_NONE);
	cr_expect_not(s.first_waiting);
	s = step(&c, 112, true);
	cr_expect_eq(s.action, CONTINUITY_PUSH);
	cr_expect_eq(s.from, 112);
	cr_expect_eq(s.to, 112);
	cr_expect_eq(s.skip_from, 101);
	cr_expect_eq(s.skip_to, 111);
	s = step(&c, 113, true);
	cr_expect_eq(s.from, 113);
	cr_expect_eq(s.skip_to, 0);
}

Test(zws_continuity, rewound_blocks_are_not_pushed_again)
{
	struct continuity c;
	continuity_init(&c, 100);
	step(&c, 50, true);
	struct continuity_step s = step(&c, 48, false);
	cr_expect_eq(s.action, CONTINUITY_REWOUND);
	cr_expect(s.first_rewound);
	s = step(&c, 49, false);
	cr_expect_eq(s.action, CONTINUITY_REWOUND);
	cr_expect_not(s.first_rewound);
	s = step(&c, 50, false);
	cr_expect_eq(s.action, CONTINUITY_REWOUND);
	s = step(&c, 51, true);
	cr_expect_eq(s.action, CONTINUITY_PUSH);
	cr_expect_eq(s.from, 51);
}

Test(zws_continuity, a_catch_up_ends_at_the_next_live_block)
{
	struct continuity c;
	continuity_init(&c, 100);
	uint64_t from, to, took;
	cr_expect_not(continuity_pushed(&c, 10, true, 1000, &from, &to, &took));
	cr_expect_not(continuity_pushed(&c, 11, false, 2000, &from, &to, &took));
	cr_expect_not(continuity_pushed(&c, 12, false, 3000, &from, &to, &took));
	cr_expect(continuity_pushed(&c, 13, true, 9000, &from, &to, &took));
	cr_expect_eq(from, 11);
	cr_expect_eq(to, 13);
	cr_expect_eq(took, 7000);
	cr_expect_not(continuity_pushed(&c, 14, true, 9500, &from, &to, &took));
}
