/* fake_lookup_core: fixture blocks served verbatim, deterministic generated
 * blocks, hash-list split, paging, the node's quirks, batches, contracts
 * and the JSON-RPC faults. Everything goes through fake_rpc_handle, as the
 * HTTP layer uses it. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_chain.h"
#include "fake_rpc.h"
#include "fake_template.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define NOT_EXIST FAKE_RPC_INVALID_PARAMS ": Tx Block does not exist"
#define CONTRACT_1732 "0x17329229cd84b964130977975054f7725a85381a"

static struct fake_chain *chain(enum fake_shape shape, enum fake_flavor flavor, uint64_t height)
{
	static const uint8_t extra[1][20] = { { 0xab, 0xcd } };
	struct fake_chain_config cfg = {
		.fixtures_dir = FIXTURES_DIR, .height = height, .shape = shape, .flavor = flavor,
		.contracts = extra, .contract_count = 1,
	};
	char err[256] = "";
	struct fake_chain *c = fake_chain_new(&cfg, err, sizeof(err));
	cr_assert(c, "fake_chain_new: %s", err);
	return c;
}

static struct fake_rpc_reply handle(struct fake_chain *c, const char *body, enum fake_rpc_fault fault)
{
	struct fake_rpc_opts o = { .max_batch = 100, .fault = fault };
	return fake_rpc_handle(c, body, strlen(body), &o);
}

/* The whole response to one call; params is JSON text. Caller puts it. */
static struct json_object *call_fault(struct fake_chain *c, const char *method, const char *params,
				      enum fake_rpc_fault fault)
{
	char body[512];
	snprintf(body, sizeof(body), "{\"id\":\"7\",\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"params\":%s}",
		 method, params);
	struct fake_rpc_reply r = handle(c, body, fault);
	cr_assert_eq(r.http_status, 200);
	cr_assert(r.response, "no response to %s", body);
	return r.response;
}

static struct json_object *call(struct fake_chain *c, const char *method, const char *params)
{
	return call_fault(c, method, params, FAKE_RPC_FAULT_NONE);
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	cr_assert(json_object_object_get_ex(o, key, &v), "no member %s in %s", key,
		  json_object_to_json_string_ext(o, FLAGS));
	return v;
}

static struct json_object *result(struct json_object *resp)
{
	return member(resp, "result");
}

static void assert_error(struct json_object *resp, int code, const char *message)
{
	struct json_object *e = member(resp, "error");
	cr_assert_eq(json_object_get_int(member(e, "code")), code, "%s",
		     json_object_to_json_string_ext(resp, FLAGS));
	cr_assert_str_eq(json_object_get_string(member(e, "message")), message);
	cr_assert_null(member(e, "data"));
	cr_assert_str_eq(json_object_get_string(member(resp, "id")), "7");
}

static struct json_object *fixture_result(const char *file)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, file);
	struct json_object *f = json_object_from_file(path);
	cr_assert(f, "cannot read %s", path);
	struct json_object *r = json_object_get(member(f, "result"));
	json_object_put(f);
	return r;
}

static void assert_same_text(struct json_object *a, struct json_object *b)
{
	cr_assert_str_eq(json_object_to_json_string_ext(a, FLAGS), json_object_to_json_string_ext(b, FLAGS));
}

static const char *header_string(struct json_object *tx_block, const char *key)
{
	return json_object_get_string(member(member(tx_block, "header"), key));
}

static const char *block_hash(struct json_object *tx_block)
{
	return json_object_get_string(member(member(tx_block, "body"), "BlockHash"));
}

/* ---- fixtures ---- */

Test(fake_chain, fixture_blocks_verbatim)
{
	static const struct {
		const char *file, *num;
	} cases[] = {
		{ "GetTxBlock.json", "692365" },
		{ "GetTxBlock_549481.json", "549481" },
		{ "GetTxBlock_1001_no_txns.json", "1001" },
		{ "GetTxBlock_1002_no_txns.json", "1002" },
		{ "GetTxBlock_1003_no_txns.json", "1003" },
	};
	struct fake_chain *c = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 2000000);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char params[32];
		snprintf(params, sizeof(params), "[\"%s\"]", cases[i].num);
		struct json_object *resp = call(c, "GetTxBlock", params), *want = fixture_result(cases[i].file);
		cr_assert(json_object_equal(result(resp), want), "%s", cases[i].file);
		assert_same_text(result(resp), want); /* key order kept */
		json_object_put(want);
		json_object_put(resp);
	}
	fake_chain_free(c);
}

