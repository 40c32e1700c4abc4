/* When the lookup's "not a contract" rows are trimmed, and to how many. */
#include <criterion/criterion.h>

#include "negative_bound.h"

/* Plays saves of n answers each into a table of its own, trimming to the
 * newest keep rows as told; the table never passes max_rows. */
static void play(size_t max_rows, unsigned workers, size_t batch, size_t n, int saves)
{
	struct negative_bound nb[8];
	for (unsigned w = 0; w < workers; w++)
		negative_bound_init(&nb[w], max_rows, workers, batch);
	size_t rows = 5 * max_rows; /* left over from a run with a larger bound */
	for (int i = 0; i < saves; i++) {
		struct negative_bound *b = &nb[(unsigned)i % workers];
		if (negative_bound_before_save(b, n) && rows > b->keep)
			rows = b->keep;
		rows += n;
		if (i >= (int)workers)
			cr_assert_leq(rows, max_rows, "save %d: %zu rows over %zu", i, rows, max_rows);
	}
}

Test(negative_bound, rows_stay_within_the_bound)
{
	play(100000, 1, 100, 100, 50000);
	play(100000, 1, 100, 37, 50000);
	play(1000, 1, 100, 100, 5000);
	play(1000, 4, 100, 100, 5000);
	play(100000, 8, 100, 100, 50000);
}

Test(negative_bound, trims_are_rare)
{
	struct negative_bound nb;
	negative_bound_init(&nb, 100000, 1, 100);
	cr_expect_eq(nb.keep, 90000);
	cr_expect(negative_bound_before_save(&nb, 100), "the first save trims what an earlier run left");
	int trims = 0;
	for (int i = 0; i < 1000; i++)
		trims += negative_bound_before_save(&nb, 100);
	cr_expect_eq(trims, 10, "one trim per 10,000 answers, not %d", trims);
	cr_expect_not(negative_bound_before_save(&nb, 0), "nothing to save, nothing to trim");
}

Test(negative_bound, a_bound_below_the_workers_slack_trims_everything_each_time)
{
	struct negative_bound nb;
	negative_bound_init(&nb, 100, 4, 100);
	cr_expect_eq(nb.keep, 0);
}
