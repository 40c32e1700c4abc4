/* Schema migrations. The advisory lock serializes concurrent starts; a
 * migration already listed in schema_version is skipped, so running this at
 * every start is harmless. */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "schema.h"

/* "zws" + "mig" as an advisory lock key. */
#define MIGRATE_LOCK_KEY "7a77736d6967"

static bool exec_ok(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

/* Sets *applied when version is recorded in schema_version (which the
 * first migration creates). */
static bool is_applied(PGconn *conn, int version, bool *applied, char *err, size_t errlen)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", version);
	const char *params[1] = { v };
	PGresult *r = PQexec(conn, "SELECT to_regclass('schema_version') IS NOT NULL");
	bool exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQgetvalue(r, 0, 0)[0] == 't';
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	PQclear(r);
	*applied = false;
	if (!ok || !exists)
		return ok;
	r = PQexecParams(conn, "SELECT 1 FROM schema_version WHERE version = $1::int",
			 1, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (ok)
		*applied = PQntuples(r) > 0;
	else
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

static bool apply_one(PGconn *conn, const struct schema_migration *m, char *err, size_t errlen)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", m->version);
	const char *params[2] = { v, m->name };
	if (!exec_ok(conn, "BEGIN", err, errlen))
		return false;
	if (!exec_ok(conn, m->sql, err, errlen))
		goto fail;
	PGresult *r = PQexecParams(conn,
		"INSERT INTO schema_version (version, name) VALUES ($1::int, $2) ON CONFLICT DO NOTHING",
		2, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	PQclear(r);
	if (ok && exec_ok(conn, "COMMIT", err, errlen)) {
		log_info("applied schema migration %s (version %d)", m->name, m->version);
		return true;
	}
fail:
	exec_ok(conn, "ROLLBACK", err + strlen(err), errlen - strlen(err));
	return false;
}

bool migrate_apply(PGconn *conn, char *err, size_t errlen)
{
	err[0] = '\0';
	if (!exec_ok(conn, "SELECT pg_advisory_lock(x'" MIGRATE_LOCK_KEY "'::bigint)", err, errlen))
		return false;
	bool ok = true;
	for (int i = 0; ok && i < schema_migration_count; i++) {
		const struct schema_migration *m = &schema_migrations[i];
		bool applied;
		ok = is_applied(conn, m->version, &applied, err, errlen);
		if (ok && !applied)
			ok = apply_one(conn, m, err, errlen);
	}
	char unlock_err[256];
	if (!exec_ok(conn, "SELECT pg_advisory_unlock(x'" MIGRATE_LOCK_KEY "'::bigint)",
		     unlock_err, sizeof(unlock_err)) && ok) {
		snprintf(err, errlen, "%s", unlock_err);
		ok = false;
	}
	return ok;
}

static bool read_version(PGconn *conn, int *version, char *err, size_t errlen)
{
	PGresult *r = PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_version");
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (ok)
		*version = atoi(PQgetvalue(r, 0, 0));
	else
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

bool migrate_database(const char *conninfo, int *version, char *err, size_t errlen)
{
	const char *keys[] = { "application_name", "connect_timeout", "dbname", NULL };
	const char *vals[] = { "zws-ingest", "10", conninfo, NULL };
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	bool ok = conn && PQstatus(conn) == CONNECTION_OK;
	if (!ok)
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s",
			 conn ? PQerrorMessage(conn) : "out of memory");
	ok = ok && migrate_apply(conn, err, errlen) && read_version(conn, version, err, errlen);
	err[strcspn(err, "\n")] = '\0';
	PQfinish(conn);
	return ok;
}
