/* The recent-block cache: a block per slot, newer blocks take older
 * ones' slots, reads in flight and blocks not stored are remembered. */
#include <criterion/criterion.h>

#include "block_cache.h"

static struct block *made(uint64_t num)
{
	char err[64];
	struct block *b = block_new(num, "{}", "[]");
	cr_assert(b && block_finish(b, err, sizeof(err)));
	return b;
}

Test(zws_block_cache, holds_recent_blocks_and_marks_reads)
{
	struct block_cache c;
	cr_assert(block_cache_init(&c, 4));
	cr_expect_null(block_cache_get(&c, 7));
	block_cache_set_reading(&c, 7, true);
	cr_expect(block_cache_reading(&c, 7));
	block_cache_put_take(&c, made(7));
	cr_expect_not(block_cache_reading(&c, 7));
	cr_assert_not_null(block_cache_get(&c, 7));
	cr_expect_eq(block_cache_get(&c, 7)->num, 7);
	cr_expect_str_eq(block_cache_get(&c, 7)->num_text, "7");
	block_cache_put_take(&c, made(11)); /* the same slot */
	cr_expect_null(block_cache_get(&c, 7));
	cr_expect_not_null(block_cache_get(&c, 11));
	block_cache_put_missing(&c, 8);
	cr_expect(block_cache_missing(&c, 8));
	cr_expect_null(block_cache_get(&c, 8));
	cr_expect_not(block_cache_missing(&c, 9));
	block_cache_free(&c);
}
