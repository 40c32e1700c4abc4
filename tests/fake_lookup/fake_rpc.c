/* JSON-RPC dispatch for the fake lookup node. Request checks and error
 * texts follow libjson-rpc-cpp (JSONRPC_SERVER_V2), which the Zilliqa node
 * embeds; method behaviour follows the node's LookupServer, including:
 * - Zilliqa 1 GetTxBlock beyond the head answers a dummy block whose
 *   BlockNum is 18446744073709551615; Zilliqa 2 answers -32603 "Block not
 *   finalized" for head + 1 (the block being produced) and null beyond.
 * - block methods beyond the head: -32602 "... Tx Block does not exist";
 *   on a block (or page) without transactions: -1 "TxBlock has no
 *   transactions".
 * - GetTxnBodiesForTxBlock without a page answers every transaction, as
 *   the node does; the Ex methods page by 2,500.
 * Results shared with the chain's cache are handed out by reference. */
#include "fake_rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

#define INVALID_REQUEST "INVALID_JSON_REQUEST: The JSON sent is not a valid JSON-RPC Request object"
#define PARSE_ERROR "JSON_PARSE_ERROR: The JSON-Object is not JSON-Valid"
#define METHOD_NOT_FOUND "METHOD_NOT_FOUND: The method being requested is not available on this server"

/* One call being answered. A handler returns the result, or NULL with code
 * set for an error; NULL with code 0 is a JSON null result. */
struct call {
	struct fake_chain *chain;
	enum fake_rpc_fault fault;
	const char *param[2];
	int code;
	char message[256];
};

typedef struct json_object *method_fn(struct call *k);

static struct json_object *fail(struct call *k, int code, const char *message)
{
	k->code = code;
	snprintf(k->message, sizeof(k->message), "%s", message);
	return NULL;
}

static struct json_object *fail_params(struct call *k, const char *detail)
{
	k->code = -32602;
	snprintf(k->message, sizeof(k->message), "%s: %s", FAKE_RPC_INVALID_PARAMS, detail);
	return NULL;
}

static struct json_object *shared(struct call *k, struct json_object *o)
{
	return o ? json_object_get(o) : fail(k, -32603, "Unable to process");
}

static struct json_object *u64_string(uint64_t v)
{
	char text[24];
	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	return json_object_new_string(text);
}

/* Decimal digits only, at most 2^64 - 1. */
static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* ---- block methods ---- */

/* The block named by param 0 if it exists, else NULL with the error set. */
static const struct fake_block *existing_block(struct call *k)
{
	uint64_t num;
	if (!parse_u64(k->param[0], &num)) {
		fail_params(k, "String not numeric");
		return NULL;
	}
	if (num > fake_chain_head(k->chain) || k->fault == FAKE_RPC_FAULT_MISSING) {
		fail_params(k, "Tx Block does not exist");
		return NULL;
	}
	if (k->fault == FAKE_RPC_FAULT_DUPTXNS && num > 0)
		num--;
	const struct fake_block *b = fake_chain_block(k->chain, num);
	if (!b)
		fail(k, -32603, "Unable to process");
	return b;
}

static bool page_param(struct call *k, uint32_t *page)
{
	uint64_t v;
	if (!parse_u64(k->param[1], &v)) {
		fail_params(k, "String not numeric");
		return false;
	}
	*page = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return true;
}

static struct json_object *no_txns(struct call *k)
{
	return fail(k, -1, "TxBlock has no transactions");
}

static struct json_object *get_tx_block(struct call *k)
{
	uint64_t num, head = fake_chain_head(k->chain);
	if (!parse_u64(k->param[0], &num))
		return fail_params(k, "String not numeric");
	if (k->fault == FAKE_RPC_FAULT_MISSING)
		return fail_params(k, "Tx Block does not exist");
	if (num <= head) {
		const struct fake_block *b = fake_chain_block(k->chain, num);
		return shared(k, b ? b->tx_block : NULL);
	}
	if (fake_chain_flavor(k->chain) == FAKE_FLAVOR_Z1)
		return shared(k, fake_chain_dummy_block(k->chain));
	return num == head + 1 ? fail(k, -32603, "Block not finalized") : NULL;
}

