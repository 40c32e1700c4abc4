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
