/* The database schema ZWS needs: the migrations embedded from sql/ and the
 * version zws and zws-ingest require. */
#ifndef ZWS_SCHEMA_H
#define ZWS_SCHEMA_H

struct schema_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct schema_migration schema_migrations[];
extern const int schema_migration_count;

/* The highest migration version this build knows. */
int schema_required_version(void);

/* The NOTIFY channel zws-ingest signals committed blocks on. Payload:
 * {"block_num":N,"live":true|false} (see sql/README.md). */
#define SCHEMA_NOTIFY_CHANNEL "zws_block"

#endif
