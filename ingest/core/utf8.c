/* UTF-8 validation and repair (see utf8.h). ASCII, the bulk of what a
 * lookup sends, is skipped eight bytes at a time. An invalid sequence is
 * "maximal" in the sense of Unicode's substitution practice: a lead byte
 * with the continuation bytes that were valid after it, or one stray
 * byte. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* How many bytes the sequence led by c needs and the range of its second
 * byte; false when c cannot start a multi-byte sequence. */
static bool lead(unsigned char c, size_t *need, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		*need = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		*need = 3;
		*lo = c == 0xE0 ? 0xA0 : 0x80;
		*hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		*need = 4;
		*lo = c == 0xF0 ? 0x90 : 0x80;
		*hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return false;
	}
	return true;
}

/* How many bytes from s[i] (a byte >= 0x80) belong to its sequence: the
 * lead and the continuation bytes valid after it; *need how many it
 * should have (0: not a lead). */
static size_t sequence_prefix(const unsigned char *s, size_t n, size_t i, size_t *need)
{
	unsigned char lo, hi;
	if (!lead(s[i], need, &lo, &hi)) {
		*need = 0;
		return 1;
	}
	size_t k = 1;
	while (k < *need && i + k < n && s[i + k] >= lo && s[i + k] <= hi) {
		k++;
		lo = 0x80;
		hi = 0xBF;
	}
	return k;
}

size_t utf8_sequence_len(const unsigned char *s, size_t n, size_t i)
{
	if (s[i] < 0x80)
		return 1;
	size_t need, k = sequence_prefix(s, n, i, &need);
	return k == need ? k : 0;
}

/* The offset of the first byte at or after i that is not ASCII. */
static size_t skip_ascii(const unsigned char *s, size_t n, size_t i)
{
	while (i + 8 <= n) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
		i += 8;
	}
	while (i < n && s[i] < 0x80)
		i++;
	return i;
}

bool utf8_valid(const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = skip_ascii(s, n, 0); i < n; i = skip_ascii(s, n, i)) {
		size_t len = utf8_sequence_len(s, n, i);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

/* Copies s to out with each invalid sequence replaced; out NULL: only
 * counts the bytes. */
static size_t repair_into(const unsigned char *s, size_t n, char *out)
{
	size_t w = 0, i = 0, run = 0;
	while (i < n) {
		i = skip_ascii(s, n, i);
		if (i >= n)
			break;
		size_t len = utf8_sequence_len(s, n, i);
		if (len) {
			i += len;
			continue;
		}
		if (out)
			memcpy(out + w, s + run, i - run);
		w += i - run;
		if (out)
			memcpy(out + w, UTF8_REPLACEMENT, UTF8_REPLACEMENT_LEN);
		w += UTF8_REPLACEMENT_LEN;
		size_t need;
		i += sequence_prefix(s, n, i, &need);
		run = i;
	}
	if (out)
		memcpy(out + w, s + run, n - run);
	return w + (n - run);
}

size_t utf8_repaired_len(const char *s, size_t n)
{
	return repair_into((const unsigned char *)s, n, NULL);
}

size_t utf8_repair(const char *s, size_t n, char *out)
{
	return repair_into((const unsigned char *)s, n, out);
}
