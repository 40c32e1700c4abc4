/* Text as a list of borrowed pieces (see text_parts.h). */
#include "text_parts.h"

#include <stdlib.h>
#include <string.h>

void text_parts_add(struct text_parts *p, const char *data, size_t len)
{
	if (p->failed || !len)
		return;
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct text_part *v = realloc(p->v, cap * sizeof(*v));
		if (!v) {
			p->failed = true;
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->count++] = (struct text_part){ data, len };
	p->len += len;
}

void text_parts_add_str(struct text_parts *p, const char *s)
{
	text_parts_add(p, s, strlen(s));
}

void text_parts_reset(struct text_parts *p)
{
	p->count = p->len = 0;
	p->failed = false;
}

void text_parts_copy(const struct text_parts *p, size_t from, struct buf *out)
{
	buf_reserve(out, p->len > from ? p->len - from : 0);
	for (size_t i = 0; i < p->count; i++) {
		const struct text_part *t = &p->v[i];
		if (from >= t->len) {
			from -= t->len;
			continue;
		}
		buf_append(out, t->data + from, t->len - from);
		from = 0;
	}
}

void text_parts_free(struct text_parts *p)
{
	free(p->v);
	p->v = NULL;
	p->count = p->cap = p->len = 0;
	p->failed = false;
}
