/* Client queries: parsing a received text into a struct query, and the
 * exact error replies. Pure: no I/O. */
#ifndef ZWS_QUERY_H
#define ZWS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "buf.h"
#include "topic.h"

enum query_kind {
	QUERY_NEWBLOCK,
	QUERY_EVENTLOG,
	QUERY_TXNLOG,
	QUERY_UNSUBSCRIBE,
	QUERY_RESUME,
};

enum query_error {
	QUERY_OK = 0,
	QUERY_ERR_QUERY,       /* invalid query field */
	QUERY_ERR_ADDRESSES,   /* invalid addresses field */
	QUERY_ERR_TYPE,        /* invalid type field */
	QUERY_ERR_NO_CONTRACT, /* no contract found in list */
	QUERY_ERR_TOO_MANY,    /* over the per-connection address cap */
	QUERY_ERR_RATE,        /* over the query rate limit */
	QUERY_ERR_CHECKS,      /* over the contract-check budget */
	QUERY_ERR_FULL,        /* over the addresses held across the process */
	QUERY_ERR_FROM_BLOCK,  /* invalid fromBlock field */
	QUERY_ERR_QUERIES,     /* invalid queries field */
	QUERY_ERR_TOO_OLD,     /* Resume: below the oldest resumable block (named) */
	QUERY_ERR_AHEAD,       /* Resume: past the head + 1 (the head named) */
};

struct query {
	enum query_kind kind;
	enum topic topic; /* QUERY_UNSUBSCRIBE: what to drop */
	uint8_t (*addresses)[ADDRESS_BYTES]; /* distinct, in the order given */
	size_t naddresses;
	/* QUERY_RESUME: the block to replay from (has_from_block), and the
	 * queries it carries, each parsed as if sent alone, in order. */
	bool has_from_block;
	uint64_t from_block;
	struct query *queries;
	size_t nqueries;
};

/* Parses text (len bytes, any content). On QUERY_OK fills q, which the
 * caller clears with query_clear. On error q is left empty. Addresses may
 * be 0x + 40 hex (any case), 40 hex, or bech32 zil1…. A Resume's
 * fromBlock is a decimal string; its queries a non-empty array of query
 * objects other than Resume, each answered with its own error. */
enum query_error query_parse(const char *text, size_t len, struct query *q);
void query_clear(struct query *q);

/* The error message, e.g. "invalid query field". limit is the number the
 * message names for QUERY_ERR_TOO_MANY, QUERY_ERR_RATE,
 * QUERY_ERR_CHECKS, QUERY_ERR_FULL, QUERY_ERR_TOO_OLD (the oldest
 * resumable block) and QUERY_ERR_AHEAD (the head). */
void query_error_text(enum query_error e, uint64_t limit, char *out, size_t outlen);
/* {"type":"Error","error":"<message>"} into out (reset first). */
bool query_error_json(enum query_error e, uint64_t limit, struct buf *out)
	__attribute__((warn_unused_result));

#endif
