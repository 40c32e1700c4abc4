/* zws-ingest: follows a Zilliqa lookup node's TxBlocks into PostgreSQL.
 * Parses the command line, runs the follower on a libevent loop, wires the
 * --http listener to it, and handles signals: SIGTERM or SIGINT commit
 * what is fetched and stop (exit 0; a second one stops at once), SIGHUP
 * reopens --log-file (for logrotate) and never stops it. --migrate-only
 * applies the schema and exits. */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "follower.h"
#include "ingest_config.h"
#include "ingest_metrics.h"
#include "log.h"
#include "migrate.h"
#include "ops_http.h"

static const char *env(const char *name)
{
	return getenv(name);
}

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("%s received", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	follower_stop(arg);
}

static void on_hangup(evutil_socket_t sig, short what, void *arg)
{
	const struct ingest_config *cfg = arg;
	char err[300];
	if (!log_reopen(err, sizeof(err)))
		log_error("SIGHUP received: %s; still logging to the old file", err);
	else if (cfg->log_file)
		log_info("SIGHUP received: log file reopened; carrying on");
	else
		log_info("SIGHUP received: logs go to stderr, nothing to reopen; carrying on");
}

/* --migrate-only: the schema, then exit (0 when it is current). */
static int migrate_only(const char *conninfo)
{
	char err[512] = "";
	int version = 0;
	if (!migrate_database(conninfo, &version, err, sizeof(err))) {
		log_error("migrations not applied: %s", err);
		return 1;
	}
	log_info("schema at version %d; exiting (--migrate-only)", version);
	return 0;
}

static struct ops_http *start_http(struct event_base *base, const struct ingest_config *cfg,
				   struct follower *f)
{
	if (!cfg->http)
		return NULL;
	char err[512];
	struct ops_http_hooks hooks = { follower_healthz, follower_metrics,
					INGEST_METRICS_CONTENT_TYPE, f };
	struct ops_http *h = ops_http_new(base, cfg->http_addr, cfg->http_port, &hooks, err, sizeof(err));
	if (!h)
		die("%s", err);
	log_info("serving /healthz and /metrics on http://%s/", cfg->http);
	return h;
}

static int run(struct event_base *base, const struct ingest_config *cfg)
{
	char err[512];
	struct follower *f = follower_new(base, cfg, err, sizeof(err));
	if (!f)
		die("%s", err);
	struct ops_http *http = start_http(base, cfg, f);
	struct event *term = evsignal_new(base, SIGTERM, on_stop_signal, f);
	struct event *intr = evsignal_new(base, SIGINT, on_stop_signal, f);
	struct event *hup = evsignal_new(base, SIGHUP, on_hangup, (void *)cfg);
	if (!term || !intr || !hup || event_add(term, NULL) != 0 || event_add(intr, NULL) != 0 ||
	    event_add(hup, NULL) != 0)
		die("cannot install signal handlers");
	event_base_dispatch(base);
	bool failed = follower_failed(f);
	ops_http_free(http);
	follower_free(f);
	event_free(term);
	event_free(intr);
	event_free(hup);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct ingest_config cfg;
	char err[512];
	switch (ingest_config_parse(argc, argv, env, &cfg, err, sizeof(err))) {
	case CONFIG_HELP:
		fputs(ingest_config_usage(), stdout);
		return 0;
	case CONFIG_ERROR:
		fprintf(stderr, "zws-ingest: %s\n", err);
		return 2;
	case CONFIG_OK:
		break;
	}
	log_set_level(cfg.log_level);
	log_set_format(cfg.log_format);
	if (cfg.log_file && !log_open_file(cfg.log_file, err, sizeof(err))) {
		fprintf(stderr, "zws-ingest: %s\n", err);
		return 2;
	}
	if (cfg.migrate_only)
		return migrate_only(cfg.db);
	signal(SIGPIPE, SIG_IGN);
	struct event_base *base = event_base_new();
	if (!base)
		die("cannot create the event loop");
	int rc = run(base, &cfg);
	event_base_free(base);
	log_info("stopped");
	return rc;
}
