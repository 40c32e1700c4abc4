/* Generated TxBlocks modeled on the mainnet fixtures. Bodies are clones of
 * block 692365's bodies (or of the contract-deploy sample) that share every
 * member with the template except ID, receipt.epoch_num and, for Zilliqa 2,
 * toAddr; json-c reference counts make a 5,001-transaction block cheap.
 * The events shape builds its own bodies (fake_events.c). Keys are written
 * in alphabetical order, as the node's jsoncpp does. */
#include "fake_synth.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "fake_events.h"

/* Block 692365's Timestamp (µs); generated blocks are ~30 s apart. */
#define MAINNET_TIMESTAMP INT64_C(1595863976488744)
#define BLOCK_INTERVAL_US INT64_C(30000000)
#define PAGED_TXNS 5001
#define Z1_SHARDS 3
#define GAS_LIMIT 500000
#define GAS_PRICE 1000000000ULL

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

static const char *const shape_names[] = { "empty", "mainnet", "mixed", "paged", "events" };
static const char *const flavor_names[] = { "z1", "z2" };

bool fake_shape_parse(const char *name, enum fake_shape *out)
{
	for (size_t i = 0; i < sizeof(shape_names) / sizeof(shape_names[0]); i++) {
		if (strcmp(name, shape_names[i]) == 0) {
			*out = (enum fake_shape)i;
			return true;
		}
	}
	return false;
}

const char *fake_shape_name(enum fake_shape shape)
{
	return shape_names[shape];
}

bool fake_flavor_parse(const char *name, enum fake_flavor *out)
{
	for (int i = 0; i < 2; i++) {
		if (strcmp(name, flavor_names[i]) == 0) {
			*out = (enum fake_flavor)i;
			return true;
		}
	}
	return false;
}

const char *fake_flavor_name(enum fake_flavor flavor)
{
	return flavor_names[flavor];
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 20);
}

static bool add_emitter(struct fake_synth *s, const char *text)
{
	uint8_t a[20];
	if (!text || !address_parse(text, strlen(text), a))
		return true;
	for (size_t i = 0; i < s->emitter_count; i++)
		if (addr_cmp(s->emitters[i], a) == 0)
			return true;
	uint8_t (*grown)[20] = realloc(s->emitters, (s->emitter_count + 1) * sizeof(*grown));
	if (!grown)
		return false;
	s->emitters = grown;
	memcpy(s->emitters[s->emitter_count++], a, 20);
	return true;
}

/* The event-log addresses of block 692365's bodies, in order. */
static bool mainnet_emitters(struct fake_synth *s)
{
	struct json_object *bodies = s->fixtures->mainnet->bodies;
	for (size_t i = 0; i < json_object_array_length(bodies); i++) {
		struct json_object *receipt, *logs, *addr;
		if (!json_object_object_get_ex(json_object_array_get_idx(bodies, i), "receipt", &receipt) ||
		    !json_object_object_get_ex(receipt, "event_logs", &logs))
			continue;
		for (size_t j = 0; j < json_object_array_length(logs); j++)
			if (json_object_object_get_ex(json_object_array_get_idx(logs, j), "address", &addr) &&
			    !add_emitter(s, json_object_get_string(addr)))
				return false;
	}
	return true;
}

static bool collect_emitters(struct fake_synth *s)
{
	if (s->shape == FAKE_SHAPE_EVENTS) {
		s->emitters = calloc(FAKE_EVENTS_CONTRACTS, sizeof(*s->emitters));
		if (!s->emitters)
			return false;
		for (uint32_t i = 0; i < FAKE_EVENTS_CONTRACTS; i++)
			fake_events_token(s, i, s->emitters[i]);
		s->emitter_count = FAKE_EVENTS_CONTRACTS;
	} else if (s->shape != FAKE_SHAPE_EMPTY && !mainnet_emitters(s)) {
		return false;
	}
	s->emitters_sorted = calloc(s->emitter_count ? s->emitter_count : 1, sizeof(*s->emitters_sorted));
	if (!s->emitters_sorted)
		return false;
	if (s->emitter_count) {
		memcpy(s->emitters_sorted, s->emitters, s->emitter_count * sizeof(*s->emitters));
		qsort(s->emitters_sorted, s->emitter_count, sizeof(*s->emitters_sorted), addr_cmp);
	}
	return true;
}

