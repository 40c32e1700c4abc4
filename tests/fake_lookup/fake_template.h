/* Pre-rendered transaction bodies. A generated body differs from its
 * template (a fixture body) only in ID, receipt.epoch_num and toAddr, so the
 * template is rendered once, split around those three values, and every
 * clone is rendered by pasting its own values between the pieces: a few
 * memcpy calls instead of walking ~100 json-c nodes. This is what lets the
 * fake serve thousands of mainnet-shaped blocks per second. Pure: json-c. */
#ifndef ZWS_FAKE_TEMPLATE_H
#define ZWS_FAKE_TEMPLATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* How the fake lookup node renders JSON: compact, '/' not escaped (as the
 * node's jsoncpp writes it). */
#define FAKE_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

enum fake_hole { FAKE_HOLE_ID, FAKE_HOLE_EPOCH, FAKE_HOLE_TO_ADDR, FAKE_HOLE_COUNT };

struct fake_template {
	char *text; /* the template rendered without the hole values */
	size_t piece_off[FAKE_HOLE_COUNT + 1], piece_len[FAKE_HOLE_COUNT + 1];
	enum fake_hole order[FAKE_HOLE_COUNT]; /* holes in text order */
	int holes; /* how many of the three the template has */
};

/* Renders body (a transaction body with string ID, receipt.epoch_num and,
 * usually, toAddr) into t. False if it lacks ID or receipt.epoch_num. */
bool fake_template_init(struct fake_template *t, struct json_object *body, char *err,
			size_t errlen) __attribute__((warn_unused_result));
void fake_template_cleanup(struct fake_template *t);

/* Makes clone, a body cloned from t's template (same members, same order,
 * its own ID/epoch_num/toAddr strings), render through t when rendered
 * with FAKE_JSON_FLAGS; other flags render it the ordinary way. t must
 * outlive clone. */
void fake_template_attach(const struct fake_template *t, struct json_object *clone);

#endif
