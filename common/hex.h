/* Bytes as hex text, the one encoder zws, zws-ingest and the fake lookup
 * share (addresses, hashes, keys, signatures). Pure. */
#ifndef ZWS_HEX_H
#define ZWS_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2 * n hex digits and a NUL to out (2 * n + 1 bytes); uppercase
 * digits when upper, as the node writes public keys and signatures. */
void hex_encode(const uint8_t *in, size_t n, bool upper, char *out);

#endif
