/* Transaction body decoding. Every body keeps the node's own JSON; the
 * columns the schema indexes are read from it: hash, addresses (lowercase,
 * no 0x), amounts, nonce, success. Event logs are kept when they have a
 * string _eventname, a valid address and an array of params, in receipt
 * order; their emitters and deployed contracts become contract rows. */
#include "txn.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"

static const char *get_string(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static const char *decimal_or_null(struct json_object *o, const char *key)
{
	const char *s = get_string(o, key);
	if (!s || !*s)
		return NULL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return NULL;
	}
	return s;
}

static bool read_nonce(struct json_object *body, uint64_t *out)
{
	const char *s = decimal_or_null(body, "nonce");
	if (!s)
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	*out = (uint64_t)v;
	return errno == 0 && v <= INT64_MAX;
}

static bool receipt_success(struct json_object *receipt)
{
	struct json_object *v;
	return receipt && json_object_object_get_ex(receipt, "success", &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* Takes the receipt out of the body so each is stored once. */
static void detach_receipt(struct ingest_txn *t, struct json_object *body)
{
	struct json_object *receipt;
	t->body = json_object_get(body);
	if (json_object_object_get_ex(body, "receipt", &receipt)) {
		t->receipt = json_object_get(receipt);
		json_object_object_del(body, "receipt");
	} else {
		t->receipt = json_object_new_object();
	}
}

static void derive_addresses(struct ingest_txn *t, struct json_object *body)
{
	const char *pub = get_string(body, "senderPubKey");
	if (!pub || !derive_sender_address(pub, t->from_addr))
		t->from_addr[0] = '\0';
	t->is_deploy = derive_is_null_address(t->to_addr);
	if (t->is_deploy && t->from_addr[0] && t->has_nonce)
		t->has_contract = derive_contract_address(t->from_addr, t->nonce, t->contract_addr);
}

static bool decode_txn(struct ingest_txn *t, int position, struct json_object *body,
		       char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->position = position;
	if (!json_object_is_type(body, json_type_object) || !hex_hash_lower(get_string(body, "ID"), t->hash)) {
		snprintf(err, errlen, "transaction %d has no valid ID", position);
		return false;
	}
	const char *to = get_string(body, "toAddr");
	if (!to || !derive_normalize_address(to, t->to_addr)) {
		snprintf(err, errlen, "transaction %s has no valid toAddr", t->hash);
		return false;
	}
	t->amount = decimal_or_null(body, "amount");
	if (!t->amount)
		t->amount = "0";
	t->gas_price = decimal_or_null(body, "gasPrice");
	t->gas_limit = decimal_or_null(body, "gasLimit");
	t->has_nonce = read_nonce(body, &t->nonce);
	derive_addresses(t, body);
	detach_receipt(t, body);
	t->success = receipt_success(t->receipt);
	return true;
}

static struct json_object *receipt_event_logs(struct json_object *receipt)
{
	struct json_object *logs;
	if (!json_object_object_get_ex(receipt, "event_logs", &logs) ||
	    !json_object_is_type(logs, json_type_array))
		return NULL;
	return logs;
}

static size_t count_event_logs(const struct ingest_block *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->ntxns; i++) {
		struct json_object *logs = receipt_event_logs(b->txns[i].receipt);
		n += logs ? json_object_array_length(logs) : 0;
	}
	return n;
}

/* Fills *ev from one receipt log; false when the log is malformed. */
static bool decode_event(struct ingest_event_log *ev, const struct ingest_txn *t,
			 int index, struct json_object *log)
{
	struct json_object *params, *name_json;
	const char *name = get_string(log, "_eventname");
	const char *addr = get_string(log, "address");
	char hex[DERIVE_HEX_ADDR_LEN];
	if (!name || !addr || !derive_normalize_address(addr, hex) ||
	    !json_object_object_get_ex(log, "params", &params) ||
	    !json_object_is_type(params, json_type_array))
		return false;
	ev->tx_position = t->position;
	ev->log_index = index;
	ev->tx_hash = t->hash;
	snprintf(ev->address, sizeof(ev->address), "0x%s", hex);
	ev->event_name = name;
	json_object_object_get_ex(log, "_eventname", &name_json);
	ev->event_name_json = name_json;
	ev->params = params;
	ev->success = t->success;
	return true;
}

static void decode_events(struct ingest_block *b)
{
	for (size_t i = 0; i < b->ntxns; i++) {
		struct json_object *logs = receipt_event_logs(b->txns[i].receipt);
		size_t n = logs ? json_object_array_length(logs) : 0;
		for (size_t k = 0; k < n; k++) {
			struct json_object *log = json_object_array_get_idx(logs, k);
			if (json_object_is_type(log, json_type_object) &&
			    decode_event(&b->logs[b->nlogs], &b->txns[i], (int)k, log))
				b->nlogs++;
		}
	}
}

static void add_contract(struct ingest_block *b, const char *addr0x, bool deployed)
{
	for (size_t i = 0; i < b->ncontracts; i++) {
		if (strcmp(b->contracts[i].address, addr0x) == 0) {
			b->contracts[i].deployed |= deployed;
			return;
		}
	}
	struct ingest_contract *c = &b->contracts[b->ncontracts++];
	snprintf(c->address, sizeof(c->address), "%s", addr0x);
	c->deployed = deployed;
}

static void collect_contracts(struct ingest_block *b)
{
	char addr[43];
	for (size_t i = 0; i < b->ntxns; i++) {
		const struct ingest_txn *t = &b->txns[i];
		if (t->is_deploy && t->has_contract && t->success) {
			snprintf(addr, sizeof(addr), "0x%s", t->contract_addr);
			add_contract(b, addr, true);
		}
	}
	for (size_t i = 0; i < b->nlogs; i++)
		add_contract(b, b->logs[i].address, false);
}

bool txn_decode_block(struct ingest_block *b, char *err, size_t errlen)
{
	size_t n = json_object_array_length(b->bodies);
	b->txns = n ? calloc(n, sizeof(*b->txns)) : NULL;
	if (n && !b->txns) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!decode_txn(&b->txns[i], (int)i, json_object_array_get_idx(b->bodies, i), err, errlen))
			return false;
		b->ntxns++;
	}
	size_t nlogs = count_event_logs(b);
	b->logs = nlogs ? calloc(nlogs, sizeof(*b->logs)) : NULL;
	b->contracts = nlogs + n ? calloc(nlogs + n, sizeof(*b->contracts)) : NULL;
	if ((nlogs && !b->logs) || (nlogs + n && !b->contracts)) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	decode_events(b);
	collect_contracts(b);
	return true;
}
