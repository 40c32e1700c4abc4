/* Command line parsing for zws-ingest. Every flag takes one value, given as
 * "--flag VALUE" or "--flag=VALUE"; a table maps each flag to its setter and
 * its environment variable, so adding one is one line. The environment is
 * applied first, then the flags. */
#include "ingest_config.h"

#include "conninfo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: zws-ingest --db CONNINFO --lookup URL [options]\n"
	"Follows a Zilliqa lookup node's TxBlocks into PostgreSQL and NOTIFYs\n"
	"zws_block for every committed block.\n"
	"\n"
	"  --db CONNINFO         libpq conninfo or URI (env ZWS_DB)\n"
	"  --lookup URL          lookup JSON-RPC endpoint, http:// or https://\n"
	"                        (env ZWS_LOOKUP); https certificates are checked\n"
	"                        against the system's CAs (SSL_CERT_FILE adds one)\n"
	"  --from-block N        first block for a fresh database (default: the\n"
	"                        lookup's current head); a restart always resumes\n"
	"                        after the last committed block\n"
	"  --poll-ms MS          head polling interval when caught up (default 1000)\n"
	"  --live-distance N     blocks within N of the head are NOTIFYed as live\n"
	"                        (default 10)\n"
	"  --batch-blocks N      TxBlocks per batched JSON-RPC request (default 8)\n"
	"  --inflight N          concurrent requests to the lookup (default 4)\n"
	"  --timeout-ms MS       per-request timeout (default 15000)\n"
	"  --backoff-max-ms MS   cap of the retry backoff (default 10000)\n"
	"  --window N            blocks fetched ahead of the last commit (default 256)\n"
	"  --max-block-bytes N   largest block stored, in bytes of rows (default\n"
	"                        33554432, 32 MiB); a bigger one stops ingest with\n"
	"                        an error naming it\n"
	"  --rewind N            at start, delete the last N stored blocks with their\n"
	"                        rows and follow again from there: the way out when\n"
	"                        ingest stops because the lookup follows another\n"
	"                        chain (a one-off: drop it from the next start)\n"
	"  --log-level L         error, warn, info or debug (default info)\n"
	"  --log-format F        text (default), or json: one JSON object per line\n"
	"  --log-file FILE       log to FILE instead of stderr; SIGHUP reopens it\n"
	"                        (for logrotate)\n"
	"  --migrate-only        apply the sql/ migrations, then exit 0 (no\n"
	"                        --lookup needed): run it before zws on a fresh\n"
	"                        database, as docker-compose.yml does\n"
	"  --http ADDR:PORT      serve GET /healthz and /metrics (Prometheus) on\n"
	"                        ADDR:PORT, e.g. 127.0.0.1:4402 (default: off)\n"
	"  --healthy-lag-blocks N  /healthz answers 503 \"lagging\" when more than\n"
	"                        N blocks behind the lookup's head (default 5)\n"
	"  --healthy-lag-s S     ... or when not caught up with the head for more\n"
	"                        than S seconds (default 60)\n"
	"  --help                this text\n"
	"\n"
	"Every option with a value can also be set in the environment: ZWS_INGEST_\n"
	"and its name in upper case (--poll-ms: ZWS_INGEST_POLL_MS, --http:\n"
	"ZWS_INGEST_HTTP); --db and --lookup as ZWS_DB and ZWS_LOOKUP. A flag wins\n"
	"over its variable. --rewind has no variable: it acts once, when given.\n"
	"\n"
	"Two zws-ingest on one database elect a leader through a PostgreSQL\n"
	"advisory lock: one follows, the other waits as a standby and takes over\n"
	"when the leader's session ends. SIGTERM or SIGINT: commit the blocks\n"
	"already fetched, then stop. SIGHUP: reopens --log-file, never stops.\n";

