/* TxBlock assembly and decoding. The header check recognizes the node's
 * placeholder for future blocks; txblock_finish refuses a block whose hash
 * lists or bodies do not add up to NumTxns, so a half-answered block is
 * never stored. */
#include "txblock.h"
#include "txn.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"

struct ingest_block *txblock_new(uint64_t num)
{
	struct ingest_block *b = calloc(1, sizeof(*b));
	if (b) {
		b->num = num;
		b->num_pages = 1;
	}
	return b;
}

void txblock_shed(struct ingest_block *b)
{
	if (b->txns) {
		for (size_t i = 0; i < b->ntxns; i++) {
			json_object_put(b->txns[i].body);
			json_object_put(b->txns[i].receipt);
		}
	}
	free(b->txns);
	free(b->logs);
	json_object_put(b->tx_block);
	json_object_put(b->tx_hashes);
	json_object_put(b->bodies);
	b->txns = NULL;
	b->logs = NULL;
	b->tx_block = b->tx_hashes = b->bodies = NULL;
}

void txblock_free(struct ingest_block *b)
{
	if (!b)
		return;
	txblock_shed(b);
	free(b->contracts);
	free(b);
}

static const char *get_string(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Decimal string or JSON integer. */
static bool get_u64(struct json_object *o, const char *key, uint64_t *out)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v))
		return false;
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_uint64(v);
		return json_object_get_int64(v) >= 0;
	}
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!s || *s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = (uint64_t)x;
	return true;
}

enum block_header_status txblock_peek_num(struct json_object *result, uint64_t *num,
					char *err, size_t errlen)
{
	struct json_object *header;
	if (!json_object_is_type(result, json_type_object) ||
	    !json_object_object_get_ex(result, "header", &header)) {
		snprintf(err, errlen, "TxBlock without header");
		return BLOCK_HEADER_BAD;
	}
	const char *bn = get_string(header, "BlockNum");
	if (bn && strcmp(bn, BLOCK_DUMMY_NUM) == 0)
		return BLOCK_HEADER_NOT_READY;
	if (!get_u64(header, "BlockNum", num)) {
		snprintf(err, errlen, "TxBlock header without a valid BlockNum");
		return BLOCK_HEADER_BAD;
	}
	if (*num > BLOCK_MAX_NUM) {
		snprintf(err, errlen, "TxBlock header with BlockNum %llu, past the largest possible %llu",
			 (unsigned long long)*num, (unsigned long long)BLOCK_MAX_NUM);
		return BLOCK_HEADER_BAD;
	}
	return BLOCK_HEADER_OK;
}

static bool read_header_fields(struct ingest_block *b, struct json_object *result,
			       char *err, size_t errlen)
{
	struct json_object *header, *body;
	json_object_object_get_ex(result, "header", &header);
	uint64_t v;
	if (!get_u64(header, "NumTxns", &v) || v > UINT32_MAX) {
		snprintf(err, errlen, "blk=%llu header without NumTxns", (unsigned long long)b->num);
		return false;
	}
	b->num_txns = (uint32_t)v;
	b->num_pages = get_u64(header, "NumPages", &v) && v > 1 && v < 1000000 ? (int)v : 1;
	if (b->num_txns > BLOCK_PAGE_SIZE && b->num_pages == 1)
		b->num_pages = (int)((b->num_txns + BLOCK_PAGE_SIZE - 1) / BLOCK_PAGE_SIZE);
	b->has_timestamp = get_u64(header, "Timestamp", &v) && v <= INT64_MAX;
	b->has_prev_hash = hex_hash_lower(get_string(header, "PrevBlockHash"), b->prev_hash);
	b->timestamp_us = b->has_timestamp ? (int64_t)v : 0;
	if (!json_object_object_get_ex(result, "body", &body) ||
	    !hex_hash_lower(get_string(body, "BlockHash"), b->hash)) {
		snprintf(err, errlen, "blk=%llu TxBlock without a valid BlockHash",
			 (unsigned long long)b->num);
		return false;
	}
	return true;
}

