/* The data faults that rewrite an answer's text: invalid UTF-8 or a huge
 * value in the first event log's first param, a NUL escape in its name.
 * They act on the JSON text as sent, so they can produce what json-c would
 * not write (bytes that are not UTF-8). Pure. */
#ifndef ZWS_FAKE_TAINT_H
#define ZWS_FAKE_TAINT_H

#include <stddef.h>
#include <stdint.h>

#include "fake_fault.h"

/* The answer text[0..n) as the fault mode (badutf8, nulname or huge, with
 * bytes) makes it, malloc'ed (*out_len bytes); NULL when the mode does not
 * rewrite text or the answer has no event log to rewrite. */
char *fake_taint_apply(enum fake_fault_mode mode, int64_t bytes, const char *text, size_t n,
		       size_t *out_len);

#endif
