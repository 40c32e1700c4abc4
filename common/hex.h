/* Bytes as hex text and back, the one codec zws, zws-ingest and the fake
 * lookup share (addresses, hashes, keys, signatures). Pure. */
#ifndef ZWS_HEX_H
#define ZWS_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2 * n hex digits and a NUL to out (2 * n + 1 bytes); uppercase
 * digits when upper, as the node writes public keys and signatures. */
void hex_encode(const uint8_t *in, size_t n, bool upper, char *out);

/* The value of hex digit c (either case), or -1. */
int hex_digit(char c);
/* Reads n bytes from the 2 * n hex digits at hex (either case). false if
 * one is not a hex digit (out is then partly written). */
bool hex_decode(const char *hex, size_t n, uint8_t *out) __attribute__((warn_unused_result));
/* A 32-byte hash as the node writes it (64 hex digits, either case, 0x
 * optional) into out as 64 lowercase digits and a NUL. false if in is
 * NULL or not such a hash. */
bool hex_hash_lower(const char *in, char out[65]) __attribute__((warn_unused_result));

#endif
