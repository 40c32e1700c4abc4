/* Fuzz target: the lookup URL an operator gives zws-ingest
 * (ingest/core/url.c), any bytes up to the first NUL. */
#include "fuzz.h"

#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	if (!text)
		return 0;
	struct lookup_url u;
	char err[256] = "";
	if (url_parse(text, &u, err, sizeof(err))) {
		FUZZ_CHECK(u.port >= 1 && u.port <= 65535);
		FUZZ_CHECK(u.host[0] != '\0' && strlen(u.host) < sizeof(u.host));
		FUZZ_CHECK(u.path[0] == '/');
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	free(text);
	return 0;
}
