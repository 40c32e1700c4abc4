/* zws command line and environment parsing. */
#include <criterion/criterion.h>
#include <string.h>

#include "zws_config.h"

static const char *no_env(const char *name)
{
	return NULL;
}

static const char *some_env(const char *name)
{
	if (strcmp(name, "ZWS_DB") == 0)
		return "host=/env";
	if (strcmp(name, "ZWS_PORT") == 0)
		return "5000";
	if (strcmp(name, "ZWS_LOOKUP") == 0)
		return "http://127.0.0.1:4201";
	if (strcmp(name, "ZWS_EVENT_LOOP") == 0)
		return "poll";
	if (strcmp(name, "ZWS_MAX_NEGATIVE_CACHE") == 0)
		return "5000";
	if (strcmp(name, "ZWS_MAX_QUERY_BLOCKS") == 0)
		return "50";
	if (strcmp(name, "ZWS_MAX_QUERY_LOGS") == 0)
		return "70";
	return NULL;
}

struct config_case {
	const char *args[8];
	enum config_result want;
	const char *err_part;
};

static const struct config_case cases[] = {
	{ { "--db", "host=/x" }, CONFIG_OK, NULL },
	{ { "--db=host=/x", "--port=1" }, CONFIG_OK, NULL },
	{ { "--help" }, CONFIG_HELP, NULL },
	{ { "--port", "4401" }, CONFIG_ERROR, "no database" },
	{ { "--db", "dbname=x", "--port", "0" }, CONFIG_ERROR, "--port" },
	{ { "--db", "dbname=x", "--port", "65536" }, CONFIG_ERROR, "--port" },
	{ { "--db", "dbname=x", "--port", "12ab" }, CONFIG_ERROR, "--port" },
	{ { "--db", "dbname=x", "--bogus" }, CONFIG_ERROR, "unknown option --bogus" },
	{ { "--db", "dbname=x", "--port" }, CONFIG_ERROR, "needs a value" },
	{ { "--db", "dbname=x", "--tls-cert", "c.pem", "--tls-key", "k.pem" }, CONFIG_OK, NULL },
	{ { "--db", "dbname=x", "--tls-cert", "c.pem" }, CONFIG_ERROR, "--tls-cert without --tls-key" },
	{ { "--db", "dbname=x", "--tls-key", "k.pem" }, CONFIG_ERROR, "--tls-key without --tls-cert" },
	{ { "--db", "dbname=x", "--tls-cert=", "--tls-key", "k.pem" }, CONFIG_ERROR, "--tls-cert" },
	{ { "--db", "dbname=x", "stray" }, CONFIG_ERROR, "unexpected argument" },
	{ { "--db", "dbname=x", "--rate-limit", "5/m" }, CONFIG_ERROR, "--rate-limit" },
	{ { "--db", "dbname=x", "--log-level", "loud" }, CONFIG_ERROR, "--log-level" },
	{ { "--db", "dbname=x", "--max-addresses", "-1" }, CONFIG_ERROR, "--max-addresses" },
	{ { "--db", "dbname=x", "--workers", "0" }, CONFIG_ERROR, "--workers" },
	{ { "--db", "dbname=x", "--max-negative-cache", "99" }, CONFIG_ERROR, "--max-negative-cache" },
	{ { "--db", "dbname=x", "--max-negative-cache", "100" }, CONFIG_OK, NULL },
	{ { "--db", "dbname=x", "--event-loop", "poll" }, CONFIG_OK, NULL },
	{ { "--db", "dbname=x", "--event-loop=poll" }, CONFIG_OK, NULL },
	{ { "--db", "dbname=x", "--event-loop", "libuv" }, CONFIG_ERROR, "--event-loop" },
	{ { "--db", "dbname=x", "--event-loop", "epoll" }, CONFIG_ERROR, "--event-loop" },
	{ { "--db", "garbage" }, CONFIG_ERROR,
	  "--db (ZWS_DB): missing \"=\" after \"garbage\"" },
	{ { "--db", "postgresql://zws@db:5432/zws" }, CONFIG_OK, NULL },
	{ { "--version" }, CONFIG_VERSION, NULL },
	{ { "--db", "dbname=x", "--join" }, CONFIG_OK, NULL },
	{ { "--db", "dbname=x", "--join=1" }, CONFIG_ERROR, "--join takes no value" },
	{ { "--db", "dbname=x", "--drain-s", "0" }, CONFIG_ERROR, "--drain-s" },
	{ { "--db", "dbname=x", "--log-format", "xml" }, CONFIG_ERROR, "--log-format" },
	{ { "--db", "dbname=x", "--log-format", "json", "--log-file", "/tmp/z.log" }, CONFIG_OK, NULL },
	{ { "--db", "dbname=x", "--max-clients", "0" }, CONFIG_OK, NULL },
	{ { "--db", "dbname=x", "--max-clients", "-3" }, CONFIG_ERROR, "--max-clients" },
	{ { "--db", "dbname=x", "--max-clients-per-ip", "x" }, CONFIG_ERROR, "--max-clients-per-ip" },
	{ { "--db", "dbname=x", "--allow-origin", "https://a.example,http://b.example:8080" }, CONFIG_OK, NULL },
	{ { "--db", "dbname=x", "--allow-origin", "*" }, CONFIG_OK, NULL },
	{ { "--db", "dbname=x", "--allow-origin", "a.example" }, CONFIG_ERROR, "--allow-origin" },
	{ { "--db", "dbname=x", "--allow-origin", "https://a.example/" }, CONFIG_ERROR, "--allow-origin" },
	{ { "--db", "dbname=x", "--allow-origin", "https://a.example," }, CONFIG_ERROR, "--allow-origin" },
	{ { "--db", "dbname=x", "--allow-origin", "" }, CONFIG_ERROR, "--allow-origin" },
	{ { "--db", "dbname=x", "--healthy-block-age", "0" }, CONFIG_ERROR, "--healthy-block-age" },
	{ { "--db", "dbname=x", "--max-query-blocks", "0" }, CONFIG_ERROR, "--max-query-blocks" },
	{ { "--db", "dbname=x", "--max-query-logs", "many" }, CONFIG_ERROR, "--max-query-logs" },
	{ { "--db", "dbname=x", "--max-query-blocks", "100", "--max-query-logs", "5" }, CONFIG_OK, NULL },
};

