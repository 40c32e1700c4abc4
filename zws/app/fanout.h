/* Delivers one block to every session that should hear of it: NewBlock
 * subscribers share one frame; sessions with EventLog/TxnLog content or
 * an Unsubscribe to report get a message assembled from the block's
 * shared fragments. */
#ifndef ZWS_FANOUT_H
#define ZWS_FANOUT_H

#include "app.h"
#include "block_feed.h"

void fanout_block(struct zws *app, const struct block *b);

#endif
