/* zws text as a list of borrowed pieces: what the list holds, its length,
 * the copy of its text from any byte on, and a failed list ignoring adds
 * until it is reset. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "text_parts.h"

/* The text of p from byte from on, as a string the caller frees. */
static char *copy_from(const struct text_parts *p, size_t from)
{
	struct buf out = BUF_INIT;
	buf_append_str(&out, "");
	text_parts_copy(p, from, &out);
	cr_assert_not(out.failed);
	return buf_take(&out, NULL);
}

Test(zws_text_parts, lists_each_piece_where_it_lies)
{
	static const char block[] = "{\"number\":\"4100000\",\"txns\":[]}";
	struct text_parts p = TEXT_PARTS_INIT;
	text_parts_add_str(&p, "{\"type\":\"NewBlock\",\"value\":");
	text_parts_add(&p, block, sizeof(block) - 1);
	text_parts_add_str(&p, "}");
	cr_assert_eq(p.count, 3);
	cr_expect_eq(p.v[1].data, block, "a piece points into the data, not at a copy");
	cr_expect_eq(p.v[1].len, sizeof(block) - 1);
	cr_expect_eq(p.v[2].len, 1);
	cr_expect_eq(p.len, strlen("{\"type\":\"NewBlock\",\"value\":") + sizeof(block) - 1 + 1);
	cr_expect_not(p.failed);
	text_parts_free(&p);
}

Test(zws_text_parts, an_empty_piece_is_not_added)
{
	struct text_parts p = TEXT_PARTS_INIT;
	text_parts_add_str(&p, "");
	text_parts_add(&p, "abc", 0);
	cr_expect_eq(p.count, 0);
	cr_expect_eq(p.len, 0);
	text_parts_add_str(&p, "a");
	text_parts_add_str(&p, "");
	text_parts_add_str(&p, "b");
	cr_expect_eq(p.count, 2);
	cr_expect_eq(p.len, 2);
	text_parts_free(&p);
}

Test(zws_text_parts, copy_from_any_byte_appends_the_rest)
{
	struct text_parts p = TEXT_PARTS_INIT;
	text_parts_add_str(&p, "abc");
	text_parts_add_str(&p, "de");
	text_parts_add_str(&p, "fghi");
	static const char whole[] = "abcdefghi";
	for (size_t from = 0; from <= sizeof(whole) - 1; from++) {
		char *got = copy_from(&p, from);
		cr_expect_str_eq(got, whole + from, "from byte %zu", from);
		free(got);
	}
	char *past = copy_from(&p, 100);
	cr_expect_str_eq(past, "", "nothing from past the end");
	free(past);
	text_parts_free(&p);
}

Test(zws_text_parts, copy_appends_after_what_out_holds)
{
	struct text_parts p = TEXT_PARTS_INIT;
	text_parts_add_str(&p, "Event");
	text_parts_add_str(&p, "Log");
	struct buf out = BUF_INIT;
	buf_append_str(&out, "[");
	text_parts_copy(&p, 0, &out);
	buf_append_str(&out, "]");
	cr_expect_str_eq(out.data, "[EventLog]");
	buf_free(&out);
	text_parts_free(&p);
}

Test(zws_text_parts, many_pieces_keep_their_order)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz";
	struct text_parts p = TEXT_PARTS_INIT;
	struct buf want = BUF_INIT;
	for (size_t i = 0; i < 1000; i++) {
		const char *piece = letters + i % 20;
		size_t n = 1 + i % 3;
		text_parts_add(&p, piece, n);
		buf_append(&want, piece, n);
	}
	cr_assert_eq(p.count, 1000);
	cr_assert_eq(p.len, want.len);
	char *got = copy_from(&p, 0);
	cr_expect_str_eq(got, want.data);
	free(got);
	buf_free(&want);
	text_parts_free(&p);
}

Test(zws_text_parts, reset_forgets_the_pieces_keeps_the_allocation)
{
	struct text_parts p = TEXT_PARTS_INIT;
	for (int i = 0; i < 40; i++)
		text_parts_add_str(&p, "piece");
	struct text_part *v = p.v;
	size_t cap = p.cap;
	text_parts_reset(&p);
	cr_expect_eq(p.count, 0);
	cr_expect_eq(p.len, 0);
	cr_expect_eq(p.v, v);
	cr_expect_eq(p.cap, cap);
	text_parts_add_str(&p, "new");
	char *got = copy_from(&p, 0);
	cr_expect_str_eq(got, "new", "no piece from before the reset");
	free(got);
	text_parts_free(&p);
}

Test(zws_text_parts, a_failed_list_ignores_adds_until_reset)
{
	struct text_parts p = TEXT_PARTS_INIT;
	text_parts_add_str(&p, "kept");
	p.failed = true; /* as after an allocation failure */
	text_parts_add_str(&p, "lost");
	text_parts_add(&p, "lost too", 8);
	cr_expect(p.failed);
	cr_expect_eq(p.count, 1);
	cr_expect_eq(p.len, 4);
	text_parts_reset(&p);
	cr_expect_not(p.failed);
	text_parts_add_str(&p, "again");
	cr_expect_eq(p.count, 1);
	cr_expect_eq(p.len, 5);
	text_parts_free(&p);
}

Test(zws_text_parts, free_leaves_an_empty_list)
{
	struct text_parts p = TEXT_PARTS_INIT;
	text_parts_free(&p);
	text_parts_add_str(&p, "x");
	text_parts_free(&p);
	cr_expect_null(p.v);
	cr_expect_eq(p.count, 0);
	cr_expect_eq(p.len, 0);
	cr_expect_not(p.failed);
	text_parts_free(&p);
}
