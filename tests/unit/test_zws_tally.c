/* zws warning tally: the first occurrence is logged at once, the rest of
 * a burst once per window, and a quiet window closes it. */
#include <criterion/criterion.h>

#include "tally.h"

#define WINDOW 10000

Test(zws_tally, first_occurrence_at_once_then_one_line_per_window)
{
	struct tally t = TALLY_INIT;
	uint64_t span = 0;
	cr_expect_eq(tally_due_ms(&t, WINDOW), UINT64_MAX, "nothing to report");
	cr_expect_eq(tally_take(&t, 5000, WINDOW, &span), 0);
	cr_expect(tally_add(&t, 1000), "the first is logged");
	for (int i = 0; i < 311; i++)
		cr_expect_not(tally_add(&t, 1000 + (uint64_t)i), "the rest of the burst is counted");
	cr_expect_eq(tally_due_ms(&t, WINDOW), 11000);
	cr_expect_eq(tally_take(&t, 10999, WINDOW, &span), 0, "not before the window ends");
	cr_expect_eq(tally_take(&t, 11000, WINDOW, &span), 311);
	cr_expect_eq(span, 10000);
	/* Still failing: counted into the next window, not logged at once. */
	cr_expect_not(tally_add(&t, 12000));
	cr_expect_not(tally_add(&t, 13000));
	cr_expect_eq(tally_due_ms(&t, WINDOW), 21000);
	cr_expect_eq(tally_take(&t, 21500, WINDOW, &span), 2);
	cr_expect_eq(span, 10500);
	/* A quiet window closes it. */
	cr_expect_eq(tally_take(&t, 31500, WINDOW, &span), 0);
	cr_expect_eq(tally_due_ms(&t, WINDOW), UINT64_MAX);
	cr_expect(tally_add(&t, 40000), "after a quiet spell the next is logged at once");
}

Test(zws_tally, a_single_occurrence_makes_a_single_line)
{
	struct tally t = TALLY_INIT;
	uint64_t span = 0;
	cr_expect(tally_add(&t, 0));
	cr_expect_eq(tally_take(&t, WINDOW, WINDOW, &span), 0, "nothing more to report");
	cr_expect_eq(tally_due_ms(&t, WINDOW), UINT64_MAX, "closed");
}
