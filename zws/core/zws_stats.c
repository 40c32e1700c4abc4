/* The shared counters (see zws_stats.h). */
#include "zws_stats.h"

#include <string.h>

const double stats_bucket_bounds[STATS_BUCKETS] = {
	0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
};

size_t stats_region_size(unsigned workers)
{
	return sizeof(struct stats_region) + (size_t)workers * sizeof(struct stats_slot);
}

void stats_region_init(struct stats_region *r, unsigned workers)
{
	memset(r, 0, stats_region_size(workers));
	r->workers = workers;
}

void stats_add(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

void stats_sub(_Atomic uint64_t *gauge, uint64_t n)
{
	atomic_fetch_sub_explicit(gauge, n, memory_order_relaxed);
}

void stats_set(_Atomic uint64_t *gauge, uint64_t v)
{
	atomic_store_explicit(gauge, v, memory_order_relaxed);
}

uint64_t stats_get(const _Atomic uint64_t *v)
{
	return atomic_load_explicit((_Atomic uint64_t *)v, memory_order_relaxed);
}

void stats_observe(struct stats_histogram *h, uint64_t us)
{
	size_t i = 0;
	while (i < STATS_BUCKETS && (double)us > stats_bucket_bounds[i] * 1e6)
		i++;
	stats_add(&h->bucket[i], 1);
	stats_add(&h->sum_us, us);
}

void stats_block_pushed(struct stats_slot *s, const struct stats_block *b)
{
	stats_add(&s->blocks, 1);
	stats_set(&s->block_height, b->num);
	stats_set(&s->block_at_ms, b->at_ms);
	stats_observe(&s->fanout, b->fanout_us);
	if (b->latency_us)
		stats_observe(&s->latency, b->latency_us);
	uint64_t seq = atomic_load_explicit(&s->recent_seq, memory_order_relaxed);
	atomic_store_explicit(&s->recent_seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	s->recent[s->recent_count % STATS_RECENT_BLOCKS] = *b;
	s->recent_count++;
	atomic_store_explicit(&s->recent_seq, seq + 2, memory_order_release);
}

static size_t copy_recent(const struct stats_slot *s, struct stats_block *out, size_t max)
{
	uint64_t count = s->recent_count;
	size_t n = 0;
	for (; n < max && n < count && n < STATS_RECENT_BLOCKS; n++)
		out[n] = s->recent[(count - 1 - n) % STATS_RECENT_BLOCKS];
	return n;
}

size_t stats_recent(const struct stats_slot *s, struct stats_block *out, size_t max)
{
	_Atomic uint64_t *seqp = (_Atomic uint64_t *)&s->recent_seq;
	for (int tries = 0; tries < 100; tries++) {
		uint64_t before = atomic_load_explicit(seqp, memory_order_acquire);
		if (before & 1)
			continue;
		size_t n = copy_recent(s, out, max);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(seqp, memory_order_relaxed) == before)
			return n;
	}
	return 0; /* the writer kept writing: no list this time */
}