Test(fake_chain, fixture_bodies_verbatim)
{
	static const struct {
		const char *file, *params;
	} cases[] = {
		{ "GetTxnBodiesForTxBlock.json", "[\"692365\"]" },
		{ "GetTxnBodiesForTxBlock_549481_exceptions.json", "[\"549481\"]" },
	};
	struct fake_chain *c = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 692365);
	for (size_t i = 0; i < 2; i++) {
		struct json_object *resp = call(c, "GetTxnBodiesForTxBlock", cases[i].params);
		struct json_object *want = fixture_result(cases[i].file);
		assert_same_text(result(resp), want);
		json_object_put(want);
		json_object_put(resp);
	}
	fake_chain_free(c);
}

/* The hash lists are the bodies' IDs in order, split into NumMicroBlocks
 * contiguous lists. */
Test(fake_chain, hash_list_split)
{
	static const struct {
		const char *params;
		int sizes[3];
		size_t lists;
	} cases[] = {
		{ "[\"692365\"]", { 10, 9, 9 }, 3 },
		{ "[\"549481\"]", { 1, 1 }, 2 },
		{ "[\"692366\"]", { 10, 9, 9 }, 3 },
	};
	struct fake_chain *c = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 692366);
	for (size_t i = 0; i < 3; i++) {
		struct json_object *h = call(c, "GetTransactionsForTxBlock", cases[i].params);
		struct json_object *b = call(c, "GetTxnBodiesForTxBlock", cases[i].params);
		struct json_object *lists = result(h), *bodies = result(b);
		cr_assert_eq(json_object_array_length(lists), cases[i].lists);
		size_t next = 0;
		for (size_t s = 0; s < cases[i].lists; s++) {
			struct json_object *list = json_object_array_get_idx(lists, s);
			cr_assert_eq((int)json_object_array_length(list), cases[i].sizes[s]);
			for (size_t j = 0; j < json_object_array_length(list); j++, next++)
				cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(list, j)),
						 json_object_get_string(member(json_object_array_get_idx(bodies, next), "ID")));
		}
		cr_assert_eq(next, json_object_array_length(bodies));
		json_object_put(h);
		json_object_put(b);
	}
	fake_chain_free(c);
}

/* 1002353 (docs) has no bodies fixture, so it is generated like its
 * neighbours. */
Test(fake_chain, docs_block_without_bodies_is_generated)
{
	struct fake_chain *c = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 1002353);
	struct json_object *a = call(c, "GetTxBlock", "[\"1002353\"]");
	struct json_object *b = call(c, "GetTxBlock", "[\"1002352\"]");
	cr_assert_neq(json_object_get_int(member(member(result(a), "header"), "NumTxns")), 10022);
	cr_assert_str_neq(block_hash(result(a)),
			  "53a24881823dd5f2a3dfda5902d1b79710e2bec5477ed3aa7325d74e30436b58");
	cr_assert_str_eq(header_string(result(a), "PrevBlockHash"), block_hash(result(b)));
	json_object_put(a);
	json_object_put(b);
	fake_chain_free(c);
}

/* ---- generated blocks ---- */

Test(fake_chain, generated_blocks_are_deterministic)
{
	static const char *const methods[] = { "GetTxBlock", "GetTransactionsForTxBlock",
					       "GetTxnBodiesForTxBlock" };
	struct fake_chain *a = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 692400);
	struct fake_chain *b = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 692500);
	for (size_t m = 0; m < 3; m++) {
		struct json_object *x = call(a, methods[m], "[\"692375\"]");
		struct json_object *y = call(b, methods[m], "[\"692375\"]");
		struct json_object *z = call(a, methods[m], "[\"692375\"]");
		assert_same_text(x, y);
		assert_same_text(x, z);
		json_object_put(x);
		json_object_put(y);
		json_object_put(z);
	}
	fake_chain_free(a);
	fake_chain_free(b);
}

