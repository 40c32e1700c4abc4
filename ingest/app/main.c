/* zws-ingest: follows a Zilliqa lookup node's TxBlocks into PostgreSQL.
 * Parses the command line, runs the follower on a libevent loop and stops
 * cleanly on SIGTERM or SIGINT (exit 0); --migrate-only applies the schema
 * and exits. */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "ingest_config.h"
#include "follower.h"
#include "log.h"
#include "migrate.h"

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	follower_stop(arg);
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

int main(int argc, char **argv)
{
	struct ingest_config cfg;
	char err[512];
	switch (ingest_config_parse(argc, argv, getenv("ZWS_DB"), getenv("ZWS_LOOKUP"), &cfg, err, sizeof(err))) {
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
	if (cfg.migrate_only)
		return migrate_only(cfg.db);
	signal(SIGPIPE, SIG_IGN);
	struct event_base *base = event_base_new();
	if (!base)
		die("cannot create the event loop");
	struct follower *f = follower_new(base, &cfg, err, sizeof(err));
	if (!f)
		die("%s", err);
	struct event *term = evsignal_new(base, SIGTERM, on_signal, f);
	struct event *intr = evsignal_new(base, SIGINT, on_signal, f);
	if (!term || !intr || event_add(term, NULL) != 0 || event_add(intr, NULL) != 0)
		die("cannot install signal handlers");
	event_base_dispatch(base);
	bool failed = follower_failed(f);
	follower_free(f);
	event_free(term);
	event_free(intr);
	event_base_free(base);
	log_info("stopped");
	return failed ? 1 : 0;
}