Test(zws_config, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[10] = { "zws" };
		int argc = 1;
		for (int j = 0; cases[i].args[j]; j++)
			argv[argc++] = (char *)cases[i].args[j];
		struct zws_config cfg;
		char err[200] = "";
		enum config_result r = zws_config_parse(&cfg, argc, argv, no_env, err, sizeof(err));
		cr_expect_eq(r, cases[i].want, "case %zu: %d (%s)", i, r, err);
		if (cases[i].err_part)
			cr_expect(strstr(err, cases[i].err_part), "case %zu: '%s' lacks '%s'", i, err,
				  cases[i].err_part);
	}
}

Test(zws_config, defaults)
{
	char *argv[] = { "zws", "--db", "host=/x" };
	struct zws_config cfg;
	char err[200];
	cr_assert_eq(zws_config_parse(&cfg, 3, argv, no_env, err, sizeof(err)), CONFIG_OK);
	cr_expect_str_eq(cfg.host, "0.0.0.0");
	cr_expect_eq(cfg.port, 4401);
	cr_expect_null(cfg.lookup);
	cr_expect_eq(cfg.max_addresses, 1000);
	cr_expect_eq(cfg.max_total_addresses, 1000000);
	cr_expect_eq(cfg.max_negative_cache, 100000);
	cr_expect_eq(cfg.max_message, 16384);
	cr_expect_eq(cfg.rate_limit, 20);
	cr_expect_eq(cfg.workers, 1);
	cr_expect_eq(cfg.max_query_blocks, 1000);
	cr_expect_eq(cfg.max_query_logs, 10000);
	cr_expect_eq(cfg.event_loop, ZWS_LOOP_LIBEV);
	cr_expect_eq(cfg.log_level, LOG_LEVEL_INFO);
	cr_expect_eq(cfg.drain_s, 10);
	cr_expect_not(cfg.join);
	cr_expect_not(cfg.lws_debug);
	cr_expect_eq(cfg.log_format, LOG_FORMAT_TEXT);
	cr_expect_null(cfg.log_file);
	cr_expect_eq(cfg.max_clients, 0);
	cr_expect_eq(cfg.max_clients_per_ip, 256);
	cr_expect_null(cfg.allow_origin);
	cr_expect_eq(cfg.healthy_block_age_s, 120);
}

