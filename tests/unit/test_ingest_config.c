/* zws-ingest command line: defaults, env fallbacks, every flag, errors. */
#include <criterion/criterion.h>
#include <string.h>

#include "ingest_config.h"

/* The environment the parser sees: ZWS_DB, ZWS_LOOKUP and, for the env
 * tests, one more variable. */
static const char *env_db, *env_lookup, *env_name, *env_value;

static const char *fake_env(const char *name)
{
	if (strcmp(name, "ZWS_DB") == 0)
		return env_db;
	if (strcmp(name, "ZWS_LOOKUP") == 0)
		return env_lookup;
	return env_name && strcmp(name, env_name) == 0 ? env_value : NULL;
}

static enum config_result parse(struct ingest_config *cfg, char *err, const char *db,
				const char *lookup, int argc, const char **argv)
{
	env_db = db;
	env_lookup = lookup;
	return ingest_config_parse(argc, (char **)argv, fake_env, cfg, err, 256);
}

Test(ingest_config, defaults_and_env)
{
	struct ingest_config cfg;
	char err[256];
	const char *argv[] = { "zws-ingest" };
	cr_assert_eq(parse(&cfg, err, "host=/tmp", "http://127.0.0.1:4201", 1, argv), CONFIG_OK);
	cr_assert_str_eq(cfg.db, "host=/tmp");
	cr_assert_str_eq(cfg.lookup, "http://127.0.0.1:4201");
	cr_assert_eq(cfg.poll_ms, 1000);
	cr_assert_eq(cfg.live_distance, 10);
	cr_assert_not(cfg.has_from_block);
	cr_assert_eq(cfg.log_level, LOG_LEVEL_INFO);
}

Test(ingest_config, flags_override_env)
{
	struct ingest_config cfg;
	char err[256];
	const char *argv[] = { "zws-ingest", "--db", "dbname=x", "--lookup=https://api.zilliqa.com/",
			       "--from-block", "692365", "--poll-ms", "250", "--live-distance=3",
			       "--batch-blocks", "4", "--inflight", "2", "--timeout-ms", "500",
			       "--backoff-max-ms", "2000", "--window", "64", "--log-level", "debug",
			       "--log-format", "json", "--log-file=/tmp/ingest.log" };
	cr_assert_eq(parse(&cfg, err, "host=/tmp", "http://x", (int)(sizeof(argv) / sizeof(argv[0])), argv), CONFIG_OK, "%s", err);
	cr_assert_str_eq(cfg.db, "dbname=x");
	cr_assert_str_eq(cfg.lookup, "https://api.zilliqa.com/");
	cr_assert(cfg.has_from_block);
	cr_assert_eq(cfg.from_block, 692365);
	cr_assert_eq(cfg.poll_ms, 250);
	cr_assert_eq(cfg.live_distance, 3);
	cr_assert_eq(cfg.batch_blocks, 4);
	cr_assert_eq(cfg.inflight, 2);
	cr_assert_eq(cfg.timeout_ms, 500);
	cr_assert_eq(cfg.backoff_max_ms, 2000);
	cr_assert_eq(cfg.window, 64);
	cr_assert_eq(cfg.log_level, LOG_LEVEL_DEBUG);
	cr_assert_eq(cfg.log_format, LOG_FORMAT_JSON);
	cr_assert_str_eq(cfg.log_file, "/tmp/ingest.log");
}

