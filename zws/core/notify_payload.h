/* The payload zws-ingest sends on the zws_block channel:
 * {"block_num":N,"live":true|false} (sql/README.md). Pure. */
#ifndef ZWS_NOTIFY_PAYLOAD_H
#define ZWS_NOTIFY_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool notify_payload_parse(const char *text, uint64_t *block_num, bool *live, char *err,
			  size_t errlen)
	__attribute__((warn_unused_result));

#endif