Test(fake_chain, prev_block_hash_chains)
{
	static const uint64_t ranges[][2] = { { 692355, 692380 }, { 998, 1006 }, { 549478, 549484 } };
	struct fake_chain *c = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 2000000);
	for (size_t r = 0; r < 3; r++) {
		char prev[65] = "";
		for (uint64_t n = ranges[r][0]; n <= ranges[r][1]; n++) {
			char params[32];
			snprintf(params, sizeof(params), "[\"%llu\"]", (unsigned long long)n);
			struct json_object *resp = call(c, "GetTxBlock", params);
			if (*prev)
				cr_assert_str_eq(header_string(result(resp), "PrevBlockHash"), prev, "blk=%llu",
						 (unsigned long long)n);
			snprintf(prev, sizeof(prev), "%s", block_hash(result(resp)));
			json_object_put(resp);
		}
	}
	fake_chain_free(c);
}

/* A block's hash and PrevBlockHash as text (malloc'ed). */
static void hashes_of(struct fake_chain *c, uint64_t n, char **hash, char **prev)
{
	char params[32];
	snprintf(params, sizeof(params), "[\"%llu\"]", (unsigned long long)n);
	struct json_object *resp = call(c, "GetTxBlock", params);
	*hash = strdup(block_hash(result(resp)));
	*prev = strdup(header_string(result(resp), "PrevBlockHash"));
	json_object_put(resp);
}

/* After a fork at N, block N links to the common N-1 but has another
 * hash, so N+1 no longer names the N stored before the fork; the
 * transactions stay the same. */
Test(fake_chain, fork_changes_hashes_from_the_fork_on)
{
	struct fake_chain *c = chain(FAKE_SHAPE_MAINNET, FAKE_FLAVOR_Z1, 700010);
	char *h[3], *p[3], *fh[3], *fp[3];
	for (int i = 0; i < 3; i++)
		hashes_of(c, 700004 + (uint64_t)i, &h[i], &p[i]);
	struct json_object *before = call(c, "GetTransactionsForTxBlock", "[\"700005\"]");
	fake_chain_fork(c, 700005);
	for (int i = 0; i < 3; i++)
		hashes_of(c, 700004 + (uint64_t)i, &fh[i], &fp[i]);
	struct json_object *after = call(c, "GetTransactionsForTxBlock", "[\"700005\"]");
	cr_assert_str_eq(fh[0], h[0], "before the fork: the same block");
	cr_assert_str_eq(fp[1], h[0], "the fork's first block links to the common one");
	cr_assert_str_neq(fh[1], h[1]);
	cr_assert_str_eq(fp[2], fh[1]);
	cr_assert_str_neq(fp[2], h[1], "the stored block is not the fork's");
	cr_assert_str_eq(json_object_to_json_string_ext(before, FLAGS), json_object_to_json_string_ext(after, FLAGS));
	fake_chain_fork(c, 0);
	char *back, *back_prev;
	hashes_of(c, 700006, &back, &back_prev);
	cr_assert_str_eq(back_prev, h[1], "fork 0: the first chain again");
	free(back);
	free(back_prev);
	for (int i = 0; i < 3; i++) {
		free(h[i]);
		free(p[i]);
		free(fh[i]);
		free(fp[i]);
	}
	json_object_put(before);
	json_object_put(after);
	fake_chain_free(c);
}

/* The data faults of the JSON-RPC layer: block N's transactions are block
 * N-1's; the head's number is 2^63. */
Test(fake_chain, duptxns_and_bighead_faults)
{
	struct fake_chain *c = chain(FAKE_SHAPE_MAINNET, FAKE_FLAVOR_Z1, 700010);
	struct json_object *prev = call(c, "GetTxnBodiesForTxBlock", "[\"700004\"]");
	struct json_object *dup = call_fault(c, "GetTxnBodiesForTxBlock", "[\"700005\"]", FAKE_RPC_FAULT_DUPTXNS);
	cr_assert_str_eq(json_object_to_json_string_ext(prev, FLAGS), json_object_to_json_string_ext(dup, FLAGS));
	struct json_object *head = call_fault(c, "GetLatestTxBlock", "[]", FAKE_RPC_FAULT_BIGHEAD);
	cr_assert_str_eq(header_string(result(head), "BlockNum"), "9223372036854775808");
	struct json_object *clean = call(c, "GetLatestTxBlock", "[]");
	cr_assert_str_eq(header_string(result(clean), "BlockNum"), "700010", "the chain's own block is untouched");
	json_object_put(prev);
	json_object_put(dup);
	json_object_put(head);
	json_object_put(clean);
	fake_chain_free(c);
}

