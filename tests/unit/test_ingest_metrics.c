/* /metrics: the text parses as the Prometheus exposition format 0.0.4
 * (HELP and TYPE before each family's samples, one TYPE per family,
 * counters named *_total, every name zws_ingest_*) and carries the values
 * of the status it was given. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_metrics.h"
#include "prom.h"

static struct ingest_health health;

static struct ingest_status sample_status(void)
{
	struct ingest_status st = { 0 };
	st.health = &health;
	st.role = INGEST_ROLE_LEADER;
	st.pg = INGEST_PG_UP;
	st.head_known = st.committed_known = true;
	st.head = 700000;
	st.committed = 699000;
	st.live_distance = 10;
	st.behind_s = 12.5;
	st.blocks_per_s = 500;
	st.blocks_total = 3000;
	st.txns_total = 84000;
	st.event_logs_total = 39000;
	st.head_requests = 17;
	st.block_requests = 400;
	st.lookup_failures[LOOKUP_FAILURE_TIMEOUT] = 2;
	st.lookup_failures[LOOKUP_FAILURE_DNS] = 1;
	return st;
}

/* Checks the format with the checker zws's tests use too. */
static void check_format(const char *text)
{
	char err[300] = "";
	cr_assert(prom_check(text, "zws_ingest_", err, sizeof(err)), "%s", err);
	size_t families = 0;
	for (const char *p = text; (p = strstr(p, "# TYPE ")); p++)
		families++;
	cr_assert_gt(families, 15);
}

static char text[16384];

static void format(const struct ingest_status *st)
{
	struct health_verdict v;
	struct health_limits lim = { 5, 60 };
	health_evaluate(st, &lim, &v);
	size_t n = ingest_metrics_format(st, &v, text, sizeof(text));
	cr_assert_lt(n, sizeof(text));
	cr_assert_eq(strlen(text), n);
	cr_assert_eq(text[n - 1], '\n');
}

Test(ingest_metrics, format_is_prometheus_text)
{
	struct ingest_status st = sample_status();
	format(&st);
	check_format(text);
	st.head_known = st.committed_known = false;
	format(&st);
	check_format(text);
}

Test(ingest_metrics, values)
{
	struct ingest_status st = sample_status();
	format(&st);
	const char *want[] = {
		"\nzws_ingest_lookup_head_block 700000\n",
		"\nzws_ingest_committed_block 699000\n",
		"\nzws_ingest_lag_blocks 1000\n",
		"\nzws_ingest_lag_seconds 12.500\n",
		"\nzws_ingest_blocks_per_second 500.000\n",
		"\nzws_ingest_backfilling 1\n",
		"\nzws_ingest_backfill_eta_seconds 2\n",
		"\nzws_ingest_blocks_stored_total 3000\n",
		"\nzws_ingest_transactions_stored_total 84000\n",
		"\nzws_ingest_event_logs_stored_total 39000\n",
		"\nzws_ingest_lookup_requests_total{kind=\"head\"} 17\n",
		"\nzws_ingest_lookup_requests_total{kind=\"blocks\"} 400\n",
		"\nzws_ingest_lookup_failures_total{kind=\"timeout\"} 2\n",
		"\nzws_ingest_lookup_failures_total{kind=\"dns\"} 1\n",
		"\nzws_ingest_lookup_failures_total{kind=\"refused\"} 0\n",
		"\nzws_ingest_postgres_up 1\n",
		"\nzws_ingest_role{role=\"leader\"} 1\n",
		"\nzws_ingest_role{role=\"standby\"} 0\n",
		"\nzws_ingest_healthy 0\n",
		"\nzws_ingest_halted 0\n",
		"\nzws_ingest_misconfigured{dependency=\"postgres\"} 0\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(strstr(text, want[i]), "missing [%s]", want[i] + 1);
}

Test(ingest_metrics, unknown_values_have_no_sample)
{
	struct ingest_status st = sample_status();
	st.head_known = st.committed_known = false;
	st.role = INGEST_ROLE_STANDBY;
	st.pg = INGEST_PG_DOWN;
	st.pg_misconfigured = true;
	format(&st);
	cr_assert(strstr(text, "# TYPE zws_ingest_lookup_head_block gauge\n"));
	cr_assert_null(strstr(text, "\nzws_ingest_lookup_head_block "));
	cr_assert_null(strstr(text, "\nzws_ingest_committed_block "));
	cr_assert_null(strstr(text, "\nzws_ingest_lag_blocks "));
	cr_assert(strstr(text, "\nzws_ingest_role{role=\"standby\"} 1\n"));
	cr_assert(strstr(text, "\nzws_ingest_postgres_up 0\n"));
	cr_assert(strstr(text, "\nzws_ingest_misconfigured{dependency=\"postgres\"} 1\n"));
}

Test(ingest_metrics, short_buffer_reports_the_length_needed)
{
	struct ingest_status st = sample_status();
	struct health_verdict v = { .healthy = true, .status = "ok" };
	char small[100];
	size_t need = ingest_metrics_format(&st, &v, small, sizeof(small));
	cr_assert_gt(need, sizeof(small));
	cr_assert_eq(strlen(small), sizeof(small) - 1, "cut short, still terminated");
	char *big = malloc(need + 1);
	cr_assert_eq(ingest_metrics_format(&st, &v, big, need + 1), need);
	cr_assert_eq(strncmp(big, small, sizeof(small) - 1), 0);
	free(big);
}