/* Every option's variable is ZWS_ and its name in upper case. */
static const char *every_env(const char *name)
{
	static const char *const vars[][2] = {
		{ "ZWS_DB", "host=/env" }, { "ZWS_HOST", "127.0.0.2" }, { "ZWS_MAX_ADDRESSES", "7" },
		{ "ZWS_MAX_TOTAL_ADDRESSES", "70" }, { "ZWS_MAX_MESSAGE", "1024" }, { "ZWS_RATE_LIMIT", "3/s" },
		{ "ZWS_MAX_QUEUE", "5" }, { "ZWS_LOOKUP_TIMEOUT_MS", "900" }, { "ZWS_PING_AFTER", "11" },
		{ "ZWS_DROP_AFTER", "22" }, { "ZWS_WORKERS", "3" }, { "ZWS_DRAIN_S", "4" }, { "ZWS_JOIN", "1" },
		{ "ZWS_LWS_DEBUG", "yes" }, { "ZWS_LOG_LEVEL", "debug" }, { "ZWS_LOG_FORMAT", "json" },
		{ "ZWS_LOG_FILE", "/tmp/zws.log" },
		{ "ZWS_MAX_CLIENTS", "5000" }, { "ZWS_MAX_CLIENTS_PER_IP", "0" },
		{ "ZWS_ALLOW_ORIGIN", "https://app.example" }, { "ZWS_HEALTHY_BLOCK_AGE", "300" },
	};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strcmp(name, vars[i][0]) == 0)
			return vars[i][1];
	return NULL;
}

Test(zws_config, every_option_from_the_environment)
{
	char *argv[] = { "zws" };
	struct zws_config cfg;
	char err[200];
	cr_assert_eq(zws_config_parse(&cfg, 1, argv, every_env, err, sizeof(err)), CONFIG_OK, "%s", err);
	cr_expect_str_eq(cfg.host, "127.0.0.2");
	cr_expect_eq(cfg.max_addresses, 7);
	cr_expect_eq(cfg.max_total_addresses, 70);
	cr_expect_eq(cfg.max_message, 1024);
	cr_expect_eq(cfg.rate_limit, 3);
	cr_expect_eq(cfg.queue_max, 5);
	cr_expect_eq(cfg.lookup_timeout_ms, 900);
	cr_expect_eq(cfg.ping_after_s, 11);
	cr_expect_eq(cfg.drop_after_s, 22);
	cr_expect_eq(cfg.workers, 3);
	cr_expect_eq(cfg.drain_s, 4);
	cr_expect(cfg.join);
	cr_expect(cfg.lws_debug);
	cr_expect_eq(cfg.log_level, LOG_LEVEL_DEBUG);
	cr_expect_eq(cfg.log_format, LOG_FORMAT_JSON);
	cr_expect_str_eq(cfg.log_file, "/tmp/zws.log");
	cr_expect_eq(cfg.max_clients, 5000);
	cr_expect_eq(cfg.max_clients_per_ip, 0);
	cr_expect_str_eq(cfg.allow_origin, "https://app.example");
	cr_expect_eq(cfg.healthy_block_age_s, 300);
}

Test(zws_config, event_loop_names)
{
	static const struct { const char *name; enum zws_event_loop loop; } loops[] = {
		{ "poll", ZWS_LOOP_POLL }, { "libev", ZWS_LOOP_LIBEV },
	};
	for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		char *argv[] = { "zws", "--db", "dbname=x", "--event-loop", (char *)loops[i].name };
		struct zws_config cfg;
		char err[200];
		cr_assert_eq(zws_config_parse(&cfg, 5, argv, no_env, err, sizeof(err)), CONFIG_OK, "%s", err);
		cr_expect_eq(cfg.event_loop, loops[i].loop);
		cr_expect_str_eq(zws_config_event_loop_name(cfg.event_loop), loops[i].name);
	}
}

Test(zws_config, environment_then_flags)
{
	char *argv[] = { "zws", "--port", "6000", "--rate-limit", "50/s", "--max-message", "4096" };
	struct zws_config cfg;
	char err[200];
	cr_assert_eq(zws_config_parse(&cfg, 7, argv, some_env, err, sizeof(err)), CONFIG_OK, "%s", err);
	cr_expect_str_eq(cfg.db, "host=/env");
	cr_expect_str_eq(cfg.lookup, "http://127.0.0.1:4201");
	cr_expect_eq(cfg.port, 6000, "a flag beats the environment");
	cr_expect_eq(cfg.rate_limit, 50);
	cr_expect_eq(cfg.max_message, 4096);
	cr_expect_eq(cfg.event_loop, ZWS_LOOP_POLL);
	cr_expect_eq(cfg.max_negative_cache, 5000);
	cr_expect_eq(cfg.max_query_blocks, 50);
	cr_expect_eq(cfg.max_query_logs, 70);
	char *argv2[] = { "zws" };
	cr_assert_eq(zws_config_parse(&cfg, 1, argv2, some_env, err, sizeof(err)), CONFIG_OK);
	cr_expect_eq(cfg.port, 5000);
}