static size_t count_event_logs(struct json_object *bodies, const char *address)
{
	size_t n = 0;
	for (size_t i = 0; i < json_object_array_length(bodies); i++) {
		struct json_object *receipt = member(json_object_array_get_idx(bodies, i), "receipt"), *logs;
		if (!json_object_object_get_ex(receipt, "event_logs", &logs))
			continue;
		for (size_t j = 0; j < json_object_array_length(logs); j++)
			n += strcmp(json_object_get_string(member(json_object_array_get_idx(logs, j), "address")),
				    address) == 0;
	}
	return n;
}

Test(fake_chain, mainnet_shape_clones_block_692365)
{
	struct fake_chain *c = chain(FAKE_SHAPE_MAINNET, FAKE_FLAVOR_Z1, 692370);
	struct json_object *resp = call(c, "GetTxnBodiesForTxBlock", "[\"692369\"]");
	struct json_object *tmpl = fixture_result("GetTxnBodiesForTxBlock.json");
	struct json_object *block = call(c, "GetTxBlock", "[\"692369\"]");
	struct json_object *bodies = result(resp);
	cr_assert_eq(json_object_array_length(bodies), 28);
	cr_assert_eq(count_event_logs(bodies, CONTRACT_1732), 13);
	cr_assert_eq(json_object_get_int(member(member(result(block), "header"), "NumTxns")), 28);
	cr_assert_str_eq(header_string(result(block), "GasUsed"), "19734");
	for (size_t i = 0; i < 28; i++) {
		struct json_object *got = json_object_array_get_idx(bodies, i);
		struct json_object *want = json_object_array_get_idx(tmpl, i);
		cr_assert_str_eq(json_object_get_string(member(member(got, "receipt"), "epoch_num")), "692369");
		cr_assert_str_neq(json_object_get_string(member(got, "ID")),
				  json_object_get_string(member(want, "ID")));
		cr_assert_str_eq(json_object_get_string(member(got, "toAddr")),
				 json_object_get_string(member(want, "toAddr")));
		cr_assert_eq(json_object_get_string_len(member(got, "ID")), 64);
	}
	json_object_put(tmpl);
	json_object_put(resp);
	json_object_put(block);
	fake_chain_free(c);
}

Test(fake_chain, empty_blocks_have_no_transactions)
{
	static const char *const methods[] = { "GetTransactionsForTxBlock", "GetTxnBodiesForTxBlock" };
	static const char *const blocks[] = { "[\"692367\"]", "[\"1001\"]" }; /* mixed: 692367 % 3 == 0 */
	struct fake_chain *c = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 692400);
	for (size_t m = 0; m < 2; m++) {
		for (size_t b = 0; b < 2; b++) {
			struct json_object *resp = call(c, methods[m], blocks[b]);
			assert_error(resp, -1, "TxBlock has no transactions");
			json_object_put(resp);
		}
	}
	struct json_object *ex = call(c, "GetTxnBodiesForTxBlockEx", "[\"692367\",\"0\"]");
	assert_error(ex, -1, "TxBlock has no transactions");
	json_object_put(ex);
	fake_chain_free(c);
}

/* ---- paging ---- */

