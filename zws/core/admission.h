/* Who may open a WebSocket, decided before the upgrade: the --max-clients
 * and --max-clients-per-ip caps and the --allow-origin list; and the
 * refusals folded per address, so a client retrying in a loop costs one
 * log line per address per window, never one per attempt. Pure: the
 * caller logs, answers and keeps the clock. */
#ifndef ZWS_ADMISSION_H
#define ZWS_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tally.h"

enum admission {
	ADMIT_OK,
	ADMIT_MAX_CLIENTS, /* 503 */
	ADMIT_PER_IP,      /* 503 */
	ADMIT_ORIGIN,      /* 403 */
};

struct admission_limits {
	unsigned max_clients;     /* 0 = off */
	unsigned max_per_ip;      /* 0 = off */
	const char *allow_origin; /* comma-separated; NULL = any */
};

/* clients: connected now; from_ip: connected now from the same address;
 * origin: the Origin header, NULL when absent (not a browser: allowed). */
enum admission admission_check(const struct admission_limits *lim, size_t clients, size_t from_ip,
			       const char *origin);
/* Whether origin is on the list (ASCII case ignored, as hosts are). */
bool admission_origin_allowed(const char *list, const char *origin);
int admission_status(enum admission a);
const char *admission_reason(enum admission a);

/* Addresses whose refusals are counted one by one; refusals from others
 * while all are taken are counted together under "other addresses". */
#define ADMISSION_LOG_ADDRS 64
#define ADMISSION_ADDR_MAX 64

struct admission_log_entry {
	char addr[ADMISSION_ADDR_MAX]; /* "" free */
	enum admission last;
	struct tally tally;
};

struct admission_log {
	struct admission_log_entry e[ADMISSION_LOG_ADDRS];
	struct admission_log_entry other;
};

/* A refusal of addr at now_ms. true: the first in a while from there, so
 * log it now; otherwise it is counted for admission_log_take. */
bool admission_log_add(struct admission_log *l, const char *addr, enum admission why, uint64_t now_ms);

/* One folded line: count refusals from addr over span_ms, the last for why. */
struct admission_report {
	const char *addr; /* lent until the next call */
	enum admission why;
	unsigned count;
	uint64_t span_ms;
};

/* Reports for every address whose window_ms window has ended with
 * refusals in it, up to max; an address quiet for a whole window is
 * forgotten. Returns how many were filled. */
size_t admission_log_take(struct admission_log *l, uint64_t now_ms, uint64_t window_ms,
			  struct admission_report *out, size_t max);

#endif
