/* zws shared counters: a region of cleared slots, counters and gauges,
 * duration histograms bucketed by their upper bounds, and the list of
 * recent blocks read newest first and never while it is being written.
 * Their rendering for /metrics and /status.json is test_zws_report.c's. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "zws_stats.h"

static struct stats_region *region_new(unsigned workers)
{
	struct stats_region *r = malloc(stats_region_size(workers));
	cr_assert_not_null(r);
	memset(r, 0xff, stats_region_size(workers));
	stats_region_init(r, workers);
	return r;
}

static struct stats_block block(uint64_t num, uint32_t fanout_us, uint32_t latency_us)
{
	return (struct stats_block){ .num = num, .at_ms = 1700000000000ULL + num, .txns = 3, .events = 2,
				     .clients = 40, .fanout_us = fanout_us, .latency_us = latency_us };
}

static uint64_t observations(const struct stats_histogram *h)
{
	uint64_t n = 0;
	for (size_t i = 0; i <= STATS_BUCKETS; i++)
		n += stats_get(&h->bucket[i]);
	return n;
}

Test(zws_stats, a_region_holds_one_cleared_slot_per_worker)
{
	cr_expect_eq(stats_region_size(3) - stats_region_size(2), sizeof(struct stats_slot));
	struct stats_region *r = region_new(3);
	cr_expect_eq(r->workers, 3);
	static const struct stats_slot zero;
	for (unsigned w = 0; w < 3; w++) {
		cr_expect_eq(memcmp(&r->slot[w], &zero, sizeof(zero)), 0, "slot %u is cleared", w);
		cr_expect_eq(stats_get(&r->slot[w].block_height), 0, "no block pushed yet");
	}
	free(r);
}

Test(zws_stats, counters_and_gauges)
{
	struct stats_region *r = region_new(2);
	struct stats_slot *s = &r->slot[1];
	stats_add(&s->accepted, 1);
	stats_add(&s->accepted, 4);
	cr_expect_eq(stats_get(&s->accepted), 5);
	stats_add(&s->connections, 3);
	stats_sub(&s->connections, 2);
	cr_expect_eq(stats_get(&s->connections), 1, "a gauge goes down as clients leave");
	stats_add(&s->refused[STATS_REFUSED_ORIGIN], 2);
	cr_expect_eq(stats_get(&s->refused[STATS_REFUSED_ORIGIN]), 2);
	cr_expect_eq(stats_get(&s->refused[STATS_REFUSED_PER_IP]), 0, "each reason its own counter");
	stats_set(&s->subscribers[TOPIC_EVENTLOG], 19000);
	stats_set(&s->subscribers[TOPIC_EVENTLOG], 18999);
	cr_expect_eq(stats_get(&s->subscribers[TOPIC_EVENTLOG]), 18999, "set replaces");
	stats_add(&s->notification_bytes, UINT64_C(5000000000));
	cr_expect_eq(stats_get(&s->notification_bytes), UINT64_C(5000000000), "64 bits wide");
	cr_expect_eq(stats_get(&r->slot[0].accepted), 0, "a worker writes only its own slot");
	free(r);
}

Test(zws_stats, bucket_bounds_rise)
{
	for (size_t i = 1; i < STATS_BUCKETS; i++)
		cr_expect_gt(stats_bucket_bounds[i], stats_bucket_bounds[i - 1], "bound %zu", i);
	cr_expect_gt(stats_bucket_bounds[0], 0);
}

/* A duration equal to a bound counts in that bound's bucket (Prometheus's
 * "le"); a microsecond more counts in the next. */
Test(zws_stats, a_duration_lands_in_the_first_bucket_bounding_it)
{
	for (size_t i = 0; i < STATS_BUCKETS; i++) {
		uint64_t bound_us = (uint64_t)(stats_bucket_bounds[i] * 1e6 + 0.5);
		struct stats_histogram h;
		memset(&h, 0, sizeof(h));
		stats_observe(&h, bound_us);
		cr_expect_eq(stats_get(&h.bucket[i]), 1, "%llu us in bucket %zu", (unsigned long long)bound_us, i);
		stats_observe(&h, bound_us + 1);
		cr_expect_eq(stats_get(&h.bucket[i + 1]), 1, "%llu us in bucket %zu",
			     (unsigned long long)bound_us + 1, i + 1);
		cr_expect_eq(observations(&h), 2, "one count per duration");
		cr_expect_eq(stats_get(&h.sum_us), 2 * bound_us + 1);
	}
}

