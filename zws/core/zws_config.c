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
	"Every option can also come from the environment variable named after\n"
	"it (ZWS_ and the name in upper case, '-' as '_'); a flag wins over its\n"
	"variable. Flags without a value take 1 or 0 there.\n"
	"Plain HTTP GET on the same port: /healthz, /metrics (Prometheus),\n"
	"/status.json and a live status page at /.\n"
	"\n"
	"  --db CONNINFO          PostgreSQL written by zws-ingest (env ZWS_DB)\n"
	"  --host ADDR            address to listen on (env ZWS_HOST,\n"
	"                         default 0.0.0.0)\n"
	"  --port N               WebSocket port (env ZWS_PORT, default 4401)\n"
	"  --lookup URL           lookup node JSON-RPC URL for contract checks\n"
	"                         (env ZWS_LOOKUP; without it only contracts\n"
	"                         known to the database are accepted)\n"
	"  --max-addresses N      addresses per connection (env\n"
	"                         ZWS_MAX_ADDRESSES, default 1000); one\n"
	"                         connection may have 4 times N EventLog\n"
	"                         addresses checked per minute\n"
	"  --max-total-addresses N addresses held across all connections of\n"
	"                         one process (env ZWS_MAX_TOTAL_ADDRESSES,\n"
	"                         default 1000000)\n"
	"  --max-negative-cache N \"not a contract\" answers of the lookup kept in\n"
	"                         the contracts table, oldest dropped first\n"
	"                         (env ZWS_MAX_NEGATIVE_CACHE, default 100000)\n"
	"  --max-message BYTES    largest query accepted; larger closes with\n"
	"                         1009 (env ZWS_MAX_MESSAGE, default 16384)\n"
	"  --rate-limit N/s       queries per second per connection (and HTTP POST / per address), 0 = off\n"
	"                         (env ZWS_RATE_LIMIT, default 20/s; over it a\n"
	"                         client is told once and further queries are\n"
	"                         ignored)\n"
	"  --max-queue N          notifications a client may fall behind while\n"
	"                         reading none for a second before it is dropped\n"
	"                         with close code 1008 (env ZWS_MAX_QUEUE,\n"
	"                         default 8, at most 64; bursts up to 16 times N\n"
	"                         reach clients that read)\n"
	"  --lookup-timeout-ms MS longest wait for a contract check (env\n"
	"                         ZWS_LOOKUP_TIMEOUT_MS, default 3000)\n"
	"  --max-resume N         blocks a client may Resume behind the head, and\n"
	"                         the longest gap after the last block pushed that\n"
	"                         is still pushed in order; a longer one is skipped\n"
	"                         to the next live block (env ZWS_MAX_RESUME,\n"
	"                         default 10000)\n"
	"  --ping-after S         ping a client silent for S seconds (env\n"
	"                         ZWS_PING_AFTER, default 30)\n"
	"  --drop-after S         close a client silent for S seconds, more than\n"
	"                         --ping-after (env ZWS_DROP_AFTER, default 70)\n"
	"  --max-query-blocks N   blocks one GetEventLogs call may span\n"
	"                         (env ZWS_MAX_QUERY_BLOCKS, default 1000)\n"
	"  --max-query-logs N     event logs one GetEventLogs call may return;\n"
	"                         more is an error (env ZWS_MAX_QUERY_LOGS,\n"
	"                         default 10000)\n"
	"  --workers N            processes sharing the port (env ZWS_WORKERS,\n"
	"                         default 1)\n"
	"  --drain-s S            on SIGTERM or SIGINT: stop accepting, close\n"
	"                         every client with 1001 and wait up to S seconds\n"
	"                         for them to go (env ZWS_DRAIN_S, default 10);\n"
	"                         a second signal ends at once\n"
	"  --join                 share a port another zws already serves, which\n"
	"                         must read the same database (env ZWS_JOIN);\n"
	"                         without it zws refuses a port in use (exit 2)\n"
	"  --max-clients N        WebSocket clients per process; more are refused\n"
	"                         with HTTP 503 before the upgrade, 0 = no limit\n"
	"                         but the open-file limit (env ZWS_MAX_CLIENTS,\n"
	"                         default 0)\n"
	"  --max-clients-per-ip N clients per process from one address; more get\n"
	"                         503, 0 = off (env ZWS_MAX_CLIENTS_PER_IP,\n"
	"                         default 256)\n"
	"  --allow-origin LIST    comma-separated Origins a browser may connect\n"
	"                         from, e.g. https://app.example; others get 403;\n"
	"                         requests without Origin are not browsers and\n"
	"                         pass (env ZWS_ALLOW_ORIGIN, default any)\n"
	"  --healthy-block-age S  /healthz answers 503 when no block was pushed\n"
	"                         for S seconds (env ZWS_HEALTHY_BLOCK_AGE,\n"
	"                         default 120)\n"
	"  --event-loop LOOP      poll or libev (env ZWS_EVENT_LOOP,\n"
	"                         default libev)\n"
	"  --tls-cert FILE        serve wss:// with this PEM certificate, followed\n"
	"                         by its intermediates (env ZWS_TLS_CERT)\n"
	"  --tls-key FILE         the certificate's PEM private key (env\n"
	"                         ZWS_TLS_KEY); both or neither. SIGHUP reloads them\n"
	"  --log-level LEVEL      error, warn, info or debug (env ZWS_LOG_LEVEL,\n"
	"                         default info)\n"
	"  --log-format FORMAT    text, or json: one JSON object per line (env\n"
	"                         ZWS_LOG_FORMAT, default text)\n"
	"  --log-file FILE        log to FILE instead of stderr, reopened on\n"
	"                         SIGHUP (env ZWS_LOG_FILE)\n"
	"  --lws-debug            libwebsockets' own notices and debug lines in\n"
	"                         the log (env ZWS_LWS_DEBUG)\n"
	"  --version              zws's and libwebsockets' versions\n"
	"  --help                 this text\n"
	"\n"
	"SIGTERM/SIGINT drain and exit 0; SIGHUP reopens --log-file, reloads\n"
	"--tls-cert and --tls-key, and never stops zws.\n";

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

