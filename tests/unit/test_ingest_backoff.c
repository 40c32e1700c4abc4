/* Backoff delays and outage edges; progress line formatting. */
#include <criterion/criterion.h>

#include "backoff.h"
#include "progress.h"

Test(ingest_backoff, doubles_to_cap_and_reports_edges)
{
	struct backoff b;
	backoff_init(&b, 250, 2000);
	static const int expect[] = { 250, 500, 1000, 2000, 2000, 2000 };
	for (size_t i = 0; i < 6; i++) {
		cr_assert_eq(backoff_fail(&b), expect[i], "failure %zu", i);
		cr_assert_eq(backoff_is_first(&b), i == 0);
	}
	cr_assert_eq(backoff_succeed(&b), 6);
	cr_assert_eq(backoff_succeed(&b), 0);
	cr_assert_eq(backoff_fail(&b), 250);
	cr_assert(backoff_is_first(&b));
}

Test(ingest_progress, lines)
{
	static const struct {
		uint64_t height, head;
		double rate;
		const char *line;
	} cases[] = {
		{ 100, 1100, 10, "height=100 head=1100 blocks/s=10.0 eta=1m40s" },
		{ 100, 100, 0, "height=100 head=100 blocks/s=0.0 eta=0s" },
		{ 100, 200, 0, "height=100 head=200 blocks/s=0.0 eta=-" },
		{ 0, 36000, 5, "height=0 head=36000 blocks/s=5.0 eta=2h00m" },
		{ 0, 1000000, 1, "height=0 head=1000000 blocks/s=1.0 eta=11d13h" },
		{ 5, 50, 1000, "height=5 head=50 blocks/s=1000.0 eta=0s" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[128];
		progress_format(cases[i].height, cases[i].head, cases[i].rate, line, sizeof(line));
		cr_assert_str_eq(line, cases[i].line);
	}
}
