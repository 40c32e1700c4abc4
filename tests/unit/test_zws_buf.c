/* zws byte buffer: appends of every kind, growth that keeps what was
 * written, the text always NUL-terminated for callers that take it as a C
 * string, and a failed buffer ignoring appends until it is reset. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* b's content as a C string, checked to end in a NUL at b->len. */
static const char *text_of(const struct buf *b)
{
	cr_assert_not_null(b->data);
	cr_assert_eq(b->data[b->len], '\0', "the text is NUL-terminated");
	return b->data;
}

Test(zws_buf, appends_of_every_kind_build_one_text)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "{\"id\":");
	buf_append_u64(&b, 42);
	buf_append_char(&b, ',');
	buf_append(&b, "\"r\":1}xyz", 6);
	cr_expect_str_eq(text_of(&b), "{\"id\":42,\"r\":1}");
	cr_expect_eq(b.len, strlen("{\"id\":42,\"r\":1}"));
	cr_expect_not(b.failed);
	buf_free(&b);
}

Test(zws_buf, u64_is_written_in_decimal_whole)
{
	static const struct {
		unsigned long long v;
		const char *text;
	} cases[] = {
		{ 0, "0" },
		{ 9, "9" },
		{ 10, "10" },
		{ 4294967296ULL, "4294967296" },
		{ UINT64_MAX, "18446744073709551615" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		buf_append_u64(&b, cases[i].v);
		cr_expect_str_eq(text_of(&b), cases[i].text);
		cr_expect_eq(b.len, strlen(cases[i].text));
		buf_free(&b);
	}
}

Test(zws_buf, json_string_is_quoted_and_escaped)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "", 0, "\"\"" },
		{ "Transfer", 8, "\"Transfer\"" },
		{ "say \"hi\"", 8, "\"say \\\"hi\\\"\"" },
		{ "a\\b", 3, "\"a\\\\b\"" },
		{ "\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"" },
		{ "\x01\x1f", 2, "\"\\u0001\\u001f\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "caf\xc3\xa9 \x7f", 7, "\"caf\xc3\xa9 \x7f\"" },
		{ "only the first four", 4, "\"only\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		buf_append_json_string(&b, cases[i].in, cases[i].len);
		cr_expect_str_eq(text_of(&b), cases[i].out, "case %zu", i);
		buf_free(&b);
	}
}

Test(zws_buf, json_string_follows_what_is_already_there)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "{\"_eventname\":");
	buf_append_json_string(&b, "Mint\"ed", 7);
	buf_append_char(&b, '}');
	cr_expect_str_eq(text_of(&b), "{\"_eventname\":\"Mint\\\"ed\"}");
	buf_free(&b);
}

Test(zws_buf, growth_keeps_every_byte_written)
{
	struct buf b = BUF_INIT;
	size_t total = 0;
	for (unsigned i = 0; i < 5000; i++) {
		char c = (char)('a' + i % 26);
		buf_append_char(&b, c);
		total++;
	}
	cr_assert_eq(b.len, total);
	cr_assert_geq(b.cap, b.len + 1, "room for the NUL");
	for (size_t i = 0; i < total; i++)
		cr_assert_eq(b.data[i], (char)('a' + i % 26), "byte %zu", i);
	cr_expect_eq(strlen(text_of(&b)), total);
	buf_free(&b);
}

Test(zws_buf, reserve_makes_room_without_moving_on_appends)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "head:");
	buf_reserve(&b, 1000);
	cr_assert_not(b.failed);
	cr_assert_gt(b.cap - b.len, 1000, "1000 bytes and the NUL fit");
	cr_expect_str_eq(text_of(&b), "head:", "reserving keeps the content");
	char *before = b.data;
	char chunk[1000];
	memset(chunk, 'x', sizeof(chunk));
	buf_append(&b, chunk, sizeof(chunk));
	cr_expect_eq(b.data, before, "the reserved room is used, not reallocated");
	cr_expect_eq(b.len, 5 + sizeof(chunk));
	buf_free(&b);
}

Test(zws_buf, reset_forgets_content_keeps_the_allocation)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "a first message");
	char *data = b.data;
	size_t cap = b.cap;
	buf_reset(&b);
	cr_expect_eq(b.len, 0);
	cr_expect_eq(b.data, data);
	cr_expect_eq(b.cap, cap);
	cr_expect_str_eq(text_of(&b), "");
	buf_append_str(&b, "second");
	cr_expect_str_eq(text_of(&b), "second");
	buf_free(&b);
}

Test(zws_buf, take_hands_over_the_text_and_empties_the_buffer)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "[1,2,3]");
	size_t len = 0;
	char *text = buf_take(&b, &len);
	cr_assert_not_null(text);
	cr_expect_eq(len, 7);
	cr_expect_str_eq(text, "[1,2,3]");
	cr_expect_null(b.data);
	cr_expect_eq(b.len, 0);
	cr_expect_eq(b.cap, 0);
	buf_append_str(&b, "next");
	cr_expect_str_eq(text_of(&b), "next", "b is usable again");
	cr_expect_str_eq(text, "[1,2,3]", "the taken text is not b's any more");
	free(text);
	buf_free(&b);
}

Test(zws_buf, a_failed_buffer_ignores_appends_until_reset)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "kept");
	b.failed = true; /* as after an allocation failure */
	buf_append_str(&b, "lost");
	buf_append_char(&b, '!');
	buf_append_u64(&b, 7);
	buf_append_json_string(&b, "q", 1);
	cr_expect(b.failed, "the failure stays for the builder to see at the end");
	cr_expect_eq(b.len, 4);
	cr_expect_str_eq(text_of(&b), "kept");
	buf_reset(&b);
	cr_expect_not(b.failed);
	buf_append_str(&b, "again");
	cr_expect_str_eq(text_of(&b), "again");
	buf_free(&b);
}

Test(zws_buf, a_reserve_no_allocation_could_hold_fails_the_buffer, .timeout = 10)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "kept");
	buf_reserve(&b, SIZE_MAX - 2);
	cr_expect(b.failed, "a size that would wrap the doubling fails at once");
	cr_expect_str_eq(text_of(&b), "kept");
	buf_free(&b);
}

Test(zws_buf, free_is_safe_on_an_empty_buffer_and_twice)
{
	struct buf b = BUF_INIT;
	buf_free(&b);
	cr_expect_null(b.data);
	buf_append_str(&b, "x");
	buf_free(&b);
	buf_free(&b);
	cr_expect_null(b.data);
	cr_expect_eq(b.len, 0);
	cr_expect_not(b.failed);
}
