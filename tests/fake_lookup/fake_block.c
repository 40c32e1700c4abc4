/* Hash lists and paging for a served TxBlock. Hash-list strings are the
 * very json-c objects inside the bodies (shared by reference count), so a
 * block costs little more than its bodies. */
#include "fake_block.h"

#include <stdlib.h>
#include <string.h>

static struct json_object *split_hashes(struct json_object *bodies, uint32_t shards)
{
	size_t n = json_object_array_length(bodies);
	struct json_object *lists = json_object_new_array_ext((int)shards);
	if (!lists)
		return NULL;
	size_t next = 0;
	for (uint32_t s = 0; s < shards; s++) {
		size_t count = n / shards + (s < n % shards ? 1 : 0);
		struct json_object *list = json_object_new_array_ext((int)count);
		if (!list || json_object_array_add(lists, list) != 0) {
			json_object_put(list);
			json_object_put(lists);
			return NULL;
		}
		for (size_t i = 0; i < count; i++, next++) {
			struct json_object *body = json_object_array_get_idx(bodies, next), *id;
			if (!json_object_object_get_ex(body, "ID", &id) ||
			    json_object_array_add(list, json_object_get(id)) != 0) {
				json_object_put(lists);
				return NULL;
			}
		}
	}
	return lists;
}

static bool read_block_hash(struct json_object *tx_block, char out[65])
{
	struct json_object *body, *hash;
	if (!json_object_object_get_ex(tx_block, "body", &body) ||
	    !json_object_object_get_ex(body, "BlockHash", &hash) ||
	    json_object_get_string_len(hash) != 64)
		return false;
	memcpy(out, json_object_get_string(hash), 65);
	return true;
}

struct fake_block *fake_block_new(uint64_t num, struct json_object *tx_block,
				  struct json_object *bodies, uint32_t shards)
{
	struct fake_block *b = calloc(1, sizeof(*b));
	if (!b)
		goto fail;
	b->num = num;
	b->tx_block = tx_block;
	b->bodies = bodies;
	tx_block = bodies = NULL;
	if (!read_block_hash(b->tx_block, b->block_hash))
		goto fail;
	if (b->bodies && json_object_array_length(b->bodies) > 0) {
		b->num_txns = (uint32_t)json_object_array_length(b->bodies);
		b->hashes = split_hashes(b->bodies, shards ? shards : 1);
		if (!b->hashes)
			goto fail;
	} else {
		json_object_put(b->bodies);
		b->bodies = NULL;
	}
	return b;
fail:
	json_object_put(tx_block);
	json_object_put(bodies);
	fake_block_free(b);
	return NULL;
}

void fake_block_free(struct fake_block *b)
{
	if (!b)
		return;
	json_object_put(b->tx_block);
	json_object_put(b->hashes);
	json_object_put(b->bodies);
	free(b);
}

uint32_t fake_block_num_pages(const struct fake_block *b)
{
	return (b->num_txns + FAKE_TXNS_PER_PAGE - 1) / FAKE_TXNS_PER_PAGE;
}

static struct json_object *page_object(const struct fake_block *b, uint32_t page,
				       struct json_object *txns)
{
	struct json_object *o = json_object_new_object();
	if (!o) {
		json_object_put(txns);
		return NULL;
	}
	json_object_object_add(o, "CurrPage", json_object_new_int64(page));
	json_object_object_add(o, "NumPages", json_object_new_int64(fake_block_num_pages(b)));
	json_object_object_add(o, "Transactions", txns);
	return o;
}

/* Appends items [from, to) of src to dst, sharing them. */
static bool append_range(struct json_object *dst, struct json_object *src, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (json_object_array_add(dst, json_object_get(json_object_array_get_idx(src, i))) != 0)
			return false;
	return true;
}

struct json_object *fake_block_hash_page(const struct fake_block *b, uint32_t page)
{
	if (!b->hashes || page >= fake_block_num_pages(b))
		return NULL;
	size_t begin = (size_t)page * FAKE_TXNS_PER_PAGE, end = begin + FAKE_TXNS_PER_PAGE;
	size_t shards = json_object_array_length(b->hashes), first = 0;
	struct json_object *txns = json_object_new_array_ext((int)shards);
	for (size_t s = 0; txns && s < shards; s++) {
		struct json_object *src = json_object_array_get_idx(b->hashes, s);
		size_t n = json_object_array_length(src);
		size_t from = begin > first ? begin - first : 0;
		size_t to = end > first ? end - first : 0;
		if (to > n)
			to = n;
		struct json_object *list = json_object_new_array();
		if (!list || json_object_array_add(txns, list) != 0) {
			json_object_put(list);
			json_object_put(txns);
			return NULL;
		}
		if (from < to && !append_range(list, src, from, to)) {
			json_object_put(txns);
			return NULL;
		}
		first += n;
	}
	return txns ? page_object(b, page, txns) : NULL;
}

struct json_object *fake_block_body_page(const struct fake_block *b, uint32_t page)
{
	if (!b->bodies || page >= fake_block_num_pages(b))
		return NULL;
	size_t begin = (size_t)page * FAKE_TXNS_PER_PAGE, end = begin + FAKE_TXNS_PER_PAGE;
	if (end > b->num_txns)
		end = b->num_txns;
	struct json_object *txns = json_object_new_array_ext((int)(end - begin));
	if (!txns || !append_range(txns, b->bodies, begin, end)) {
		json_object_put(txns);
		return NULL;
	}
	return page_object(b, page, txns);
}
