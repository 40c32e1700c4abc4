/* The one reading of --db (ZWS_DB) that zws and zws-ingest share: a libpq
 * conninfo string ("host=... dbname=...") or a postgresql:// URI, checked
 * with libpq's own parser before either program connects. Pure: parsing
 * only, no connection. */
#ifndef ZWS_CONNINFO_H
#define ZWS_CONNINFO_H

#include <stdbool.h>
#include <stddef.h>

/* True when libpq reads conninfo as key=value pairs or a URI; otherwise
 * err holds one line saying why (the same line in both programs). */
bool conninfo_check(const char *conninfo, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
