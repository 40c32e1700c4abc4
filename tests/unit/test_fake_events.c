/* fake_lookup_core, --shape events: every generated block carries 10,000
 * event logs, 10 from each of 1,000 token contracts whose addresses follow
 * a documented formula, and the lookup answers GetSmartContractInit for
 * every one of them. Everything goes through fake_rpc_handle, as the HTTP
 * layer uses it. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "fake_chain.h"
#include "fake_events.h"
#include "fake_rpc.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define BLOCK "700000"
#define CONTRACT_1732 "0x17329229cd84b964130977975054f7725a85381a"

static struct fake_chain *chain(enum fake_shape shape, enum fake_flavor flavor, uint64_t height)
{
	struct fake_chain_config cfg = {
		.fixtures_dir = FIXTURES_DIR, .height = height, .shape = shape, .flavor = flavor,
	};
	char err[256] = "";
	struct fake_chain *c = fake_chain_new(&cfg, err, sizeof(err));
	cr_assert(c, "fake_chain_new: %s", err);
	return c;
}

/* The whole response to one call; params is JSON text. Caller puts it. */
static struct json_object *call(struct fake_chain *c, const char *method, const char *params)
{
	char body[512];
	snprintf(body, sizeof(body), "{\"id\":\"7\",\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"params\":%s}",
		 method, params);
	struct fake_rpc_opts o = { .max_batch = 100 };
	struct fake_rpc_reply r = fake_rpc_handle(c, body, strlen(body), &o);
	cr_assert_eq(r.http_status, 200);
	cr_assert(r.response, "no response to %s", body);
	return r.response;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	cr_assert(json_object_object_get_ex(o, key, &v), "no member %s in %.300s", key,
		  json_object_to_json_string_ext(o, FLAGS));
	return v;
}

static struct json_object *result(struct json_object *resp)
{
	return member(resp, "result");
}

static const char *string_at(struct json_object *o, const char *key)
{
	return json_object_get_string(member(o, key));
}

static struct json_object *at(struct json_object *array, size_t i)
{
	cr_assert_lt(i, json_object_array_length(array));
	return json_object_array_get_idx(array, i);
}

static struct json_object *logs_of(struct json_object *body)
{
	return member(member(body, "receipt"), "event_logs");
}

static int cmp_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The documented formula: the first 20 bytes of SHA-256("events/token/0/<i>"). */
static void formula_token(uint32_t i, char out[ADDRESS_CANON_LEN])
{
	char label[48];
	uint8_t d[SHA256_DIGEST_LENGTH];
	int n = snprintf(label, sizeof(label), "events/token/0/%u", i);
	SHA256((const unsigned char *)label, (size_t)n, d);
	address_format(d, out);
}

/* Every key of o comes after the one before it, bytewise (jsoncpp's order). */
static void assert_sorted_keys(struct json_object *o)
{
	const char *prev = NULL;
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (prev)
			cr_assert_lt(strcmp(prev, key), 0, "%s before %s", prev, key);
		prev = key;
	}
}

Test(fake_events, block_holds_10000_logs_of_1000_contracts)
{
	struct fake_chain *c = chain(FAKE_SHAPE_EVENTS, FAKE_FLAVOR_Z1, 700000);
	struct json_object *resp = call(c, "GetTxnBodiesForTxBlock", "[\"" BLOCK "\"]");
	struct json_object *block = call(c, "GetTxBlock", "[\"" BLOCK "\"]");
	struct json_object *bodies = result(resp), *header = member(result(block), "header");
	const char *emitters[10000];
	size_t n = 0;
	unsigned long long gas = 0;
	cr_assert_eq(json_object_array_length(bodies), 1000);
	for (size_t i = 0; i < 1000; i++) {
		struct json_object *body = at(bodies, i), *receipt = member(body, "receipt");
		struct json_object *logs = logs_of(body);
		char to[ADDRESS_CANON_LEN];
		snprintf(to, sizeof(to), "0x%s", string_at(body, "toAddr"));
		cr_assert(json_object_get_boolean(member(receipt, "success")));
		cr_assert_str_eq(string_at(receipt, "epoch_num"), BLOCK);
		cr_assert_eq(json_object_array_length(logs), 10);
		gas += strtoull(string_at(receipt, "cumulative_gas"), NULL, 10);
		for (size_t k = 0; k < 10; k++) {
			emitters[n] = string_at(at(logs, k), "address");
			cr_assert_str_eq(emitters[n], to, "the called token emits its own events");
			n++;
		}
	}
	qsort(emitters, n, sizeof(emitters[0]), cmp_string);
	size_t distinct = 0;
	for (size_t i = 0; i < n; i += 10) {
		cr_assert_str_eq(emitters[i], emitters[i + 9], "10 logs per contract");
		cr_assert(i + 10 == n || strcmp(emitters[i + 9], emitters[i + 10]) != 0);
		distinct++;
	}
	cr_assert_eq(n, 10000);
	cr_assert_eq(distinct, 1000);
	cr_assert_eq(json_object_get_int(member(header, "NumTxns")), 1000);
	cr_assert_eq(json_object_get_int(member(header, "NumPages")), 1);
	cr_assert_eq(strtoull(string_at(header, "GasUsed"), NULL, 10), gas);
	json_object_put(resp);
	json_object_put(block);
	fake_chain_free(c);
}

