/* The events shape's transactions: what a busy epoch of token transfers
 * looks like to EventLog subscribers. Every generated block calls each of
 * 1,000 ZRC-2 token contracts once (transaction i calls token i with a
 * BatchTransfer to 10 recipients) and each call emits 10 TransferSuccess
 * events, modeled on the gZIL transfer receipt in
 * tests/fixtures/GetTransaction_event_logs.json: 10,000 event logs per
 * block, 10 per contract. Pure: json-c and the synth's hashes. */
#ifndef ZWS_FAKE_EVENTS_H
#define ZWS_FAKE_EVENTS_H

#include <json-c/json.h>
#include <stdint.h>

#include "fake_synth.h"

#define FAKE_EVENTS_CONTRACTS 1000 /* token contracts = transactions per block */
#define FAKE_EVENTS_PER_CALL 10    /* event logs per transaction */

/* Token contract i (i < FAKE_EVENTS_CONTRACTS) of a synth with the events
 * shape: the first 20 bytes of SHA-256("events/token/0/<i>"). */
void fake_events_token(const struct fake_synth *s, uint32_t i, uint8_t out[20]);

/* The transaction bodies of generated block num, in block order; every
 * receipt's epoch_num is epoch (shared, not taken). Adds the gas the block
 * used to *gas. NULL on allocation failure. */
struct json_object *fake_events_bodies(const struct fake_synth *s, uint64_t num,
				       struct json_object *epoch, uint64_t *gas);

#endif
