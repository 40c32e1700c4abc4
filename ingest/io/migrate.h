/* Applying the embedded schema migrations (sql/schema.h) at start, or
 * alone for --migrate-only. */
#ifndef INGEST_MIGRATE_H
#define INGEST_MIGRATE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Applies every migration not yet recorded in schema_version, each in its
 * own transaction, under an advisory lock so two ingesters never race.
 * Blocking; runs on the store thread. */
bool migrate_apply(PGconn *conn, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Connects to conninfo, applies the migrations and disconnects; sets
 * *version to the schema version the database then has. Blocking: for
 * --migrate-only, before any loop runs. */
bool migrate_database(const char *conninfo, int *version, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