/* Transaction i calls token i; --print-contracts lists them in that order. */
Test(fake_events, contracts_follow_the_documented_formula)
{
	struct fake_chain *c = chain(FAKE_SHAPE_EVENTS, FAKE_FLAVOR_Z1, 700000);
	const struct fake_synth *s = fake_chain_synth(c);
	struct json_object *resp = call(c, "GetTxnBodiesForTxBlock", "[\"" BLOCK "\"]");
	cr_assert_eq(fake_synth_emitter_count(s), FAKE_EVENTS_CONTRACTS);
	for (uint32_t i = 0; i < FAKE_EVENTS_CONTRACTS; i++) {
		char want[ADDRESS_CANON_LEN], got[ADDRESS_CANON_LEN];
		formula_token(i, want);
		address_format(fake_synth_emitter(s, i), got);
		cr_assert_str_eq(got, want, "token %u", i);
		cr_assert_str_eq(string_at(at(logs_of(at(result(resp), i)), 0), "address"), want);
	}
	json_object_put(resp);
	fake_chain_free(c);
}

Test(fake_events, other_shapes_list_their_emitters)
{
	static const struct {
		enum fake_shape shape;
		size_t count;
	} cases[] = {
		{ FAKE_SHAPE_EMPTY, 0 }, { FAKE_SHAPE_MAINNET, 1 }, { FAKE_SHAPE_MIXED, 1 }, { FAKE_SHAPE_PAGED, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_chain *c = chain(cases[i].shape, FAKE_FLAVOR_Z1, 700000);
		const struct fake_synth *s = fake_chain_synth(c);
		cr_assert_eq(fake_synth_emitter_count(s), cases[i].count, "%s", fake_shape_name(cases[i].shape));
		if (cases[i].count) {
			char got[ADDRESS_CANON_LEN];
			address_format(fake_synth_emitter(s, 0), got);
			cr_assert_str_eq(got, CONTRACT_1732);
		}
		fake_chain_free(c);
	}
}

Test(fake_events, blocks_are_deterministic)
{
	static const char *const methods[] = { "GetTxBlock", "GetTransactionsForTxBlock",
					       "GetTxnBodiesForTxBlock" };
	struct fake_chain *a = chain(FAKE_SHAPE_EVENTS, FAKE_FLAVOR_Z1, 700001);
	struct fake_chain *b = chain(FAKE_SHAPE_EVENTS, FAKE_FLAVOR_Z1, 700500);
	for (size_t m = 0; m < 3; m++) {
		struct json_object *x = call(a, methods[m], "[\"" BLOCK "\"]");
		struct json_object *y = call(b, methods[m], "[\"" BLOCK "\"]");
		char *text = strdup(json_object_to_json_string_ext(x, FLAGS));
		cr_assert_str_eq(text, json_object_to_json_string_ext(y, FLAGS), "%s", methods[m]);
		free(text);
		json_object_put(x);
		json_object_put(y);
	}
	/* The next block: the same contracts, new transactions and transfers. */
	struct json_object *x = call(a, "GetTxnBodiesForTxBlock", "[\"" BLOCK "\"]");
	struct json_object *y = call(a, "GetTxnBodiesForTxBlock", "[\"700001\"]");
	for (size_t i = 0; i < 1000; i += 111) {
		struct json_object *p = at(result(x), i), *q = at(result(y), i);
		cr_assert_str_eq(string_at(p, "toAddr"), string_at(q, "toAddr"));
		cr_assert_str_neq(string_at(p, "ID"), string_at(q, "ID"));
		cr_assert_str_neq(json_object_to_json_string_ext(member(at(logs_of(p), 0), "params"), FLAGS),
				  json_object_to_json_string_ext(member(at(logs_of(q), 0), "params"), FLAGS));
	}
	json_object_put(x);
	json_object_put(y);
	fake_chain_free(a);
	fake_chain_free(b);
}

static void assert_param(struct json_object *p, const char *type, const char *vname)
{
	cr_assert_str_eq(string_at(p, "type"), type);
	cr_assert_str_eq(string_at(p, "vname"), vname);
	assert_sorted_keys(p);
}

static void hex_bytes(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* A ZRC-2 token's TransferSuccess, as in GetTransaction_event_logs.json;
 * the sender is the address of the transaction's public key; the call's
 * data names the same recipients and amounts. */
Test(fake_events, events_are_token_transfers)
{
	struct fake_chain *c = chain(FAKE_SHAPE_EVENTS, FAKE_FLAVOR_Z1, 700000);
	struct json_object *resp = call(c, "GetTxnBodiesForTxBlock", "[\"" BLOCK "\"]");
	struct json_object *body = at(result(resp), 42), *logs = logs_of(body);
	uint8_t pub[33], h[SHA256_DIGEST_LENGTH];
	char sender[ADDRESS_CANON_LEN];
	hex_bytes(string_at(body, "senderPubKey") + 2, pub, sizeof(pub));
	SHA256(pub, sizeof(pub), h);
	address_format(h + 12, sender);
	assert_sorted_keys(body);
	assert_sorted_keys(member(body, "receipt"));
	struct json_object *data = json_tokener_parse(string_at(body, "data"));
	cr_assert(data);
	cr_assert_str_eq(string_at(data, "_tag"), "BatchTransfer");
	struct json_object *pairs = member(at(member(data, "params"), 0), "value");
	cr_assert_eq(json_object_array_length(pairs), 10);
	for (size_t k = 0; k < 10; k++) {
		struct json_object *e = at(logs, k), *params = member(e, "params");
		struct json_object *args = member(at(pairs, k), "arguments");
		char recipient[ADDRESS_CANON_LEN];
		uint8_t bytes[ADDRESS_BYTES];
		cr_assert(address_parse(json_object_get_string(at(args, 0)), 42, bytes));
		address_format(bytes, recipient);
		assert_sorted_keys(e);
		cr_assert_str_eq(string_at(e, "_eventname"), "TransferSuccess");
		cr_assert_eq(json_object_array_length(params), 3);
		assert_param(at(params, 0), "ByStr20", "sender");
		assert_param(at(params, 1), "ByStr20", "recipient");
		assert_param(at(params, 2), "Uint128", "amount");
		cr_assert_str_eq(string_at(at(params, 0), "value"), sender);
		cr_assert_str_eq(string_at(at(params, 1), "value"), recipient);
		cr_assert_str_eq(string_at(at(params, 2), "value"), json_object_get_string(at(args, 1)));
		cr_assert_lt(strlen(json_object_to_json_string_ext(e, FLAGS)), 400, "an event stays compact");
	}
	json_object_put(data);
	json_object_put(resp);
	fake_chain_free(c);
}

Test(fake_events, smart_contract_init_answers_for_every_token)
{
	static const enum fake_flavor flavors[] = { FAKE_FLAVOR_Z1, FAKE_FLAVOR_Z2 };
	for (size_t f = 0; f < 2; f++) {
		struct fake_chain *c = chain(FAKE_SHAPE_EVENTS, flavors[f], 692364);
		for (uint32_t i = 0; i < FAKE_EVENTS_CONTRACTS; i++) {
			char addr[ADDRESS_CANON_LEN], params[64];
			formula_token(i, addr);
			snprintf(params, sizeof(params), "[\"%s\"]", addr);
			struct json_object *resp = call(c, "GetSmartContractInit", params);
			struct json_object *init = result(resp);
			cr_assert_eq(json_object_array_length(init), 4);
			cr_assert_str_eq(string_at(at(init, 3), "vname"), "_this_address");
			cr_assert_str_eq(string_at(at(init, 3), "value"), addr);
			json_object_put(resp);
		}
		struct json_object *user = call(c, "GetSmartContractInit",
						"[\"0x07c9d1edb8aa95194033b6783b351409b1cbd355\"]");
		cr_assert_str_eq(string_at(member(user, "error"), "message"), "Address not contract address");
		json_object_put(user);
		fake_chain_free(c);
	}
	/* The tokens exist only on an events chain. */
	struct fake_chain *m = chain(FAKE_SHAPE_MAINNET, FAKE_FLAVOR_Z1, 700000);
	char addr[ADDRESS_CANON_LEN], params[64];
	formula_token(0, addr);
	snprintf(params, sizeof(params), "[\"%s\"]", addr);
	struct json_object *resp = call(m, "GetSmartContractInit", params);
	cr_assert_eq(json_object_get_int(member(member(resp, "error"), "code")), -5);
	json_object_put(resp);
	fake_chain_free(m);
}

Test(fake_events, z2_checksums_to_addr)
{
	struct fake_chain *c = chain(FAKE_SHAPE_EVENTS, FAKE_FLAVOR_Z2, 700000);
	struct json_object *resp = call(c, "GetTxnBodiesForTxBlock", "[\"" BLOCK "\"]");
	struct json_object *lists = call(c, "GetTransactionsForTxBlock", "[\"" BLOCK "\"]");
	struct json_object *body = at(result(resp), 0);
	char token[ADDRESS_CANON_LEN], mixed[41];
	formula_token(0, token);
	fake_synth_checksum(token + 2, mixed);
	cr_assert_str_eq(string_at(body, "toAddr"), mixed);
	cr_assert_str_neq(mixed, token + 2);
	cr_assert_str_eq(string_at(at(logs_of(body), 0), "address"), token);
	cr_assert_eq(json_object_array_length(result(lists)), 1);
	cr_assert_eq(json_object_array_length(at(result(lists), 0)), 1000);
	json_object_put(resp);
	json_object_put(lists);
	fake_chain_free(c);
}