Test(ingest_config, errors)
{
	static const struct {
		int argc;
		const char *argv[4];
		const char *env_db, *env_lookup;
		const char *err_part;
	} cases[] = {
		{ 1, { "zws-ingest" }, NULL, "http://x", "--db" },
		{ 1, { "zws-ingest" }, "dbname=db", NULL, "--lookup" },
		{ 3, { "zws-ingest", "--lookup", "ftp://x" }, "dbname=db", NULL, "not an http" },
		{ 2, { "zws-ingest", "--bogus" }, "dbname=db", "http://x", "unknown option --bogus" },
		{ 2, { "zws-ingest", "--poll-ms" }, "dbname=db", "http://x", "--poll-ms needs" },
		{ 3, { "zws-ingest", "--poll-ms", "abc" }, "dbname=db", "http://x", "'abc' is not" },
		{ 3, { "zws-ingest", "--from-block", "-1" }, "dbname=db", "http://x", "--from-block" },
		{ 3, { "zws-ingest", "--inflight", "0" }, "dbname=db", "http://x", "--inflight" },
		{ 3, { "zws-ingest", "--log-level", "loud" }, "dbname=db", "http://x", "--log-level" },
		{ 3, { "zws-ingest", "--log-format", "xml" }, "dbname=db", "http://x", "--log-format" },
		{ 3, { "zws-ingest", "--db", "garbage" }, NULL, "http://x",
		  "--db (ZWS_DB): missing \"=\" after \"garbage\"" },
		{ 1, { "zws-ingest" }, "garbage", "http://x", "--db (ZWS_DB): missing \"=\" after \"garbage\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ingest_config cfg;
		char err[256] = "";
		cr_assert_eq(parse(&cfg, err, cases[i].env_db, cases[i].env_lookup, cases[i].argc, (const char **)
				   cases[i].argv), CONFIG_ERROR, "case %zu", i);
		cr_assert(strstr(err, cases[i].err_part), "case %zu: %s", i, err);
		cr_assert(strchr(err, '\n') == NULL, "one line");
	}
}

Test(ingest_config, help)
{
	struct ingest_config cfg;
	char err[256];
	const char *argv[] = { "zws-ingest", "--help" };
	cr_assert_eq(parse(&cfg, err, NULL, NULL, 2, argv), CONFIG_HELP);
	const char *flags[] = { "--db", "--lookup", "--from-block", "--poll-ms", "--live-distance",
				"--batch-blocks", "--inflight", "--log-level", "ZWS_DB", "ZWS_LOOKUP",
				"--http", "--healthy-lag-blocks", "--healthy-lag-s", "ZWS_INGEST_HTTP",
				"ZWS_INGEST_POLL_MS", "--log-format", "--log-file", "SIGHUP", "SIGTERM", "advisory lock" };
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		cr_assert(strstr(ingest_config_usage(), flags[i]), "%s documented", flags[i]);
}

Test(ingest_config, ops_defaults)
{
	struct ingest_config cfg;
	char err[256];
	const char *argv[] = { "zws-ingest" };
	env_name = NULL;
	cr_assert_eq(parse(&cfg, err, "dbname=x", "http://x", 1, argv), CONFIG_OK, "%s", err);
	cr_assert_null(cfg.http, "no HTTP listener unless asked");
	cr_assert_eq(cfg.healthy_lag_blocks, 5);
	cr_assert_eq(cfg.healthy_lag_s, 60);
}

Test(ingest_config, http_addresses)
{
	static const struct {
		const char *value;
		const char *addr;
		int port;
	} cases[] = {
		{ "127.0.0.1:4402", "127.0.0.1", 4402 },
		{ "0.0.0.0:1", "0.0.0.0", 1 },
		{ "localhost:65535", "localhost", 65535 },
		{ "[::1]:9000", "::1", 9000 },
		{ ":4402", NULL, 0 },
		{ "127.0.0.1", NULL, 0 },
		{ "127.0.0.1:0", NULL, 0 },
		{ "127.0.0.1:65536", NULL, 0 },
		{ "::1:9000", NULL, 0 },
	};
	env_name = NULL;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ingest_config cfg;
		char err[256] = "";
		const char *argv[] = { "zws-ingest", "--http", cases[i].value };
		enum config_result r = parse(&cfg, err, "dbname=x", "http://x", 3, argv);
		if (!cases[i].addr) {
			cr_assert_eq(r, CONFIG_ERROR, "%s refused", cases[i].value);
			cr_assert(strstr(err, "--http: '"), "%s", err);
			continue;
		}
		cr_assert_eq(r, CONFIG_OK, "%s: %s", cases[i].value, err);
		cr_assert_str_eq(cfg.http_addr, cases[i].addr);
		cr_assert_eq(cfg.http_port, cases[i].port);
		cr_assert_str_eq(cfg.http, cases[i].value);
	}
}

