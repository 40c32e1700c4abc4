/* Fuzz target: address text in every form a client or node writes
 * (common/address.c: 0x-hex, bare hex, bech32 zil1...) and the addresses
 * zws-ingest reads from transactions (ingest/core/derive.c: normalizing,
 * public keys, deployed contracts) and the hex both read (common/hex.c). An accepted address comes back unchanged
 * through its canonical and bech32 forms. */
#include "fuzz.h"

#include <ctype.h>

#include "address.h"
#include "derive.h"
#include "hex.h"

static void check_roundtrip(const char *text, size_t len, const uint8_t addr[ADDRESS_BYTES])
{
	char canon[ADDRESS_CANON_LEN], bech[44];
	uint8_t back[ADDRESS_BYTES];
	FUZZ_CHECK(len == 40 || len == 42);
	address_format(addr, canon);
	FUZZ_CHECK(strlen(canon) == 42 && canon[0] == '0' && canon[1] == 'x');
	FUZZ_CHECK(address_parse(canon, 42, back) && memcmp(back, addr, ADDRESS_BYTES) == 0);
	address_to_bech32(addr, bech);
	FUZZ_CHECK(strncmp(bech, "zil1", 4) == 0);
	FUZZ_CHECK(address_parse(bech, strlen(bech), back) && memcmp(back, addr, ADDRESS_BYTES) == 0);
	(void)text;
}

static bool lower_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

static void check_derive(const char *s, size_t len)
{
	char out[DERIVE_HEX_ADDR_LEN], contract[DERIVE_HEX_ADDR_LEN];
	if (derive_normalize_address(s, out)) {
		FUZZ_CHECK(lower_hex(out, 40));
		(void)derive_is_null_address(out);
		if (derive_contract_address(out, len, contract))
			FUZZ_CHECK(lower_hex(contract, 40));
	}
	if (derive_sender_address(s, out))
		FUZZ_CHECK(lower_hex(out, 40));
	uint8_t bytes[64];
	char hash[65];
	size_t n = len / 2 < sizeof(bytes) ? len / 2 : sizeof(bytes);
	if (hex_decode(s, n, bytes))
		for (size_t i = 0; i < 2 * n; i++)
			FUZZ_CHECK(hex_digit(s[i]) >= 0);
	if (hex_hash_lower(s, hash))
		FUZZ_CHECK(lower_hex(hash, 64));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_bytes(data, size);
	char *cstr = fuzz_cstr(data, size);
	uint8_t addr[ADDRESS_BYTES];
	if (text && address_parse(text, size, addr))
		check_roundtrip(text, size, addr);
	if (cstr)
		check_derive(cstr, strlen(cstr));
	free(text);
	free(cstr);
	return 0;
}
