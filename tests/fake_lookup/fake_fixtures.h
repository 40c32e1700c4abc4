/* The real mainnet JSON the fake lookup node serves or copies, read once at
 * start from the fixtures directory (tests/fixtures):
 * - every GetTxBlock*.json, indexed by result.header.BlockNum, paired with
 *   the GetTxnBodiesForTxBlock*.json whose receipts carry that epoch_num and
 *   whose length equals NumTxns. A block with transactions but no such
 *   bodies (the docs block 1002353) is left out: it is generated instead.
 * - the templates generated blocks are cloned from: block 692365's 28
 *   bodies, the contract-deploy transaction, the contract init, the
 *   blockchain info.
 * - the addresses that are contracts: event-log emitters and the targets of
 *   contract calls found in the fixtures. */
#ifndef ZWS_FAKE_FIXTURES_H
#define ZWS_FAKE_FIXTURES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_block.h"

/* The mainnet block whose bodies every mainnet-shaped block clones. */
#define FAKE_MAINNET_BLOCK 692365

struct fake_fixtures {
	struct fake_block **blocks; /* sorted by num */
	size_t block_count;
	const struct fake_block *mainnet; /* block 692365 (one of blocks) */
	struct json_object *deploy_body; /* GetTransaction_contract_deploy.json */
	struct json_object *contract_init; /* GetSmartContractInit.json */
	struct json_object *blockchain_info; /* GetBlockchainInfo.json */
	uint8_t (*contracts)[20]; /* sorted */
	size_t contract_count;
};

struct fake_fixtures *fake_fixtures_load(const char *dir, char *err, size_t errlen);
void fake_fixtures_free(struct fake_fixtures *f);

/* The fixture block num, or NULL. */
const struct fake_block *fake_fixtures_block(const struct fake_fixtures *f, uint64_t num);
/* True if addr is a contract seen in the fixtures. */
bool fake_fixtures_is_contract(const struct fake_fixtures *f, const uint8_t addr[20]);
/* The fixture block holding the transaction with this 64-hex ID (lower
 * case), or NULL. */
const struct fake_block *fake_fixtures_find_txn(const struct fake_fixtures *f, const char *id);

#endif
