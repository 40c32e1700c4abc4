/* A warning that may repeat thousands of times in a burst, folded into a
 * few log lines: the first occurrence after a quiet spell is logged at
 * once; later ones are counted and reported once per window for as long
 * as they keep coming. Pure: the caller logs and keeps the clock. */
#ifndef ZWS_TALLY_H
#define ZWS_TALLY_H

#include <stdbool.h>
#include <stdint.h>

struct tally {
	uint64_t since_ms; /* the open window started here */
	unsigned count;    /* occurrences in it not reported yet */
	bool open;
};

#define TALLY_INIT { 0, 0, false }

/* One occurrence at now_ms. true: it opens a window, so log it now. */
bool tally_add(struct tally *t, uint64_t now_ms);
/* Once window_ms have passed since the window opened: the occurrences to
 * report (0 if there were none), with *span_ms the time they cover. A new
 * window opens at now_ms if there were any, else the tally closes and the
 * next occurrence is logged at once again. Before that: 0, no change. */
unsigned tally_take(struct tally *t, uint64_t now_ms, uint64_t window_ms, uint64_t *span_ms);
/* When the open window ends; UINT64_MAX when none is open. */
uint64_t tally_due_ms(const struct tally *t, uint64_t window_ms);

#endif
