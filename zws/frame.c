/* Reference-counted shared WebSocket payloads (see frame.h). */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

struct frame *frame_new(const char *text, size_t len)
{
	struct frame *f = malloc(sizeof(*f) + FRAME_HEADROOM + len + 1);
	if (!f)
		return NULL;
	f->refs = 1;
	f->len = len;
	memcpy(f->bytes + FRAME_HEADROOM, text, len);
	f->bytes[FRAME_HEADROOM + len] = '\0';
	return f;
}

void frame_unref(struct frame *f)
{
	if (f && --f->refs == 0)
		free(f);
}