const char *ingest_config_usage(void)
{
	return usage;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	if (*s == '\0' || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = (uint64_t)v;
	return true;
}

static bool parse_int(const char *s, int min, int max, int *out)
{
	uint64_t v;
	if (!parse_u64(s, &v) || v < (uint64_t)min || v > (uint64_t)max)
		return false;
	*out = (int)v;
	return true;
}

typedef bool (*setter_fn)(struct ingest_config *cfg, const char *v);

static bool set_db(struct ingest_config *c, const char *v) { c->db = v; return *v != '\0'; }
static bool set_lookup(struct ingest_config *c, const char *v) { c->lookup = v; return *v != '\0'; }
static bool set_from(struct ingest_config *c, const char *v)
{
	c->has_from_block = true;
	return parse_u64(v, &c->from_block) && c->from_block <= INT64_MAX;
}
static bool set_poll(struct ingest_config *c, const char *v) { return parse_int(v, 10, 3600000, &c->poll_ms); }
static bool set_live(struct ingest_config *c, const char *v) { return parse_u64(v, &c->live_distance); }
static bool set_batch(struct ingest_config *c, const char *v) { return parse_int(v, 1, 1000, &c->batch_blocks); }
static bool set_inflight(struct ingest_config *c, const char *v) { return parse_int(v, 1, 64, &c->inflight); }
static bool set_timeout(struct ingest_config *c, const char *v) { return parse_int(v, 100, 600000, &c->timeout_ms); }
static bool set_backoff(struct ingest_config *c, const char *v) { return parse_int(v, 100, 3600000, &c->backoff_max_ms); }
static bool set_window(struct ingest_config *c, const char *v) { return parse_int(v, 1, 100000, &c->window); }
static bool set_level(struct ingest_config *c, const char *v) { return log_parse_level(v, &c->log_level); }
static bool set_format(struct ingest_config *c, const char *v) { return log_parse_format(v, &c->log_format); }
static bool set_log_file(struct ingest_config *c, const char *v) { return *v && ((c->log_file = v), true); }
static bool set_lag_blocks(struct ingest_config *c, const char *v) { return parse_u64(v, &c->healthy_lag_blocks); }
static bool set_lag_s(struct ingest_config *c, const char *v) { return parse_int(v, 1, 86400, &c->healthy_lag_s); }

/* ADDR:PORT, ADDR a name or IPv4 address, or [IPv6]:PORT. */
static bool set_http(struct ingest_config *c, const char *v)
{
	const char *colon = strrchr(v, ':');
	int port;
	if (!colon || !parse_int(colon + 1, 1, 65535, &port))
		return false;
	const char *host = v;
	size_t len = (size_t)(colon - v);
	bool bracketed = len >= 2 && host[0] == '[' && host[len - 1] == ']';
	if (bracketed) {
		host++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(c->http_addr) || (!bracketed && memchr(host, ':', len)))
		return false;
	memcpy(c->http_addr, host, len);
	c->http_addr[len] = '\0';
	c->http_port = port;
	c->http = v;
	return true;
}
static bool set_max_block(struct ingest_config *c, const char *v)
{
	return parse_u64(v, &c->max_block_bytes) && c->max_block_bytes >= 65536 &&
	       c->max_block_bytes <= INGEST_MAX_BLOCK_BYTES_LIMIT;
}
static bool set_rewind(struct ingest_config *c, const char *v) { return parse_u64(v, &c->rewind) && c->rewind > 0; }

static const struct option_def {
	const char *name;
	setter_fn set;
	const char *expect;
	const char *env;
} options[] = {
	{ "--db", set_db, "a conninfo", "ZWS_DB" },
	{ "--lookup", set_lookup, "a URL", "ZWS_LOOKUP" },
	{ "--from-block", set_from, "a block number", "ZWS_INGEST_FROM_BLOCK" },
	{ "--poll-ms", set_poll, "milliseconds between 10 and 3600000", "ZWS_INGEST_POLL_MS" },
	{ "--live-distance", set_live, "a block count", "ZWS_INGEST_LIVE_DISTANCE" },
	{ "--batch-blocks", set_batch, "a number between 1 and 1000", "ZWS_INGEST_BATCH_BLOCKS" },
	{ "--inflight", set_inflight, "a number between 1 and 64", "ZWS_INGEST_INFLIGHT" },
	{ "--timeout-ms", set_timeout, "milliseconds between 100 and 600000", "ZWS_INGEST_TIMEOUT_MS" },
	{ "--backoff-max-ms", set_backoff, "milliseconds between 100 and 3600000", "ZWS_INGEST_BACKOFF_MAX_MS" },
	{ "--window", set_window, "a number between 1 and 100000", "ZWS_INGEST_WINDOW" },
	{ "--log-level", set_level, "error, warn, info or debug", "ZWS_INGEST_LOG_LEVEL" },
	{ "--log-format", set_format, "text or json", "ZWS_INGEST_LOG_FORMAT" },
	{ "--log-file", set_log_file, "a file name", "ZWS_INGEST_LOG_FILE" },
	{ "--http", set_http, "ADDR:PORT", "ZWS_INGEST_HTTP" },
	{ "--healthy-lag-blocks", set_lag_blocks, "a block count", "ZWS_INGEST_HEALTHY_LAG_BLOCKS" },
	{ "--healthy-lag-s", set_lag_s, "seconds between 1 and 86400", "ZWS_INGEST_HEALTHY_LAG_S" },
	{ "--max-block-bytes", set_max_block, "a byte count between 65536 and 1073741824", "ZWS_INGEST_MAX_BLOCK_BYTES" },
	/* No variable: a rewind left in the environment would run at every restart. */
	{ "--rewind", set_rewind, "a block count of at least 1", NULL },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static const struct option_def *find_option(const char *arg, size_t len)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strlen(options[i].name) == len && strncmp(options[i].name, arg, len) == 0)
			return &options[i];
	}
	return NULL;
}

