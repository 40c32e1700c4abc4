/* What a failure means for the operator: the kind of a lookup failure (a
 * label for the metrics and the log), and whether a failure of the lookup
 * or of PostgreSQL is a misconfiguration that will not pass by itself
 * (a database or role that does not exist, a refused password, a host
 * name that does not resolve, a lookup URL that answers 404 or does not
 * speak JSON-RPC) rather than an outage, with the words that say so.
 * Pure: messages and statuses in, words out. */
#ifndef INGEST_DIAGNOSE_H
#define INGEST_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

enum lookup_failure {
	LOOKUP_FAILURE_TIMEOUT,      /* no answer within --timeout-ms */
	LOOKUP_FAILURE_REFUSED,      /* TCP connection refused */
	LOOKUP_FAILURE_DNS,          /* the host name did not resolve */
	LOOKUP_FAILURE_TLS,          /* handshake or certificate refused */
	LOOKUP_FAILURE_CLOSED,       /* connection closed before an answer */
	LOOKUP_FAILURE_CONNECT,      /* could not connect, other reasons */
	LOOKUP_FAILURE_HTTP,         /* an HTTP status other than 200 and 429 */
	LOOKUP_FAILURE_RATE_LIMITED, /* HTTP 429 or a JSON-RPC rate-limit error */
	LOOKUP_FAILURE_NOT_JSONRPC,  /* HTTP 200 with something that is not JSON-RPC */
	LOOKUP_FAILURE_INVALID,      /* JSON-RPC that is cut short or malformed */
	LOOKUP_FAILURE_RPC_ERROR,    /* a JSON-RPC error reply */
	LOOKUP_FAILURE_COUNT,
};

/* "timeout", "refused", "dns", ...: the metrics label. */
const char *diagnose_lookup_failure_name(enum lookup_failure kind);

/* An HTTP answer other than 200: its kind, and true (with the words in
 * out) when it is a misconfiguration (404, 401, 403, 405). */
bool diagnose_lookup_status(int status, enum lookup_failure *kind, char *out, size_t outlen);

/* An HTTP 200 body that rpc_parse_batch refused: not JSON at all (an HTML
 * page, text: the URL is not a JSON-RPC endpoint, a misconfiguration,
 * true) or JSON cut short or malformed (an outage, false). out gets the
 * words either way. */
bool diagnose_lookup_body(const char *body, size_t len, const char *parse_error,
			  enum lookup_failure *kind, char *out, size_t outlen);

/* A libpq error message (connecting or running a query): true when it is
 * a misconfiguration; out gets one line saying what to fix, followed by
 * libpq's own words flattened to one line. */
bool diagnose_pg(const char *libpq_msg, char *out, size_t outlen);

#endif
