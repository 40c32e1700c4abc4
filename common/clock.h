/* The monotonic clock zws and zws-ingest measure time with: elapsed
 * times, deadlines and rate limits, never the time of day. */
#ifndef ZWS_CLOCK_H
#define ZWS_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t clock_now_ms(void);
/* CLOCK_MONOTONIC in milliseconds with their fraction, for timings
 * logged to a tenth of a millisecond. */
double clock_now_ms_frac(void);
/* CLOCK_MONOTONIC in whole seconds. */
uint32_t clock_now_s(void);

#endif
