/* GetSmartContractInit batch encoding and decoding (see contract_rpc.h).
 * The address goes out as 40 hex without 0x, the form the node takes. */
#include "contract_rpc.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

bool contract_rpc_request(const uint8_t (*addrs)[ADDRESS_BYTES], size_t n, struct buf *out)
{
	buf_reset(out);
	buf_append_char(out, '[');
	for (size_t i = 0; i < n; i++) {
		char canon[ADDRESS_CANON_LEN];
		address_format(addrs[i], canon);
		if (i)
			buf_append_char(out, ',');
		buf_append_str(out, "{\"id\":\"");
		buf_append_u64(out, i);
		buf_append_str(out, "\",\"jsonrpc\":\"2.0\",\"method\":\"GetSmartContractInit\",\"params\":[\"");
		buf_append_str(out, canon + 2);
		buf_append_str(out, "\"]}");
	}
	buf_append_char(out, ']');
	return !out->failed;
}

static void read_one(struct json_object *resp, size_t n, enum contract_state *states)
{
	struct json_object *id, *r, *e, *code;
	if (!json_object_object_get_ex(resp, "id", &id))
		return;
	char *end;
	const char *ids = json_object_get_string(id);
	unsigned long i = strtoul(ids ? ids : "", &end, 10);
	if (!ids || end == ids || *end || i >= n)
		return;
	if (json_object_object_get_ex(resp, "result", &r) && r)
		states[i] = CONTRACT_YES;
	else if (json_object_object_get_ex(resp, "error", &e) &&
		 json_object_object_get_ex(e, "code", &code) && json_object_get_int(code) == -5)
		states[i] = CONTRACT_NO;
}

bool contract_rpc_parse(const char *body, size_t len, size_t n, enum contract_state *states,
			char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = tok ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
	json_tokener_free(tok);
	bool ok = true;
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			read_one(json_object_array_get_idx(o, i), n, states);
	} else if (json_object_is_type(o, json_type_object)) {
		read_one(o, n, states);
	} else {
		snprintf(err, errlen, "lookup reply is not JSON-RPC: %.*s", len < 80 ? (int)len : 80,
			 body);
		ok = false;
	}
	json_object_put(o);
	return ok;
}