/* Every option; a flag takes no value ("--join"). */
static const struct option_def {
	const char *name;
	bool flag;
} options[] = {
	{ "db", false }, { "host", false }, { "port", false }, { "lookup", false },
	{ "max-addresses", false }, { "max-total-addresses", false }, { "max-negative-cache", false },
	{ "max-message", false },
	{ "rate-limit", false }, { "max-queue", false }, { "lookup-timeout-ms", false },
	{ "ping-after", false }, { "drop-after", false }, { "workers", false }, { "drain-s", false },
	{ "join", true }, { "event-loop", false }, { "log-level", false }, { "log-format", false },
	{ "log-file", false }, { "lws-debug", true }, { "tls-cert", false }, { "tls-key", false },
	{ "max-clients", false }, { "max-clients-per-ip", false }, { "allow-origin", false },
	{ "healthy-block-age", false }, { "max-resume", false }, { "max-query-blocks", false },
	{ "max-query-logs", false },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static const struct option_def *find_option(const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

/* "ZWS_" and the option's name in upper case, '-' as '_'. */
static void env_name(const char *option, char *out, size_t outlen)
{
	size_t n = (size_t)snprintf(out, outlen, "ZWS_");
	for (; *option && n + 1 < outlen; option++)
		out[n++] = *option == '-' ? '_' : (char)(*option >= 'a' && *option <= 'z' ? *option - 32 : *option);
	out[n] = '\0';
}

static void set_defaults(struct zws_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->host = "0.0.0.0";
	cfg->port = 4401;
	cfg->max_addresses = 1000;
	cfg->max_total_addresses = 1000000;
	cfg->max_negative_cache = 100000;
	cfg->max_message = 16384;
	cfg->rate_limit = 20;
	cfg->queue_max = 8;
	cfg->workers = 1;
	cfg->max_query_blocks = 1000;
	cfg->max_query_logs = 10000;
	cfg->lookup_timeout_ms = 3000;
	cfg->max_resume = 10000;
	cfg->ping_after_s = 30;
	cfg->drop_after_s = 70;
	cfg->max_clients_per_ip = 256;
	cfg->healthy_block_age_s = 120;
	cfg->event_loop = ZWS_LOOP_LIBEV; /* see io/evloop.c */
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->drain_s = 10;
}

/* A flag's value from the environment. */
static bool parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
		*out = true;
	else if (strcmp(s, "0") == 0 || strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
		*out = false;
	else
		return false;
	return true;
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

/* "*", or a comma-separated list of origins such as https://a.example:8443
 * (scheme://host[:port], no path). */
static bool origin_list_ok(const char *s)
{
	if (strcmp(s, "*") == 0)
		return true;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, ",");
		const char *sep = memchr(p, ':', n);
		if (!n || !sep || n - (size_t)(sep - p) < 4 || strncmp(sep, "://", 3) != 0 ||
		    memchr(sep + 3, '/', n - (size_t)(sep + 3 - p)) || memchr(p, ' ', n))
			return false;
		p += n;
		if (*p == ',' && !*++p)
			return false;
	}
	return *s != '\0';
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
	else if (strcmp(name, "max-negative-cache") == 0)
		ok = parse_uint(value, 100, 100000000, &v) && ((cfg->max_negative_cache = (unsigned)v), true);
	else if (strcmp(name, "max-message") == 0)
		ok = parse_uint(value, 64, 16 * 1024 * 1024, &v) && ((cfg->max_message = (size_t)v), true);
	else if (strcmp(name, "rate-limit") == 0)
		ok = parse_rate(value, &v) && ((cfg->rate_limit = (unsigned)v), true);
	else if (strcmp(name, "max-queue") == 0)
		ok = parse_uint(value, 1, 64, &v) && ((cfg->queue_max = (unsigned)v), true);
	else if (strcmp(name, "lookup-timeout-ms") == 0)
		ok = parse_uint(value, 1, 600000, &v) && ((cfg->lookup_timeout_ms = (unsigned)v), true);
	else if (strcmp(name, "max-resume") == 0)
		ok = parse_uint(value, 1, 100000000, &v) && ((cfg->max_resume = (unsigned)v), true);
	else if (strcmp(name, "ping-after") == 0)
		ok = parse_uint(value, 1, 86400, &v) && ((cfg->ping_after_s = (unsigned)v), true);
	else if (strcmp(name, "drop-after") == 0)
		ok = parse_uint(value, 2, 86400, &v) && ((cfg->drop_after_s = (unsigned)v), true);
	else if (strcmp(name, "workers") == 0)
		ok = parse_uint(value, 1, 64, &v) && ((cfg->workers = (unsigned)v), true);
	else if (strcmp(name, "max-clients") == 0)
		ok = parse_uint(value, 0, 10000000, &v) && ((cfg->max_clients = (unsigned)v), true);
	else if (strcmp(name, "max-clients-per-ip") == 0)
		ok = parse_uint(value, 0, 10000000, &v) && ((cfg->max_clients_per_ip = (unsigned)v), true);
	else if (strcmp(name, "allow-origin") == 0)
		ok = origin_list_ok(value) && ((cfg->allow_origin = strcmp(value, "*") == 0 ? NULL : value), true);
	else if (strcmp(name, "healthy-block-age") == 0)
		ok = parse_uint(value, 1, 86400 * 7, &v) && ((cfg->healthy_block_age_s = (unsigned)v), true);
	else if (strcmp(name, "max-query-blocks") == 0)
		ok = parse_uint(value, 1, 1000000, &v) && ((cfg->max_query_blocks = (unsigned)v), true);
	else if (strcmp(name, "max-query-logs") == 0)
		ok = parse_uint(value, 1, 1000000, &v) && ((cfg->max_query_logs = (unsigned)v), true);
	else if (strcmp(name, "event-loop") == 0)
		ok = parse_event_loop(value, &cfg->event_loop);
	else if (strcmp(name, "drain-s") == 0)
		ok = parse_uint(value, 1, 3600, &v) && ((cfg->drain_s = (unsigned)v), true);
	else if (strcmp(name, "join") == 0)
		ok = parse_bool(value, &cfg->join);
	else if (strcmp(name, "lws-debug") == 0)
		ok = parse_bool(value, &cfg->lws_debug);
	else if (strcmp(name, "tls-cert") == 0)
		ok = *value && ((cfg->tls_cert = value), true);
	else if (strcmp(name, "tls-key") == 0)
		ok = *value && ((cfg->tls_key = value), true);
	else if (strcmp(name, "log-level") == 0)
		ok = log_parse_level(value, &cfg->log_level);
	else if (strcmp(name, "log-format") == 0)
		ok = log_parse_format(value, &cfg->log_format);
	else if (strcmp(name, "log-file") == 0)
		ok = *value && ((cfg->log_file = value), true);
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
	for (size_t i = 0; env && i < NOPTIONS; i++) {
		char var[40];
		env_name(options[i].name, var, sizeof(var));
		const char *v = env(var);
		if (v && *v && !apply(cfg, options[i].name, v, err, errlen)) {
			snprintf(err, errlen, "invalid value for %s: '%s'", var, v);
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
		if (strcmp(arg, "--version") == 0)
			return CONFIG_VERSION;
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
		const struct option_def *opt = find_option(name);
		if (!opt) {
			snprintf(err, errlen, "unknown option --%s (see --help)", name);
			return CONFIG_ERROR;
		}
		if (opt->flag && eq) {
			snprintf(err, errlen, "option --%s takes no value", name);
			return CONFIG_ERROR;
		}
		const char *value = opt->flag ? "1" : eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
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
	if (!cfg->tls_cert != !cfg->tls_key) {
		snprintf(err, errlen, "%s without %s: give both files for wss://, or neither for ws://",
			 cfg->tls_cert ? "--tls-cert" : "--tls-key", cfg->tls_cert ? "--tls-key" : "--tls-cert");
		return CONFIG_ERROR;
	}
	if (cfg->drop_after_s <= cfg->ping_after_s) {
		snprintf(err, errlen, "--drop-after (%u s) must be longer than --ping-after (%u s)",
			 cfg->drop_after_s, cfg->ping_after_s);
		return CONFIG_ERROR;
	}
	return CONFIG_OK;
}