Test(fake_chain, paged_blocks_need_the_ex_methods)
{
	static const struct {
		const char *page;
		size_t bodies;
		int shard_sizes[3];
	} pages[] = {
		{ "0", 2500, { 1667, 833, 0 } },
		{ "1", 2500, { 0, 834, 1666 } },
		{ "2", 1, { 0, 0, 1 } },
	};
	struct fake_chain *c = chain(FAKE_SHAPE_PAGED, FAKE_FLAVOR_Z1, 700000);
	struct json_object *block = call(c, "GetTxBlock", "[\"700000\"]");
	struct json_object *all = call(c, "GetTxnBodiesForTxBlock", "[\"700000\"]");
	cr_assert_eq(json_object_get_int(member(member(result(block), "header"), "NumPages")), 3);
	cr_assert_eq(json_object_array_length(result(all)), 5001);
	size_t next = 0;
	for (size_t p = 0; p < 3; p++) {
		char params[48];
		snprintf(params, sizeof(params), "[\"700000\",\"%s\"]", pages[p].page);
		struct json_object *b = call(c, "GetTxnBodiesForTxBlockEx", params);
		struct json_object *h = call(c, "GetTransactionsForTxBlockEx", params);
		struct json_object *txns = member(result(b), "Transactions"), *lists = member(result(h), "Transactions");
		cr_assert_eq(json_object_get_int(member(result(b), "CurrPage")), (int)p);
		cr_assert_eq(json_object_get_int(member(result(h), "NumPages")), 3);
		cr_assert_eq(json_object_array_length(txns), pages[p].bodies);
		for (size_t s = 0; s < 3; s++)
			cr_assert_eq((int)json_object_array_length(json_object_array_get_idx(lists, s)),
				     pages[p].shard_sizes[s], "page %zu shard %zu", p, s);
		for (size_t i = 0; i < pages[p].bodies; i++, next++)
			cr_assert_str_eq(json_object_get_string(member(json_object_array_get_idx(txns, i), "ID")),
					 json_object_get_string(member(json_object_array_get_idx(result(all), next), "ID")));
		json_object_put(b);
		json_object_put(h);
	}
	struct json_object *beyond = call(c, "GetTxnBodiesForTxBlockEx", "[\"700000\",\"3\"]");
	assert_error(beyond, -1, "TxBlock has no transactions");
	json_object_put(beyond);
	json_object_put(block);
	json_object_put(all);
	fake_chain_free(c);
}

/* ---- quirks ---- */

Test(fake_chain, beyond_the_head)
{
	static const char *const methods[] = {
		"GetTransactionsForTxBlock", "GetTxnBodiesForTxBlock",
	};
	struct fake_chain *z1 = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 692365);
	struct fake_chain *z2 = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z2, 692365);
	struct json_object *dummy = call(z1, "GetTxBlock", "[\"692366\"]");
	cr_assert_str_eq(header_string(result(dummy), "BlockNum"), "18446744073709551615");
	struct json_object *next = call(z2, "GetTxBlock", "[\"692366\"]");
	assert_error(next, -32603, "Block not finalized");
	struct json_object *later = call(z2, "GetTxBlock", "[\"692367\"]");
	cr_assert_null(result(later));
	for (size_t m = 0; m < 2; m++) {
		struct json_object *resp = call(z1, methods[m], "[\"692366\"]");
		assert_error(resp, -32602, NOT_EXIST);
		json_object_put(resp);
	}
	struct json_object *ex = call(z2, "GetTxnBodiesForTxBlockEx", "[\"692366\",\"0\"]");
	assert_error(ex, -32602, NOT_EXIST);
	fake_chain_produce(z1, 1);
	struct json_object *now = call(z1, "GetTxBlock", "[\"692366\"]");
	cr_assert_str_eq(header_string(result(now), "BlockNum"), "692366");
	json_object_put(dummy);
	json_object_put(next);
	json_object_put(later);
	json_object_put(ex);
	json_object_put(now);
	fake_chain_free(z1);
	fake_chain_free(z2);
}

Test(fake_chain, num_tx_blocks_and_info_follow_the_head)
{
	static const struct {
		enum fake_flavor flavor;
		const char *num;
	} cases[] = { { FAKE_FLAVOR_Z1, "692366" }, { FAKE_FLAVOR_Z2, "692365" } };
	for (size_t i = 0; i < 2; i++) {
		struct fake_chain *c = chain(FAKE_SHAPE_MIXED, cases[i].flavor, 692365);
		struct json_object *n = call(c, "GetNumTxBlocks", "[]");
		struct json_object *info = call(c, "GetBlockchainInfo", "[]");
		struct json_object *latest = call(c, "GetLatestTxBlock", "[]");
		cr_assert_str_eq(json_object_get_string(result(n)), cases[i].num);
		cr_assert_str_eq(json_object_get_string(member(result(info), "NumTxBlocks")), cases[i].num);
		cr_assert_str_eq(json_object_get_string(member(result(info), "NumTxnsTxEpoch")), "28");
		cr_assert_str_eq(json_object_get_string(member(result(info), "CurrentDSEpoch")), "6924");
		cr_assert_eq(json_object_get_int(member(result(info), "NumPeers")), 2400);
		cr_assert_str_eq(header_string(result(latest), "BlockNum"), "692365");
		json_object_put(n);
		json_object_put(info);
		json_object_put(latest);
		fake_chain_free(c);
	}
}

