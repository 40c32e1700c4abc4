/* The schema version this build requires: the last embedded migration. */
#include "schema.h"

int schema_required_version(void)
{
	int v = 0;
	for (int i = 0; i < schema_migration_count; i++)
		if (schema_migrations[i].version > v)
			v = schema_migrations[i].version;
	return v;
}
