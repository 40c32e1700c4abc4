/* zws-ingest: follows a Zilliqa lookup node's TxBlocks into PostgreSQL.
 * Parses the command line, runs the follower on a libevent loop and stops
 * cleanly on SIGTERM or SIGINT (exit 0). */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "ingest_config.h"
#include "follower.h"
#include "log.h"

static const char *env(const char *name)
{
	return getenv(name);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	follower_stop(arg);
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
