/* TxBlock assembly and transaction decoding on mainnet blocks 692365
 * (28 transactions, 13 event logs), 549481 (a failed transaction) and
 * 1001 (empty), plus the Zilliqa 2 variations. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "txblock.h"

static struct json_object *fixture(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
	struct json_object *doc = json_object_from_file(path);
	cr_assert(doc, "%s", path);
	struct json_object *result;
	cr_assert(json_object_object_get_ex(doc, "result", &result));
	json_object_get(result);
	json_object_put(doc);
	return result;
}

/* One shard holding every body's ID: the hash lists for a block. */
static struct json_object *hashes_of(struct json_object *bodies)
{
	struct json_object *shard = json_object_new_array(), *all = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(bodies); i++) {
		struct json_object *id;
		json_object_object_get_ex(json_object_array_get_idx(bodies, i), "ID", &id);
		json_object_array_add(shard, json_object_get(id));
	}
	json_object_array_add(all, shard);
	return all;
}

static struct ingest_block *assemble(const char *header, const char *bodies_name, uint64_t num)
{
	char err[256];
	struct ingest_block *b = txblock_new(num);
	struct json_object *h = fixture(header);
	struct json_object *bodies = fixture(bodies_name);
	struct json_object *hashes = hashes_of(bodies);
	cr_assert_eq(txblock_set_header(b, h, err, sizeof(err)), BLOCK_HEADER_OK, "%s", err);
	cr_assert(txblock_add_hashes(b, hashes, false, err, sizeof(err)));
	cr_assert(txblock_add_bodies(b, bodies, false, err, sizeof(err)));
	cr_assert(txblock_finish(b, err, sizeof(err)), "%s", err);
	json_object_put(h);
	json_object_put(bodies);
	json_object_put(hashes);
	return b;
}

Test(ingest_block, mainnet_692365)
{
	struct ingest_block *b = assemble("GetTxBlock.json", "GetTxnBodiesForTxBlock.json", 692365);
	cr_assert_eq(b->num_txns, 28);
	cr_assert_eq(b->ntxns, 28);
	cr_assert_eq(b->nlogs, 13);
	cr_assert_str_eq(b->hash, "4141618170d709cbcabc20872d5c89e1bdc8df5b7c646576e5dc2aeea59bfec4");
	cr_assert(b->has_timestamp);
	cr_assert_eq(b->timestamp_us, 1595863976488744LL);
	cr_assert_eq(b->num_pages, 1);
	const struct ingest_txn *t = &b->txns[0];
	cr_assert_str_eq(t->hash, "304c77801b13a896da46c9471624fb5a6c01b6544680fc83ef181966a050f24a");
	cr_assert_str_eq(t->from_addr, "1eb03ba948ab480fda77c3ff0724773066f94b02");
	cr_assert_str_eq(t->to_addr, "07c9d1edb8aa95194033b6783b351409b1cbd355");
	cr_assert_str_eq(t->amount, "29999000000000");
	cr_assert_str_eq(t->gas_price, "1000000000");
	cr_assert_eq(t->nonce, 1);
	cr_assert(t->success);
	cr_assert_not(t->is_deploy);
	struct json_object *r;
	cr_assert_not(json_object_object_get_ex(t->body, "receipt", &r), "receipt detached");
	cr_assert(json_object_object_get_ex(t->receipt, "cumulative_gas", &r));
	/* event logs in block order, 0x + lowercase */
	int last_pos = -1;
	for (size_t i = 0; i < b->nlogs; i++) {
		cr_assert_str_eq(b->logs[i].address, "0x17329229cd84b964130977975054f7725a85381a");
		cr_assert_geq(b->logs[i].tx_position, last_pos);
		last_pos = b->logs[i].tx_position;
		cr_assert(b->logs[i].success);
	}
	cr_assert_str_eq(b->logs[0].event_name, "VerifyTweetSuccessful");
	cr_assert_eq(b->ncontracts, 1);
	cr_assert_str_eq(b->contracts[0].address, "0x17329229cd84b964130977975054f7725a85381a");
	cr_assert_not(b->contracts[0].deployed);
	txblock_free(b);
}

/* A block whose rows are serialized keeps what the store thread reads:
 * its number, counts and contracts; the json and the decoded rows go. */
