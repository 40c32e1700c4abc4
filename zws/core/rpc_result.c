/* Results built from stored text (see rpc_result.h). The stored JSON is
 * compact, as the node wrote it; a body is walked member by member with a
 * small scanner that only skips values, so every byte the node sent comes
 * back as it was. */
#include "rpc_result.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && strchr(" \t\r\n", s[i]) && s[i])
		i++;
	return i;
}

/* Just past the string starting at s[i] == '"'; n + 1 if unterminated. */
static size_t skip_string(const char *s, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n + 1;
}

/* Just past the value starting at s[i]; n + 1 if it does not end. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
	if (i >= n)
		return n + 1;
	if (s[i] == '"')
		return skip_string(s, i, n);
	if (s[i] != '{' && s[i] != '[') {
		while (i < n && !strchr(",}] \t\r\n", s[i]))
			i++;
		return i;
	}
	size_t depth = 0;
	while (i < n) {
		if (s[i] == '"') {
			i = skip_string(s, i, n);
			continue;
		}
		if (s[i] == '{' || s[i] == '[')
			depth++;
		else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return n + 1;
}

/* Whether the member name k (raw, between its quotes) sorts after
 * "receipt", bytewise as the node's writer orders keys. */
static bool sorts_after_receipt(const char *k, size_t len)
{
	size_t m = len < 7 ? len : 7;
	int c = memcmp(k, "receipt", m);
	return c != 0 ? c > 0 : len > 7;
}

bool rpc_body_with_receipt(struct buf *out, const char *body, const char *receipt)
{
	size_t n = strlen(body), i = skip_ws(body, 0, n), at = 0;
	bool members = false;
	if (i >= n || body[i] != '{')
		return false;
	for (i = skip_ws(body, i + 1, n); i < n && body[i] != '}';) {
		if (body[i] != '"')
			return false;
		size_t key_end = skip_string(body, i, n);
		if (key_end > n)
			return false;
		if (!at && sorts_after_receipt(body + i + 1, key_end - i - 2))
			at = i;
		size_t colon = skip_ws(body, key_end, n);
		if (colon >= n || body[colon] != ':')
			return false;
		size_t end = skip_value(body, skip_ws(body, colon + 1, n), n);
		if (end > n)
			return false;
		members = true;
		i = skip_ws(body, end, n);
		if (i < n && body[i] == ',')
			i = skip_ws(body, i + 1, n);
	}
	if (i >= n)
		return false;
	size_t split = at ? at : i;
	buf_append(out, body, split);
	if (!at && members)
		buf_append_char(out, ',');
	buf_append_str(out, "\"receipt\":");
	buf_append_str(out, receipt);
	if (at)
		buf_append_char(out, ',');
	buf_append_str(out, body + split);
	return true;
}

uint64_t rpc_num_pages(uint64_t num_txns)
{
	return (num_txns + RPC_TXNS_PER_PAGE - 1) / RPC_TXNS_PER_PAGE;
}

static void page_head(struct buf *out, uint32_t page, uint64_t pages)
{
	buf_append_str(out, "{\"CurrPage\":");
	buf_append_u64(out, page);
	buf_append_str(out, ",\"NumPages\":");
	buf_append_u64(out, pages);
	buf_append_str(out, ",\"Transactions\":[");
}

bool rpc_hash_page(struct buf *out, const char *tx_hashes, uint64_t num_txns, uint32_t page)
{
	uint64_t pages = rpc_num_pages(num_txns);
	if (page >= pages)
		return false;
	struct json_object *lists = json_tokener_parse(tx_hashes);
	bool ok = json_object_is_type(lists, json_type_array);
	uint64_t begin = (uint64_t)page * RPC_TXNS_PER_PAGE, end = begin + RPC_TXNS_PER_PAGE, first = 0;
	if (ok)
		page_head(out, page, pages);
	for (size_t s = 0; ok && s < json_object_array_length(lists); s++) {
		struct json_object *list = json_object_array_get_idx(lists, s);
		if (!(ok = json_object_is_type(list, json_type_array)))
			break;
		uint64_t len = json_object_array_length(list);
		uint64_t from = begin > first ? begin - first : 0, to = end > first ? end - first : 0;
		if (to > len)
			to = len;
		buf_append_str(out, s ? ",[" : "[");
		for (uint64_t k = from; k < to; k++) {
			struct json_object *h = json_object_array_get_idx(list, k);
			if (k > from)
				buf_append_char(out, ',');
			buf_append_json_string(out, json_object_get_string(h), (size_t)json_object_get_string_len(h));
		}
		buf_append_char(out, ']');
		first += len;
	}
	if (ok)
		buf_append_str(out, "]}");
	json_object_put(lists);
	return ok;
}

void rpc_bodies_page_head(struct buf *out, uint64_t num_txns, uint32_t page)
{
	page_head(out, page, rpc_num_pages(num_txns));
}

void rpc_not_held_text(char *out, size_t outlen, const char *what, bool any, uint64_t first,
		       uint64_t last)
{
	if (any)
		snprintf(out, outlen, "%s is not held by this server; it holds blocks %llu to %llu", what,
			 (unsigned long long)first, (unsigned long long)last);
	else
		snprintf(out, outlen, "%s is not held by this server; it holds no blocks yet", what);
}

void rpc_event_log_json(struct buf *out, uint64_t block, const char *tx_hash, const char *address,
			const char *event_name, const char *params)
{
	buf_append_str(out, "{\"blockNum\":");
	buf_append_u64(out, block);
	buf_append_str(out, ",\"txHash\":\"");
	buf_append_str(out, tx_hash);
	buf_append_str(out, "\",\"address\":\"");
	buf_append_str(out, address);
	buf_append_str(out, "\",\"log\":{\"_eventname\":\"");
	buf_append_str(out, event_name);
	buf_append_str(out, "\",\"params\":");
	buf_append_str(out, params);
	buf_append_str(out, "}}");
}
