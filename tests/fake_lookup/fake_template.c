/* Template rendering. The template is copied with marker strings "\x01",
 * "\x02", "\x03" in place of ID, epoch_num and toAddr; json-c writes them
 * as "\u0001".. which appear nowhere else, so splitting the rendered text
 * at them yields the fixed pieces. Clones get a json-c serializer that
 * pastes their values between the pieces. */
#include "fake_template.h"

#include <json-c/printbuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const markers[FAKE_HOLE_COUNT] = { "\x01", "\x02", "\x03" };
static const char *const marker_text[FAKE_HOLE_COUNT] = { "\"\\u0001\"", "\"\\u0002\"", "\"\\u0003\"" };

/* A shallow copy of o with member key replaced by a new string. */
static struct json_object *with_member(struct json_object *o, const char *key, struct json_object *v)
{
	struct json_object *copy = json_object_new_object();
	json_object_object_foreach(o, k, val) {
		json_object_object_add(copy, k, strcmp(k, key) == 0 ? json_object_get(v) : json_object_get(val));
	}
	json_object_put(v);
	return copy;
}

static struct json_object *marked_copy(struct json_object *body)
{
	struct json_object *receipt, *to;
	if (!json_object_object_get_ex(body, "receipt", &receipt))
		return NULL;
	struct json_object *r = with_member(receipt, "epoch_num", json_object_new_string(markers[FAKE_HOLE_EPOCH]));
	struct json_object *a = with_member(body, "ID", json_object_new_string(markers[FAKE_HOLE_ID]));
	struct json_object *b = with_member(a, "receipt", r);
	json_object_put(a);
	if (!json_object_object_get_ex(body, "toAddr", &to))
		return b;
	struct json_object *c = with_member(b, "toAddr", json_object_new_string(markers[FAKE_HOLE_TO_ADDR]));
	json_object_put(b);
	return c;
}

static int cmp_offsets(const char *text, const struct fake_template *t, int a, int b)
{
	const char *x = strstr(text, marker_text[t->order[a]]), *y = strstr(text, marker_text[t->order[b]]);
	return (x > y) - (x < y);
}

/* Finds the holes, sorts them by position and records the pieces. */
static bool split(struct fake_template *t)
{
	t->holes = 0;
	for (int h = 0; h < FAKE_HOLE_COUNT; h++)
		if (strstr(t->text, marker_text[h]))
			t->order[t->holes++] = (enum fake_hole)h;
	for (int i = 1; i < t->holes; i++)
		for (int j = i; j > 0 && cmp_offsets(t->text, t, j - 1, j) > 0; j--) {
			enum fake_hole tmp = t->order[j];
			t->order[j] = t->order[j - 1];
			t->order[j - 1] = tmp;
		}
	size_t pos = 0;
	for (int i = 0; i < t->holes; i++) {
		const char *m = strstr(t->text, marker_text[t->order[i]]);
		t->piece_off[i] = pos;
		t->piece_len[i] = (size_t)(m - t->text) - pos;
		pos = (size_t)(m - t->text) + strlen(marker_text[t->order[i]]);
	}
	t->piece_off[t->holes] = pos;
	t->piece_len[t->holes] = strlen(t->text) - pos;
	return t->holes >= 2;
}

bool fake_template_init(struct fake_template *t, struct json_object *body, char *err, size_t errlen)
{
	struct json_object *id, *marked = NULL;
	memset(t, 0, sizeof(*t));
	if (json_object_object_get_ex(body, "ID", &id))
		marked = marked_copy(body);
	if (marked)
		t->text = strdup(json_object_to_json_string_ext(marked, FAKE_JSON_FLAGS));
	json_object_put(marked);
	if (!t->text || !split(t)) {
		snprintf(err, errlen, "a template transaction lacks ID or receipt.epoch_num");
		fake_template_cleanup(t);
		return false;
	}
	return true;
}

void fake_template_cleanup(struct fake_template *t)
{
	free(t->text);
	t->text = NULL;
}

static const char *hole_value(struct json_object *clone, enum fake_hole h)
{
	struct json_object *v = NULL, *receipt;
	if (h == FAKE_HOLE_EPOCH) {
		if (json_object_object_get_ex(clone, "receipt", &receipt))
			json_object_object_get_ex(receipt, "epoch_num", &v);
	} else {
		json_object_object_get_ex(clone, h == FAKE_HOLE_ID ? "ID" : "toAddr", &v);
	}
	return v ? json_object_get_string(v) : "";
}

static int render_clone(struct json_object *clone, struct printbuf *pb, int level, int flags)
{
	const struct fake_template *t = json_object_get_userdata(clone);
	if (flags != FAKE_JSON_FLAGS) {
		/* The ordinary rendering: drop the shortcut for the moment. */
		json_object_set_serializer(clone, NULL, NULL, NULL);
		const char *text = json_object_to_json_string_ext(clone, flags);
		int r = printbuf_memappend(pb, text, (int)strlen(text));
		fake_template_attach(t, clone);
		return r;
	}
	for (int i = 0; i < t->holes; i++) {
		const char *v = hole_value(clone, t->order[i]);
		printbuf_memappend(pb, t->text + t->piece_off[i], (int)t->piece_len[i]);
		printbuf_memappend(pb, "\"", 1);
		printbuf_memappend(pb, v, (int)strlen(v));
		printbuf_memappend(pb, "\"", 1);
	}
	return printbuf_memappend(pb, t->text + t->piece_off[t->holes], (int)t->piece_len[t->holes]);
}

void fake_template_attach(const struct fake_template *t, struct json_object *clone)
{
	json_object_set_serializer(clone, render_clone, (void *)t, NULL);
}