Test(zws_config, usage_names_every_flag)
{
	static const char *flags[] = { "--db", "--host", "--port", "--lookup", "--max-addresses", "--max-total-addresses",
				       "--max-negative-cache", "ZWS_MAX_NEGATIVE_CACHE",
				       "--max-message", "--rate-limit", "--max-queue", "--workers",
				       "--lookup-timeout-ms", "--ping-after", "--drop-after", "--log-level", "--event-loop", "ZWS_DB", "ZWS_PORT",
				       "ZWS_LOOKUP", "ZWS_EVENT_LOOP", "--drain-s", "ZWS_DRAIN_S", "--join", "ZWS_JOIN",
				       "--log-format", "--log-file", "--lws-debug", "--version",
				       "--tls-cert", "--tls-key", "ZWS_TLS_CERT", "ZWS_TLS_KEY",
				       "--max-clients", "ZWS_MAX_CLIENTS",
				       "--max-clients-per-ip", "ZWS_MAX_CLIENTS_PER_IP", "--allow-origin",
				       "ZWS_ALLOW_ORIGIN", "--healthy-block-age", "ZWS_HEALTHY_BLOCK_AGE",
				       "--max-query-blocks", "--max-query-logs", "ZWS_MAX_QUERY_BLOCKS", "ZWS_MAX_QUERY_LOGS" };
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		cr_expect(strstr(zws_config_usage(), flags[i]), "%s missing from --help", flags[i]);
}

Test(zws_config, keepalive_must_ping_before_it_drops)
{
	struct zws_config cfg;
	char err[200];
	char *argv[] = { "zws", "--db", "dbname=x" };
	cr_assert_eq(zws_config_parse(&cfg, 3, argv, NULL, err, sizeof(err)), CONFIG_OK, "%s", err);
	cr_expect_eq(cfg.ping_after_s, 30);
	cr_expect_eq(cfg.drop_after_s, 70);
	char *argv2[] = { "zws", "--db", "dbname=x", "--ping-after", "5", "--drop-after", "8" };
	cr_assert_eq(zws_config_parse(&cfg, 7, argv2, NULL, err, sizeof(err)), CONFIG_OK, "%s", err);
	cr_expect_eq(cfg.ping_after_s, 5);
	cr_expect_eq(cfg.drop_after_s, 8);
	char *argv3[] = { "zws", "--db", "dbname=x", "--ping-after", "70" };
	cr_assert_eq(zws_config_parse(&cfg, 5, argv3, NULL, err, sizeof(err)), CONFIG_ERROR);
	cr_expect_str_eq(err, "--drop-after (70 s) must be longer than --ping-after (70 s)");
	char *argv4[] = { "zws", "--db", "dbname=x", "--ping-after", "0" };
	cr_assert_eq(zws_config_parse(&cfg, 5, argv4, NULL, err, sizeof(err)), CONFIG_ERROR);
	cr_expect_str_eq(err, "invalid value for --ping-after: '0'");
}

static const char *tls_env(const char *name)
{
	if (strcmp(name, "ZWS_TLS_CERT") == 0)
		return "/etc/zws/cert.pem";
	if (strcmp(name, "ZWS_TLS_KEY") == 0)
		return "/etc/zws/key.pem";
	return NULL;
}

Test(zws_config, tls_files_from_the_environment)
{
	struct zws_config cfg;
	char err[200];
	char *argv[] = { "zws", "--db", "dbname=x" };
	cr_assert_eq(zws_config_parse(&cfg, 3, argv, NULL, err, sizeof(err)), CONFIG_OK, "%s", err);
	cr_expect_null(cfg.tls_cert, "plain ws:// by default");
	cr_assert_eq(zws_config_parse(&cfg, 3, argv, tls_env, err, sizeof(err)), CONFIG_OK, "%s", err);
	cr_expect_str_eq(cfg.tls_cert, "/etc/zws/cert.pem");
	cr_expect_str_eq(cfg.tls_key, "/etc/zws/key.pem");
}
