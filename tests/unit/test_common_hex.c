#include <criterion/criterion.h>

#include "hex.h"

Test(hex, lower_and_upper_with_nul)
{
	const uint8_t in[] = { 0x00, 0x0f, 0xa5, 0xff };
	char out[9];
	memset(out, 'x', sizeof(out));
	hex_encode(in, sizeof(in), false, out);
	cr_expect_str_eq(out, "000fa5ff");
	hex_encode(in, sizeof(in), true, out);
	cr_expect_str_eq(out, "000FA5FF");
	hex_encode(in, 0, false, out);
	cr_expect_str_eq(out, "");
}

Test(hex, decode_either_case_and_refuse_non_digits)
{
	uint8_t out[4];
	cr_assert(hex_decode("000fA5fF", 4, out));
	const uint8_t want[] = { 0x00, 0x0f, 0xa5, 0xff };
	cr_assert_arr_eq(out, want, 4);
	cr_assert_not(hex_decode("000g", 2, out));
	cr_assert_not(hex_decode("0x00", 2, out));
	cr_assert_eq(hex_digit('F'), 15);
	cr_assert_eq(hex_digit('/'), -1);
}

Test(hex, hashes_come_out_lowercase_without_0x)
{
	char out[65];
	const char *lower = "1b6a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";
	cr_assert(hex_hash_lower("0x1B6A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8", out));
	cr_assert_str_eq(out, lower);
	cr_assert(hex_hash_lower(lower, out));
	cr_assert_str_eq(out, lower);
	cr_assert_not(hex_hash_lower(NULL, out));
	cr_assert_not(hex_hash_lower("1b6a", out));
	cr_assert_not(hex_hash_lower("zb6a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8", out));
}