Test(ingest_config, env_for_every_option_and_flags_win)
{
	struct ingest_config cfg;
	char err[256] = "";
	const char *argv[] = { "zws-ingest" };
	env_name = "ZWS_INGEST_HTTP";
	env_value = "127.0.0.1:4402";
	cr_assert_eq(parse(&cfg, err, "dbname=x", "http://x", 1, argv), CONFIG_OK, "%s", err);
	cr_assert_str_eq(cfg.http_addr, "127.0.0.1");
	env_name = "ZWS_INGEST_HEALTHY_LAG_BLOCKS";
	env_value = "20";
	cr_assert_eq(parse(&cfg, err, "dbname=x", "http://x", 1, argv), CONFIG_OK, "%s", err);
	cr_assert_eq(cfg.healthy_lag_blocks, 20);
	env_name = "ZWS_INGEST_POLL_MS";
	env_value = "250";
	cr_assert_eq(parse(&cfg, err, "dbname=x", "http://x", 1, argv), CONFIG_OK, "%s", err);
	cr_assert_eq(cfg.poll_ms, 250);
	const char *flag[] = { "zws-ingest", "--poll-ms", "500" };
	cr_assert_eq(parse(&cfg, err, "dbname=x", "http://x", 3, flag), CONFIG_OK, "%s", err);
	cr_assert_eq(cfg.poll_ms, 500, "the flag wins over its variable");
	env_name = "ZWS_INGEST_HEALTHY_LAG_S";
	env_value = "soon";
	cr_assert_eq(parse(&cfg, err, "dbname=x", "http://x", 1, argv), CONFIG_ERROR);
	cr_assert(strstr(err, "ZWS_INGEST_HEALTHY_LAG_S: 'soon' is not"), "%s", err);
	env_name = NULL;
}

Test(ingest_config, block_cap_and_rewind)
{
	struct ingest_config cfg;
	char err[256] = "";
	const char *plain[] = { "zws-ingest" };
	cr_assert_eq(parse(&cfg, err, "dbname=zws", "http://x", 1, plain), CONFIG_OK, "%s", err);
	cr_assert_eq(cfg.max_block_bytes, 32u << 20, "32 MiB unless told");
	cr_assert_eq(cfg.rewind, 0);
	const char *argv[] = { "zws-ingest", "--max-block-bytes", "1048576", "--rewind=3" };
	cr_assert_eq(parse(&cfg, err, "dbname=zws", "http://x", 4, argv), CONFIG_OK, "%s", err);
	cr_assert_eq(cfg.max_block_bytes, 1048576);
	cr_assert_eq(cfg.rewind, 3);
	static const char *const bad[][2] = {
		{ "--max-block-bytes", "1000" }, { "--max-block-bytes", "2000000000" },
		{ "--rewind", "0" }, { "--rewind", "-2" }, { "--from-block", "9223372036854775808" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[] = { "zws-ingest", bad[i][0], bad[i][1] };
		cr_assert_eq(parse(&cfg, err, "dbname=zws", "http://x", 3, args), CONFIG_ERROR, "%s %s", bad[i][0], bad[i][1]);
		cr_assert(strstr(err, bad[i][0]), "%s", err);
	}
	cr_assert(strstr(ingest_config_usage(), "--max-block-bytes"));
	cr_assert(strstr(ingest_config_usage(), "--rewind"));
}

Test(ingest_config, migrate_only_needs_no_lookup)
{
	struct ingest_config cfg;
	char err[256] = "";
	const char *argv[] = { "zws-ingest", "--migrate-only", "--db", "dbname=zws" };
	cr_assert_eq(parse(&cfg, err, NULL, NULL, 4, argv), CONFIG_OK, "%s", err);
	cr_expect(cfg.migrate_only);
	const char *no_db[] = { "zws-ingest", "--migrate-only" };
	cr_assert_eq(parse(&cfg, err, NULL, NULL, 2, no_db), CONFIG_ERROR);
	cr_expect(strstr(err, "--db"), "%s", err);
	const char *plain[] = { "zws-ingest", "--db", "dbname=zws", "--lookup", "http://x" };
	cr_assert_eq(parse(&cfg, err, NULL, NULL, 5, plain), CONFIG_OK, "%s", err);
	cr_expect_not(cfg.migrate_only);
}
