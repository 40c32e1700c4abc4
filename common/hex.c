/* Hex encoding and decoding (see hex.h). */
#include "hex.h"

#include <string.h>

void hex_encode(const uint8_t *in, size_t n, bool upper, char *out)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hex_decode(const char *hex, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(hex[2 * i]);
		int lo = hi < 0 ? -1 : hex_digit(hex[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool hex_hash_lower(const char *in, char out[65])
{
	if (!in)
		return false;
	if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		in += 2;
	if (strlen(in) != 64)
		return false;
	for (int i = 0; i < 64; i++) {
		int v = hex_digit(in[i]);
		if (v < 0)
			return false;
		out[i] = "0123456789abcdef"[v];
	}
	out[64] = '\0';
	return true;
}
