/* Outage reporting: the first failure, then one line per 30 s while it
 * lasts, and the end with its failure count and length. */
#include <criterion/criterion.h>

#include "outage.h"

Test(ingest_outage, first_then_every_30s)
{
	struct outage o;
	outage_init(&o);
	cr_assert_eq(outage_seconds(&o, 5000), 0);
	cr_assert_eq(outage_fail(&o, 1000), OUTAGE_BEGAN);
	cr_assert_eq(outage_fail(&o, 1250), OUTAGE_QUIET);
	cr_assert_eq(outage_fail(&o, 30999), OUTAGE_QUIET, "29.999 s after the first line");
	cr_assert_eq(outage_fail(&o, 31000), OUTAGE_STILL);
	cr_assert_eq(outage_fail(&o, 41000), OUTAGE_QUIET);
	cr_assert_eq(outage_fail(&o, 61000), OUTAGE_STILL, "30 s after the last line");
	cr_assert_eq(outage_fail(&o, 91000), OUTAGE_STILL);
	cr_assert_float_eq(outage_seconds(&o, 91000), 90.0, 1e-9);
}

Test(ingest_outage, end_counts_and_resets)
{
	struct outage o;
	double s = -1;
	outage_init(&o);
	cr_assert_eq(outage_end(&o, 100, &s), 0, "no outage to end");
	cr_assert_eq(s, 0);
	outage_fail(&o, 1000);
	outage_fail(&o, 2000);
	outage_fail(&o, 3500);
	cr_assert_eq(outage_end(&o, 4000, &s), 3);
	cr_assert_float_eq(s, 3.0, 1e-9);
	cr_assert_eq(outage_fail(&o, 5000), OUTAGE_BEGAN, "a new outage begins afresh");
}
