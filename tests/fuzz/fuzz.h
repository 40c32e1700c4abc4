/* What every fuzz target shares: the libFuzzer entry point it defines, a
 * check that aborts with the failed condition (so libFuzzer and the replay
 * test both report it), and copies of the input that end exactly where it
 * ends, so a parser reading one byte too far is caught by AddressSanitizer. */
#ifndef ZWS_FUZZ_H
#define ZWS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                 \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                  \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* A malloc'ed copy of the input with no terminator (NULL only on OOM,
 * which the targets treat as nothing to do). */
static inline char *fuzz_bytes(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);
	if (p && size)
		memcpy(p, data, size);
	else if (p)
		p[0] = '\0';
	return p;
}

/* A malloc'ed NUL-terminated copy, for APIs that take C strings. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);
	if (p) {
		if (size)
			memcpy(p, data, size);
		p[size] = '\0';
	}
	return p;
}

#endif
