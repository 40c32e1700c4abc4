/* Reference-counted shared WebSocket payloads (see frame.h). */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

static struct frame *frame_alloc(size_t len)
{
	struct frame *f = malloc(sizeof(*f) + FRAME_HEADROOM + len + 1);
	if (!f)
		return NULL;
	f->refs = 1;
	f->len = len;
	f->bytes[FRAME_HEADROOM + len] = '\0';
	return f;
}

struct frame *frame_new(const char *text, size_t len)
{
	struct frame *f = frame_alloc(len);
	if (f)
		memcpy(frame_payload(f), text, len);
	return f;
}

struct frame *frame_new_parts(const struct text_parts *p)
{
	struct frame *f = frame_alloc(p->len);
	if (!f)
		return NULL;
	unsigned char *at = frame_payload(f);
	for (size_t i = 0; i < p->count; i++) {
		memcpy(at, p->v[i].data, p->v[i].len);
		at += p->v[i].len;
	}
	return f;
}

void frame_unref(struct frame *f)
{
	if (f && --f->refs == 0)
		free(f);
}
