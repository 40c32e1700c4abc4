/* The one reading of --db both programs share (common/conninfo.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "conninfo.h"

Test(conninfo, accepted)
{
	static const char *const ok[] = {
		"host=/tmp dbname=zws user=postgres",
		"host=postgres port=5432 dbname=zws user=zws password='a b'",
		"dbname=zws",
		"postgresql://zws:secret@postgres:5432/zws",
		"postgres:///zws?host=/tmp",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char err[256] = "";
		cr_expect(conninfo_check(ok[i], err, sizeof(err)), "%s: %s", ok[i], err);
	}
}

Test(conninfo, refused_with_one_line)
{
	static const struct {
		const char *conninfo, *err_part;
	} bad[] = {
		{ "garbage", "--db (ZWS_DB): missing \"=\" after \"garbage\" in connection info string;" },
		{ "", "--db (ZWS_DB) is empty" },
		{ "host=/tmp dbname='zws", "unterminated quoted string" },
		{ "hots=/tmp", "invalid connection option \"hots\"" },
		{ "postgresql://zws@postgres/zws?sslmode=sometimes&bogus=1", "invalid URI query parameter" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";
		cr_expect(!conninfo_check(bad[i].conninfo, err, sizeof(err)), "%s accepted", bad[i].conninfo);
		cr_expect(strstr(err, bad[i].err_part), "%s: %s", bad[i].conninfo, err);
		cr_expect(strstr(err, "host=H dbname=D user=U"), "no example: %s", err);
		cr_expect(!strchr(err, '\n'), "more than one line: %s", err);
	}
}
