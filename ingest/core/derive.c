/* Sender and contract address derivation (SHA-256 via OpenSSL's EVP). */
#include "derive.h"

#include <openssl/evp.h>
#include <string.h>

#include "hex.h"

static const char *skip_0x(const char *s)
{
	return (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? s + 2 : s;
}

static bool sha256_tail20(const uint8_t *data, size_t n, char out[DERIVE_HEX_ADDR_LEN])
{
	uint8_t md[32];
	unsigned int mdlen = 0;
	if (!EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return false;
	hex_encode(md + 12, 20, false, out);
	return true;
}

bool derive_sender_address(const char *pubkey_hex, char out[DERIVE_HEX_ADDR_LEN])
{
	const char *h = skip_0x(pubkey_hex);
	uint8_t key[33];
	if (strlen(h) != 66 || !hex_decode(h, 33, key))
		return false;
	if (key[0] != 0x02 && key[0] != 0x03)
		return false;
	return sha256_tail20(key, sizeof(key), out);
}

bool derive_contract_address(const char *sender_hex, uint64_t tx_nonce,
			     char out[DERIVE_HEX_ADDR_LEN])
{
	const char *h = skip_0x(sender_hex);
	uint8_t buf[28];
	if (strlen(h) != 40 || !hex_decode(h, 20, buf))
		return false;
	uint64_t nonce = tx_nonce > 0 ? tx_nonce - 1 : 0;
	for (int i = 0; i < 8; i++)
		buf[20 + i] = (uint8_t)(nonce >> (56 - 8 * i));
	return sha256_tail20(buf, sizeof(buf), out);
}

bool derive_normalize_address(const char *text, char out[DERIVE_HEX_ADDR_LEN])
{
	const char *h = skip_0x(text);
	uint8_t bytes[20];
	if (strlen(h) != 40 || !hex_decode(h, 20, bytes))
		return false;
	hex_encode(bytes, 20, false, out);
	return true;
}

bool derive_is_null_address(const char *hex40)
{
	for (int i = 0; i < 40; i++) {
		if (hex40[i] != '0')
			return false;
	}
	return hex40[40] == '\0';
}
