/* Command line and environment parsing for zws (see config.h). Every flag
 * takes a value ("--port 4401" or "--port=4401"); numbers are checked for
 * range so a typo is one clear line instead of a surprise at run time. */
#include "zws_config.h"

#include "conninfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: zws --db CONNINFO [options]\n"
	"WebSocket server pushing one Zilliqa-style notification per TxBlock.\n"
	"\n"
	"  --db CONNINFO          PostgreSQL written by zws-ingest (env ZWS_DB)\n"
	"  --host ADDR            address to listen on (default 0.0.0.0)\n"
	"  --port N               WebSocket port (env ZWS_PORT, default 4401)\n"
	"  --lookup URL           lookup node JSON-RPC URL for contract checks\n"
	"                         (env ZWS_LOOKUP; without it only contracts\n"
	"                         known to the database are accepted)\n"
	"  --max-addresses N      addresses per connection (default 1000);\n"
	"                         one connection may have 4 times N EventLog\n"
	"                         addresses checked per minute\n"
	"  --max-total-addresses N addresses held across all connections of\n"
	"                         one process (default 1000000)\n"
	"  --max-message BYTES    largest query accepted; larger closes with\n"
	"                         1009 (default 16384)\n"
	"  --rate-limit N/s       queries per second per connection, 0 = off\n"
	"                         (default 20/s; over it a client is told once\n"
	"                         and further queries are ignored)\n"
	"  --max-queue N          notifications a client may fall behind while\n"
	"                         reading none for a second before it is dropped\n"
	"                         with close code 1008 (default 8, at most 64;\n"
	"                         bursts up to 16 times N reach clients that read)\n"
	"  --lookup-timeout-ms MS longest wait for a contract check (default 3000)\n"
	"  --ping-after S         ping a client silent for S seconds (default 30)\n"
	"  --drop-after S         close a client silent for S seconds, more than\n"
	"                         --ping-after (default 70)\n"
	"  --max-query-blocks N   blocks one GetEventLogs call may span\n"
	"                         (env ZWS_MAX_QUERY_BLOCKS, default 1000)\n"
	"  --max-query-logs N     event logs one GetEventLogs call may return;\n"
	"                         more is an error (env ZWS_MAX_QUERY_LOGS,\n"
	"                         default 10000)\n"
	"  --workers N            processes sharing the port (default 1)\n"
	"  --event-loop LOOP      poll or libev (env ZWS_EVENT_LOOP,\n"
	"                         default libev)\n"
	"  --log-level LEVEL      error, warn, info or debug (default info)\n"
	"  --help                 this text\n";

const char *zws_config_usage(void)
{
	return usage;
}

static bool parse_uint(const char *s, unsigned long long min, unsigned long long max,
		       unsigned long long *out)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* "N/s" or "N". */
static bool parse_rate(const char *s, unsigned long long *out)
{
	char tmp[32];
	size_t n = strlen(s);
	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n + 1);
	if (n > 2 && strcmp(tmp + n - 2, "/s") == 0)
		tmp[n - 2] = '\0';
	return parse_uint(tmp, 0, 1000000, out);
}

