/* The fault plan: which misbehaviour the next JSON-RPC requests get, as set
 * by POST /fake/fault {"mode":..,"count":K,"delay_ms":D,"bytes":B}. The
 * first modes break the exchange; the data modes (badutf8 on) answer
 * with what a hostile or broken node might send. Pure. */
#ifndef ZWS_FAKE_FAULT_H
#define ZWS_FAKE_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fake_fault_mode {
	FAKE_FAULT_NONE,
	FAKE_FAULT_HTTP500,   /* HTTP 500 with a short body */
	FAKE_FAULT_HTTP429,   /* HTTP 429 with a short body */
	FAKE_FAULT_GARBAGE,   /* HTTP 200 with text that is not JSON */
	FAKE_FAULT_TRUNCATED, /* HTTP 200 with the first half of the answer */
	FAKE_FAULT_SLOW,      /* the right answer after delay_ms */
	FAKE_FAULT_RATELIMIT, /* every call: error -32000 RPC_RATE_LIMIT */
	FAKE_FAULT_MISSING,   /* block methods: "Tx Block does not exist" */
	FAKE_FAULT_CLOSE,     /* connection dropped without an answer */
	FAKE_FAULT_BADUTF8,   /* bytes 0xff 0xfe at the start of the first event param value */
	FAKE_FAULT_NULNAME,   /* the first event log named "Evil\u0000Name" */
	FAKE_FAULT_DUPTXNS,   /* block N's hash lists and bodies are block N-1's */
	FAKE_FAULT_BIGHEAD,   /* GetLatestTxBlock's BlockNum is 2^63 */
	FAKE_FAULT_HUGE,      /* the first event param value grows by B bytes of 'A' */
};

#define FAKE_FAULT_DEFAULT_DELAY_MS 1000
#define FAKE_FAULT_MAX_DELAY_MS 600000
#define FAKE_FAULT_DEFAULT_BYTES 50000000
#define FAKE_FAULT_MAX_BYTES 1000000000

struct fake_fault_plan {
	enum fake_fault_mode mode;
	int64_t remaining; /* requests still to fault; -1 = until reset */
	int delay_ms;
	int64_t bytes; /* for "huge" */
};

/* Parses the control body. count defaults to 1 (-1 = until mode "none"),
 * delay_ms to 1000, bytes to 50,000,000. Mode "none" clears the plan. */
bool fake_fault_parse(const char *text, size_t len, struct fake_fault_plan *out, char *err,
		      size_t errlen) __attribute__((warn_unused_result));

/* The fault for the next request, consuming one from the plan. */
enum fake_fault_mode fake_fault_next(struct fake_fault_plan *p);

/* The fault the next request would get, not consumed: the modes that
 * rewrite an answer's text (fake_fault_rewrites_text) count only the
 * answers they change, so a head poll does not use them up. */
enum fake_fault_mode fake_fault_peek(const struct fake_fault_plan *p);
bool fake_fault_rewrites_text(enum fake_fault_mode mode);

const char *fake_fault_name(enum fake_fault_mode mode);

#endif