bool fake_synth_init(struct fake_synth *s, const struct fake_fixtures *fixtures,
		     enum fake_shape shape, enum fake_flavor flavor, char *err, size_t errlen)
{
	struct json_object *bodies = fixtures->mainnet->bodies;
	size_t n = json_object_array_length(bodies);
	*s = (struct fake_synth){ .fixtures = fixtures, .shape = shape, .flavor = flavor };
	s->templates = calloc(n + 1, sizeof(*s->templates));
	if (!s->templates) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (size_t i = 0; i <= n; i++) {
		struct json_object *body = i < n ? json_object_array_get_idx(bodies, i) : fixtures->deploy_body;
		if (!fake_template_init(&s->templates[i], body, err, errlen)) {
			fake_synth_cleanup(s);
			return false;
		}
		s->template_count++;
	}
	if (!collect_emitters(s)) {
		snprintf(err, errlen, "out of memory");
		fake_synth_cleanup(s);
		return false;
	}
	return true;
}

void fake_synth_cleanup(struct fake_synth *s)
{
	for (size_t i = 0; i < s->template_count; i++)
		fake_template_cleanup(&s->templates[i]);
	free(s->templates);
	free(s->emitters);
	free(s->emitters_sorted);
	s->templates = NULL;
	s->template_count = 0;
	s->emitters = s->emitters_sorted = NULL;
	s->emitter_count = 0;
}

size_t fake_synth_emitter_count(const struct fake_synth *s)
{
	return s->emitter_count;
}

const uint8_t *fake_synth_emitter(const struct fake_synth *s, size_t i)
{
	return s->emitters[i];
}

bool fake_synth_is_emitter(const struct fake_synth *s, const uint8_t addr[20])
{
	return s->emitter_count &&
	       bsearch(addr, s->emitters_sorted, s->emitter_count, sizeof(*s->emitters_sorted), addr_cmp);
}

/* ---- deterministic hashes ---- */

/* SHA-256 with the implementation fetched once (OpenSSL 3's one-shot
 * SHA256() looks it up on every call). */
void fake_synth_sha256(const void *data, size_t len, uint8_t out[32])
{
	static EVP_MD *md;
	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!md || !EVP_Digest(data, len, out, NULL, md, NULL))
		SHA256(data, len, out);
}

void fake_synth_digest(const struct fake_synth *s, const char *label, uint64_t num, uint32_t index,
		       uint8_t out[32])
{
	char text[128];
	int n = snprintf(text, sizeof(text), "%s/%s/%llu/%u", shape_names[s->shape], label,
			 (unsigned long long)num, index);
	fake_synth_sha256(text, (size_t)n, out);
}

static void to_hex(const uint8_t *bytes, size_t n, bool upper, char *out)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

