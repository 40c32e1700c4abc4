/* Fuzz target: a JSON-RPC message (zws/core/rpc_request.c), any bytes.
 * A parsed message has at least one call, each with an id that is JSON
 * and either an error with its message or checked parameters; every call
 * builds a response that is JSON; results built from the same bytes as
 * stored text never read past them. */
#include "fuzz.h"

#include <json-c/json.h>

#include "rpc_request.h"
#include "rpc_result.h"

static const struct rpc_limits limits = { .max_batch = 32, .max_query_blocks = 1000,
					  .max_addresses = 1000, .max_names = 32 };

static void check_json(const struct buf *b)
{
	struct json_object *o = json_tokener_parse(b->data);
	FUZZ_CHECK(o != NULL);
	json_object_put(o);
}

static void check_call(const struct rpc_call *c)
{
	FUZZ_CHECK(c->id != NULL);
	struct buf out = BUF_INIT;
	if (c->code) {
		FUZZ_CHECK(c->message[0] != '\0');
		rpc_error_json(&out, c->id, c->code, c->message);
	} else {
		FUZZ_CHECK(c->method <= RPC_GET_SERVER_INFO);
		if (c->method == RPC_GET_EVENT_LOGS) {
			FUZZ_CHECK(c->naddresses > 0 && c->to >= c->from && c->to - c->from < limits.max_query_blocks);
			for (size_t i = 0; i < c->nnames; i++)
				FUZZ_CHECK(c->names[i] != NULL);
		}
		rpc_result_json(&out, c->id, "null", 4);
	}
	buf_append_char(&out, '\0');
	FUZZ_CHECK(!out.failed);
	check_json(&out);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_bytes(data, size);
	if (!text)
		return 0;
	struct rpc_batch b;
	enum rpc_parse_result r = rpc_parse(text, size, &limits, &b);
	if (r == RPC_PARSE_OK) {
		FUZZ_CHECK(b.count > 0 && b.calls != NULL);
		for (size_t i = 0; i < b.count; i++)
			check_call(&b.calls[i]);
		rpc_batch_clear(&b);
	}
	free(text);
	/* The same bytes as a stored body and as stored hash lists (text
	 * columns: C strings). */
	char *stored = fuzz_cstr(data, size);
	if (!stored)
		return 0;
	struct buf out = BUF_INIT;
	if (rpc_body_with_receipt(&out, stored, "{}"))
		FUZZ_CHECK(out.len >= strlen(stored));
	buf_reset(&out);
	if (rpc_hash_page(&out, stored, (uint64_t)size * 1000, (uint32_t)(size % 3)))
		FUZZ_CHECK(out.len > 0);
	buf_free(&out);
	free(stored);
	return 0;
}