Test(ingest_block, shed_keeps_counts_and_contracts)
{
	struct ingest_block *b = assemble("GetTxBlock.json", "GetTxnBodiesForTxBlock.json", 692365);
	txblock_shed(b);
	cr_assert_eq(b->num, 692365);
	cr_assert_eq(b->ntxns, 28);
	cr_assert_eq(b->nlogs, 13);
	cr_assert_str_eq(b->hash, "4141618170d709cbcabc20872d5c89e1bdc8df5b7c646576e5dc2aeea59bfec4");
	cr_assert_null(b->txns);
	cr_assert_null(b->logs);
	cr_assert_null(b->tx_block);
	cr_assert_null(b->bodies);
	cr_assert_eq(b->ncontracts, 1);
	cr_assert_str_eq(b->contracts[0].address, "0x17329229cd84b964130977975054f7725a85381a");
	txblock_shed(b); /* twice is harmless */
	txblock_free(b);
}

Test(ingest_block, failed_transaction_keeps_its_receipt)
{
	struct ingest_block *b = assemble("GetTxBlock_549481.json",
					  "GetTxnBodiesForTxBlock_549481_exceptions.json", 549481);
	cr_assert_eq(b->ntxns, 2);
	cr_assert(b->txns[0].success);
	cr_assert_not(b->txns[1].success);
	cr_assert_str_eq(b->txns[1].from_addr, "9bfec715a6bd658fcb62b0f8cc9bfa2ade71434a");
	struct json_object *v;
	cr_assert(json_object_object_get_ex(b->txns[1].receipt, "exceptions", &v));
	cr_assert(json_object_object_get_ex(b->txns[1].receipt, "errors", &v));
	txblock_free(b);
}

