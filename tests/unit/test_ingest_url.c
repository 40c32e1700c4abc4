/* Lookup URL parsing. */
#include <criterion/criterion.h>

#include "url.h"

Test(ingest_url, table)
{
	static const struct {
		const char *text;
		bool ok, https;
		const char *host;
		int port;
		const char *path, *host_header;
	} cases[] = {
		{ "http://127.0.0.1:4201", true, false, "127.0.0.1", 4201, "/", "127.0.0.1:4201" },
		{ "https://api.zilliqa.com/", true, true, "api.zilliqa.com", 443, "/", "api.zilliqa.com" },
		{ "http://lookup/rpc?x=1", true, false, "lookup", 80, "/rpc?x=1", "lookup" },
		{ "http://[::1]:8080/a", true, false, "::1", 8080, "/a", "[::1]:8080" },
		{ "ftp://x", false, false, NULL, 0, NULL, NULL },
		{ "http://", false, false, NULL, 0, NULL, NULL },
		{ "http://host:0/", false, false, NULL, 0, NULL, NULL },
		{ "http://host:99999/", false, false, NULL, 0, NULL, NULL },
		{ "http://host:12ab/", false, false, NULL, 0, NULL, NULL },
		{ "http://user@host/", false, false, NULL, 0, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lookup_url u;
		char err[128];
		bool ok = url_parse(cases[i].text, &u, err, sizeof(err));
		cr_assert_eq(ok, cases[i].ok, "%s", cases[i].text);
		if (!ok)
			continue;
		cr_assert_eq(u.https, cases[i].https);
		cr_assert_str_eq(u.host, cases[i].host);
		cr_assert_eq(u.port, cases[i].port);
		cr_assert_str_eq(u.path, cases[i].path);
		cr_assert_str_eq(u.host_header, cases[i].host_header);
	}
}
