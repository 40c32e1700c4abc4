/* Checks a --db value with PQconninfoParse, so "--db garbage" is the same
 * error in zws and zws-ingest instead of a syntax error in one and a
 * database name in the other (libpq treats a bare word as a dbname only
 * where a caller asks it to expand one). */
#include "conninfo.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#define EXAMPLE "give a conninfo such as \"host=H dbname=D user=U\" or a postgresql:// URI"

bool conninfo_check(const char *conninfo, char *err, size_t errlen)
{
	if (!conninfo || !*conninfo) {
		snprintf(err, errlen, "--db (ZWS_DB) is empty: " EXAMPLE);
		return false;
	}
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
	if (opts) {
		PQconninfoFree(opts);
		return true;
	}
	const char *why = msg ? msg : "out of memory";
	snprintf(err, errlen, "--db (ZWS_DB): %.*s; " EXAMPLE, (int)strcspn(why, "\n"), why);
	PQfreemem(msg);
	return false;
}
