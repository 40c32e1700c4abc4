/* The node's own text for the JSON values zws-ingest stores whole: each
 * GetTxBlock result, hash list, transaction body, receipt and event-log
 * params. json-c parses and validates a response; jraw then finds where
 * those values lie in the response text and ties that text to their json
 * objects (json-c userdata), so they are stored byte for byte as the node
 * sent them instead of being serialized again.
 *
 * A transaction body's text has one hole: its "receipt" member, which is
 * stored on its own. jraw_text leaves it out once the member has been
 * deleted from the object, and includes it while it is there. */
#ifndef INGEST_JRAW_H
#define INGEST_JRAW_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* Ties the text of doc's stored values to their objects. doc is the
 * result of parsing text[0..len) (a batch: an array of envelopes, or one
 * envelope). Values it cannot place keep no text; attaching never fails
 * the response. */
void jraw_attach(struct json_object *doc, const char *text, size_t len);

/* A value's text in at most two pieces (a body with its receipt taken
 * out). */
struct jraw_text {
	const char *piece[2];
	size_t len[2];
	int count;
};

/* Fills *out with o's text as the node sent it; false when o has none
 * (then serialize it). */
bool jraw_text(struct json_object *o, struct jraw_text *out);

/* Scanning JSON text known to be valid (exposed for tests). Positions are
 * byte offsets into s[0..n). */

/* The offset just past the value starting at or after i (leading
 * whitespace skipped), or 0 when there is none. */
size_t jraw_value_end(const char *s, size_t n, size_t i);

/* The span of member key's value in the object at s[start..end) (the last
 * one, as json-c keeps the last of duplicate keys); also the span of the
 * whole member, name to value. False when absent, when any member name
 * holds an escape (it may spell key), or when not an object. */
struct jraw_span {
	size_t start, end;
};
bool jraw_member(const char *s, struct jraw_span obj, const char *key, struct jraw_span *value,
		 struct jraw_span *member);

#endif
