/* The client caps (--max-clients, --max-clients-per-ip, --allow-origin)
 * and the refusal log folded per address. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "admission.h"

Test(zws_admission, caps_table)
{
	static const struct {
		struct admission_limits lim;
		size_t clients, from_ip;
		const char *origin;
		enum admission want;
	} cases[] = {
		{ { 0, 0, NULL }, 100000, 100000, "https://x.example", ADMIT_OK },
		{ { 10, 0, NULL }, 9, 9, NULL, ADMIT_OK },
		{ { 10, 0, NULL }, 10, 0, NULL, ADMIT_MAX_CLIENTS },
		{ { 0, 2, NULL }, 50, 1, NULL, ADMIT_OK },
		{ { 0, 2, NULL }, 50, 2, NULL, ADMIT_PER_IP },
		{ { 10, 2, NULL }, 10, 2, NULL, ADMIT_MAX_CLIENTS },
		{ { 0, 0, "https://a.example" }, 0, 0, "https://a.example", ADMIT_OK },
		{ { 0, 0, "https://a.example" }, 0, 0, "HTTPS://A.EXAMPLE", ADMIT_OK },
		{ { 0, 0, "https://a.example" }, 0, 0, "https://a.example.evil", ADMIT_ORIGIN },
		{ { 0, 0, "https://a.example" }, 0, 0, "https://a.exampl", ADMIT_ORIGIN },
		{ { 0, 0, "https://a.example" }, 0, 0, "", ADMIT_ORIGIN },
		{ { 0, 0, "https://a.example" }, 0, 0, NULL, ADMIT_OK },
		{ { 0, 0, "https://a.example,http://b.example:81" }, 0, 0, "http://b.example:81", ADMIT_OK },
		{ { 0, 0, "https://a.example,http://b.example:81" }, 0, 0, "http://b.example", ADMIT_ORIGIN },
		{ { 1, 1, "https://a.example" }, 5, 5, "https://evil.example", ADMIT_ORIGIN },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(admission_check(&cases[i].lim, cases[i].clients, cases[i].from_ip, cases[i].origin),
			     cases[i].want, "case %zu", i);
	cr_expect_eq(admission_status(ADMIT_MAX_CLIENTS), 503);
	cr_expect_eq(admission_status(ADMIT_PER_IP), 503);
	cr_expect_eq(admission_status(ADMIT_ORIGIN), 403);
}

Test(zws_admission, refusals_fold_into_one_line_per_address_per_window)
{
	static struct admission_log log;
	memset(&log, 0, sizeof(log));
	struct admission_report r[8];
	cr_assert(admission_log_add(&log, "10.0.0.1", ADMIT_PER_IP, 1000), "the first is logged at once");
	for (int i = 0; i < 500; i++)
		cr_assert_not(admission_log_add(&log, "10.0.0.1", ADMIT_PER_IP, 1000 + (uint64_t)i));
	cr_assert(admission_log_add(&log, "10.0.0.2", ADMIT_MAX_CLIENTS, 2000), "another address has its own");
	cr_assert_eq(admission_log_take(&log, 5000, 10000, r, 8), 0, "not before the window ends");
	size_t n = admission_log_take(&log, 11000, 10000, r, 8);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(r[0].addr, "10.0.0.1");
	cr_expect_eq(r[0].count, 500);
	cr_expect_eq(r[0].why, ADMIT_PER_IP);
	cr_expect_eq(r[0].span_ms, 10000);
	/* 10.0.0.2 had nothing after its first: quiet, forgotten, and its
	 * next refusal is logged at once again. */
	cr_assert_eq(admission_log_take(&log, 12000, 10000, r, 8), 0);
	cr_assert(admission_log_add(&log, "10.0.0.2", ADMIT_MAX_CLIENTS, 12500));
	/* 10.0.0.1's window reopened at 11000 and stays quiet: forgotten. */
	cr_assert_eq(admission_log_take(&log, 21000, 10000, r, 8), 0);
	cr_assert(admission_log_add(&log, "10.0.0.1", ADMIT_PER_IP, 21500));
}

Test(zws_admission, more_addresses_than_the_table_share_one_line)
{
	static struct admission_log log;
	memset(&log, 0, sizeof(log));
	char addr[32];
	size_t logged_now = 0;
	for (int i = 0; i < ADMISSION_LOG_ADDRS + 100; i++) {
		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 256, i % 256);
		logged_now += admission_log_add(&log, addr, ADMIT_PER_IP, 0);
	}
	cr_expect_eq(logged_now, ADMISSION_LOG_ADDRS + 1, "one line per address held, one for the rest");
	struct admission_report r[ADMISSION_LOG_ADDRS + 1];
	size_t n = admission_log_take(&log, 10000, 10000, r, ADMISSION_LOG_ADDRS + 1);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(r[0].addr, "other addresses");
	cr_expect_eq(r[0].count, 99);
}