static struct json_object *get_hashes(struct call *k)
{
	const struct fake_block *b = existing_block(k);
	if (!b)
		return NULL;
	return b->hashes ? json_object_get(b->hashes) : no_txns(k);
}

static struct json_object *get_hashes_ex(struct call *k)
{
	uint32_t page;
	const struct fake_block *b = existing_block(k);
	if (!b || !page_param(k, &page))
		return NULL;
	struct json_object *r = fake_block_hash_page(b, page);
	return r ? r : no_txns(k);
}

static struct json_object *get_bodies(struct call *k)
{
	const struct fake_block *b = existing_block(k);
	if (!b)
		return NULL;
	return b->bodies ? json_object_get(b->bodies) : no_txns(k);
}

static struct json_object *get_bodies_ex(struct call *k)
{
	uint32_t page;
	const struct fake_block *b = existing_block(k);
	if (!b || !page_param(k, &page))
		return NULL;
	struct json_object *r = fake_block_body_page(b, page);
	return r ? r : no_txns(k);
}

/* ---- chain methods ---- */

/* The head's block with BlockNum 2^63: a number past PostgreSQL's bigint. */
static struct json_object *impossible_head(struct call *k, struct json_object *tx_block)
{
	struct json_object *copy = NULL, *header;
	if (json_object_deep_copy(tx_block, &copy, NULL) != 0 ||
	    !json_object_object_get_ex(copy, "header", &header)) {
		json_object_put(copy);
		return fail(k, -32603, "Unable to process");
	}
	json_object_object_add(header, "BlockNum", json_object_new_string("9223372036854775808"));
	return copy;
}

static struct json_object *get_latest_tx_block(struct call *k)
{
	const struct fake_block *b = fake_chain_block(k->chain, fake_chain_head(k->chain));
	if (b && k->fault == FAKE_RPC_FAULT_BIGHEAD)
		return impossible_head(k, b->tx_block);
	return shared(k, b ? b->tx_block : NULL);
}

/* Zilliqa 1 counts blocks (head + 1); Zilliqa 2 answers the head. */
static uint64_t num_tx_blocks(struct call *k)
{
	uint64_t head = fake_chain_head(k->chain);
	return fake_chain_flavor(k->chain) == FAKE_FLAVOR_Z1 ? head + 1 : head;
}

static struct json_object *get_num_tx_blocks(struct call *k)
{
	return u64_string(num_tx_blocks(k));
}

/* The fixture's info with the members that follow the head replaced. */
static struct json_object *get_blockchain_info(struct call *k)
{
	uint64_t head = fake_chain_head(k->chain), count = num_tx_blocks(k);
	const struct fake_block *b = fake_chain_block(k->chain, head);
	struct json_object *info = json_object_new_object();
	if (!b || !info) {
		json_object_put(info);
		return fail(k, -32603, "Unable to process");
	}
	json_object_object_foreach(fake_chain_fixtures(k->chain)->blockchain_info, key, val) {
		struct json_object *v;
		if (strcmp(key, "NumTxBlocks") == 0 || strcmp(key, "CurrentMiniEpoch") == 0)
			v = u64_string(count);
		else if (strcmp(key, "CurrentDSEpoch") == 0)
			v = u64_string(head / 100 + 1);
		else if (strcmp(key, "NumDSBlocks") == 0)
			v = u64_string(head / 100 + 2);
		else if (strcmp(key, "NumTxnsTxEpoch") == 0)
			v = u64_string(b->num_txns);
		else
			v = json_object_get(val);
		json_object_object_add(info, key, v);
	}
	return info;
}

/* ---- contract methods ---- */

/* A copy of init entry with its "value" replaced. */
static struct json_object *with_value(struct json_object *entry, const char *value)
{
	struct json_object *o = json_object_new_object();
	json_object_object_foreach(entry, key, val) {
		struct json_object *v = strcmp(key, "value") == 0 ? json_object_new_string(value)
								  : json_object_get(val);
		json_object_object_add(o, key, v);
	}
	return o;
}

