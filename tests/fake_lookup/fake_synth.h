/* Deterministic generated TxBlocks. A block's contents are a pure function
 * of its number, the shape and the flavor: the same bytes every time and
 * across restarts. Hashes are SHA-256 of "<shape>/<label>/<num>/<index>".
 * Transaction IDs and deployed-contract addresses also encode (num, index)
 * under a hash-derived mask, so GetContractAddressFromTransactionID and
 * GetSmartContractInit can recognise them without an index. */
#ifndef ZWS_FAKE_SYNTH_H
#define ZWS_FAKE_SYNTH_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_block.h"
#include "fake_fixtures.h"
#include "fake_template.h"

/* Highest block number generated IDs can encode. */
#define FAKE_MAX_BLOCK ((UINT64_C(1) << 47) - 1)

enum fake_shape {
	FAKE_SHAPE_EMPTY,   /* no transactions */
	FAKE_SHAPE_MAINNET, /* block 692365's 28 transactions, 13 event logs */
	FAKE_SHAPE_MIXED,   /* N % 3 == 0 empty, else mainnet; N % 5 == 0 adds a deploy */
	FAKE_SHAPE_PAGED,   /* 5,001 transactions: 3 pages */
	FAKE_SHAPE_EVENTS,  /* 1,000 token calls, 10 event logs each (fake_events.h) */
};

enum fake_flavor {
	FAKE_FLAVOR_Z1, /* Zilliqa 1 lookup */
	FAKE_FLAVOR_Z2, /* Zilliqa 2: one microblock, no MinerPubKey, checksummed toAddr */
};

bool fake_shape_parse(const char *name, enum fake_shape *out) __attribute__((warn_unused_result));
const char *fake_shape_name(enum fake_shape shape);
bool fake_flavor_parse(const char *name, enum fake_flavor *out) __attribute__((warn_unused_result));
const char *fake_flavor_name(enum fake_flavor flavor);

struct fake_synth {
	const struct fake_fixtures *fixtures; /* borrowed */
	enum fake_shape shape;
	enum fake_flavor flavor;
	/* Blocks from fork_at on (0: none) belong to another chain: other
	 * hashes, the same transactions. */
	uint64_t fork_at;
	/* Block 692365's bodies, then the contract deploy, pre-rendered. */
	struct fake_template *templates;
	size_t template_count;
	/* The contracts whose event logs generated blocks carry, in order of
	 * first emission, and the same sorted for lookups. */
	uint8_t (*emitters)[20];
	uint8_t (*emitters_sorted)[20];
	size_t emitter_count;
};

bool fake_synth_init(struct fake_synth *s, const struct fake_fixtures *fixtures,
		     enum fake_shape shape, enum fake_flavor flavor, char *err,
		     size_t errlen) __attribute__((warn_unused_result));
void fake_synth_cleanup(struct fake_synth *s);

/* What generated block num holds: num_txns transactions, the last of which
 * deploys a contract if deploy is set. */
struct fake_synth_plan {
	uint32_t num_txns;
	bool deploy;
};
struct fake_synth_plan fake_synth_plan(const struct fake_synth *s, uint64_t num);

/* Block num's BlockHash (64 hex): a fixture block's own, the PrevBlockHash of
 * a fixture block num + 1, or generated. Chains every generated block to its
 * predecessor, fixtures included. */
void fake_synth_block_hash(const struct fake_synth *s, uint64_t num, char out[65]);

/* The generated block num (also for numbers that have a fixture). NULL on
 * allocation failure. */
struct fake_block *fake_synth_block(const struct fake_synth *s, uint64_t num);

/* Transaction index of generated block num: its ID (64 lowercase hex). */
void fake_synth_txn_id(const struct fake_synth *s, uint64_t num, uint32_t index, char out[65]);
/* Inverse of fake_synth_txn_id for any 64-hex text: true if it is the ID of
 * an existing transaction of some generated block (whatever the head). */
bool fake_synth_txn_locate(const struct fake_synth *s, const char *id, uint64_t *num,
			   uint32_t *index) __attribute__((warn_unused_result));
/* The contract deployed by transaction index of block num. */
void fake_synth_contract(const struct fake_synth *s, uint64_t num, uint32_t index, uint8_t out[20]);
/* True if addr was deployed by a generated block; *num is that block. */
bool fake_synth_contract_locate(const struct fake_synth *s, const uint8_t addr[20],
				uint64_t *num) __attribute__((warn_unused_result));

/* The contracts whose event logs generated blocks carry, in order of first
 * emission: the events shape's 1,000 tokens, block 692365's emitter for
 * mainnet, mixed and paged, none for empty. Every one is a contract. */
size_t fake_synth_emitter_count(const struct fake_synth *s);
const uint8_t *fake_synth_emitter(const struct fake_synth *s, size_t i);
bool fake_synth_is_emitter(const struct fake_synth *s, const uint8_t addr[20]);

/* SHA-256 of "<shape>/<label>/<num>/<index>": what every generated value is
 * derived from. */
void fake_synth_digest(const struct fake_synth *s, const char *label, uint64_t num, uint32_t index,
		       uint8_t out[32]);
void fake_synth_sha256(const void *data, size_t len, uint8_t out[32]);

/* What a Zilliqa 1 node answers GetTxBlock for a block it does not have: a
 * default-constructed block whose BlockNum is 2^64 - 1. */
struct json_object *fake_synth_dummy_block(void);

/* Zilliqa's address checksum (mixed case; zilliqa-js toChecksumAddress
 * without the 0x): letters upper-cased where bit 255 - 6*i of
 * SHA-256(address bytes) is set. hex: 40 hex digits. */
void fake_synth_checksum(const char *hex, char out[41]);

#endif
