/* The lookup node's JSON-RPC, as libjson-rpc-cpp inside a Zilliqa node
 * answers it: single calls and batches (JSON arrays), envelopes with the
 * request's id, jsonrpccpp error texts, and the node's quirks. Pure: takes
 * a request body, returns json-c objects. */
#ifndef ZWS_FAKE_RPC_H
#define ZWS_FAKE_RPC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "fake_chain.h"

#define FAKE_RPC_INVALID_PARAMS \
	"INVALID_PARAMS: Invalid method parameters (invalid name and/or type) recognised"

/* Faults that change JSON-RPC answers rather than the HTTP exchange. */
enum fake_rpc_fault {
	FAKE_RPC_FAULT_NONE,
	FAKE_RPC_FAULT_RATELIMIT, /* every call: -32000 RPC_RATE_LIMIT */
	FAKE_RPC_FAULT_MISSING,   /* block methods: -32602 Tx Block does not exist */
	FAKE_RPC_FAULT_DUPTXNS,   /* block N's hash lists and bodies are block N-1's */
	FAKE_RPC_FAULT_BIGHEAD,   /* GetLatestTxBlock's BlockNum is 2^63 */
};

/* Told about every call answered: its method ("" if none), first parameter
 * as text (NULL if none) and error code (0 for a result). */
typedef void fake_rpc_trace_fn(void *arg, const char *method, const char *param, int code);

struct fake_rpc_opts {
	int max_batch; /* larger batches get HTTP 413 */
	enum fake_rpc_fault fault;
	fake_rpc_trace_fn *trace; /* may be NULL */
	void *trace_arg;
};

struct fake_rpc_reply {
	int http_status; /* 200, or 413 for a batch over max_batch */
	/* The answer (object, or array for a batch); the caller puts it.
	 * NULL with 200 when every call was a notification (no id). */
	struct json_object *response;
	unsigned calls; /* JSON-RPC calls in the request */
	bool batch;
};

struct fake_rpc_reply fake_rpc_handle(struct fake_chain *c, const char *body, size_t len,
				      const struct fake_rpc_opts *o);

#endif
