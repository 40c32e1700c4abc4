/* The events shape's bodies (see fake_events.h). Every value is derived
 * from fake_synth_digest of (block, transaction, event): recipients and
 * amounts, the sender's public key (its address follows from it as on
 * Zilliqa), signature, nonce and gas. Strings that every transaction or
 * every event of a call shares (types, names, the token's address, the
 * sender parameter) are one json-c object referenced many times, so a block
 * of 10,000 events costs about 60,000 objects. Keys are added in
 * alphabetical order, as the node's jsoncpp writes them. */
#include "fake_events.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "hex.h"

#define GAS_BASE 2100   /* a BatchTransfer's gas, before its jitter */
#define GAS_JITTER 400
#define MAX_NONCE 100000
#define MAX_AMOUNT UINT64_C(1000000000000000)
#define DATA_MAX 2048   /* a call's data: about 1,450 bytes */

/* Strings every transaction of a block shares. */
enum shared_string {
	SH_ZERO, SH_GAS_LIMIT, SH_GAS_PRICE, SH_VERSION, SH_EVENT_NAME, SH_BYSTR20, SH_UINT128,
	SH_SENDER, SH_RECIPIENT, SH_AMOUNT, SH_COUNT,
};
static const char *const shared_text[SH_COUNT] = {
	"0", "5000", "1000000000", "65537", "TransferSuccess", "ByStr20", "Uint128",
	"sender", "recipient", "amount",
};

struct shared {
	struct json_object *epoch; /* borrowed */
	struct json_object *no, *yes, *str[SH_COUNT];
};

/* One transaction's values while its body is built. */
struct call {
	const struct shared *sh;
	char token[ADDRESS_CANON_LEN];
	char sender[ADDRESS_CANON_LEN];
	char pub_key[2 + 66 + 1];
	char recipients[FAKE_EVENTS_PER_CALL][ADDRESS_CANON_LEN];
	char amounts[FAKE_EVENTS_PER_CALL][24];
};

void fake_events_token(const struct fake_synth *s, uint32_t i, uint8_t out[20])
{
	uint8_t d[32];
	fake_synth_digest(s, "token", 0, i, d);
	memcpy(out, d, 20);
}

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* Adds v (taken) under a constant key; false, v released, on failure. */
static bool put(struct json_object *o, const char *key, struct json_object *v)
{
	if (o && v && json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW |
							      JSON_C_OBJECT_KEY_IS_CONSTANT) == 0)
		return true;
	json_object_put(v);
	return false;
}

/* Appends v (taken); false, v released, on failure. */
static bool push(struct json_object *a, struct json_object *v)
{
	if (a && v && json_object_array_add(a, v) == 0)
		return true;
	json_object_put(v);
	return false;
}

static struct json_object *shared_string(const struct shared *sh, enum shared_string which)
{
	return json_object_get(sh->str[which]);
}

/* Token i's call in block num: who sends it, to whom, how much. */
static void plan_call(struct call *c, const struct fake_synth *s, uint64_t num, uint32_t i)
{
	uint8_t d[32], pub[33], h[32];
	address_format(fake_synth_emitter(s, i), c->token);
	fake_synth_digest(s, "sender", num, i, d);
	pub[0] = 0x02 | (d[31] & 1);
	memcpy(pub + 1, d, 32);
	memcpy(c->pub_key, "0x", 2);
	hex_encode(pub, sizeof(pub), true, c->pub_key + 2);
	fake_synth_sha256(pub, sizeof(pub), h);
	address_format(h + 12, c->sender); /* the last 20 bytes of SHA-256(public key) */
	for (uint32_t k = 0; k < FAKE_EVENTS_PER_CALL; k++) {
		fake_synth_digest(s, "transfer", num, i * FAKE_EVENTS_PER_CALL + k, d);
		address_format(d, c->recipients[k]);
		snprintf(c->amounts[k], sizeof(c->amounts[k]), "%llu",
			 (unsigned long long)(be64(d + 20) % MAX_AMOUNT + 1));
	}
}

static void append(char *buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, DATA_MAX - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < DATA_MAX ? *len + (size_t)n : DATA_MAX - 1;
}

/* The call's data as a wallet writes it: Scilla JSON, checksummed
 * addresses, keys in Scilla's order. */
static struct json_object *call_data(const struct call *c)
{
	char text[DATA_MAX], mixed[41];
	size_t len = 0;
	append(text, &len, "{\"_tag\":\"BatchTransfer\",\"params\":[{\"vname\":\"recipients\","
			   "\"type\":\"List (Pair ByStr20 Uint128)\",\"value\":[");
	for (int k = 0; k < FAKE_EVENTS_PER_CALL; k++) {
		fake_synth_checksum(c->recipients[k] + 2, mixed);
		append(text, &len, "%s{\"constructor\":\"Pair\",\"argtypes\":[\"ByStr20\",\"Uint128\"],"
				   "\"arguments\":[\"0x%s\",\"%s\"]}", k ? "," : "", mixed, c->amounts[k]);
	}
	append(text, &len, "]}]}");
	return json_object_new_string_len(text, (int)len);
}

static struct json_object *param(const struct shared *sh, enum shared_string type, const char *value,
				 enum shared_string name)
{
	struct json_object *p = json_object_new_object();
	if (put(p, "type", shared_string(sh, type)) && put(p, "value", json_object_new_string(value)) &&
	    put(p, "vname", shared_string(sh, name)))
		return p;
	json_object_put(p);
	return NULL;
}

