/* The leader lock's queries. */
#include "leader_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool leader_lock_try(PGconn *conn, bool *got, char *err, size_t errlen)
{
	PGresult *r = PQexec(conn, "SELECT pg_try_advisory_lock(" LEADER_LOCK_KEY ")");
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	*got = ok && PQgetvalue(r, 0, 0)[0] == 't';
	if (!ok)
		snprintf(err, errlen, "%s", PQresultStatus(r) == PGRES_FATAL_ERROR
			 ? PQresultErrorMessage(r) : PQerrorMessage(conn));
	PQclear(r);
	return ok;
}

int leader_lock_holder(PGconn *conn, char *out, size_t outlen)
{
	/* A bigint key k is held as classid = k >> 32, objid = k & 0xffffffff. */
	PGresult *r = PQexec(conn,
		"SELECT l.pid, coalesce(nullif(a.application_name, ''), 'no application name'),"
		" coalesce(host(a.client_addr), 'the local socket')"
		" FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
		" WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
		" AND l.classid = (" LEADER_LOCK_KEY "::bigint >> 32)::oid"
		" AND l.objid = (" LEADER_LOCK_KEY "::bigint & 4294967295)::oid"
		" AND l.pid <> pg_backend_pid() LIMIT 1");
	int pid = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		pid = atoi(PQgetvalue(r, 0, 0));
		snprintf(out, outlen, "pid %d, %s from %s", pid, PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
	} else {
		snprintf(out, outlen, "holder not visible in pg_locks");
	}
	PQclear(r);
	return pid;
}