static struct json_object *contract_init(struct call *k, const uint8_t addr[20], uint64_t created)
{
	struct json_object *tmpl = fake_chain_fixtures(k->chain)->contract_init;
	struct json_object *init = json_object_new_array();
	char canon[ADDRESS_CANON_LEN], block[24];
	address_format(addr, canon);
	snprintf(block, sizeof(block), "%llu", (unsigned long long)created);
	for (size_t i = 0; init && i < json_object_array_length(tmpl); i++) {
		struct json_object *entry = json_object_array_get_idx(tmpl, i), *vname;
		const char *name = json_object_object_get_ex(entry, "vname", &vname)
					   ? json_object_get_string(vname) : "";
		if (strcmp(name, "_this_address") == 0)
			entry = with_value(entry, canon);
		else if (strcmp(name, "_creation_block") == 0 && created)
			entry = with_value(entry, block);
		else
			entry = json_object_get(entry);
		json_object_array_add(init, entry);
	}
	return init ? init : fail(k, -32603, "Unable to process");
}

static struct json_object *get_smart_contract_init(struct call *k)
{
	const char *text = k->param[0];
	size_t len = strlen(text);
	uint8_t addr[20];
	uint64_t created;
	if (!address_parse(text, len, addr))
		return len == 40 || len == 42 ? fail(k, -5, "invalid address")
					      : fail_params(k, "Address size not appropriate");
	if (fake_chain_is_contract(k->chain, addr, &created))
		return contract_init(k, addr, created);
	int code = fake_chain_flavor(k->chain) == FAKE_FLAVOR_Z1 ? -5 : -32603;
	return fail(k, code, "Address not contract address");
}

static struct json_object *get_contract_address(struct call *k)
{
	const char *id = k->param[0];
	uint8_t addr[20];
	char canon[ADDRESS_CANON_LEN];
	if (strlen(id) != 64)
		return fail_params(k, "Address size not appropriate");
	switch (fake_chain_txn(k->chain, id, addr)) {
	case FAKE_TXN_ABSENT:
		return fail(k, -5, "Txn Hash not Present");
	case FAKE_TXN_PLAIN:
		return fail(k, -5, "ID is not a contract txn");
	case FAKE_TXN_DEPLOY:
		break;
	}
	address_format(addr, canon);
	return json_object_new_string(canon + 2);
}

/* ---- dispatch ---- */

struct method {
	const char *name;
	int params; /* positional, all strings */
	method_fn *fn;
};

static const struct method methods[] = {
	{ "GetBlockchainInfo", 0, get_blockchain_info },
	{ "GetContractAddressFromTransactionID", 1, get_contract_address },
	{ "GetLatestTxBlock", 0, get_latest_tx_block },
	{ "GetNumTxBlocks", 0, get_num_tx_blocks },
	{ "GetSmartContractInit", 1, get_smart_contract_init },
	{ "GetTransactionsForTxBlock", 1, get_hashes },
	{ "GetTransactionsForTxBlockEx", 2, get_hashes_ex },
	{ "GetTxBlock", 1, get_tx_block },
	{ "GetTxnBodiesForTxBlock", 1, get_bodies },
	{ "GetTxnBodiesForTxBlockEx", 2, get_bodies_ex },
};

static const struct method *find_method(const char *name)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}

/* jsonrpccpp checks positional parameters by count and type only. */
static bool bind_params(struct call *k, const struct method *m, struct json_object *params)
{
	if (m->params == 0)
		return true;
	if (!json_object_is_type(params, json_type_array) ||
	    (int)json_object_array_length(params) != m->params)
		return false;
	for (int i = 0; i < m->params; i++) {
		struct json_object *p = json_object_array_get_idx(params, (size_t)i);
		if (!json_object_is_type(p, json_type_string))
			return false;
		k->param[i] = json_object_get_string(p);
	}
	return true;
}

/* The jsonrpccpp V2 request check. */
static bool valid_request(struct json_object *req)
{
	struct json_object *v;
	if (!json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "jsonrpc", &v) ||
	    !json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), "2.0") != 0 ||
	    !json_object_object_get_ex(req, "method", &v) || !json_object_is_type(v, json_type_string))
		return false;
	if (json_object_object_get_ex(req, "id", &v) && v && !json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_string))
		return false;
	if (json_object_object_get_ex(req, "params", &v) && v &&
	    !json_object_is_type(v, json_type_array) && !json_object_is_type(v, json_type_object))
		return false;
	return true;
}

