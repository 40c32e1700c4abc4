/* Loads the fixtures directory once: TxBlocks paired with their bodies,
 * templates for generated blocks, and the contract addresses the fixtures
 * show. Everything served later comes from memory. */
#include "fake_fixtures.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"

/* Files read while scanning, before pairing. */
struct scan {
	struct json_object **tx_blocks; /* GetTxBlock*.json results */
	size_t tx_block_count;
	struct json_object **bodies; /* GetTxnBodiesForTxBlock*.json array results */
	size_t body_count;
};

static bool has_prefix_suffix(const char *s, const char *prefix, const char *suffix)
{
	size_t n = strlen(s), p = strlen(prefix), q = strlen(suffix);
	return n >= p + q && strncmp(s, prefix, p) == 0 && strcmp(s + n - q, suffix) == 0;
}

/* The "result" of a JSON-RPC response file, owned by the caller. */
static struct json_object *read_result(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct json_object *file = json_object_from_file(path), *result;
	if (!file || !json_object_object_get_ex(file, "result", &result)) {
		snprintf(err, errlen, "%s: not a JSON-RPC response with a result", path);
		json_object_put(file);
		return NULL;
	}
	json_object_get(result);
	json_object_put(file);
	return result;
}

static bool push(struct json_object ***list, size_t *count, struct json_object *o)
{
	struct json_object **grown = realloc(*list, (*count + 1) * sizeof(**list));
	if (!grown)
		return false;
	*list = grown;
	(*list)[(*count)++] = o;
	return true;
}

static bool scan_file(struct scan *s, const char *dir, const char *name, char *err, size_t errlen)
{
	bool tx_block = has_prefix_suffix(name, "GetTxBlock", ".json");
	bool bodies = has_prefix_suffix(name, "GetTxnBodiesForTxBlock", ".json");
	if (!tx_block && !bodies)
		return true;
	struct json_object *r = read_result(dir, name, err, errlen);
	if (!r)
		return false;
	if (bodies && !json_object_is_type(r, json_type_array)) {
		json_object_put(r); /* the Ex sample: a page, not a block */
		return true;
	}
	bool ok = tx_block ? push(&s->tx_blocks, &s->tx_block_count, r)
			   : push(&s->bodies, &s->body_count, r);
	if (!ok) {
		json_object_put(r);
		snprintf(err, errlen, "out of memory");
	}
	return ok;
}

static void scan_free(struct scan *s)
{
	for (size_t i = 0; i < s->tx_block_count; i++)
		json_object_put(s->tx_blocks[i]);
	for (size_t i = 0; i < s->body_count; i++)
		json_object_put(s->bodies[i]);
	free(s->tx_blocks);
	free(s->bodies);
}

static const char *path_string(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;
	if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
		return NULL;
	return json_object_get_string(y);
}

static int64_t path_int(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;
	if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
		return -1;
	return json_object_get_int64(y);
}

/* The bodies whose receipts carry epoch num and that number num_txns. */
static struct json_object *find_bodies(const struct scan *s, uint64_t num, int64_t num_txns)
{
	for (size_t i = 0; i < s->body_count; i++) {
		struct json_object *first = json_object_array_get_idx(s->bodies[i], 0);
		const char *epoch = path_string(first, "receipt", "epoch_num");
		if (epoch && strtoull(epoch, NULL, 10) == num &&
		    (int64_t)json_object_array_length(s->bodies[i]) == num_txns)
			return s->bodies[i];
	}
	return NULL;
}

static int block_cmp(const void *a, const void *b)
{
	const struct fake_block *x = *(struct fake_block *const *)a;
	const struct fake_block *y = *(struct fake_block *const *)b;
	return x->num < y->num ? -1 : x->num > y->num;
}

static bool pair_blocks(struct fake_fixtures *f, const struct scan *s, char *err, size_t errlen)
{
	f->blocks = calloc(s->tx_block_count + 1, sizeof(*f->blocks));
	if (!f->blocks)
		return false;
	for (size_t i = 0; i < s->tx_block_count; i++) {
		struct json_object *r = s->tx_blocks[i];
		const char *num_text = path_string(r, "header", "BlockNum");
		int64_t num_txns = path_int(r, "header", "NumTxns");
		int64_t shards = path_int(r, "header", "NumMicroBlocks");
		if (!num_text || num_txns < 0 || shards < 0) {
			snprintf(err, errlen, "a GetTxBlock fixture lacks BlockNum/NumTxns/NumMicroBlocks");
			return false;
		}
		uint64_t num = strtoull(num_text, NULL, 10);
		struct json_object *bodies = num_txns ? find_bodies(s, num, num_txns) : NULL;
		if ((num_txns && !bodies) || fake_fixtures_block(f, num))
			continue;
		struct fake_block *b = fake_block_new(num, json_object_get(r), json_object_get(bodies),
						      (uint32_t)shards);
		if (!b) {
			snprintf(err, errlen, "fixture block %llu: no body.BlockHash",
				 (unsigned long long)num);
			return false;
		}
		f->blocks[f->block_count++] = b;
		qsort(f->blocks, f->block_count, sizeof(*f->blocks), block_cmp);
	}
	return true;
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 20);
}

