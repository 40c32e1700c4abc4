/* A token bucket per client address, for requests that come without a
 * connection of their own to count them on (HTTP POST /): each address
 * may make rate requests a second, in bursts of rate. The table holds at
 * most ADDR_RATE_SLOTS addresses; when it is full a new address takes
 * the place of one whose bucket has refilled (it has nothing to
 * remember), else of the one heard from least recently. Pure: the caller
 * passes the time. */
#ifndef ZWS_ADDR_RATE_H
#define ZWS_ADDR_RATE_H

#include <stdbool.h>
#include <stdint.h>

#define ADDR_RATE_SLOTS 4096
#define ADDR_RATE_TEXT 64 /* the longest address text kept, with its NUL */

struct addr_rate;

/* An empty table for rate requests a second (rate > 0); NULL on OOM. */
struct addr_rate *addr_rate_new(unsigned rate);
/* One request from addr at now_ms: true if within the limit (a token is
 * taken), false if over it. */
bool addr_rate_take(struct addr_rate *t, const char *addr, uint64_t now_ms);
/* Addresses held now (at most ADDR_RATE_SLOTS). */
unsigned addr_rate_count(const struct addr_rate *t);
void addr_rate_free(struct addr_rate *t);

#endif
