/* Address parsing and formatting, including BIP-173 bech32 with the "zil"
 * human-readable part that Zilliqa wallets show. */
#include "address.h"

#include <string.h>

#include "hex.h"

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";


static uint32_t bech32_polymod(const uint8_t *values, size_t n)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
					 0x3d4233dd, 0x2a1462b3 };
	uint32_t chk = 1;
	for (size_t i = 0; i < n; i++) {
		uint32_t top = chk >> 25;
		chk = (chk & 0x1ffffff) << 5 ^ values[i];
		for (int j = 0; j < 5; j++)
			if ((top >> j) & 1)
				chk ^= gen[j];
	}
	return chk;
}

/* hrp "zil" expanded for the checksum: high bits, 0, low bits. */
static size_t hrp_expand(uint8_t *out)
{
	const char *hrp = "zil";
	size_t n = 0;
	for (int i = 0; i < 3; i++)
		out[n++] = (uint8_t)(hrp[i] >> 5);
	out[n++] = 0;
	for (int i = 0; i < 3; i++)
		out[n++] = (uint8_t)(hrp[i] & 31);
	return n;
}

/* "zil1" + 32 data chars + 6 checksum chars. */
#define BECH32_LEN 42

static bool parse_bech32(const char *p, size_t len, uint8_t out[ADDRESS_BYTES])
{
	if (len != BECH32_LEN)
		return false;
	bool lower = false, upper = false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 'a' && p[i] <= 'z')
			lower = true;
		if (p[i] >= 'A' && p[i] <= 'Z')
			upper = true;
	}
	if (lower && upper)
		return false;
	char s[BECH32_LEN];
	for (size_t i = 0; i < len; i++)
		s[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 32) : p[i];
	if (memcmp(s, "zil1", 4) != 0)
		return false;
	uint8_t values[7 + BECH32_LEN];
	size_t n = hrp_expand(values);
	for (size_t i = 4; i < len; i++) {
		const char *c = s[i] ? strchr(bech32_charset, s[i]) : NULL;
		if (!c)
			return false;
		values[n++] = (uint8_t)(c - bech32_charset);
	}
	if (bech32_polymod(values, n) != 1)
		return false;
	/* 32 five-bit groups -> 20 bytes, no padding left over. */
	const uint8_t *data = values + 7;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (int i = 0; i < 32; i++) {
		acc = acc << 5 | data[i];
		bits += 5;
		while (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	return o == ADDRESS_BYTES && acc == 0;
}

bool address_parse(const char *text, size_t len, uint8_t out[ADDRESS_BYTES])
{
	if (!text)
		return false;
	if (len == 42 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		return hex_decode(text + 2, ADDRESS_BYTES, out);
	if (len == 40)
		return hex_decode(text, ADDRESS_BYTES, out);
	return parse_bech32(text, len, out);
}

void address_format(const uint8_t addr[ADDRESS_BYTES], char out[ADDRESS_CANON_LEN])
{
	out[0] = '0';
	out[1] = 'x';
	hex_encode(addr, ADDRESS_BYTES, false, out + 2);
}

void address_to_bech32(const uint8_t addr[ADDRESS_BYTES], char out[44])
{
	uint8_t values[7 + 32 + 6];
	size_t n = hrp_expand(values);
	uint32_t acc = 0;
	int bits = 0;
	for (int i = 0; i < ADDRESS_BYTES; i++) {
		acc = acc << 8 | addr[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			values[n++] = (uint8_t)((acc >> bits) & 31);
		}
		acc &= (1u << bits) - 1;
	}
	memset(values + n, 0, 6);
	uint32_t mod = bech32_polymod(values, n + 6) ^ 1;
	for (int i = 0; i < 6; i++)
		values[n + i] = (uint8_t)((mod >> (5 * (5 - i))) & 31);
	memcpy(out, "zil1", 4);
	for (int i = 0; i < 38; i++)
		out[4 + i] = bech32_charset[values[7 + i]];
	out[42] = '\0';
}
