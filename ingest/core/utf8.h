/* UTF-8 checks for the text zws-ingest hands to PostgreSQL, which refuses
 * any invalid byte sequence in a text or json value. A lookup that sends
 * such bytes inside a JSON string has them stored, once fetching again
 * did not help, with each maximal invalid sequence replaced by the JSON
 * escape \ufffd (U+FFFD REPLACEMENT CHARACTER): valid JSON that decodes
 * to the character Unicode reserves for bytes that could not be read.
 * Pure. */
#ifndef INGEST_UTF8_H
#define INGEST_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The escape written in place of each invalid sequence. */
#define UTF8_REPLACEMENT "\\ufffd"
#define UTF8_REPLACEMENT_LEN 6

/* True when s[0..n) is valid UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
bool utf8_valid(const char *s, size_t n);

/* The length of the valid sequence starting at s[i] (1 for ASCII), or 0
 * when the bytes there are not valid UTF-8 (exposed for tests). */
size_t utf8_sequence_len(const unsigned char *s, size_t n, size_t i);

/* Writes s[0..n) to out with each maximal invalid sequence replaced by
 * UTF8_REPLACEMENT; out must hold utf8_repaired_len(s, n) bytes. Returns
 * the bytes written. */
size_t utf8_repair(const char *s, size_t n, char *out);
size_t utf8_repaired_len(const char *s, size_t n);

#endif
