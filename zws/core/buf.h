/* A growable byte buffer for building JSON text. Appends never fail
 * silently: after an allocation failure the buffer is marked failed and
 * every later append is ignored, so a builder checks once at the end. */
#ifndef ZWS_BUF_H
#define ZWS_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

/* An empty buffer; frees nothing it did not allocate. */
#define BUF_INIT { NULL, 0, 0, false }

void buf_append(struct buf *b, const void *bytes, size_t len);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char(struct buf *b, char c);
/* Appends s as a JSON string literal, quotes included. */
void buf_append_json_string(struct buf *b, const char *s, size_t len);
/* Appends the decimal form of v. */
void buf_append_u64(struct buf *b, unsigned long long v);
/* Makes room for at least extra more bytes; fails the buffer if no
 * allocation could hold them. */
void buf_reserve(struct buf *b, size_t extra);
/* Keeps the allocation, forgets the content and any failure. */
void buf_reset(struct buf *b);
/* Hands the bytes to the caller (who frees them) and empties b. */
char *buf_take(struct buf *b, size_t *len);
void buf_free(struct buf *b);

#endif
