/* Who listens to which address: for EventLog and TxnLog, an index from
 * address to the subscribers holding it, so a block's fan-out touches only
 * the addresses it carries and the subscribers of those. Both sides are
 * arrays: an address's entry lists its subscribers, a subscriber lists its
 * entries, and each side records where it sits in the other's array, so a
 * subscriber leaves an address in constant time (the last member takes
 * its place) and clearing a subscriber costs its own addresses only.
 * Pure: no I/O. */
#ifndef ZWS_SUBS_H
#define ZWS_SUBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addrmap.h"

enum subs_topic {
	SUBS_EVENTLOG = 0,
	SUBS_TXNLOG = 1,
	SUBS_TOPICS = 2,
};

struct subs_entry;
struct subs_hold;

struct subscriber {
	uint64_t id;
	struct subs_hold *held[SUBS_TOPICS]; /* allocated while it holds any */
	uint32_t count[SUBS_TOPICS];         /* addresses held per topic */
};

struct subs_index {
	struct addrmap map;
	size_t links;
};

#define SUBS_INDEX_INIT { ADDRMAP_INIT, 0 }

/* Subscribes sub to addr on one topic; adding an address it already has is
 * a no-op. false on OOM (nothing changed). */
bool subs_add(struct subs_index *idx, enum subs_topic t, struct subscriber *sub,
	      const uint8_t addr[ADDRESS_BYTES])
	__attribute__((warn_unused_result));
bool subs_has(const struct subscriber *sub, enum subs_topic t, const uint8_t addr[ADDRESS_BYTES]);
/* Removes every address sub holds on topic t. */
void subs_clear(struct subs_index *idx, enum subs_topic t, struct subscriber *sub);
/* The subscribers of addr: sets *subs to an array of that many, valid
 * until the index next changes. 0 if nobody holds addr. */
size_t subs_of(const struct subs_index *idx, const uint8_t addr[ADDRESS_BYTES],
	       struct subscriber *const **subs);
void subs_index_free(struct subs_index *idx);

#endif
