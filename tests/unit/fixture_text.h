/* The text of a file under tests/fixtures/ (FIXTURES_DIR), for unit tests
 * that feed the lookup's real answers to a parser as bytes. */
#ifndef ZWS_TEST_FIXTURE_TEXT_H
#define ZWS_TEST_FIXTURE_TEXT_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A malloc'ed, NUL-terminated copy of the fixture (at most 128 KB). */
static inline char *fixture_text(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
	FILE *f = fopen(path, "rb");
	cr_assert(f, "%s", path);
	static char buf[1 << 17];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

#endif
