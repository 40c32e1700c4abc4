/* zws shared WebSocket messages: a frame holds its own copy of the text
 * with FRAME_HEADROOM writable bytes in front and a NUL after, and lives
 * as long as its last reference. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"

/* The checks every frame holding text must pass. */
static void expect_holds(struct frame *f, const char *text, size_t len)
{
	cr_assert_not_null(f);
	cr_expect_eq(f->len, len);
	cr_expect_eq(frame_payload(f), f->bytes + FRAME_HEADROOM);
	cr_expect_eq(memcmp(frame_payload(f), text, len), 0, "the payload is the text");
	cr_expect_eq(frame_payload(f)[len], '\0', "a NUL follows the payload");
}

Test(zws_frame, new_holds_a_copy_of_the_text)
{
	char text[] = "{\"type\":\"NewBlock\",\"value\":{\"number\":\"4100000\"}}";
	struct frame *f = frame_new(text, strlen(text));
	expect_holds(f, "{\"type\":\"NewBlock\",\"value\":{\"number\":\"4100000\"}}", strlen(text));
	cr_expect_eq(f->refs, 1, "one reference, the creator's");
	memset(text, 'x', sizeof(text) - 1);
	cr_expect_eq(frame_payload(f)[0], '{', "the frame does not borrow the text");
	frame_unref(f);
}

Test(zws_frame, text_may_hold_any_bytes)
{
	static const char bin[] = { 'a', '\0', 'b', '\xff', '\0' };
	struct frame *f = frame_new(bin, sizeof(bin));
	expect_holds(f, bin, sizeof(bin));
	frame_unref(f);
}

Test(zws_frame, an_empty_frame_is_just_the_nul)
{
	struct frame *f = frame_new("", 0);
	expect_holds(f, "", 0);
	frame_unref(f);
}

Test(zws_frame, headroom_is_writable_without_touching_the_payload)
{
	struct frame *f = frame_new("payload", 7);
	cr_assert_not_null(f);
	memset(f->bytes, 0xab, FRAME_HEADROOM); /* where lws writes the header */
	expect_holds(f, "payload", 7);
	frame_unref(f);
}

Test(zws_frame, lives_until_its_last_reference)
{
	struct frame *f = frame_new("shared", 6);
	cr_assert_not_null(f);
	cr_expect_eq(frame_ref(f), f, "frame_ref returns the frame itself");
	cr_expect_eq(frame_ref(f), f);
	cr_expect_eq(f->refs, 3);
	frame_unref(f);
	cr_expect_eq(f->refs, 2);
	expect_holds(f, "shared", 6);
	frame_unref(f);
	cr_expect_eq(f->refs, 1);
	expect_holds(f, "shared", 6);
	frame_unref(f); /* the last: freed, or the sanitizer build reports a leak */
}

Test(zws_frame, unref_of_null_is_ignored)
{
	frame_unref(NULL);
}

Test(zws_frame, new_parts_is_the_concatenation_of_the_pieces)
{
	char value[] = "{\"number\":\"4100000\",\"txns\":[]}";
	struct text_parts p = TEXT_PARTS_INIT;
	text_parts_add_str(&p, "{\"type\":\"NewBlock\",\"value\":");
	text_parts_add_str(&p, value);
	text_parts_add_str(&p, "}");
	static const char want[] = "{\"type\":\"NewBlock\",\"value\":{\"number\":\"4100000\",\"txns\":[]}}";
	struct frame *f = frame_new_parts(&p);
	expect_holds(f, want, sizeof(want) - 1);
	cr_expect_eq(f->refs, 1);
	memset(value, 'x', sizeof(value) - 1);
	text_parts_free(&p);
	expect_holds(f, want, sizeof(want) - 1); /* a copy, not the pieces */
	frame_unref(f);
}

Test(zws_frame, new_parts_of_many_pieces_and_of_none)
{
	struct text_parts p = TEXT_PARTS_INIT;
	struct buf want = BUF_INIT;
	char piece[8];
	for (unsigned i = 0; i < 500; i++) {
		int n = snprintf(piece, sizeof(piece), "%u,", i);
		buf_append(&want, piece, (size_t)n);
	}
	/* The pieces point into want's final text, cut at uneven places. */
	for (size_t at = 0, step = 1; at < want.len; at += step, step = step % 7 + 1)
		text_parts_add(&p, want.data + at, at + step <= want.len ? step : want.len - at);
	cr_assert_gt(p.count, 100);
	struct frame *f = frame_new_parts(&p);
	expect_holds(f, want.data, want.len);
	frame_unref(f);

	text_parts_reset(&p);
	struct frame *empty = frame_new_parts(&p);
	expect_holds(empty, "", 0);
	frame_unref(empty);
	text_parts_free(&p);
	buf_free(&want);
}
