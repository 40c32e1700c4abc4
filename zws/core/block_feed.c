/* Encodes a TxBlock's notification parts once (see block.h). A group's
 * fragment stays open ("…,[" + entries) while rows are added and is closed
 * by block_finish, so adding an event is one append. */
#include "block_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct block *block_new(uint64_t num, const char *tx_block, const char *tx_hashes)
{
	struct block *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->num = num;
	snprintf(b->num_text, sizeof(b->num_text), "%llu", (unsigned long long)num);
	buf_append_str(&b->newblock_value, "{\"TxBlock\":");
	buf_append_str(&b->newblock_value, tx_block);
	buf_append_str(&b->newblock_value, ",\"TxHashes\":");
	buf_append_str(&b->newblock_value, tx_hashes);
	buf_append_char(&b->newblock_value, '}');
	if (b->newblock_value.failed) {
		block_free(b);
		return NULL;
	}
	return b;
}

static struct block_group *group_new(struct block_topic *t, const uint8_t addr[ADDRESS_BYTES],
				     const char *member)
{
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct block_group **g = realloc(t->groups, cap * sizeof(*g));
		if (!g)
			return NULL;
		t->groups = g;
		t->cap = cap;
	}
	struct block_group *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	memcpy(g->key.key, addr, ADDRESS_BYTES);
	if (!addrmap_put(&t->index, &g->key)) {
		free(g);
		return NULL;
	}
	char canon[ADDRESS_CANON_LEN];
	address_format(addr, canon);
	buf_append_str(&g->fragment, "{\"address\":\"");
	buf_append_str(&g->fragment, canon);
	buf_append_str(&g->fragment, "\",\"");
	buf_append_str(&g->fragment, member);
	buf_append_str(&g->fragment, "\":[");
	g->order = (uint32_t)t->count;
	t->groups[t->count++] = g;
	return g;
}

/* The group for addr, created at the end of the order if new. */
static struct block_group *group_for(struct block_topic *t, const uint8_t addr[ADDRESS_BYTES],
				     const char *member)
{
	struct addrmap_entry *e = addrmap_get(&t->index, addr);
	if (e)
		return (struct block_group *)e;
	return group_new(t, addr, member);
}

/* Opens the next entry of g's array: a comma unless it is the first. */
static void entry_separator(struct block_group *g)
{
	if (g->fragment.data[g->fragment.len - 1] != '[')
		buf_append_char(&g->fragment, ',');
}

/* The group of an event log's address; NULL with err filled. */
static struct block_group *event_group(struct block *b, const char *address, char *err,
				       size_t errlen)
{
	size_t len = strlen(address);
	if (b->last_event && strcmp(address, b->last_event_address) == 0)
		return b->last_event;
	uint8_t addr[ADDRESS_BYTES];
	if (!address_parse(address, len, addr)) {
		snprintf(err, errlen, "event log address %.60s is not an address", address);
		return NULL;
	}
	struct block_group *g = group_for(&b->events, addr, "event_logs");
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->last_event = g;
	memcpy(b->last_event_address, address, len + 1); /* parsed: len <= BLOCK_ADDRESS_TEXT_MAX */
	return g;
}

bool block_add_event(struct block *b, const char *address, const char *event_name,
		     const char *params_json, char *err, size_t errlen)
{
	struct block_group *g = event_group(b, address, err, errlen);
	if (!g)
		return false;
	entry_separator(g);
	buf_append_str(&g->fragment, "{\"_eventname\":");
	buf_append_char(&g->fragment, '"'); /* stored JSON-escaped (sql/004) */
	buf_append_str(&g->fragment, event_name);
	buf_append_char(&g->fragment, '"');
	buf_append_str(&g->fragment, ",\"params\":");
	buf_append_str(&g->fragment, params_json);
	buf_append_char(&g->fragment, '}');
	if (g->fragment.failed) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	return true;
}

static bool add_txn_to(struct block *b, const uint8_t addr[ADDRESS_BYTES], const char *entry)
{
	struct block_group *g = group_for(&b->txns, addr, "log");
	if (!g)
		return false;
	entry_separator(g);
	buf_append_str(&g->fragment, entry);
	return !g->fragment.failed;
}

bool block_add_txn(struct block *b, const char *id, const char *amount, const char *from,
		   const char *to, bool success, char *err, size_t errlen)
{
	uint8_t from_addr[ADDRESS_BYTES], to_addr[ADDRESS_BYTES];
	if (!address_parse(from, strlen(from), from_addr) ||
	    !address_parse(to, strlen(to), to_addr)) {
		snprintf(err, errlen, "transaction %.64s has a malformed address", id);
		return false;
	}
	struct buf e = BUF_INIT;
	buf_append_str(&e, "{\"ID\":");
	buf_append_json_string(&e, id, strlen(id));
	buf_append_str(&e, ",\"amount\":");
	buf_append_json_string(&e, amount, strlen(amount));
	buf_append_str(&e, ",\"fromAddr\":");
	buf_append_json_string(&e, from, strlen(from));
	buf_append_str(&e, success ? ",\"success\":true" : ",\"success\":false");
	buf_append_str(&e, ",\"toAddr\":");
	buf_append_json_string(&e, to, strlen(to));
	buf_append_char(&e, '}');
	bool ok = !e.failed && add_txn_to(b, to_addr, e.data);
	if (ok && memcmp(from_addr, to_addr, ADDRESS_BYTES) != 0)
		ok = add_txn_to(b, from_addr, e.data);
	buf_free(&e);
	if (!ok)
		snprintf(err, errlen, "out of memory");
	return ok;
}

static bool topic_finish(struct block_topic *t)
{
	for (size_t i = 0; i < t->count; i++) {
		buf_append_str(&t->groups[i]->fragment, "]}");
		if (t->groups[i]->fragment.failed)
			return false;
	}
	return true;
}

bool block_finish(struct block *b, char *err, size_t errlen)
{
	if (!topic_finish(&b->events) || !topic_finish(&b->txns)) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	b->finished = true;
	return true;
}

static void topic_free(struct block_topic *t)
{
	for (size_t i = 0; i < t->count; i++) {
		buf_free(&t->groups[i]->fragment);
		free(t->groups[i]);
	}
	free(t->groups);
	addrmap_free(&t->index);
}

void block_free(struct block *b)
{
	if (!b)
		return;
	buf_free(&b->newblock_value);
	topic_free(&b->events);
	topic_free(&b->txns);
	free(b);
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct block_row *a = pa, *b = pb;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	return 0;
}

void block_rows_sort(struct block_row *rows, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (row_cmp(&rows[i - 1], &rows[i]) > 0) {
			qsort(rows, n, sizeof(*rows), row_cmp);
			return;
		}
	}
}
