/* UTF-8 validation and the \ufffd repair: valid text (the mainnet fixture,
 * every kind of sequence) is left alone; each maximal invalid sequence
 * becomes one escape. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_text.h"
#include "utf8.h"

static char *repaired(const char *s, size_t n)
{
	size_t len = utf8_repaired_len(s, n);
	char *out = malloc(len + 1);
	cr_assert_eq(utf8_repair(s, n, out), len);
	out[len] = '\0';
	return out;
}

Test(ingest_utf8, valid_text)
{
	static const char *const ok[] = {
		"", "plain ascii, long enough for the eight-byte path",
		"caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbd", "\xed\x9f\xbf",
		"\xf4\x8f\xbf\xbf", "\x7f",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert(utf8_valid(ok[i], strlen(ok[i])), "case %zu", i);
		char *r = repaired(ok[i], strlen(ok[i]));
		cr_assert_str_eq(r, ok[i]);
		free(r);
	}
	char *text = fixture_text("GetTxnBodiesForTxBlock.json");
	cr_assert(utf8_valid(text, strlen(text)));
	free(text);
}

Test(ingest_utf8, invalid_sequences_become_one_escape_each)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "a\xff" "b", "a\\ufffdb" },
		{ "\xfe\xff", "\\ufffd\\ufffd" },
		{ "\xc0\xaf", "\\ufffd\\ufffd" },             /* overlong: two strays */
		{ "\xe2\x82", "\\ufffd" },                    /* truncated at the end */
		{ "\xe2\x82" "x", "\\ufffdx" },              /* cut short */
		{ "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd" },  /* a surrogate */
		{ "\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd" }, /* above U+10FFFF */
		{ "\xf0\x9f\x98", "\\ufffd" },
		{ "ok \xc3\xa9 \x80 ok", "ok \xc3\xa9 \\ufffd ok" },
		{ "0123456789\xff" "0123456789", "0123456789\\ufffd0123456789" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_not(utf8_valid(cases[i].in, strlen(cases[i].in)), "case %zu", i);
		char *r = repaired(cases[i].in, strlen(cases[i].in));
		cr_assert_str_eq(r, cases[i].out, "case %zu", i);
		cr_assert(utf8_valid(r, strlen(r)));
		free(r);
	}
}
