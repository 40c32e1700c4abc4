/* The fake lookup node's chain: a head that only moves forward, fixture
 * blocks served verbatim, generated blocks everywhere else, and the
 * contracts that exist. Block N exists iff N <= head; its contents do not
 * depend on the head. Generated blocks are kept in a small LRU cache so a
 * block asked for by GetTxBlock, GetTransactionsForTxBlock and
 * GetTxnBodiesForTxBlock is built once. */
#ifndef ZWS_FAKE_CHAIN_H
#define ZWS_FAKE_CHAIN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_block.h"
#include "fake_fixtures.h"
#include "fake_synth.h"

struct fake_chain_config {
	const char *fixtures_dir;
	uint64_t height; /* initial head */
	enum fake_shape shape;
	enum fake_flavor flavor;
	const uint8_t (*contracts)[20]; /* extra contracts (--contract), copied */
	size_t contract_count;
	uint64_t fork_at; /* see fake_chain_fork */
};

struct fake_chain;

struct fake_chain *fake_chain_new(const struct fake_chain_config *cfg, char *err, size_t errlen);
void fake_chain_free(struct fake_chain *c);

uint64_t fake_chain_head(const struct fake_chain *c);
/* From now on generated blocks from num on (0: none) belong to another
 * chain: other BlockHash values (so block num's PrevBlockHash still
 * names the block before it, block num + 1's does not), the same
 * transactions; a lookup that switched chains, or a reorg. */
void fake_chain_fork(struct fake_chain *c, uint64_t num);

/* Advances the head by count (never past FAKE_MAX_BLOCK); returns it. */
uint64_t fake_chain_produce(struct fake_chain *c, uint64_t count);
enum fake_flavor fake_chain_flavor(const struct fake_chain *c);
const struct fake_fixtures *fake_chain_fixtures(const struct fake_chain *c);
const struct fake_synth *fake_chain_synth(const struct fake_chain *c);

/* Block num, whatever the head: callers decide whether it exists yet.
 * Borrowed until the next call; NULL on allocation failure. */
const struct fake_block *fake_chain_block(struct fake_chain *c, uint64_t num);
/* Zilliqa 1's GetTxBlock answer for a block beyond the head. Borrowed. */
struct json_object *fake_chain_dummy_block(const struct fake_chain *c);

/* True if addr is a contract at the current head: seen in the fixtures,
 * given with --contract, emitting in the shape's generated blocks (the
 * events shape's 1,000 tokens exist from the start), or deployed by a
 * generated block <= head (then *creation_block is that block, else 0). */
bool fake_chain_is_contract(const struct fake_chain *c, const uint8_t addr[20],
			    uint64_t *creation_block);

enum fake_txn_kind {
	FAKE_TXN_ABSENT, /* no such transaction in a block <= head */
	FAKE_TXN_PLAIN,  /* present, not a contract deployment */
	FAKE_TXN_DEPLOY, /* deployed the contract written to *contract */
};
/* What the transaction with this 64-hex ID is at the current head. */
enum fake_txn_kind fake_chain_txn(const struct fake_chain *c, const char *id, uint8_t contract[20]);

#endif