Test(ingest_block, header_checks)
{
	char err[256];
	uint64_t num;
	struct json_object *latest = fixture("GetLatestTxBlock.json");
	cr_assert_eq(txblock_peek_num(latest, &num, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert_eq(num, 1002353, "the head comes from GetLatestTxBlock, not GetNumTxBlocks");
	struct ingest_block *b = txblock_new(1002353);
	cr_assert_eq(txblock_set_header(b, latest, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert_eq(b->num_pages, 5);
	cr_assert_eq(b->num_txns, 10022);
	txblock_free(b);
	/* the Zilliqa 1 placeholder for a future block */
	struct json_object *header;
	json_object_object_get_ex(latest, "header", &header);
	json_object_object_add(header, "BlockNum", json_object_new_string(BLOCK_DUMMY_NUM));
	b = txblock_new(1002354);
	cr_assert_eq(txblock_set_header(b, latest, err, sizeof(err)), BLOCK_HEADER_NOT_READY);
	/* an answer for another block */
	json_object_object_add(header, "BlockNum", json_object_new_string("5"));
	cr_assert_eq(txblock_set_header(b, latest, err, sizeof(err)), BLOCK_HEADER_BAD);
	txblock_free(b);
	json_object_put(latest);
}

/* A head or block past PostgreSQL's bigint is refused like a negative one;
 * the largest bigint is still a block number. */
Test(ingest_block, impossible_block_numbers_are_refused)
{
	static const struct {
		const char *num;
		enum block_header_status want;
	} cases[] = {
		{ "-1", BLOCK_HEADER_BAD },
		{ "9223372036854775808", BLOCK_HEADER_BAD },    /* 2^63 */
		{ "18446744073709551614", BLOCK_HEADER_BAD },
		{ "18446744073709551616", BLOCK_HEADER_BAD },   /* 2^64 */
		{ "9223372036854775807", BLOCK_HEADER_OK },
		{ BLOCK_DUMMY_NUM, BLOCK_HEADER_NOT_READY },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";
		uint64_t num;
		struct json_object *latest = fixture("GetLatestTxBlock.json"), *header;
		json_object_object_get_ex(latest, "header", &header);
		json_object_object_add(header, "BlockNum", json_object_new_string(cases[i].num));
		cr_assert_eq(txblock_peek_num(latest, &num, err, sizeof(err)), cases[i].want, "%s", cases[i].num);
		json_object_object_add(header, "BlockNum", json_object_new_int64(-1));
		cr_assert_eq(txblock_peek_num(latest, &num, err, sizeof(err)), BLOCK_HEADER_BAD);
		json_object_object_add(header, "BlockNum", json_object_new_uint64(9223372036854775808ULL));
		cr_assert_eq(txblock_peek_num(latest, &num, err, sizeof(err)), BLOCK_HEADER_BAD);
		cr_assert_str_eq(err, "TxBlock header with BlockNum 9223372036854775808, past the"
			" largest possible 9223372036854775807");
		json_object_put(latest);
	}
}

Test(ingest_block, prev_block_hash_is_read_normalized)
{
	char err[256];
	struct json_object *h = fixture("GetTxBlock.json"), *header;
	struct ingest_block *b = txblock_new(692365);
	cr_assert_eq(txblock_set_header(b, h, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert(b->has_prev_hash);
	cr_assert_str_eq(b->prev_hash, "747a5a7b9dd6561af4320d7584b832beb92223f02a9d0f1bae9a152fee311384");
	json_object_object_get_ex(h, "header", &header);
	json_object_object_add(header, "PrevBlockHash",
		json_object_new_string("0x747A5A7B9DD6561AF4320D7584B832BEB92223F02A9D0F1BAE9A152FEE311384"));
	cr_assert_eq(txblock_set_header(b, h, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert_str_eq(b->prev_hash, "747a5a7b9dd6561af4320d7584b832beb92223f02a9d0f1bae9a152fee311384");
	json_object_object_del(header, "PrevBlockHash");
	cr_assert_eq(txblock_set_header(b, h, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert_not(b->has_prev_hash);
	txblock_free(b);
	json_object_put(h);
}

Test(ingest_block, zilliqa2_without_miner_key_and_mixed_case)
{
	char err[256];
	struct json_object *h = fixture("GetTxBlock_549481.json");
	struct json_object *header;
	json_object_object_get_ex(h, "header", &header);
	json_object_object_del(header, "MinerPubKey");
	struct json_object *bodies = fixture("GetTxnBodiesForTxBlock_549481_exceptions.json");
	struct json_object *body = json_object_array_get_idx(bodies, 0);
	json_object_object_add(body, "toAddr", json_object_new_string("0x92EC2A5FAA67F47D561B83BF1CCF51527E67E43E"));
	struct json_object *hashes = hashes_of(bodies);
	struct ingest_block *b = txblock_new(549481);
	cr_assert_eq(txblock_set_header(b, h, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert(txblock_add_hashes(b, hashes, false, err, sizeof(err)));
	cr_assert(txblock_add_bodies(b, bodies, false, err, sizeof(err)));
	cr_assert(txblock_finish(b, err, sizeof(err)), "%s", err);
	cr_assert_str_eq(b->txns[0].to_addr, "92ec2a5faa67f47d561b83bf1ccf51527e67e43e");
	txblock_free(b);
	json_object_put(h);
	json_object_put(bodies);
	json_object_put(hashes);
}

Test(ingest_block, incomplete_answers_are_refused)
{
	char err[256];
	struct json_object *h = fixture("GetTxBlock.json");
	struct json_object *bodies = fixture("GetTxnBodiesForTxBlock.json");
	struct json_object *hashes = hashes_of(bodies);
	json_object_array_del_idx(bodies, 27, 1);
	struct ingest_block *b = txblock_new(692365);
	cr_assert_eq(txblock_set_header(b, h, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert(txblock_add_hashes(b, hashes, false, err, sizeof(err)));
	cr_assert(txblock_add_bodies(b, bodies, false, err, sizeof(err)));
	cr_assert_not(txblock_finish(b, err, sizeof(err)));
	cr_assert(strstr(err, "28 hashes and 27 bodies"), "%s", err);
	txblock_free(b);
	json_object_put(h);
	json_object_put(bodies);
	json_object_put(hashes);
}

Test(ingest_block, contract_deployment)
{
	char err[256];
	struct json_object *h = fixture("GetTxBlock_549481.json");
	struct json_object *header;
	json_object_object_get_ex(h, "header", &header);
	json_object_object_add(header, "NumTxns", json_object_new_int(1));
	struct json_object *deploy = fixture("GetTransaction_contract_deploy.json");
	struct json_object *bodies = json_object_new_array();
	json_object_array_add(bodies, deploy);
	struct json_object *hashes = hashes_of(bodies);
	struct ingest_block *b = txblock_new(549481);
	cr_assert_eq(txblock_set_header(b, h, err, sizeof(err)), BLOCK_HEADER_OK);
	cr_assert(txblock_add_hashes(b, hashes, false, err, sizeof(err)));
	cr_assert(txblock_add_bodies(b, bodies, false, err, sizeof(err)));
	cr_assert(txblock_finish(b, err, sizeof(err)), "%s", err);
	cr_assert(b->txns[0].is_deploy);
	cr_assert(b->txns[0].has_contract);
	/* sender f1a3d5...cbca, account nonce 8 before the deployment */
	cr_assert_str_eq(b->txns[0].contract_addr, "7587a6d9b4def93c9c02475f5854c45eb4d9dac4");
	cr_assert_eq(b->ncontracts, 1);
	cr_assert(b->contracts[0].deployed);
	cr_assert_str_eq(b->contracts[0].address, "0x7587a6d9b4def93c9c02475f5854c45eb4d9dac4");
	txblock_free(b);
	json_object_put(h);
	json_object_put(bodies);
	json_object_put(hashes);
}