Test(zws_stats, zero_and_very_long_durations)
{
	struct stats_histogram h;
	memset(&h, 0, sizeof(h));
	stats_observe(&h, 0);
	cr_expect_eq(stats_get(&h.bucket[0]), 1);
	stats_observe(&h, UINT64_C(3600000000)); /* an hour */
	cr_expect_eq(stats_get(&h.bucket[STATS_BUCKETS]), 1, "above every bound");
	cr_expect_eq(observations(&h), 2);
	cr_expect_eq(stats_get(&h.sum_us), UINT64_C(3600000000));
}

Test(zws_stats, a_pushed_block_is_counted_and_timed)
{
	struct stats_region *r = region_new(1);
	struct stats_slot *s = &r->slot[0];
	struct stats_block b = block(4100000, 250, 1800);
	stats_block_pushed(s, &b);
	cr_expect_eq(stats_get(&s->blocks), 1);
	cr_expect_eq(stats_get(&s->block_height), 4100000);
	cr_expect_eq(stats_get(&s->block_at_ms), b.at_ms);
	cr_expect_eq(observations(&s->fanout), 1);
	cr_expect_eq(stats_get(&s->fanout.sum_us), 250);
	cr_expect_eq(observations(&s->latency), 1);
	cr_expect_eq(stats_get(&s->latency.sum_us), 1800);
	cr_expect_eq(stats_get(&s->recent_seq) % 2, 0, "the list is not left mid-write");

	b = block(4100001, 300, 0); /* latency unknown */
	stats_block_pushed(s, &b);
	cr_expect_eq(stats_get(&s->blocks), 2);
	cr_expect_eq(stats_get(&s->block_height), 4100001);
	cr_expect_eq(observations(&s->fanout), 2);
	cr_expect_eq(observations(&s->latency), 1, "an unknown latency is not counted");
	cr_expect_eq(stats_get(&s->latency.sum_us), 1800);
	free(r);
}

Test(zws_stats, recent_blocks_newest_first)
{
	struct stats_region *r = region_new(1);
	struct stats_slot *s = &r->slot[0];
	struct stats_block out[STATS_RECENT_BLOCKS];
	cr_expect_eq(stats_recent(s, out, STATS_RECENT_BLOCKS), 0, "none before the first block");
	for (uint64_t n = 1; n <= 5; n++) {
		struct stats_block b = block(n, 100 + (uint32_t)n, 0);
		stats_block_pushed(s, &b);
	}
	size_t got = stats_recent(s, out, STATS_RECENT_BLOCKS);
	cr_assert_eq(got, 5);
	for (size_t i = 0; i < got; i++) {
		struct stats_block want = block(5 - i, 100 + (uint32_t)(5 - i), 0);
		cr_expect_eq(out[i].num, want.num, "out[%zu]", i);
		cr_expect_eq(out[i].at_ms, want.at_ms);
		cr_expect_eq(out[i].txns, want.txns);
		cr_expect_eq(out[i].events, want.events);
		cr_expect_eq(out[i].clients, want.clients);
		cr_expect_eq(out[i].fanout_us, want.fanout_us);
		cr_expect_eq(out[i].latency_us, want.latency_us);
	}
	cr_expect_eq(stats_recent(s, out, 2), 2, "no more than asked for");
	cr_expect_eq(out[0].num, 5);
	cr_expect_eq(out[1].num, 4);
	free(r);
}

Test(zws_stats, recent_after_the_list_wraps)
{
	struct stats_region *r = region_new(1);
	struct stats_slot *s = &r->slot[0];
	uint64_t last = 3 * STATS_RECENT_BLOCKS + 7;
	for (uint64_t n = 1; n <= last; n++) {
		struct stats_block b = block(n, 100, 0);
		stats_block_pushed(s, &b);
	}
	cr_expect_eq(stats_get(&s->blocks), last);
	struct stats_block out[STATS_RECENT_BLOCKS];
	size_t got = stats_recent(s, out, STATS_RECENT_BLOCKS);
	cr_assert_eq(got, STATS_RECENT_BLOCKS);
	for (size_t i = 0; i < got; i++)
		cr_expect_eq(out[i].num, last - i, "out[%zu]", i);
	free(r);
}

Test(zws_stats, a_list_being_written_is_not_read)
{
	struct stats_region *r = region_new(1);
	struct stats_slot *s = &r->slot[0];
	struct stats_block b = block(9, 100, 0);
	stats_block_pushed(s, &b);
	stats_add(&s->recent_seq, 1); /* as while a writer is mid-write */
	struct stats_block out[STATS_RECENT_BLOCKS];
	memset(out, 0, sizeof(out));
	cr_expect_eq(stats_recent(s, out, STATS_RECENT_BLOCKS), 0);
	stats_add(&s->recent_seq, 1); /* the write ends */
	cr_expect_eq(stats_recent(s, out, STATS_RECENT_BLOCKS), 1);
	cr_expect_eq(out[0].num, 9);
	free(r);
}