/* Event k of the call: TransferSuccess(sender, recipient, amount). */
static struct json_object *event_log(const struct call *c, struct json_object *token,
				     struct json_object *sender, int k)
{
	const struct shared *sh = c->sh;
	struct json_object *e = json_object_new_object(), *params = json_object_new_array_ext(3);
	bool ok = push(params, json_object_get(sender)) &&
		  push(params, param(sh, SH_BYSTR20, c->recipients[k], SH_RECIPIENT)) &&
		  push(params, param(sh, SH_UINT128, c->amounts[k], SH_AMOUNT));
	ok = ok && put(e, "_eventname", shared_string(sh, SH_EVENT_NAME)) &&
	     put(e, "address", json_object_get(token));
	if (ok && put(e, "params", params))
		return e;
	if (!ok)
		json_object_put(params);
	json_object_put(e);
	return NULL;
}

static struct json_object *event_logs(const struct call *c)
{
	struct json_object *logs = json_object_new_array_ext(FAKE_EVENTS_PER_CALL);
	struct json_object *token = json_object_new_string(c->token);
	struct json_object *sender = param(c->sh, SH_BYSTR20, c->sender, SH_SENDER);
	bool ok = token && sender;
	for (int k = 0; ok && k < FAKE_EVENTS_PER_CALL; k++)
		ok = push(logs, event_log(c, token, sender, k));
	json_object_put(token);
	json_object_put(sender);
	if (ok)
		return logs;
	json_object_put(logs);
	return NULL;
}

static struct json_object *receipt(const struct call *c, uint64_t gas_used)
{
	const struct shared *sh = c->sh;
	struct json_object *r = json_object_new_object(), *logs = event_logs(c);
	char gas[24];
	snprintf(gas, sizeof(gas), "%llu", (unsigned long long)gas_used);
	bool ok = put(r, "accepted", json_object_get(sh->no)) &&
		  put(r, "cumulative_gas", json_object_new_string(gas)) &&
		  put(r, "epoch_num", json_object_get(sh->epoch));
	if (ok && put(r, "event_logs", logs) && put(r, "success", json_object_get(sh->yes)))
		return r;
	if (!ok)
		json_object_put(logs);
	json_object_put(r);
	return NULL;
}

/* Transaction i of block num: a BatchTransfer call to token i. */
static struct json_object *body(const struct shared *sh, const struct fake_synth *s, uint64_t num,
				uint32_t i, uint64_t *gas)
{
	struct call c = { .sh = sh };
	char id[65], nonce[24], sig[2 + 128 + 1] = "0x", to[41];
	uint8_t d[32];
	plan_call(&c, s, num, i);
	fake_synth_txn_id(s, num, i, id);
	fake_synth_digest(s, "call", num, i, d);
	uint64_t used = GAS_BASE + be64(d) % GAS_JITTER;
	snprintf(nonce, sizeof(nonce), "%llu", (unsigned long long)(be64(d + 8) % MAX_NONCE + 1));
	fake_synth_digest(s, "signature", num, 2 * i, d);
	hex_encode(d, 32, true, sig + 2);
	fake_synth_digest(s, "signature", num, 2 * i + 1, d);
	hex_encode(d, 32, true, sig + 66);
	if (s->flavor == FAKE_FLAVOR_Z2)
		fake_synth_checksum(c.token + 2, to);
	else
		memcpy(to, c.token + 2, 41);
	*gas += used;
	struct json_object *b = json_object_new_object(), *r = receipt(&c, used);
	bool ok = put(b, "ID", json_object_new_string(id)) && put(b, "amount", shared_string(sh, SH_ZERO)) &&
		  put(b, "data", call_data(&c)) && put(b, "gasLimit", shared_string(sh, SH_GAS_LIMIT)) &&
		  put(b, "gasPrice", shared_string(sh, SH_GAS_PRICE)) &&
		  put(b, "nonce", json_object_new_string(nonce));
	if (ok && put(b, "receipt", r) && put(b, "senderPubKey", json_object_new_string(c.pub_key)) &&
	    put(b, "signature", json_object_new_string(sig)) && put(b, "toAddr", json_object_new_string(to)) &&
	    put(b, "version", shared_string(sh, SH_VERSION)))
		return b;
	if (!ok)
		json_object_put(r);
	json_object_put(b);
	return NULL;
}

static void shared_release(struct shared *sh)
{
	json_object_put(sh->no);
	json_object_put(sh->yes);
	for (int i = 0; i < SH_COUNT; i++)
		json_object_put(sh->str[i]);
}

struct json_object *fake_events_bodies(const struct fake_synth *s, uint64_t num,
				       struct json_object *epoch, uint64_t *gas)
{
	struct shared sh = { .epoch = epoch, .no = json_object_new_boolean(0),
			     .yes = json_object_new_boolean(1) };
	bool ok = sh.no && sh.yes && fake_synth_emitter_count(s) == FAKE_EVENTS_CONTRACTS;
	for (int i = 0; i < SH_COUNT; i++) {
		sh.str[i] = json_object_new_string(shared_text[i]);
		ok = ok && sh.str[i];
	}
	struct json_object *bodies = ok ? json_object_new_array_ext(FAKE_EVENTS_CONTRACTS) : NULL;
	for (uint32_t i = 0; bodies && ok && i < FAKE_EVENTS_CONTRACTS; i++)
		ok = push(bodies, body(&sh, s, num, i, gas));
	shared_release(&sh);
	if (bodies && ok)
		return bodies;
	json_object_put(bodies);
	return NULL;
}
