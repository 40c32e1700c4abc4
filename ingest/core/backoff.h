/* Exponential backoff with a cap for retrying the lookup node and
 * PostgreSQL, and knowing when an outage starts and ends (so each is
 * logged once). Pure. */
#ifndef INGEST_BACKOFF_H
#define INGEST_BACKOFF_H

#include <stdbool.h>

struct backoff {
	int base_ms;
	int max_ms;
	int failures; /* consecutive */
};

void backoff_init(struct backoff *b, int base_ms, int max_ms);

/* Records a failure and returns the delay before the next attempt:
 * base, 2*base, 4*base, ... up to max. */
int backoff_fail(struct backoff *b);

/* True when the last backoff_fail began an outage (first failure). */
bool backoff_is_first(const struct backoff *b);

/* Records a success; returns how many failures it ends (0: none). */
int backoff_succeed(struct backoff *b);

#endif
