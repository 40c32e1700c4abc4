/* Who listens to which address: for EventLog and TxnLog, an index from
 * address to the subscribers holding it, so a block's fan-out touches only
 * the addresses it carries and the subscribers of those. Each (subscriber,
 * address) pair is one link on two lists (the address's and the
 * subscriber's), so clearing a subscriber costs its own addresses only.
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

struct subs_link;
struct subscriber;

/* One address and everyone subscribed to it. */
struct subs_entry {
	struct addrmap_entry key;
	struct subs_link *first;
};

struct subs_link {
	struct subs_link *prev, *next; /* on the entry's list */
	struct subs_link *member_next; /* on the subscriber's list */
	struct subs_entry *entry;
	struct subscriber *sub;
};

struct subscriber {
	uint64_t id;
	struct subs_link *links[SUBS_TOPICS];
	uint32_t count[SUBS_TOPICS];
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
/* The subscribers of addr (follow ->next), or NULL. */
const struct subs_link *subs_first(const struct subs_index *idx, const uint8_t addr[ADDRESS_BYTES]);
void subs_index_free(struct subs_index *idx);

#endif
