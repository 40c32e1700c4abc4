/* zws: the WebSocket server. Parses the command line, refuses a database
 * whose schema is missing or too old, refuses a port another zws serves
 * unless it joins on purpose (--join) and reads the same database, opens
 * the listening socket and runs one worker, or with --workers N forks N
 * workers that each open their own SO_REUSEPORT socket on the same port
 * and supervises them: SIGTERM/SIGINT are forwarded and every worker is
 * waited for, SIGHUP reopens the log file here and in every worker.
 * With --tls-cert and --tls-key the files are checked before anything
 * starts; SIGHUP also reloads them in every worker (server.c). */
#include <errno.h>
#include <libpq-fe.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zws_config.h"
#include "listener.h"
#include "log.h"
#include "port_identity.h"
#include "schema.h"
#include "server.h"
#include "tls.h"

/* Exit status of a refusal to start on an occupied port, as of a bad
 * option: nothing was started, the command line has to change. */
#define ZWS_EXIT_REFUSED 2
#include "stats_region.h"

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

/* What zws learns of its database before starting. */
struct database_facts {
	int schema_version;   /* 0 if there is no schema */
	char identity[160];   /* "<system identifier> <database name>" */
};

/* Reads the schema version and the database's identity. Dies if
 * PostgreSQL cannot be reached. Runs before any loop exists. */
static void read_database(const char *conninfo, struct database_facts *out)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
		PQfinish(c);
		die("cannot connect to PostgreSQL: %s", msg);
	}
	PGresult *r = PQexec(c, "SELECT max(version) FROM schema_version");
	out->schema_version = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		out->schema_version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	r = PQexec(c, "SELECT system_identifier, current_database() FROM pg_control_system()");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		snprintf(out->identity, sizeof(out->identity), "%s %s", PQgetvalue(r, 0, 0),
			 PQgetvalue(r, 0, 1));
	else
		snprintf(out->identity, sizeof(out->identity), "unknown");
	PQclear(r);
	PQfinish(c);
}

/* "zws <pid> <identity>": the identity part. */
static const char *identity_of(const char *line)
{
	const char *p = strchr(line, ' ');
	p = p ? strchr(p + 1, ' ') : NULL;
	return p ? p + 1 : "";
}

/* Refuses (one line, exit 2) a port another zws serves, unless --join and
 * the same database; refuses a port something else holds. */
static void check_port(const struct zws_config *cfg, const char *ours)
{
	char line[256] = "";
	switch (port_identity_probe(cfg->host, cfg->port, line, sizeof(line))) {
	case PORT_FREE:
		return;
	case PORT_OTHER:
		log_error("port %d is in use by a program that does not answer as zws (or a zws "
			  "shutting down); refusing to share it: pick another --port", cfg->port);
		exit(ZWS_EXIT_REFUSED);
	case PORT_ZWS:
		break;
	}
	const char *theirs = identity_of(line);
	if (!cfg->join) {
		log_error("port %d is already served by another zws (%s, database %s); two would split "
			  "its clients between them: stop it, pick another --port, or add --join to "
			  "share the port (same database only)", cfg->port, line, theirs);
		exit(ZWS_EXIT_REFUSED);
	}
	if (strcmp(theirs, ours) != 0 || strcmp(ours, "unknown") == 0) {
		log_error("--join refused: the zws on port %d reads database %s, this one %s; clients "
			  "would get two different chains", cfg->port, theirs, ours);
		exit(ZWS_EXIT_REFUSED);
	}
	log_info("joining the zws on port %d (%s): same database %s", cfg->port, line, ours);
}

static int run_one(const struct zws_config *cfg, struct port_identity *id, struct stats_region *stats,
		   unsigned worker)
{
	char err[200] = "";
	struct listener *l = listener_new(cfg->host, cfg->port, err, sizeof(err));
	if (!l)
		die("%s", err);
	return server_run(cfg, l, id, stats, worker);
}

static volatile sig_atomic_t parent_stops, parent_hangups;

static void parent_signal(int sig)
{
	if (sig == SIGHUP)
		parent_hangups++;
	else
		parent_stops++;
}

static pid_t spawn(const struct zws_config *cfg, unsigned n, struct port_identity *id,
		   struct stats_region *stats)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* A worker does not outlive its supervisor, however it ends. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			exit(0);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_IGN); /* until the worker's loop handles it */
		exit(run_one(cfg, id, stats, n));
	}
	if (pid < 0)
		log_error("cannot fork worker %u: %s", n, strerror(errno));
	return pid;
}

static void forward(const pid_t *pids, unsigned n, int sig)
{
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], sig);
}

