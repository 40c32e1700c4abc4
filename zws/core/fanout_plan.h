/* Which subscriber gets which fragments of a block. Walks the block's
 * EventLog and TxnLog groups (in order of first appearance), looks each
 * address up in the subscriber index and records one item per delivery,
 * then sorts the items by subscriber so each client's share is one run.
 * The walk already yields each subscriber's items in (topic, order), so
 * a stable radix sort on the subscriber id alone is enough, linear in
 * the deliveries and several times faster than a comparison sort
 * (bench/fanout/results.md, "Design measurements": fan-out plan). Pure:
 * no I/O. */
#ifndef ZWS_FANOUT_PLAN_H
#define ZWS_FANOUT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "block_feed.h"
#include "subs.h"
#include "topic.h"

struct fanout_item {
	struct subscriber *sub;
	const struct block_group *group;
	uint32_t order;
	unsigned char topic; /* TOPIC_EVENTLOG or TOPIC_TXNLOG */
};

struct fanout_plan {
	struct fanout_item *items; /* sorted by subscriber id, topic, order */
	size_t count;
	size_t cap;
	struct fanout_item *spare; /* the sort's other array, spare_cap items */
	size_t spare_cap;
};

#define FANOUT_PLAN_INIT { NULL, 0, 0, NULL, 0 }

/* Fills p (emptied first) for block b against the EventLog and TxnLog
 * indexes. false on OOM. */
bool fanout_plan_build(struct fanout_plan *p, const struct block *b,
		      const struct subs_index *events, const struct subs_index *txns)
	__attribute__((warn_unused_result));
/* Length of the run of items starting at i that belong to one subscriber. */
size_t fanout_plan_run(const struct fanout_plan *p, size_t i);
void fanout_plan_free(struct fanout_plan *p);

#endif
