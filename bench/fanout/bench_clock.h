/* What the fan-out instruments share: a clock in nanoseconds and the
 * SIGINT/SIGTERM flag their loops poll. Header-only; each program is one
 * file. */
#ifndef ZWS_BENCH_CLOCK_H
#define ZWS_BENCH_CLOCK_H

#include <signal.h>
#include <stdint.h>
#include <time.h>

static inline int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static volatile sig_atomic_t stop_requested;

static inline void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

#endif