static void set_defaults(struct ingest_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->poll_ms = 1000;
	cfg->live_distance = 10;
	cfg->batch_blocks = 8;
	cfg->inflight = 4;
	cfg->timeout_ms = 15000;
	cfg->backoff_max_ms = 10000;
	cfg->window = 256;
	cfg->max_block_bytes = INGEST_DEFAULT_MAX_BLOCK_BYTES;
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->healthy_lag_blocks = 5;
	cfg->healthy_lag_s = 60;
}

/* Applies every option's environment variable that is set and not empty. */
static bool apply_env(config_env_fn env, struct ingest_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; env && i < NOPTIONS; i++) {
		const char *v = options[i].env ? env(options[i].env) : NULL;
		if (!v || !*v)
			continue;
		if (!options[i].set(cfg, v)) {
			snprintf(err, errlen, "%s: '%s' is not %s", options[i].env, v, options[i].expect);
			return false;
		}
	}
	return true;
}

/* Handles argv[*i]; advances *i past a separate value. */
static bool parse_one(int argc, char **argv, int *i, struct ingest_config *cfg,
		      char *err, size_t errlen)
{
	const char *arg = argv[*i];
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct option_def *opt = find_option(arg, len);
	if (!opt) {
		snprintf(err, errlen, "unknown option %s (see --help)", arg);
		return false;
	}
	const char *value = eq ? eq + 1 : NULL;
	if (!value) {
		if (*i + 1 >= argc) {
			snprintf(err, errlen, "%s needs %s", opt->name, opt->expect);
			return false;
		}
		value = argv[++*i];
	}
	if (!opt->set(cfg, value)) {
		snprintf(err, errlen, "%s: '%s' is not %s", opt->name, value, opt->expect);
		return false;
	}
	return true;
}

static bool check_required(const struct ingest_config *cfg, char *err, size_t errlen)
{
	if (!cfg->db) {
		snprintf(err, errlen, "--db CONNINFO (or ZWS_DB) is required");
		return false;
	}
	if (!conninfo_check(cfg->db, err, errlen))
		return false;
	if (cfg->migrate_only)
		return true;
	if (!cfg->lookup) {
		snprintf(err, errlen, "--lookup URL (or ZWS_LOOKUP) is required");
		return false;
	}
	if (strncmp(cfg->lookup, "http://", 7) != 0 && strncmp(cfg->lookup, "https://", 8) != 0) {
		snprintf(err, errlen, "--lookup: '%s' is not an http:// or https:// URL", cfg->lookup);
		return false;
	}
	return true;
}

enum config_result ingest_config_parse(int argc, char **argv, config_env_fn env,
				struct ingest_config *cfg, char *err, size_t errlen)
{
	set_defaults(cfg);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cfg->help = true;
			return CONFIG_HELP;
		}
	}
	if (!apply_env(env, cfg, err, errlen))
		return CONFIG_ERROR;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--migrate-only") == 0) {
			cfg->migrate_only = true;
			continue;
		}
		if (!parse_one(argc, argv, &i, cfg, err, errlen))
			return CONFIG_ERROR;
	}
	if (!check_required(cfg, err, errlen))
		return CONFIG_ERROR;
	if (cfg->window < cfg->batch_blocks * cfg->inflight)
		cfg->window = cfg->batch_blocks * cfg->inflight;
	return CONFIG_OK;
}