static void hash_hex(const struct fake_synth *s, const char *label, uint64_t num, uint32_t index,
		     char out[65])
{
	uint8_t d[32];
	fake_synth_digest(s, label, num, index, d);
	to_hex(d, 32, false, out);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool parse_hex(const char *text, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(text[2 * i]), lo = hi < 0 ? -1 : hex_digit(text[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* len bytes: a hash prefix, then (num << 16 | index) masked by the hash of
 * that prefix, so the pair can be read back and checked. */
static void tag_encode(const struct fake_synth *s, const char *label, uint64_t num, uint32_t index,
		       uint8_t *out, size_t len)
{
	uint8_t d[32], mask[32];
	size_t k = len - 8;
	fake_synth_digest(s, label, num, index, d);
	memcpy(out, d, k);
	fake_synth_sha256(out, k, mask);
	uint64_t v = num << 16 | index;
	for (int i = 0; i < 8; i++)
		out[k + i] = (uint8_t)(v >> (56 - 8 * i)) ^ mask[i];
}

static bool tag_decode(const struct fake_synth *s, const char *label, const uint8_t *in, size_t len,
		       uint64_t *num, uint32_t *index)
{
	uint8_t mask[32], again[32];
	size_t k = len - 8;
	fake_synth_sha256(in, k, mask);
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | (uint8_t)(in[k + i] ^ mask[i]);
	*num = v >> 16;
	*index = (uint32_t)(v & 0xffff);
	tag_encode(s, label, *num, *index, again, len);
	return memcmp(again, in, len) == 0;
}

struct fake_synth_plan fake_synth_plan(const struct fake_synth *s, uint64_t num)
{
	uint32_t mainnet = s->fixtures->mainnet->num_txns;
	struct fake_synth_plan p = { 0, false };
	switch (s->shape) {
	case FAKE_SHAPE_EMPTY:
		break;
	case FAKE_SHAPE_MAINNET:
		p.num_txns = mainnet;
		break;
	case FAKE_SHAPE_PAGED:
		p.num_txns = PAGED_TXNS;
		break;
	case FAKE_SHAPE_EVENTS:
		p.num_txns = FAKE_EVENTS_CONTRACTS;
		break;
	case FAKE_SHAPE_MIXED:
		if (num % 3 != 0) {
			p.deploy = num % 5 == 0;
			p.num_txns = mainnet + (p.deploy ? 1 : 0);
		}
		break;
	}
	return p;
}

void fake_synth_block_hash(const struct fake_synth *s, uint64_t num, char out[65])
{
	const struct fake_block *b = fake_fixtures_block(s->fixtures, num);
	if (b) {
		memcpy(out, b->block_hash, 65);
		return;
	}
	b = fake_fixtures_block(s->fixtures, num + 1);
	struct json_object *header, *prev;
	if (b && json_object_object_get_ex(b->tx_block, "header", &header) &&
	    json_object_object_get_ex(header, "PrevBlockHash", &prev) &&
	    json_object_get_string_len(prev) == 64) {
		memcpy(out, json_object_get_string(prev), 65);
		return;
	}
	hash_hex(s, s->fork_at && num >= s->fork_at ? "fork" : "block", num, 0, out);
}

void fake_synth_txn_id(const struct fake_synth *s, uint64_t num, uint32_t index, char out[65])
{
	uint8_t id[32];
	tag_encode(s, "txn", num, index, id, sizeof(id));
	to_hex(id, sizeof(id), false, out);
}

bool fake_synth_txn_locate(const struct fake_synth *s, const char *id, uint64_t *num,
			   uint32_t *index)
{
	uint8_t bytes[32];
	if (!parse_hex(id, bytes, sizeof(bytes)))
		return false;
	return tag_decode(s, "txn", bytes, sizeof(bytes), num, index) &&
	       !fake_fixtures_block(s->fixtures, *num) &&
	       *index < fake_synth_plan(s, *num).num_txns;
}

void fake_synth_contract(const struct fake_synth *s, uint64_t num, uint32_t index, uint8_t out[20])
{
	tag_encode(s, "contract", num, index, out, 20);
}

bool fake_synth_contract_locate(const struct fake_synth *s, const uint8_t addr[20], uint64_t *num)
{
	uint32_t index;
	if (!tag_decode(s, "contract", addr, 20, num, &index) ||
	    fake_fixtures_block(s->fixtures, *num))
		return false;
	struct fake_synth_plan p = fake_synth_plan(s, *num);
	return p.deploy && index == p.num_txns - 1;
}

void fake_synth_checksum(const char *hex, char out[41])
{
	uint8_t bytes[20], h[32];
	memcpy(out, hex, 40);
	out[40] = '\0';
	if (!address_parse(hex, 40, bytes))
		return;
	fake_synth_sha256(bytes, sizeof(bytes), h);
	for (int i = 0; i < 40; i++) {
		char c = out[i] | 0x20;
		int bit = 255 - 6 * i;
		if (c < 'a' || c > 'f')
			continue;
		out[i] = (h[31 - bit / 8] >> (bit % 8)) & 1 ? (char)(c - 32) : c;
	}
}

/* ---- transaction bodies ---- */

/* What the bodies of one generated block share. */
struct clone_ctx {
	const struct fake_synth *s;
	uint64_t num;
	struct json_object *epoch; /* receipt.epoch_num, one object for all */
	uint64_t gas;
};

/* Adds v (taken) under key, a key of a template that outlives o. */
static bool add_member(struct json_object *o, const char *key, struct json_object *v)
{
	if (v && json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW |
						      JSON_C_OBJECT_KEY_IS_CONSTANT) == 0)
		return true;
	json_object_put(v);
	return false;
}

static struct json_object *clone_receipt(struct clone_ctx *x, struct json_object *tmpl)
{
	struct json_object *r = json_object_new_object();
	json_object_object_foreach(tmpl, key, val) {
		bool epoch = strcmp(key, "epoch_num") == 0;
		if (strcmp(key, "cumulative_gas") == 0)
			x->gas += strtoull(json_object_get_string(val), NULL, 10);
		if (!r || !add_member(r, key, json_object_get(epoch ? x->epoch : val))) {
			json_object_put(r);
			return NULL;
		}
	}
	return r;
}

/* One member of a cloned body: new for ID, receipt and (z2) toAddr. */
static struct json_object *clone_member(struct clone_ctx *x, const char *key,
					struct json_object *val, uint32_t index)
{
	if (strcmp(key, "ID") == 0) {
		char id[65];
		fake_synth_txn_id(x->s, x->num, index, id);
		return json_object_new_string_len(id, 64);
	}
	if (strcmp(key, "receipt") == 0)
		return clone_receipt(x, val);
	if (strcmp(key, "toAddr") == 0 && x->s->flavor == FAKE_FLAVOR_Z2 &&
	    json_object_get_string_len(val) == 40) {
		char mixed[41];
		fake_synth_checksum(json_object_get_string(val), mixed);
		return json_object_new_string_len(mixed, 40);
	}
	return json_object_get(val);
}

static struct json_object *clone_body(struct clone_ctx *x, struct json_object *tmpl, uint32_t index)
{
	struct json_object *body = json_object_new_object();
	json_object_object_foreach(tmpl, key, val) {
		if (!body || !add_member(body, key, clone_member(x, key, val, index))) {
			json_object_put(body);
			return NULL;
		}
	}
	return body;
}

static struct json_object *make_bodies(struct clone_ctx *x, struct fake_synth_plan p)
{
	const struct fake_synth *s = x->s;
	size_t count = s->template_count - 1; /* the last is the deploy */
	struct json_object *bodies = json_object_new_array_ext((int)p.num_txns);
	for (uint32_t i = 0; bodies && i < p.num_txns; i++) {
		size_t t = p.deploy && i == p.num_txns - 1 ? count : i % count;
		struct json_object *tmpl = t == count ? s->fixtures->deploy_body
			: json_object_array_get_idx(s->fixtures->mainnet->bodies, t);
		struct json_object *body = clone_body(x, tmpl, i);
		if (!body || json_object_array_add(bodies, body) != 0) {
			json_object_put(body);
			json_object_put(bodies);
			return NULL;
		}
		fake_template_attach(&s->templates[t], body);
	}
	return bodies;
}

/* ---- the TxBlock ---- */

static void add_string(struct json_object *o, const char *key, const char *text)
{
	json_object_object_add(o, key, json_object_new_string(text));
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	char text[24];
	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	add_string(o, key, text);
}

static struct json_object *make_body(const struct fake_synth *s, uint64_t num, uint32_t num_txns,
				     uint32_t shards)
{
	struct json_object *body = json_object_new_object(), *infos = json_object_new_array();
	char hash[65], sign[129];
	uint8_t d[32];
	fake_synth_block_hash(s, num, hash);
	add_string(body, "BlockHash", hash);
	fake_synth_digest(s, "sign", num, 0, d);
	to_hex(d, 32, true, sign);
	fake_synth_digest(s, "sign", num, 1, d);
	to_hex(d, 32, true, sign + 64);
	add_string(body, "HeaderSign", sign);
	for (uint32_t i = 0; i < shards; i++) {
		struct json_object *info = json_object_new_object();
		bool has_txns = num_txns / shards + (i < num_txns % shards ? 1 : 0) > 0;
		hash_hex(s, "microblock", num, i, hash);
		add_string(info, "MicroBlockHash", hash);
		json_object_object_add(info, "MicroBlockShardId", json_object_new_int64(i));
		hash_hex(s, "txnroot", num, i, hash);
		add_string(info, "MicroBlockTxnRootHash", has_txns ? hash : zero_hash);
		json_object_array_add(infos, info);
	}
	json_object_object_add(body, "MicroBlockInfos", infos);
	return body;
}

static void add_hash(const struct fake_synth *s, struct json_object *o, const char *key,
		     const char *label, uint64_t num)
{
	char hash[65];
	hash_hex(s, label, num, 0, hash);
	add_string(o, key, hash);
}

static int64_t timestamp(const struct fake_synth *s, uint64_t num)
{
	uint8_t d[32];
	fake_synth_digest(s, "time", num, 0, d);
	int64_t jitter = (int64_t)((uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2]) % 1000000;
	return MAINNET_TIMESTAMP + ((int64_t)num - FAKE_MAINNET_BLOCK) * BLOCK_INTERVAL_US + jitter;
}

static struct json_object *make_header(const struct fake_synth *s, uint64_t num, uint32_t num_txns,
				       uint32_t shards, uint64_t gas)
{
	struct json_object *h = json_object_new_object();
	uint64_t gas_limit = GAS_LIMIT, ds = num / 100 + 1;
	char hash[65];
	while (gas_limit < gas)
		gas_limit *= 2;
	add_u64(h, "BlockNum", num);
	add_u64(h, "DSBlockNum", ds);
	add_u64(h, "GasLimit", gas_limit);
	add_u64(h, "GasUsed", gas);
	add_hash(s, h, "MbInfoHash", "mbinfo", num);
	if (s->flavor == FAKE_FLAVOR_Z1) {
		char key[69] = "0x02";
		uint8_t d[32];
		fake_synth_digest(s, "miner", ds, 0, d);
		to_hex(d, 32, true, key + 4);
		add_string(h, "MinerPubKey", key);
	}
	json_object_object_add(h, "NumMicroBlocks", json_object_new_int64(shards));
	json_object_object_add(h, "NumPages",
			       json_object_new_int64((num_txns + FAKE_TXNS_PER_PAGE - 1) / FAKE_TXNS_PER_PAGE));
	json_object_object_add(h, "NumTxns", json_object_new_int64(num_txns));
	if (num)
		fake_synth_block_hash(s, num - 1, hash);
	add_string(h, "PrevBlockHash", num ? hash : zero_hash);
	add_string(h, "Rewards", "0");
	if (num_txns)
		add_hash(s, h, "StateDeltaHash", "statedelta", num);
	else
		add_string(h, "StateDeltaHash", zero_hash);
	add_hash(s, h, "StateRootHash", "stateroot", num);
	add_u64(h, "Timestamp", (uint64_t)timestamp(s, num));
	add_u64(h, "TxnFees", gas * GAS_PRICE);
	json_object_object_add(h, "Version", json_object_new_int(1));
	return h;
}

struct fake_block *fake_synth_block(const struct fake_synth *s, uint64_t num)
{
	struct fake_synth_plan p = fake_synth_plan(s, num);
	uint32_t shards = s->flavor == FAKE_FLAVOR_Z2 ? 1 : Z1_SHARDS;
	struct clone_ctx x = { .s = s, .num = num };
	char epoch[24];
	snprintf(epoch, sizeof(epoch), "%llu", (unsigned long long)num);
	struct json_object *bodies = NULL;
	if (p.num_txns) {
		x.epoch = json_object_new_string(epoch);
		if (x.epoch)
			bodies = s->shape == FAKE_SHAPE_EVENTS ? fake_events_bodies(s, num, x.epoch, &x.gas)
							       : make_bodies(&x, p);
		json_object_put(x.epoch);
		if (!bodies)
			return NULL;
	}
	struct json_object *tx_block = json_object_new_object();
	if (!tx_block) {
		json_object_put(bodies);
		return NULL;
	}
	json_object_object_add(tx_block, "body", make_body(s, num, p.num_txns, shards));
	json_object_object_add(tx_block, "header", make_header(s, num, p.num_txns, shards, x.gas));
	return fake_block_new(num, tx_block, bodies, shards);
}

struct json_object *fake_synth_dummy_block(void)
{
	static const char zero_sign[] =
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000";
	struct json_object *b = json_object_new_object(), *body = json_object_new_object(),
			   *h = json_object_new_object();
	add_string(body, "BlockHash", zero_hash);
	add_string(body, "HeaderSign", zero_sign);
	json_object_object_add(body, "MicroBlockInfos", json_object_new_array());
	add_string(h, "BlockNum", "18446744073709551615");
	add_string(h, "DSBlockNum", "18446744073709551615");
	add_string(h, "GasLimit", "0");
	add_string(h, "GasUsed", "0");
	add_string(h, "MbInfoHash", zero_hash);
	add_string(h, "MinerPubKey", "0x000000000000000000000000000000000000000000000000000000000000000000");
	json_object_object_add(h, "NumMicroBlocks", json_object_new_int(0));
	json_object_object_add(h, "NumPages", json_object_new_int(0));
	json_object_object_add(h, "NumTxns", json_object_new_int(0));
	add_string(h, "PrevBlockHash", zero_hash);
	add_string(h, "Rewards", "0");
	add_string(h, "StateDeltaHash", zero_hash);
	add_string(h, "StateRootHash", zero_hash);
	add_string(h, "Timestamp", "0");
	add_string(h, "TxnFees", "0");
	json_object_object_add(h, "Version", json_object_new_int(0));
	json_object_object_add(b, "body", body);
	json_object_object_add(b, "header", h);
	return b;
}
