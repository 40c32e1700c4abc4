/* zws: the WebSocket server. Parses the command line, refuses a database
 * whose schema is missing or too old, opens the listening socket and runs
 * one worker, or with --workers N forks N workers that each open their own
 * SO_REUSEPORT socket on the same port and supervises them. */
#include <errno.h>
#include <libpq-fe.h>
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
#include "schema.h"
#include "server.h"
#include "stats_region.h"

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

/* The schema version in the database; 0 if there is no schema. Dies if
 * PostgreSQL cannot be reached. Runs before any loop exists. */
static int schema_version(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
		msg[strcspn(msg, "\n")] = '\0';
		PQfinish(c);
		die("cannot connect to PostgreSQL: %s", msg);
	}
	PGresult *r = PQexec(c, "SELECT max(version) FROM schema_version");
	int v = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return v;
}

static int run_one(const struct zws_config *cfg, struct stats_region *stats, unsigned worker)
{
	char err[200] = "";
	struct listener *l = listener_new(cfg->host, cfg->port, err, sizeof(err));
	if (!l)
		die("%s", err);
	return server_run(cfg, l, stats, worker);
}

static volatile sig_atomic_t parent_stop;

static void parent_signal(int sig)
{
	parent_stop = sig;
}

static pid_t spawn(const struct zws_config *cfg, struct stats_region *stats, unsigned n)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* A worker does not outlive its supervisor, however it ends. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			exit(0);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		exit(run_one(cfg, stats, n));
	}
	if (pid < 0)
		log_error("cannot fork worker %u: %s", n, strerror(errno));
	return pid;
}

/* Forks the workers, restarts one that dies, forwards SIGTERM/SIGINT. */
static int supervise(const struct zws_config *cfg, struct stats_region *stats)
{
	pid_t *pids = calloc(cfg->workers, sizeof(*pids));
	if (!pids)
		die("out of memory");
	struct sigaction sa = { .sa_handler = parent_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (unsigned i = 0; i < cfg->workers; i++)
		pids[i] = spawn(cfg, stats, i);
	log_info("zws started %u workers on port %d", cfg->workers, cfg->port);
	unsigned alive = cfg->workers;
	bool forwarded = false;
	while (alive) {
		if (parent_stop && !forwarded) {
			for (unsigned i = 0; i < cfg->workers; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGTERM);
			forwarded = true;
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
			if (!parent_stop) {
				log_error("worker %u (pid %d) exited with status %d; restarting", i, (int)pid, st);
				sleep(1);
				if ((pids[i] = spawn(cfg, stats, i)) > 0)
					alive++;
			}
		}
	}
	free(pids);
	return 0;
}

int main(int argc, char **argv)
{
	struct zws_config cfg;
	char err[200] = "";
	switch (zws_config_parse(&cfg, argc, argv, env_lookup, err, sizeof(err))) {
	case CONFIG_HELP:
		fputs(zws_config_usage(), stdout);
		return 0;
	case CONFIG_ERROR:
		fprintf(stderr, "zws: %s\n", err);
		return 2;
	case CONFIG_OK:
		break;
	}
	log_set_level(cfg.log_level);
	int have = schema_version(cfg.db), need = schema_required_version();
	if (have < need)
		die("database schema version %d is older than %d required; run zws-ingest first", have, need);
	struct stats_region *stats = stats_region_map(cfg.workers, err, sizeof(err));
	if (!stats)
		die("%s", err);
	int rc = cfg.workers > 1 ? supervise(&cfg, stats) : run_one(&cfg, stats, 0);
	stats_region_unmap(stats);
	return rc;
}