static bool add_contract(struct fake_fixtures *f, const char *text)
{
	uint8_t a[20], zero[20] = { 0 };
	if (!text || !address_parse(text, strlen(text), a) || memcmp(a, zero, 20) == 0 ||
	    fake_fixtures_is_contract(f, a))
		return true;
	uint8_t (*grown)[20] = realloc(f->contracts, (f->contract_count + 1) * sizeof(*grown));
	if (!grown)
		return false;
	f->contracts = grown;
	memcpy(f->contracts[f->contract_count++], a, 20);
	qsort(f->contracts, f->contract_count, 20, addr_cmp);
	return true;
}

/* Event-log emitters and contract-call targets of one transaction body. */
static bool add_txn_contracts(struct fake_fixtures *f, struct json_object *txn)
{
	struct json_object *receipt, *logs, *to, *data;
	if (json_object_object_get_ex(txn, "data", &data) &&
	    json_object_object_get_ex(txn, "toAddr", &to) &&
	    !add_contract(f, json_object_get_string(to)))
		return false;
	if (!json_object_object_get_ex(txn, "receipt", &receipt) ||
	    !json_object_object_get_ex(receipt, "event_logs", &logs))
		return true;
	for (size_t i = 0; i < json_object_array_length(logs); i++) {
		struct json_object *addr;
		if (json_object_object_get_ex(json_object_array_get_idx(logs, i), "address", &addr) &&
		    !add_contract(f, json_object_get_string(addr)))
			return false;
	}
	return true;
}

static bool collect_contracts(struct fake_fixtures *f, const char *dir)
{
	for (size_t i = 0; i < f->block_count; i++) {
		struct json_object *bodies = f->blocks[i]->bodies;
		for (size_t j = 0; bodies && j < json_object_array_length(bodies); j++)
			if (!add_txn_contracts(f, json_object_array_get_idx(bodies, j)))
				return false;
	}
	char unused[256];
	struct json_object *sample = read_result(dir, "GetTransaction_event_logs.json",
						 unused, sizeof(unused));
	bool ok = !sample || add_txn_contracts(f, sample);
	json_object_put(sample);
	return ok;
}

static bool scan_dir(struct scan *s, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "cannot open fixtures directory %s", dir);
		return false;
	}
	bool ok = true;
	struct dirent *e;
	while (ok && (e = readdir(d)))
		ok = scan_file(s, dir, e->d_name, err, errlen);
	closedir(d);
	return ok;
}

struct fake_fixtures *fake_fixtures_load(const char *dir, char *err, size_t errlen)
{
	struct scan s = { 0 };
	struct fake_fixtures *f = calloc(1, sizeof(*f));
	snprintf(err, errlen, "out of memory");
	if (!f || !scan_dir(&s, dir, err, errlen) || !pair_blocks(f, &s, err, errlen))
		goto fail;
	f->mainnet = fake_fixtures_block(f, FAKE_MAINNET_BLOCK);
	if (!f->mainnet || !f->mainnet->bodies) {
		snprintf(err, errlen, "%s: block %d with its bodies is missing", dir, FAKE_MAINNET_BLOCK);
		goto fail;
	}
	if (!(f->deploy_body = read_result(dir, "GetTransaction_contract_deploy.json", err, errlen)) ||
	    !(f->contract_init = read_result(dir, "GetSmartContractInit.json", err, errlen)) ||
	    !(f->blockchain_info = read_result(dir, "GetBlockchainInfo.json", err, errlen)))
		goto fail;
	if (!collect_contracts(f, dir)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	scan_free(&s);
	return f;
fail:
	scan_free(&s);
	fake_fixtures_free(f);
	return NULL;
}

void fake_fixtures_free(struct fake_fixtures *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->block_count; i++)
		fake_block_free(f->blocks[i]);
	free(f->blocks);
	json_object_put(f->deploy_body);
	json_object_put(f->contract_init);
	json_object_put(f->blockchain_info);
	free(f->contracts);
	free(f);
}

const struct fake_block *fake_fixtures_block(const struct fake_fixtures *f, uint64_t num)
{
	size_t lo = 0, hi = f->block_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->blocks[mid]->num == num)
			return f->blocks[mid];
		if (f->blocks[mid]->num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool fake_fixtures_is_contract(const struct fake_fixtures *f, const uint8_t addr[20])
{
	return f->contract_count &&
	       bsearch(addr, f->contracts, f->contract_count, 20, addr_cmp) != NULL;
}

const struct fake_block *fake_fixtures_find_txn(const struct fake_fixtures *f, const char *id)
{
	for (size_t i = 0; i < f->block_count; i++) {
		struct json_object *bodies = f->blocks[i]->bodies;
		for (size_t j = 0; bodies && j < json_object_array_length(bodies); j++) {
			struct json_object *txn = json_object_array_get_idx(bodies, j), *tid;
			if (json_object_object_get_ex(txn, "ID", &tid) &&
			    strcasecmp(json_object_get_string(tid), id) == 0)
				return f->blocks[i];
		}
	}
	return NULL;
}