Test(fake_chain, z2_quirks)
{
	struct fake_chain *z1 = chain(FAKE_SHAPE_MAINNET, FAKE_FLAVOR_Z1, 692370);
	struct fake_chain *z2 = chain(FAKE_SHAPE_MAINNET, FAKE_FLAVOR_Z2, 692370);
	struct json_object *block = call(z2, "GetTxBlock", "[\"692368\"]");
	struct json_object *lists = call(z2, "GetTransactionsForTxBlock", "[\"692368\"]");
	struct json_object *b1 = call(z1, "GetTxnBodiesForTxBlock", "[\"692368\"]");
	struct json_object *b2 = call(z2, "GetTxnBodiesForTxBlock", "[\"692368\"]");
	struct json_object *unused;
	cr_assert_not(json_object_object_get_ex(member(result(block), "header"), "MinerPubKey", &unused));
	cr_assert_eq(json_object_array_length(result(lists)), 1);
	cr_assert_eq(json_object_array_length(json_object_array_get_idx(result(lists), 0)), 28);
	const char *lower = json_object_get_string(member(json_object_array_get_idx(result(b1), 0), "toAddr"));
	const char *mixed = json_object_get_string(member(json_object_array_get_idx(result(b2), 0), "toAddr"));
	cr_assert_str_eq(lower, "07c9d1edb8aa95194033b6783b351409b1cbd355");
	cr_assert_str_eq(mixed, "07C9D1eDB8aA95194033B6783b351409B1cBD355");
	json_object_put(block);
	json_object_put(lists);
	json_object_put(b1);
	json_object_put(b2);
	fake_chain_free(z1);
	fake_chain_free(z2);
}

/* Generated bodies render through their pre-rendered template; the text
 * must be what json-c itself writes for the same objects. */
Test(fake_chain, template_rendering_matches_json_c)
{
	static const enum fake_flavor flavors[] = { FAKE_FLAVOR_Z1, FAKE_FLAVOR_Z2 };
	for (size_t f = 0; f < 2; f++) {
		struct fake_chain *c = chain(FAKE_SHAPE_MIXED, flavors[f], 692375);
		struct json_object *resp = call(c, "GetTxnBodiesForTxBlock", "[\"692375\"]");
		struct json_object *bodies = result(resp);
		char *fast = strdup(json_object_to_json_string_ext(bodies, FAKE_JSON_FLAGS));
		/* NOZERO only touches doubles: same text, but not the template path. */
		const char *slow = json_object_to_json_string_ext(bodies, FAKE_JSON_FLAGS | JSON_C_TO_STRING_NOZERO);
		cr_assert_str_eq(fast, slow);
		struct json_object *parsed = json_tokener_parse(fast);
		cr_assert(json_object_equal(parsed, bodies));
		cr_assert_str_eq(json_object_to_json_string_ext(bodies, FAKE_JSON_FLAGS), fast);
		json_object_put(parsed);
		free(fast);
		json_object_put(resp);
		fake_chain_free(c);
	}
}

Test(fake_chain, checksum_matches_zilliqa_js)
{
	char out[41];
	fake_synth_checksum("8254b2c9acdf181d5d6796d63320fbb20d4edd12", out);
	cr_assert_str_eq(out, "8254b2C9aCdf181d5d6796d63320fBb20D4Edd12");
}

/* ---- requests, batches, errors ---- */

