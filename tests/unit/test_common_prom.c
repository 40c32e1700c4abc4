/* The Prometheus text writer and the checker both programs' tests use:
 * the checker accepts what the writer writes and refuses what a scraper
 * would. */
#include <criterion/criterion.h>
#include <string.h>

#include "prom.h"

Test(common_prom, histogram_is_cumulative_and_checks)
{
	char buf[2048];
	struct prom p;
	prom_init(&p, buf, sizeof(buf));
	static const double bounds[] = { 0.001, 0.01 };
	static const uint64_t counts[] = { 2, 0, 1 };
	prom_family(&p, "x_seconds", "histogram", "A duration.");
	prom_histogram(&p, "x_seconds", "", bounds, counts, 2, 1.5);
	prom_family(&p, "x_total", "counter", "A count.");
	prom_put(&p, "x_total{kind=\"a\",why=\"b c\"} 3\n");
	cr_assert_lt(p.len, sizeof(buf));
	cr_assert(strstr(buf, "x_seconds_bucket{le=\"0.001\"} 2\nx_seconds_bucket{le=\"0.01\"} 2\n"
			      "x_seconds_bucket{le=\"+Inf\"} 3\nx_seconds_sum 1.500000\nx_seconds_count 3\n"), "%s", buf);
	char err[200] = "";
	cr_assert(prom_check(buf, "x_", err, sizeof(err)), "%s", err);
}

Test(common_prom, checker_refuses_what_a_scraper_would)
{
	static const char *const bad[] = {
		"x_a 1\n",                                           /* no TYPE */
		"# TYPE x_a gauge\nx_b 1\n",                         /* outside its family */
		"# TYPE x_a counter\nx_a 1\n",                       /* counter not *_total */
		"# TYPE x_a gauge\n# TYPE x_a gauge\nx_a 1\n",       /* two TYPEs */
		"# TYPE x_a gauge\nx_a one\n",                       /* not a number */
		"# TYPE x_a gauge\nx_a{k=v} 1\n",                    /* unquoted label */
		"# TYPE x_a gauge\nx_a{k=\"v\" 1\n",                 /* unclosed labels */
		"# TYPE x_a gauge\nx_a 1",                           /* no final newline */
		"# TYPE y_a gauge\ny_a 1\n",                         /* wrong prefix */
		"# TYPE x_h histogram\nx_h_bucket 1\n",              /* bucket without le */
		"# TYPE x_a summary\nx_a 1\n",                       /* a type not written here */
		"",                                                  /* nothing */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[200] = "";
		cr_expect_not(prom_check(bad[i], "x_", err, sizeof(err)), "case %zu passed", i);
		cr_expect(err[0], "case %zu: no reason", i);
	}
}
