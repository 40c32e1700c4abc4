#define _GNU_SOURCE
/* fake_taint: the data faults' rewrites of an answer's text. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fake_taint.h"

static const char answer[] =
	"[{\"id\":1,\"result\":[{\"ID\":\"ab\",\"receipt\":{\"event_logs\":[{\"_eventname\":\"Mint\","
	"\"address\":\"0x01\",\"params\":[{\"type\":\"Uint128\",\"value\":\"5\",\"vname\":\"amount\"}]}],"
	"\"success\":true}}]}]";

static char *apply(enum fake_fault_mode mode, int64_t bytes, const char *text, size_t *len)
{
	return fake_taint_apply(mode, bytes, text, strlen(text), len);
}

Test(fake_taint, rewrites)
{
	size_t len;
	char *t = apply(FAKE_FAULT_BADUTF8, 0, answer, &len);
	cr_assert_eq(len, strlen(answer) + 2);
	cr_assert(memmem(t, len, "\"value\":\"\xff\xfe" "5\"", 12));
	free(t);
	t = apply(FAKE_FAULT_NULNAME, 0, answer, &len);
	cr_assert(memmem(t, len, "\"_eventname\":\"Evil\\u0000Name\",", 30));
	cr_assert_eq(len, strlen(answer) - 4 + 14);
	free(t);
	t = apply(FAKE_FAULT_HUGE, 1000, answer, &len);
	cr_assert_eq(len, strlen(answer) + 1000);
	cr_assert(memmem(t, len, "\"value\":\"AAAA", 13));
	cr_assert(memmem(t, len, "AAAA5\",\"vname\"", 14));
	free(t);
}

Test(fake_taint, nothing_to_rewrite)
{
	size_t len;
	static const char head[] = "{\"id\":1,\"result\":{\"header\":{\"BlockNum\":\"5\"}}}";
	cr_assert_null(apply(FAKE_FAULT_BADUTF8, 0, head, &len));
	cr_assert_null(apply(FAKE_FAULT_NULNAME, 0, head, &len));
	cr_assert_null(apply(FAKE_FAULT_HUGE, 10, head, &len));
	cr_assert_null(apply(FAKE_FAULT_GARBAGE, 0, answer, &len));
	cr_assert_null(apply(FAKE_FAULT_DUPTXNS, 0, answer, &len));
}