Test(fake_chain, request_errors)
{
	static const struct {
		const char *body;
		int code;
		const char *message;
	} cases[] = {
		{ "{\"id\":\"7\",\"jsonrpc\":\"2.0\",\"method\":\"GetBalance\",\"params\":[\"x\"]}", -32601,
		  "METHOD_NOT_FOUND: The method being requested is not available on this server" },
		{ "{\"id\":\"7\",\"jsonrpc\":\"2.0\",\"method\":\"GetTxBlock\",\"params\":[692365]}", -32602,
		  FAKE_RPC_INVALID_PARAMS },
		{ "{\"id\":\"7\",\"jsonrpc\":\"2.0\",\"method\":\"GetTxBlock\",\"params\":[]}", -32602,
		  FAKE_RPC_INVALID_PARAMS },
		{ "{\"id\":\"7\",\"jsonrpc\":\"2.0\",\"method\":\"GetTxBlock\",\"params\":[\"12x\"]}", -32602,
		  FAKE_RPC_INVALID_PARAMS ": String not numeric" },
		{ "{\"id\":\"7\",\"method\":\"GetTxBlock\",\"params\":[\"1\"]}", -32600,
		  "INVALID_JSON_REQUEST: The JSON sent is not a valid JSON-RPC Request object" },
	};
	struct fake_chain *c = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 692365);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_rpc_reply r = handle(c, cases[i].body, FAKE_RPC_FAULT_NONE);
		assert_error(r.response, cases[i].code, cases[i].message);
		json_object_put(r.response);
	}
	struct fake_rpc_reply bad = handle(c, "{\"id\":1,", FAKE_RPC_FAULT_NONE);
	cr_assert_eq(json_object_get_int(member(member(bad.response, "error"), "code")), -32700);
	cr_assert_null(member(bad.response, "id"));
	json_object_put(bad.response);
	fake_chain_free(c);
}

Test(fake_chain, batches)
{
	struct fake_chain *c = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 692366);
	const char *body = "[{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"GetNumTxBlocks\",\"params\":[]},"
			   "{\"jsonrpc\":\"2.0\",\"method\":\"GetNumTxBlocks\",\"params\":[]},"
			   "{\"id\":\"b\",\"jsonrpc\":\"2.0\",\"method\":\"GetTxBlock\",\"params\":[\"692366\"]},"
			   "{\"id\":3,\"jsonrpc\":\"2.0\",\"method\":\"Nope\"}]";
	struct fake_rpc_reply r = handle(c, body, FAKE_RPC_FAULT_NONE);
	cr_assert_eq(r.http_status, 200);
	cr_assert(r.batch);
	cr_assert_eq(r.calls, 4);
	cr_assert_eq(json_object_array_length(r.response), 3); /* the notification gets no answer */
	cr_assert_str_eq(json_object_get_string(member(json_object_array_get_idx(r.response, 0), "result")), "692367");
	cr_assert_str_eq(json_object_get_string(member(json_object_array_get_idx(r.response, 1), "id")), "b");
	cr_assert_eq(json_object_get_int(member(member(json_object_array_get_idx(r.response, 2), "error"), "code")),
		     -32601);
	json_object_put(r.response);

	struct fake_rpc_opts small = { .max_batch = 3 };
	r = fake_rpc_handle(c, body, strlen(body), &small);
	cr_assert_eq(r.http_status, 413);
	cr_assert_null(r.response);
	r = handle(c, "[]", FAKE_RPC_FAULT_NONE);
	cr_assert_eq(json_object_get_int(member(member(r.response, "error"), "code")), -32600);
	json_object_put(r.response);
	fake_chain_free(c);
}

/* ---- contracts ---- */

