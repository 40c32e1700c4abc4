/* A message held as the list of the pieces of text it is made of,
 * pointing into data that outlives it (a block's fragments, string
 * constants) instead of copying them: a client's notification is mostly
 * fragments it shares with hundreds of others, and written as a list of
 * pieces it is never copied whole. Like struct buf, adds never fail
 * silently: after an allocation failure the list is marked failed and
 * every later add is ignored. Pure. */
#ifndef ZWS_TEXT_PARTS_H
#define ZWS_TEXT_PARTS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct text_part {
	const char *data;
	size_t len;
};

struct text_parts {
	struct text_part *v;
	size_t count, cap;
	size_t len; /* bytes of text in all pieces */
	bool failed;
};

#define TEXT_PARTS_INIT { NULL, 0, 0, 0, false }

/* Adds the len bytes at data, which must outlive every use of p's
 * pieces. An empty piece is not added. */
void text_parts_add(struct text_parts *p, const char *data, size_t len);
void text_parts_add_str(struct text_parts *p, const char *s);
/* Keeps the allocation, forgets the pieces and any failure. */
void text_parts_reset(struct text_parts *p);
/* Appends the text from byte from on to out. */
void text_parts_copy(const struct text_parts *p, size_t from, struct buf *out);
void text_parts_free(struct text_parts *p);

#endif
