/* JSON-RPC 2.0 batches as the Zilliqa lookup speaks them: building a batch
 * request and splitting its response into one reply per call, then telling
 * what each reply means for the follower (data, empty block, not there yet,
 * rate limited, failed). Pure: bytes in, structs out. */
#ifndef INGEST_RPC_H
#define INGEST_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define RPC_MAX_PARAMS 2

struct rpc_call {
	const char *method;
	const char *params[RPC_MAX_PARAMS]; /* string parameters */
	int nparams;
};

/* Builds a JSON array of requests with ids 0..n-1 (a single request object
 * when n is 1 would also work; the array form is always used). Returns a
 * malloc'ed NUL-terminated string, NULL on allocation failure. */
char *rpc_batch_request(const struct rpc_call *calls, size_t n, size_t *len_out);

enum rpc_reply_kind {
	RPC_REPLY_MISSING = 0, /* no envelope with this id */
	RPC_REPLY_RESULT,
	RPC_REPLY_ERROR,
};

struct rpc_reply {
	enum rpc_reply_kind kind;
	struct json_object *result; /* borrowed from the parsed root; may be NULL (JSON null) */
	int64_t code;
	const char *message;        /* borrowed; "" when absent */
};

/* Parses a batch response to n calls. *root receives the parsed document
 * (caller puts it); replies[i] is the answer to id i. A single error
 * envelope answering the whole batch (how rate limits are reported by some
 * nodes) is copied into every reply. Returns false, with err set and
 * *root NULL, for anything that is not a JSON-RPC answer. */
bool rpc_parse_batch(const char *body, size_t len, size_t n, struct json_object **root,
		     struct rpc_reply *replies, char *err, size_t errlen)
	__attribute__((warn_unused_result));

enum rpc_outcome {
	RPC_OUTCOME_OK,           /* a non-null result */
	RPC_OUTCOME_NO_TXNS,      /* -1 "TxBlock has no transactions" */
	RPC_OUTCOME_NOT_READY,    /* null, "Block not finalized", "Tx Block does not exist" */
	RPC_OUTCOME_RATE_LIMITED, /* -32000 RPC_RATE_LIMIT and friends */
	RPC_OUTCOME_FAILED,       /* anything else: retry with backoff */
};

enum rpc_outcome rpc_classify(const struct rpc_reply *reply);

const char *rpc_outcome_name(enum rpc_outcome outcome);

#endif