static bool known_option(const char *name)
{
	static const char *const names[] = {
		"db", "host", "port", "lookup", "max-addresses", "max-total-addresses", "max-message", "rate-limit",
		"max-queue", "lookup-timeout-ms", "ping-after", "drop-after", "workers", "event-loop",
		"log-level", "max-query-blocks", "max-query-logs",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void set_defaults(struct zws_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->host = "0.0.0.0";
	cfg->port = 4401;
	cfg->max_addresses = 1000;
	cfg->max_total_addresses = 1000000;
	cfg->max_message = 16384;
	cfg->rate_limit = 20;
	cfg->queue_max = 8;
	cfg->workers = 1;
	cfg->max_query_blocks = 1000;
	cfg->max_query_logs = 10000;
	cfg->lookup_timeout_ms = 3000;
	cfg->ping_after_s = 30;
	cfg->drop_after_s = 70;
	cfg->event_loop = ZWS_LOOP_LIBEV; /* see io/evloop.c */
	cfg->log_level = LOG_LEVEL_INFO;
}

static const char *const loop_names[] = { "poll", "libev" };

const char *zws_config_event_loop_name(enum zws_event_loop loop)
{
	return loop_names[loop];
}

static bool parse_event_loop(const char *s, enum zws_event_loop *out)
{
	for (size_t i = 0; i < sizeof(loop_names) / sizeof(loop_names[0]); i++) {
		if (strcmp(s, loop_names[i]) == 0) {
			*out = (enum zws_event_loop)i;
			return true;
		}
	}
	return false;
}

/* Applies one "--name value"; false with err filled on a bad value. */
static bool apply(struct zws_config *cfg, const char *name, const char *value, char *err,
		  size_t errlen)
{
	unsigned long long v;
	bool ok = true;
	if (strcmp(name, "db") == 0)
		cfg->db = value;
	else if (strcmp(name, "host") == 0)
		cfg->host = value;
	else if (strcmp(name, "lookup") == 0)
		cfg->lookup = value;
	else if (strcmp(name, "port") == 0)
		ok = parse_uint(value, 1, 65535, &v) && ((cfg->port = (int)v), true);
	else if (strcmp(name, "max-addresses") == 0)
		ok = parse_uint(value, 1, 1000000, &v) && ((cfg->max_addresses = (unsigned)v), true);
	else if (strcmp(name, "max-total-addresses") == 0)
		ok = parse_uint(value, 1, 100000000, &v) && ((cfg->max_total_addresses = (unsigned)v), true);
	else if (strcmp(name, "max-message") == 0)
		ok = parse_uint(value, 64, 16 * 1024 * 1024, &v) && ((cfg->max_message = (size_t)v), true);
	else if (strcmp(name, "rate-limit") == 0)
		ok = parse_rate(value, &v) && ((cfg->rate_limit = (unsigned)v), true);
	else if (strcmp(name, "max-queue") == 0)
		ok = parse_uint(value, 1, 64, &v) && ((cfg->queue_max = (unsigned)v), true);
	else if (strcmp(name, "lookup-timeout-ms") == 0)
		ok = parse_uint(value, 1, 600000, &v) && ((cfg->lookup_timeout_ms = (unsigned)v), true);
	else if (strcmp(name, "ping-after") == 0)
		ok = parse_uint(value, 1, 86400, &v) && ((cfg->ping_after_s = (unsigned)v), true);
	else if (strcmp(name, "drop-after") == 0)
		ok = parse_uint(value, 2, 86400, &v) && ((cfg->drop_after_s = (unsigned)v), true);
	else if (strcmp(name, "workers") == 0)
		ok = parse_uint(value, 1, 64, &v) && ((cfg->workers = (unsigned)v), true);
	else if (strcmp(name, "max-query-blocks") == 0)
		ok = parse_uint(value, 1, 1000000, &v) && ((cfg->max_query_blocks = (unsigned)v), true);
	else if (strcmp(name, "max-query-logs") == 0)
		ok = parse_uint(value, 1, 1000000, &v) && ((cfg->max_query_logs = (unsigned)v), true);
	else if (strcmp(name, "event-loop") == 0)
		ok = parse_event_loop(value, &cfg->event_loop);
	else if (strcmp(name, "log-level") == 0)
		ok = log_parse_level(value, &cfg->log_level);
	else {
		snprintf(err, errlen, "unknown option --%s (see --help)", name);
		return false;
	}
	if (!ok)
		snprintf(err, errlen, "invalid value for --%s: '%s'", name, value);
	return ok;
}

static bool apply_env(struct zws_config *cfg, const char *(*env)(const char *), char *err,
		      size_t errlen)
{
	static const struct { const char *var, *flag; } vars[] = {
		{ "ZWS_DB", "db" }, { "ZWS_PORT", "port" }, { "ZWS_LOOKUP", "lookup" },
		{ "ZWS_EVENT_LOOP", "event-loop" }, { "ZWS_MAX_QUERY_BLOCKS", "max-query-blocks" },
		{ "ZWS_MAX_QUERY_LOGS", "max-query-logs" },
	};
	for (size_t i = 0; env && i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = env(vars[i].var);
		if (v && *v && !apply(cfg, vars[i].flag, v, err, errlen)) {
			snprintf(err, errlen, "invalid value for %s: '%s'", vars[i].var, v);
			return false;
		}
	}
	return true;
}

enum config_result zws_config_parse(struct zws_config *cfg, int argc, char *const argv[],
				const char *(*env)(const char *name), char *err, size_t errlen)
{
	set_defaults(cfg);
	if (!apply_env(cfg, env, err, errlen))
		return CONFIG_ERROR;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return CONFIG_HELP;
		if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
			snprintf(err, errlen, "unexpected argument '%s' (see --help)", arg);
			return CONFIG_ERROR;
		}
		char name[32];
		const char *eq = strchr(arg, '=');
		size_t nlen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if (nlen >= sizeof(name)) {
			snprintf(err, errlen, "unknown option %.40s (see --help)", arg);
			return CONFIG_ERROR;
		}
		memcpy(name, arg + 2, nlen);
		name[nlen] = '\0';
		if (!known_option(name)) {
			snprintf(err, errlen, "unknown option --%s (see --help)", name);
			return CONFIG_ERROR;
		}
		const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!value) {
			snprintf(err, errlen, "option --%s needs a value", name);
			return CONFIG_ERROR;
		}
		if (!apply(cfg, name, value, err, errlen))
			return CONFIG_ERROR;
	}
	if (!cfg->db) {
		snprintf(err, errlen, "no database: give --db CONNINFO or set ZWS_DB");
		return CONFIG_ERROR;
	}
	if (!conninfo_check(cfg->db, err, errlen))
		return CONFIG_ERROR;
	if (cfg->drop_after_s <= cfg->ping_after_s) {
		snprintf(err, errlen, "--drop-after (%u s) must be longer than --ping-after (%u s)",
			 cfg->drop_after_s, cfg->ping_after_s);
		return CONFIG_ERROR;
	}
	return CONFIG_OK;
}