/* The supervisor's own part of a SIGHUP; the workers get it forwarded. */
static void parent_hangup(void)
{
	char err[200];
	if (!log_reopen(err, sizeof(err)))
		log_error("SIGHUP: %s; still logging to the old file", err);
}

/* Forks the workers, restarts one that dies, forwards SIGTERM/SIGINT (each
 * one: a second one ends the workers' drain at once) and SIGHUP, and once
 * stopping waits for every worker. */
static int supervise(const struct zws_config *cfg, struct port_identity *id, struct stats_region *stats)
{
	pid_t *pids = calloc(cfg->workers, sizeof(*pids));
	if (!pids)
		die("out of memory");
	struct sigaction sa = { .sa_handler = parent_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (unsigned i = 0; i < cfg->workers; i++)
		pids[i] = spawn(cfg, i, id, stats);
	log_info("zws started %u workers on port %d", cfg->workers, cfg->port);
	unsigned alive = cfg->workers;
	sig_atomic_t stops_sent = 0, hangups_sent = 0;
	int failed = 0;
	while (alive) {
		for (; stops_sent < parent_stops; stops_sent++)
			forward(pids, cfg->workers, SIGTERM);
		for (; hangups_sent < parent_hangups; hangups_sent++) {
			parent_hangup();
			forward(pids, cfg->workers, SIGHUP);
		}
		int st;
		pid_t pid = waitpid(-1, &st, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		for (unsigned i = 0; i < cfg->workers; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			alive--;
			/* However it ended, its slot describes no worker now. */
			atomic_store_explicit(&stats->slot[i].pid, 0, memory_order_relaxed);
			if (parent_stops) {
				failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
				continue;
			}
			log_error("worker %u (pid %d) exited with status %d; restarting", i, (int)pid, st);
			sleep(1);
			if ((pids[i] = spawn(cfg, i, id, stats)) > 0)
				alive++;
		}
	}
	free(pids);
	log_info("all %u workers stopped%s", cfg->workers, failed ? " (some failed)" : "");
	return failed ? 1 : 0;
}

static int print_version(void)
{
	printf("zws %s\nlibwebsockets %s\n", ZWS_VERSION, lws_get_library_version());
	return 0;
}

/* Log level, format and file; exits 2 if the file cannot be opened. */
static void setup_log(const struct zws_config *cfg)
{
	char err[300];
	log_set_level(cfg->log_level);
	log_set_format(cfg->log_format);
	if (cfg->log_file && !log_open_file(cfg->log_file, err, sizeof(err))) {
		fprintf(stderr, "zws: %s\n", err);
		exit(2);
	}
}

/* The certificate and key, before any worker starts. */
static bool check_tls(const struct zws_config *cfg)
{
	struct tls_cert_info ci;
	char err[400];
	if (!tls_files_check(cfg->tls_cert, cfg->tls_key, &ci, err, sizeof(err))) {
		fprintf(stderr, "zws: %s\n", err);
		return false;
	}
	log_info("TLS certificate %s: subject %s, serial %s, expires %s, %u intermediate%s", cfg->tls_cert,
		 ci.subject, ci.serial, ci.not_after, ci.chain, ci.chain == 1 ? "" : "s");
	if (ci.expired)
		log_warn("the TLS certificate in %s expired on %s; clients will refuse it", cfg->tls_cert,
			 ci.not_after);
	return true;
}

int main(int argc, char **argv)
{
	struct zws_config cfg;
	char err[200] = "";
	switch (zws_config_parse(&cfg, argc, argv, env_lookup, err, sizeof(err))) {
	case CONFIG_HELP:
		fputs(zws_config_usage(), stdout);
		return 0;
	case CONFIG_VERSION:
		return print_version();
	case CONFIG_ERROR:
		fprintf(stderr, "zws: %s\n", err);
		return 2;
	case CONFIG_OK:
		break;
	}
	setup_log(&cfg);
	/* SIGHUP never stops zws, not even before the loop handles it. */
	signal(SIGHUP, SIG_IGN);
	if (cfg.tls_cert && !check_tls(&cfg))
		return 2;
	struct database_facts db;
	read_database(cfg.db, &db);
	int need = schema_required_version();
	if (db.schema_version < need)
		die("database schema version %d is older than %d required; run zws-ingest first",
		    db.schema_version, need);
	check_port(&cfg, db.identity);
	struct port_identity *id = port_identity_new(cfg.port, db.identity, err, sizeof(err));
	if (!id)
		die("%s", err);
	struct stats_region *stats = stats_region_map(cfg.workers, err, sizeof(err));
	if (!stats)
		die("%s", err);
	int rc = cfg.workers > 1 ? supervise(&cfg, id, stats) : run_one(&cfg, id, stats, 0);
	stats_region_unmap(stats);
	port_identity_free(id);
	return rc;
}