Test(fake_chain, smart_contract_init)
{
	static const struct {
		enum fake_flavor flavor;
		const char *addr, *this_address;
		int code;
	} cases[] = {
		{ FAKE_FLAVOR_Z1, CONTRACT_1732, CONTRACT_1732, 0 },
		{ FAKE_FLAVOR_Z1, "0x17329229CD84B964130977975054F7725A85381A", CONTRACT_1732, 0 },
		{ FAKE_FLAVOR_Z1, "17329229cd84b964130977975054f7725a85381a", CONTRACT_1732, 0 },
		{ FAKE_FLAVOR_Z1, "0xa845c1034cd077bd8d32be0447239c7e4be6cb21",
		  "0xa845c1034cd077bd8d32be0447239c7e4be6cb21", 0 },
		{ FAKE_FLAVOR_Z1, "0xabcd000000000000000000000000000000000000",
		  "0xabcd000000000000000000000000000000000000", 0 },
		{ FAKE_FLAVOR_Z1, "0x07c9d1edb8aa95194033b6783b351409b1cbd355", NULL, -5 },
		{ FAKE_FLAVOR_Z2, "0x07c9d1edb8aa95194033b6783b351409b1cbd355", NULL, -32603 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_chain *c = chain(FAKE_SHAPE_MIXED, cases[i].flavor, 692365);
		char params[80];
		snprintf(params, sizeof(params), "[\"%s\"]", cases[i].addr);
		struct json_object *resp = call(c, "GetSmartContractInit", params);
		if (cases[i].code) {
			assert_error(resp, cases[i].code, "Address not contract address");
		} else {
			struct json_object *init = result(resp);
			cr_assert_eq(json_object_array_length(init), 4);
			struct json_object *last = json_object_array_get_idx(init, 3);
			cr_assert_str_eq(json_object_get_string(member(last, "vname")), "_this_address");
			cr_assert_str_eq(json_object_get_string(member(last, "value")), cases[i].this_address);
		}
		json_object_put(resp);
		fake_chain_free(c);
	}
}

/* Mixed shape: 692375 (% 3 != 0, % 5 == 0) ends with a contract deploy. */
Test(fake_chain, deployed_contracts)
{
	struct fake_chain *c = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 692375);
	struct json_object *b = call(c, "GetTxnBodiesForTxBlock", "[\"692375\"]");
	struct json_object *bodies = result(b);
	cr_assert_eq(json_object_array_length(bodies), 29);
	struct json_object *deploy = json_object_array_get_idx(bodies, 28);
	cr_assert_str_eq(json_object_get_string(member(deploy, "toAddr")), "0000000000000000000000000000000000000000");
	char params[80];
	snprintf(params, sizeof(params), "[\"%s\"]", json_object_get_string(member(deploy, "ID")));
	struct json_object *addr = call(c, "GetContractAddressFromTransactionID", params);
	const char *hex = json_object_get_string(result(addr));
	cr_assert_eq(strlen(hex), 40);
	snprintf(params, sizeof(params), "[\"0x%s\"]", hex);
	struct json_object *init = call(c, "GetSmartContractInit", params);
	cr_assert_str_eq(json_object_get_string(member(json_object_array_get_idx(result(init), 2), "value")), "692375");
	cr_assert_str_eq(json_object_get_string(member(json_object_array_get_idx(result(init), 3), "value")) + 2, hex);

	snprintf(params, sizeof(params), "[\"%s\"]",
		 json_object_get_string(member(json_object_array_get_idx(bodies, 0), "ID")));
	struct json_object *plain = call(c, "GetContractAddressFromTransactionID", params);
	assert_error(plain, -5, "ID is not a contract txn");
	struct json_object *absent = call(c, "GetContractAddressFromTransactionID",
					  "[\"0000000000000000000000000000000000000000000000000000000000000001\"]");
	assert_error(absent, -5, "Txn Hash not Present");
	json_object_put(b);
	json_object_put(addr);
	json_object_put(init);
	json_object_put(plain);
	json_object_put(absent);
	fake_chain_free(c);
}

/* ---- faults ---- */

Test(fake_chain, rpc_faults)
{
	struct fake_chain *c = chain(FAKE_SHAPE_MIXED, FAKE_FLAVOR_Z1, 692366);
	struct json_object *missing = call_fault(c, "GetTxBlock", "[\"692365\"]", FAKE_RPC_FAULT_MISSING);
	assert_error(missing, -32602, NOT_EXIST);
	struct json_object *count = call_fault(c, "GetNumTxBlocks", "[]", FAKE_RPC_FAULT_MISSING);
	cr_assert_str_eq(json_object_get_string(result(count)), "692367");
	const char *batch = "[{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"GetNumTxBlocks\"},"
			    "{\"id\":2,\"jsonrpc\":\"2.0\",\"method\":\"GetTxBlock\",\"params\":[\"1\"]}]";
	struct fake_rpc_reply r = handle(c, batch, FAKE_RPC_FAULT_RATELIMIT);
	for (size_t i = 0; i < 2; i++) {
		struct json_object *e = member(json_object_array_get_idx(r.response, i), "error");
		cr_assert_eq(json_object_get_int(member(e, "code")), -32000);
		cr_assert_str_eq(json_object_get_string(member(e, "message")), "RPC_RATE_LIMIT");
	}
	json_object_put(r.response);
	json_object_put(missing);
	json_object_put(count);
	fake_chain_free(c);
}
