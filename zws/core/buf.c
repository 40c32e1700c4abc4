/* Growable byte buffer used by every JSON builder in zws. Doubling growth;
 * a failed allocation poisons the buffer instead of being reported at each
 * append. */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_reserve(struct buf *b, size_t extra)
{
	if (b->failed || b->cap - b->len > extra)
		return;
	if (extra >= SIZE_MAX / 2 - b->len) {
		b->failed = true; /* no size_t could hold it: doubling would wrap */
		return;
	}
	size_t cap = b->cap ? b->cap : 64;
	while (cap - b->len <= extra)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return;
	}
	b->data = p;
	b->cap = cap;
}

void buf_append(struct buf *b, const void *bytes, size_t len)
{
	buf_reserve(b, len);
	if (b->failed)
		return;
	memcpy(b->data + b->len, bytes, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_append_char(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_append_u64(struct buf *b, unsigned long long v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%llu", v);
	buf_append(b, tmp, (size_t)n);
}

void buf_append_json_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	buf_reserve(b, len + 2);
	buf_append_char(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_append(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': buf_append(b, "\\\"", 2); break;
		case '\\': buf_append(b, "\\\\", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		case '\b': buf_append(b, "\\b", 2); break;
		case '\f': buf_append(b, "\\f", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_append(b, u, 6);
		}
		}
	}
	buf_append(b, s + run, len - run);
	buf_append_char(b, '"');
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

char *buf_take(struct buf *b, size_t *len)
{
	char *p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
	return p;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}
