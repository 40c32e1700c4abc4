/* JSON-RPC 2.0 reads (docs/protocol.md, "Reading the chain"): telling a
 * JSON-RPC request apart from a subscription query, parsing a request or
 * a batch into calls with their parameters checked, and building the
 * responses and the results that are not stored whole. Pure: no I/O. */
#ifndef ZWS_RPC_REQUEST_H
#define ZWS_RPC_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "buf.h"

/* JSON-RPC 2.0's codes, and ZWS's own in the server-error range. */
#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_NOT_HELD -32001     /* a block or transaction this server does not hold */
#define RPC_TOO_MANY_LOGS -32002 /* GetEventLogs matched over --max-query-logs */
#define RPC_BUSY -32003         /* over the queries in flight */
#define RPC_UNAVAILABLE -32004  /* PostgreSQL cannot be reached */
#define RPC_RATE_LIMITED -32005 /* over the per-address HTTP request rate */
/* The lookup's own answer for a block without transactions, and for a
 * transaction that deployed no contract: kept so tools see what they know. */
#define RPC_LOOKUP_NO_TXNS -1
#define RPC_LOOKUP_NOT_CONTRACT -5

enum rpc_method {
	RPC_GET_LATEST_TX_BLOCK,
	RPC_GET_NUM_TX_BLOCKS,
	RPC_GET_TX_BLOCK,
	RPC_GET_TRANSACTIONS_FOR_TX_BLOCK,
	RPC_GET_TRANSACTIONS_FOR_TX_BLOCK_EX,
	RPC_GET_TXN_BODIES_FOR_TX_BLOCK,
	RPC_GET_TXN_BODIES_FOR_TX_BLOCK_EX,
	RPC_GET_TRANSACTION,
	RPC_GET_CONTRACT_ADDRESS,
	RPC_GET_EVENT_LOGS,
	RPC_GET_SERVER_INFO,
};

/* Bounds the parser applies. */
struct rpc_limits {
	size_t max_batch;        /* requests in one batch */
	uint64_t max_query_blocks; /* GetEventLogs: blocks in one range */
	size_t max_addresses;    /* GetEventLogs: addresses in one call */
	size_t max_names;        /* GetEventLogs: event names in one call */
};

/* One request of a message. code != 0: answer that error and run nothing. */
struct rpc_call {
	char *id;          /* the id as JSON text ("null" when it was null) */
	bool notification; /* no id: run nothing, answer nothing */
	enum rpc_method method;
	int code;
	char message[200];
	uint64_t block;    /* the block methods */
	uint32_t page;     /* the Ex methods */
	char hash[65];     /* GetTransaction, GetContractAddressFromTransactionID: lowercase hex */
	uint64_t from, to; /* GetEventLogs */
	uint8_t (*addresses)[ADDRESS_BYTES]; /* distinct, in the order given */
	size_t naddresses;
	char **names;      /* NULL: every event; else JSON string contents, escaped */
	size_t nnames;
};

struct rpc_batch {
	struct rpc_call *calls;
	size_t count;
	bool is_batch; /* the message was an array: answer with an array */
};

enum rpc_parse_result {
	RPC_PARSE_NOT_RPC, /* not JSON-RPC: a subscription query */
	RPC_PARSE_OK,      /* out filled; free with rpc_batch_clear */
	RPC_PARSE_OOM,
};

/* Parses text (len bytes, any content). A message is JSON-RPC when it is
 * an array, or an object without "query" that has "jsonrpc" or "method",
 * or text that does not parse but names "jsonrpc"; anything else is left
 * to the subscription parser. Malformed requests come back as calls with
 * code set. */
enum rpc_parse_result rpc_parse(const char *text, size_t len, const struct rpc_limits *lim,
				struct rpc_batch *out) __attribute__((warn_unused_result));
void rpc_batch_clear(struct rpc_batch *b);
/* The one error a message that is not JSON-RPC gets where only JSON-RPC
 * is spoken (HTTP POST): -32700 for text that is not JSON, else -32600,
 * with id null, appended to out. */
void rpc_not_rpc_json(struct buf *out, const char *text, size_t len);

/* The method's name as the lookup spells it. */
const char *rpc_method_name(enum rpc_method m);

/* {"id":<id>,"jsonrpc":"2.0","result":<result>} appended to out. */
void rpc_result_json(struct buf *out, const char *id, const char *result, size_t len);
/* {"id":<id>,"jsonrpc":"2.0","error":{"code":c,"message":"…"}} appended. */
void rpc_error_json(struct buf *out, const char *id, int code, const char *message);

#endif
