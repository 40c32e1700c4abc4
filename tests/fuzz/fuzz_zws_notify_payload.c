/* Fuzz target: the zws_block NOTIFY payload zws reads from PostgreSQL
 * (zws/core/notify_payload.c), any bytes up to the first NUL (a NOTIFY payload
 * is a C string). */
#include "fuzz.h"

#include "notify_payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	if (!text)
		return 0;
	uint64_t num = 0;
	bool live = false;
	char err[128] = "";
	if (notify_payload_parse(text, &num, &live, err, sizeof(err)))
		FUZZ_CHECK(num <= (uint64_t)INT64_MAX);
	else
		FUZZ_CHECK(err[0] != '\0');
	free(text);
	return 0;
}
