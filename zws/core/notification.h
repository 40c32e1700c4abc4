/* Assembles one client's notification for a block from shared parts:
 * {"type":"Notification","values":[NewBlock, EventLog, TxnLog,
 * Unsubscribe]}, each value present only when it has content; a
 * connection that sent Resume gets "blockNum":"N" before "values". The same
 * function builds the message shared by NewBlock-only clients, so every
 * client's bytes are the same whichever way they were assembled. Pure. */
#ifndef ZWS_NOTIFICATION_H
#define ZWS_NOTIFICATION_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "fanout_plan.h"
#include "text_parts.h"
#include "topic.h"

struct notification {
	const struct buf *newblock_value; /* NULL: no NewBlock value */
	const struct fanout_item *items;   /* one subscriber's run, sorted */
	size_t nitems;
	const unsigned char *unsubscribed; /* topics, in the order dropped */
	size_t nunsubscribed;
	const char *block_num;            /* NULL: no blockNum member (never resumed) */
};

/* True if n has anything to send. */
bool notification_has_content(const struct notification *n);
/* Lists the message text in out (reset first) as pieces: constants and
 * the block's fragments, none copied, so out is valid while the block
 * is. false on OOM. */
bool notification_parts(const struct notification *n, struct text_parts *out)
	__attribute__((warn_unused_result));
/* The message text itself, in out (reset first). false on OOM. */
bool notification_build(const struct notification *n, struct buf *out)
	__attribute__((warn_unused_result));

#endif
