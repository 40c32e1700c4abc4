/* A WebSocket message shared by every client that receives it: one
 * allocation with FRAME_HEADROOM spare bytes in front of the payload (where
 * lws writes the frame header), reference counted so a notification sent
 * to 19,000 clients exists once. */
#ifndef ZWS_FRAME_H
#define ZWS_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "text_parts.h"

/* At least LWS_PRE; app/session.c checks this at compile time. */
#define FRAME_HEADROOM 16

struct frame {
	unsigned refs;
	size_t len;
	unsigned char bytes[]; /* FRAME_HEADROOM + len + 1 (NUL) */
};

/* A frame holding a copy of text, with one reference. NULL on OOM. */
struct frame *frame_new(const char *text, size_t len);
/* A frame holding a copy of the text listed in p, with one reference.
 * NULL on OOM. */
struct frame *frame_new_parts(const struct text_parts *p);
static inline unsigned char *frame_payload(struct frame *f)
{
	return f->bytes + FRAME_HEADROOM;
}
static inline struct frame *frame_ref(struct frame *f)
{
	f->refs++;
	return f;
}
/* Drops one reference; frees on the last. NULL is ignored. */
void frame_unref(struct frame *f);

#endif
