/* Doubling delays from base_ms to max_ms. */
#include "backoff.h"

void backoff_init(struct backoff *b, int base_ms, int max_ms)
{
	b->base_ms = base_ms > 0 ? base_ms : 1;
	b->max_ms = max_ms > b->base_ms ? max_ms : b->base_ms;
	b->failures = 0;
}

int backoff_fail(struct backoff *b)
{
	int delay = b->base_ms;
	for (int i = 0; i < b->failures && delay < b->max_ms; i++)
		delay *= 2;
	if (b->failures < 1000000)
		b->failures++;
	return delay < b->max_ms ? delay : b->max_ms;
}

bool backoff_is_first(const struct backoff *b)
{
	return b->failures == 1;
}

int backoff_succeed(struct backoff *b)
{
	int n = b->failures;
	b->failures = 0;
	return n;
}
