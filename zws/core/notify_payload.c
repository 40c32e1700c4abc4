/* Parses the zws_block NOTIFY payload (see notify_payload.h). A missing
 * "live" counts as not live: zws only pushes what ingest marks live. */
#include "notify_payload.h"

#include <json-c/json.h>
#include <stdio.h>

bool notify_payload_parse(const char *text, uint64_t *block_num, bool *live, char *err,
			  size_t errlen)
{
	struct json_object *o = json_tokener_parse(text);
	struct json_object *num, *l;
	bool ok = false;
	if (!o || !json_object_is_type(o, json_type_object))
		snprintf(err, errlen, "payload is not a JSON object");
	else if (!json_object_object_get_ex(o, "block_num", &num) ||
		 !json_object_is_type(num, json_type_int) || json_object_get_int64(num) < 0)
		snprintf(err, errlen, "payload has no block_num");
	else {
		*block_num = (uint64_t)json_object_get_int64(num);
		*live = json_object_object_get_ex(o, "live", &l) &&
			json_object_is_type(l, json_type_boolean) && json_object_get_boolean(l);
		ok = true;
	}
	json_object_put(o);
	return ok;
}
