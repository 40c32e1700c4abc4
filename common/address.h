/* Zilliqa account addresses: parsing the forms clients and nodes write
 * (0x + 40 hex in any case, 40 hex, bech32 "zil1...") into one canonical
 * form, lowercase "0x" + 40 hex. Pure: no I/O. */
#ifndef ZWS_ADDRESS_H
#define ZWS_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDRESS_BYTES 20
/* "0x" + 40 hex + NUL */
#define ADDRESS_CANON_LEN 43

/* Parses text (len bytes, not necessarily NUL-terminated) into 20 bytes.
 * Accepts 0x/0X + 40 hex, 40 hex, or bech32 with hrp "zil" and a valid
 * checksum. Returns false for anything else. */
bool address_parse(const char *text, size_t len, uint8_t out[ADDRESS_BYTES])
	__attribute__((warn_unused_result));

/* Writes the canonical form "0x" + 40 lowercase hex into out. */
void address_format(const uint8_t addr[ADDRESS_BYTES], char out[ADDRESS_CANON_LEN]);

/* Encodes 20 bytes as bech32 "zil1..." (43 chars + NUL). */
void address_to_bech32(const uint8_t addr[ADDRESS_BYTES], char out[44]);

#endif
