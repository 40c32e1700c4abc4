/* One zws worker: the lws context with its protocols (WebSocket clients,
 * the PostgreSQL socket, the listening socket, the port's identity
 * socket, the lookup client), run until SIGTERM/SIGINT, when it drains:
 * it stops accepting, finishes what each client is owed, closes every
 * client with 1001 and waits up to --drain-s for them to go (a second
 * signal ends at once). SIGHUP reopens the log file and never stops it. */
#ifndef ZWS_SERVER_H
#define ZWS_SERVER_H

#include "zws_config.h"
#include "listener.h"
#include "port_identity.h"
#include "zws_stats.h"

struct server;
struct lws_context;
struct lws_vhost;

/* Runs the loop as worker number worker, counting into its slot of stats;
 * takes ownership of l; answers for the port through id (the caller's,
 * freed by it). Returns the process exit code. */
int server_run(const struct zws_config *cfg, struct listener *l, struct port_identity *id,
	       struct stats_region *stats, unsigned worker);

/* The worker server_run runs, built but not started: no PostgreSQL feed,
 * no keepalive tick, no signal handlers. For programs that drive zws
 * in-process (tests/fuzz/fuzz_zws_session.c): they adopt client sockets
 * on server_vhost and service server_context themselves. Takes ownership
 * of l (may be NULL); id (may be NULL), stats and worker as for
 * server_run; NULL on failure, logged. */
struct server *server_new(const struct zws_config *cfg, struct listener *l, struct port_identity *id,
			  struct stats_region *stats, unsigned worker);
struct lws_context *server_context(const struct server *sv);
struct lws_vhost *server_vhost(const struct server *sv);
/* NULL is ignored. */
void server_free(struct server *sv);

#endif
