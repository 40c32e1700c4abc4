/* Rate-limited warning counts (see tally.h). */
#include "tally.h"

bool tally_add(struct tally *t, uint64_t now_ms)
{
	if (t->open) {
		t->count++;
		return false;
	}
	*t = (struct tally){ .since_ms = now_ms, .count = 0, .open = true };
	return true;
}

unsigned tally_take(struct tally *t, uint64_t now_ms, uint64_t window_ms, uint64_t *span_ms)
{
	if (!t->open || now_ms < t->since_ms + window_ms)
		return 0;
	unsigned n = t->count;
	*span_ms = now_ms - t->since_ms;
	t->since_ms = now_ms;
	t->count = 0;
	t->open = n > 0;
	return n;
}

uint64_t tally_due_ms(const struct tally *t, uint64_t window_ms)
{
	return t->open ? t->since_ms + window_ms : UINT64_MAX;
}
