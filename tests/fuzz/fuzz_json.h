/* Equality of two json-c values for the fuzz targets' oracles:
 * json_object_equal, except that NaN (which json-c reads from "NaN")
 * equals NaN, so the same text always reads back as the same value. */
#ifndef ZWS_FUZZ_JSON_H
#define ZWS_FUZZ_JSON_H

#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>

static inline bool fuzz_json_same(struct json_object *a, struct json_object *b)
{
	if (json_object_is_type(a, json_type_double) && json_object_is_type(b, json_type_double) &&
	    isnan(json_object_get_double(a)) && isnan(json_object_get_double(b)))
		return true;
	if (json_object_get_type(a) != json_object_get_type(b))
		return false;
	if (json_object_is_type(a, json_type_array)) {
		size_t n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!fuzz_json_same(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
				return false;
		return true;
	}
	if (json_object_is_type(a, json_type_object)) {
		if (json_object_object_length(a) != json_object_object_length(b))
			return false;
		json_object_object_foreach(a, key, va) {
			struct json_object *vb;
			if (!json_object_object_get_ex(b, key, &vb) || !fuzz_json_same(va, vb))
				return false;
		}
		return true;
	}
	return json_object_equal(a, b);
}

#endif
