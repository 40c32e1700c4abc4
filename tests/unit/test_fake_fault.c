/* fake_fault: parsing the /fake/fault body and consuming the plan. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fake_fault.h"

Test(fake_fault, plan)
{
	static const struct {
		const char *body;
		bool ok;
		enum fake_fault_mode mode;
		int64_t count;
		int delay_ms;
	} cases[] = {
		{ "{\"mode\":\"http500\",\"count\":2}", true, FAKE_FAULT_HTTP500, 2, 1000 },
		{ "{\"mode\":\"slow\",\"count\":1,\"delay_ms\":250}", true, FAKE_FAULT_SLOW, 1, 250 },
		{ "{\"mode\":\"close\"}", true, FAKE_FAULT_CLOSE, 1, 1000 },
		{ "{\"mode\":\"ratelimit\",\"count\":-1}", true, FAKE_FAULT_RATELIMIT, -1, 1000 },
		{ "{\"mode\":\"none\",\"count\":5}", true, FAKE_FAULT_NONE, 0, 1000 },
		{ "{\"mode\":\"explode\"}", false, FAKE_FAULT_NONE, 0, 0 },
		{ "{\"count\":1}", false, FAKE_FAULT_NONE, 0, 0 },
		{ "{\"mode\":\"slow\",\"delay_ms\":-4}", false, FAKE_FAULT_NONE, 0, 0 },
		{ "{\"mode\":\"slow\",\"count\":-2}", false, FAKE_FAULT_NONE, 0, 0 },
		{ "not json", false, FAKE_FAULT_NONE, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_fault_plan p;
		char err[128] = "";
		bool ok = fake_fault_parse(cases[i].body, strlen(cases[i].body), &p, err, sizeof(err));
		cr_assert_eq(ok, cases[i].ok, "%s: %s", cases[i].body, err);
		if (!ok) {
			cr_assert_neq(err[0], '\0');
			continue;
		}
		cr_assert_eq(p.mode, cases[i].mode);
		cr_assert_eq(p.remaining, cases[i].count);
		cr_assert_eq(p.delay_ms, cases[i].delay_ms);
	}
	struct fake_fault_plan twice = { FAKE_FAULT_GARBAGE, 2, 0, 0 }, forever = { FAKE_FAULT_MISSING, -1, 0, 0 };
	cr_assert_eq(fake_fault_next(&twice), FAKE_FAULT_GARBAGE);
	cr_assert_eq(fake_fault_next(&twice), FAKE_FAULT_GARBAGE);
	cr_assert_eq(fake_fault_next(&twice), FAKE_FAULT_NONE);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(fake_fault_next(&forever), FAKE_FAULT_MISSING);
}

Test(fake_fault, data_modes_and_bytes)
{
	static const char *const modes[] = { "badutf8", "nulname", "duptxns", "bighead", "huge" };
	static const enum fake_fault_mode want[] = {
		FAKE_FAULT_BADUTF8, FAKE_FAULT_NULNAME, FAKE_FAULT_DUPTXNS, FAKE_FAULT_BIGHEAD, FAKE_FAULT_HUGE,
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char body[64], err[128] = "";
		struct fake_fault_plan p;
		snprintf(body, sizeof(body), "{\"mode\":\"%s\"}", modes[i]);
		cr_assert(fake_fault_parse(body, strlen(body), &p, err, sizeof(err)), "%s", err);
		cr_assert_eq(p.mode, want[i]);
		cr_assert_str_eq(fake_fault_name(p.mode), modes[i]);
		cr_assert_eq(p.bytes, FAKE_FAULT_DEFAULT_BYTES);
	}
	struct fake_fault_plan p;
	char err[128] = "";
	const char *huge = "{\"mode\":\"huge\",\"bytes\":1024}";
	cr_assert(fake_fault_parse(huge, strlen(huge), &p, err, sizeof(err)));
	cr_assert_eq(p.bytes, 1024);
	cr_assert_eq(fake_fault_peek(&p), FAKE_FAULT_HUGE);
	cr_assert_eq(fake_fault_peek(&p), FAKE_FAULT_HUGE, "peeking consumes nothing");
	cr_assert(fake_fault_rewrites_text(FAKE_FAULT_HUGE) && !fake_fault_rewrites_text(FAKE_FAULT_DUPTXNS));
	cr_assert_eq(fake_fault_next(&p), FAKE_FAULT_HUGE);
	cr_assert_eq(fake_fault_peek(&p), FAKE_FAULT_NONE);
	const char *bad = "{\"mode\":\"huge\",\"bytes\":0}";
	cr_assert_not(fake_fault_parse(bad, strlen(bad), &p, err, sizeof(err)));
	cr_assert(strstr(err, "bytes"), "%s", err);
}