enum block_header_status txblock_set_header(struct ingest_block *b, struct json_object *result,
					  char *err, size_t errlen)
{
	uint64_t num;
	enum block_header_status st = txblock_peek_num(result, &num, err, errlen);
	if (st != BLOCK_HEADER_OK)
		return st;
	if (num != b->num) {
		snprintf(err, errlen, "asked for TxBlock %llu, got %llu",
			 (unsigned long long)b->num, (unsigned long long)num);
		return BLOCK_HEADER_BAD;
	}
	if (!read_header_fields(b, result, err, errlen))
		return BLOCK_HEADER_BAD;
	json_object_put(b->tx_block);
	b->tx_block = json_object_get(result);
	return BLOCK_HEADER_OK;
}

struct json_object *txblock_page_transactions(struct json_object *result)
{
	struct json_object *t;
	if (!json_object_is_type(result, json_type_object) ||
	    !json_object_object_get_ex(result, "Transactions", &t) ||
	    !json_object_is_type(t, json_type_array))
		return NULL;
	return t;
}

/* Appends shard i of page to shard i of the merged lists. */
static void merge_shards(struct json_object *merged, struct json_object *page)
{
	size_t nshards = json_object_array_length(page);
	for (size_t s = 0; s < nshards; s++) {
		struct json_object *src = json_object_array_get_idx(page, s);
		if (json_object_array_length(merged) <= s)
			json_object_array_add(merged, json_object_new_array());
		struct json_object *dst = json_object_array_get_idx(merged, s);
		size_t n = json_object_is_type(src, json_type_array) ? json_object_array_length(src) : 0;
		for (size_t i = 0; i < n; i++)
			json_object_array_add(dst, json_object_get(json_object_array_get_idx(src, i)));
	}
}

bool txblock_add_hashes(struct ingest_block *b, struct json_object *shards, bool paged,
		      char *err, size_t errlen)
{
	if (!json_object_is_type(shards, json_type_array)) {
		snprintf(err, errlen, "blk=%llu hash lists are not an array", (unsigned long long)b->num);
		return false;
	}
	if (!paged) {
		json_object_put(b->tx_hashes);
		b->tx_hashes = json_object_get(shards);
		return true;
	}
	if (!b->tx_hashes)
		b->tx_hashes = json_object_new_array();
	merge_shards(b->tx_hashes, shards);
	return true;
}

bool txblock_add_bodies(struct ingest_block *b, struct json_object *bodies, bool paged,
		      char *err, size_t errlen)
{
	if (!json_object_is_type(bodies, json_type_array)) {
		snprintf(err, errlen, "blk=%llu bodies are not an array", (unsigned long long)b->num);
		return false;
	}
	if (!paged) {
		json_object_put(b->bodies);
		b->bodies = json_object_get(bodies);
		return true;
	}
	if (!b->bodies)
		b->bodies = json_object_new_array();
	size_t n = json_object_array_length(bodies);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(b->bodies, json_object_get(json_object_array_get_idx(bodies, i)));
	return true;
}

static size_t count_hashes(struct json_object *shards)
{
	size_t total = 0, n = json_object_array_length(shards);
	for (size_t s = 0; s < n; s++) {
		struct json_object *list = json_object_array_get_idx(shards, s);
		if (json_object_is_type(list, json_type_array))
			total += json_object_array_length(list);
	}
	return total;
}

bool txblock_finish(struct ingest_block *b, char *err, size_t errlen)
{
	if (!b->tx_block || !b->tx_hashes || !b->bodies) {
		snprintf(err, errlen, "blk=%llu incomplete answer", (unsigned long long)b->num);
		return false;
	}
	size_t nhashes = count_hashes(b->tx_hashes);
	size_t nbodies = json_object_array_length(b->bodies);
	if (nhashes != b->num_txns || nbodies != b->num_txns) {
		snprintf(err, errlen, "blk=%llu NumTxns %u but %zu hashes and %zu bodies",
			 (unsigned long long)b->num, b->num_txns, nhashes, nbodies);
		return false;
	}
	return txn_decode_block(b, err, errlen);
}
