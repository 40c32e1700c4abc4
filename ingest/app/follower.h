/* The chain follower: polls the lookup's head, fetches blocks through the
 * fetch window in batched requests, hands complete blocks to the store in
 * order, and logs progress. Runs on the libevent loop. */
#ifndef INGEST_FOLLOWER_H
#define INGEST_FOLLOWER_H

#include <stdbool.h>
#include <stddef.h>

#define FOLLOWER_DRAIN_MAX_MS 10000

struct event_base;
struct ingest_config;
struct follower;

struct follower *follower_new(struct event_base *base, const struct ingest_config *cfg,
			      char *err, size_t errlen);

/* Stops fetching, lets the store commit the blocks already queued (at
 * most FOLLOWER_DRAIN_MAX_MS), then exits the loop. A second call exits
 * the loop at once. */
void follower_stop(struct follower *f);

/* For the --http listener: the /healthz body (returns 200 or 503) and the
 * /metrics text (returns the length it needs, as snprintf). */
int follower_healthz(void *f, char *out, size_t outlen);
size_t follower_metrics(void *f, char *out, size_t outlen);

/* Frees everything; the store finishes or abandons its current block. */
void follower_free(struct follower *f);

/* True when the follower hit an unrecoverable local error. */
bool follower_failed(const struct follower *f);

enum follower_health {
	FOLLOWER_STARTING,  /* waiting for PostgreSQL or the lookup's head */
	FOLLOWER_FOLLOWING,
	FOLLOWER_HALTED,    /* stopped following (another chain, a block too big) */
};

/* How ingest is doing, for a health report; *why is the reason when
 * halted (NULL otherwise), valid until the follower changes. */
enum follower_health follower_health(const struct follower *f, const char **why);

#endif
