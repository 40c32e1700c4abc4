/* zws-notify-stamp: timestamps the block NOTIFYs zws-ingest sends, so the
 * fan-out benchmark can measure from the moment zws learns of a block. It
 * LISTENs on the schema's channel and prints "<unix_ns> <payload>" per
 * notification on stdout (CLOCK_REALTIME, taken as soon as libpq hands the
 * notification over), flushing each line. "listening" goes to stderr once
 * the LISTEN is in place. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"
#include "schema.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: zws-notify-stamp --db CONNINFO [--duration S]\n"
		"LISTENs on \"" SCHEMA_NOTIFY_CHANNEL "\" and prints \"<unix_ns> <payload>\" for\n"
		"every notification (CLOCK_REALTIME when it arrived).\n"
		"  --db CONNINFO   PostgreSQL connection string (required)\n"
		"  --duration S    exit after S seconds (default 3600)\n");
}

/* Prints every notification libpq has read; false if the connection broke. */
static bool drain(PGconn *pg)
{
	if (!PQconsumeInput(pg)) {
		fprintf(stderr, "zws-notify-stamp: %s", PQerrorMessage(pg));
		return false;
	}
	PGnotify *n;
	while ((n = PQnotifies(pg))) {
		printf("%" PRId64 " %s\n", clock_ns(CLOCK_REALTIME), n->extra);
		PQfreemem(n);
	}
	fflush(stdout);
	return true;
}

static bool listen_channel(PGconn *pg)
{
	PGresult *r = PQexec(pg, "LISTEN " SCHEMA_NOTIFY_CHANNEL);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "zws-notify-stamp: LISTEN failed: %s", PQerrorMessage(pg));
	PQclear(r);
	return ok;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"db", 1, 0, 'd'}, {"duration", 1, 0, 't'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0},
	};
	const char *db = NULL;
	long duration = 3600;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longs, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'd': db = optarg; break;
		case 't':
			duration = strtol(optarg, &end, 10);
			if (*end || end == optarg || duration < 1 || duration > 86400) {
				fprintf(stderr, "zws-notify-stamp: invalid --duration: %s\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case ':': fprintf(stderr, "zws-notify-stamp: %s needs a value\n", argv[optind - 1]); return 2;
		default: fprintf(stderr, "zws-notify-stamp: unknown option %s (see --help)\n", argv[optind - 1]); return 2;
		}
	}
	if (!db || optind < argc) {
		fprintf(stderr, "zws-notify-stamp: %s\n", db ? "unexpected argument" : "--db is required");
		return 2;
	}
	PGconn *pg = PQconnectdb(db);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "zws-notify-stamp: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	bool ok = listen_channel(pg);
	if (ok)
		fprintf(stderr, "listening\n");
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + (int64_t)duration * 1000000000;
	while (ok && !stop_requested && clock_ns(CLOCK_MONOTONIC) < deadline) {
		struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
		int n = poll(&p, 1, 200);
		if (n < 0 && errno != EINTR)
			ok = false;
		else if (n > 0)
			ok = drain(pg);
	}
	PQfinish(pg);
	return ok ? 0 : 1;
}