static struct json_object *envelope(struct json_object *id, const struct call *k,
				    struct json_object *result)
{
	struct json_object *o = json_object_new_object();
	if (k->code) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_int(k->code));
		json_object_object_add(e, "data", NULL);
		json_object_object_add(e, "message", json_object_new_string(k->message));
		json_object_object_add(o, "error", e);
	}
	json_object_object_add(o, "id", json_object_get(id));
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	if (!k->code)
		json_object_object_add(o, "result", result);
	return o;
}

static void run_method(struct call *k, struct json_object *req, struct json_object **result)
{
	struct json_object *method, *params = NULL;
	json_object_object_get_ex(req, "method", &method);
	json_object_object_get_ex(req, "params", &params);
	const struct method *m = find_method(json_object_get_string(method));
	if (!m)
		fail(k, -32601, METHOD_NOT_FOUND);
	else if (!bind_params(k, m, params))
		fail(k, -32602, FAKE_RPC_INVALID_PARAMS);
	else if (k->fault == FAKE_RPC_FAULT_RATELIMIT)
		fail(k, -32000, "RPC_RATE_LIMIT");
	else
		*result = m->fn(k);
}

/* One call's response, or NULL for a notification. */
static struct json_object *answer_call(struct fake_chain *c, const struct fake_rpc_opts *o,
				       struct json_object *req)
{
	struct call k = { .chain = c, .fault = o->fault };
	struct json_object *id = NULL, *method = NULL, *result = NULL;
	bool has_id = json_object_object_get_ex(req, "id", &id);
	if (!valid_request(req)) {
		fail(&k, -32600, INVALID_REQUEST);
		has_id = true;
	} else {
		run_method(&k, req, &result);
	}
	json_object_object_get_ex(req, "method", &method);
	if (o->trace)
		o->trace(o->trace_arg, method ? json_object_get_string(method) : "", k.param[0], k.code);
	if (!has_id) {
		json_object_put(result);
		return NULL;
	}
	if (id && !json_object_is_type(id, json_type_int) && !json_object_is_type(id, json_type_string))
		id = NULL;
	return envelope(id, &k, result);
}

static struct json_object *error_reply(int code, const char *message)
{
	struct call k = { .code = code };
	snprintf(k.message, sizeof(k.message), "%s", message);
	return envelope(NULL, &k, NULL);
}

static struct json_object *answer_batch(struct fake_chain *c, const struct fake_rpc_opts *o,
					struct json_object *reqs)
{
	size_t n = json_object_array_length(reqs);
	struct json_object *out = json_object_new_array_ext((int)n);
	for (size_t i = 0; out && i < n; i++) {
		struct json_object *r = answer_call(c, o, json_object_array_get_idx(reqs, i));
		if (r)
			json_object_array_add(out, r);
	}
	if (out && json_object_array_length(out) == 0) {
		json_object_put(out);
		out = NULL;
	}
	return out;
}

static struct json_object *parse_body(const char *body, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	struct json_object *o = json_tokener_parse_ex(tok, body, (int)len);
	size_t used = json_tokener_get_parse_end(tok);
	while (o && used < len && strchr(" \t\r\n", body[used]))
		used++;
	if (o && used < len) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

struct fake_rpc_reply fake_rpc_handle(struct fake_chain *c, const char *body, size_t len,
				      const struct fake_rpc_opts *o)
{
	struct fake_rpc_reply r = { .http_status = 200 };
	struct json_object *req = parse_body(body, len);
	if (!req) {
		r.response = error_reply(-32700, PARSE_ERROR);
	} else if (!json_object_is_type(req, json_type_array)) {
		r.calls = 1;
		r.response = answer_call(c, o, req);
	} else {
		r.batch = true;
		r.calls = (unsigned)json_object_array_length(req);
		if (r.calls == 0)
			r.response = error_reply(-32600, INVALID_REQUEST);
		else if ((int)r.calls > o->max_batch)
			r.http_status = 413;
		else
			r.response = answer_batch(c, o, req);
	}
	json_object_put(req);
	return r;
}
