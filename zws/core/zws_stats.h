/* What each zws worker counts about itself, in one slot of a region every
 * worker of the server shares (made before the workers are forked, see
 * io/stats_region.h), so whichever worker answers /metrics, /healthz or
 * /status.json describes the whole server. A worker writes only its own
 * slot; anyone may read every slot. Counters and gauges are relaxed
 * atomics; the list of recent blocks is guarded by a sequence number the
 * writer makes odd while it writes. Pure: no I/O. */
#ifndef ZWS_ZWS_STATS_H
#define ZWS_ZWS_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topic.h"

/* Why a connection was refused before it became a WebSocket client. */
enum stats_refusal {
	STATS_REFUSED_MAX_CLIENTS,  /* --max-clients */
	STATS_REFUSED_PER_IP,       /* --max-clients-per-ip */
	STATS_REFUSED_ORIGIN,       /* --allow-origin */
	STATS_REFUSED_HANDSHAKE,    /* not a valid upgrade (RFC 6455) */
	STATS_REFUSED_OPEN_FILES,   /* at the open-file limit */
	STATS_REFUSED_COUNT,
};

/* Why the server dropped a client. */
enum stats_drop {
	STATS_DROP_SLOW,          /* fell behind on notifications (--max-queue) */
	STATS_DROP_KEEPALIVE,     /* silent past --drop-after */
	STATS_DROP_REPLIES,       /* left too many replies unread */
	STATS_DROP_MESSAGE_SIZE,  /* sent a message over --max-message */
	STATS_DROP_UNMASKED,      /* sent an unmasked frame (RFC 6455: 1002) */
	STATS_DROP_COUNT,
};

/* How an EventLog contract check ended (contract_check.h's outcomes). */
enum stats_check {
	STATS_CHECK_ANSWERED,
	STATS_CHECK_LOOKUP_FAILED,
	STATS_CHECK_LATE,
	STATS_CHECK_COUNT,
};

/* Why a Resume was refused (answered with an Error, nothing changed). */
enum stats_resume_refusal {
	STATS_RESUME_TOO_OLD,  /* fromBlock below the oldest resumable block */
	STATS_RESUME_AHEAD,    /* fromBlock past the head + 1 */
	STATS_RESUME_INVALID,  /* an invalid fromBlock or queries field */
	STATS_RESUME_LIMITS,   /* its addresses over a cap, or no contract among them */
	STATS_RESUME_REFUSED_COUNT,
};

/* Where a replayed block came from for the client it was sent to. */
enum stats_replay_source {
	STATS_REPLAY_CACHE,    /* the block cache held it when the client needed it */
	STATS_REPLAY_POSTGRES, /* the client waited for it to be read from PostgreSQL */
	STATS_REPLAY_SOURCE_COUNT,
};

/* Upper bounds, in seconds, of the duration histograms' buckets. */
#define STATS_BUCKETS 15
extern const double stats_bucket_bounds[STATS_BUCKETS];

/* Blocks each worker remembers for the status page. */
#define STATS_RECENT_BLOCKS 32

struct stats_histogram {
	_Atomic uint64_t bucket[STATS_BUCKETS + 1]; /* the last: above every bound */
	_Atomic uint64_t sum_us;
};

struct stats_block {
	uint64_t num;
	uint64_t at_ms;      /* wall clock, when its fan-out ended */
	uint32_t txns, events;
	uint32_t clients;    /* clients it was sent to */
	uint32_t fanout_us;  /* the fan-out pass */
	uint32_t latency_us; /* NOTIFY received to the last send; 0 unknown */
};

struct stats_slot {
	_Atomic int32_t pid;          /* 0: no worker in this slot */
	_Atomic uint64_t started_ms;  /* wall clock */
	_Atomic uint64_t connections; /* WebSocket clients now */
	_Atomic uint64_t accepted;
	_Atomic uint64_t refused[STATS_REFUSED_COUNT];
	_Atomic uint64_t dropped[STATS_DROP_COUNT];
	_Atomic uint64_t subscribers[TOPIC_COUNT]; /* clients subscribed to each topic */
	_Atomic uint64_t addresses[TOPIC_COUNT];   /* addresses held (NewBlock: 0) */
	_Atomic uint64_t notifications, notification_bytes;
	_Atomic uint64_t checks[STATS_CHECK_COUNT];
	_Atomic uint64_t resumes;         /* Resume requests accepted */
	_Atomic uint64_t resumes_refused[STATS_RESUME_REFUSED_COUNT];
	_Atomic uint64_t replayed[STATS_REPLAY_SOURCE_COUNT]; /* blocks replayed, one per client */
	_Atomic uint64_t replay_reads;    /* blocks read from PostgreSQL for replays */
	_Atomic uint64_t replaying;       /* clients replaying now */
	_Atomic uint64_t blocks;          /* blocks pushed */
	_Atomic uint64_t block_height;    /* the last block pushed; 0 none yet */
	_Atomic uint64_t block_at_ms;     /* wall clock, when it was pushed */
	_Atomic uint32_t postgres_up;
	_Atomic uint32_t lookup_configured, lookup_failing;
	struct stats_histogram fanout, latency;
	_Atomic uint64_t recent_seq;      /* odd while recent[] is written */
	uint64_t recent_count;            /* blocks ever added to recent[] */
	struct stats_block recent[STATS_RECENT_BLOCKS];
};

struct stats_region {
	uint32_t workers;
	struct stats_slot slot[];
};

/* The bytes a region for workers slots takes. */
size_t stats_region_size(unsigned workers);
/* Clears a region of stats_region_size(workers) bytes. */
void stats_region_init(struct stats_region *r, unsigned workers);

void stats_add(_Atomic uint64_t *counter, uint64_t n);
/* Lowers a gauge kept up to date by stats_add. */
void stats_sub(_Atomic uint64_t *gauge, uint64_t n);
void stats_set(_Atomic uint64_t *gauge, uint64_t v);
uint64_t stats_get(const _Atomic uint64_t *v);
/* Counts one duration of us microseconds. */
void stats_observe(struct stats_histogram *h, uint64_t us);
/* Records a pushed block: height, histograms, the recent list. */
void stats_block_pushed(struct stats_slot *s, const struct stats_block *b);
/* Copies up to max of s's recent blocks, newest first; returns how many. */
size_t stats_recent(const struct stats_slot *s, struct stats_block *out, size_t max);

#endif
