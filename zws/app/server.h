/* One zws worker: the lws context with its protocols (WebSocket clients,
 * the PostgreSQL socket, the listening socket, the lookup client), run
 * until SIGTERM/SIGINT, when every client is closed with 1001. */
#ifndef ZWS_SERVER_H
#define ZWS_SERVER_H

#include "zws_config.h"
#include "listener.h"

struct server;
struct lws_context;
struct lws_vhost;

/* Runs the loop; takes ownership of l. Returns the process exit code. */
int server_run(const struct zws_config *cfg, struct listener *l);

/* The worker server_run runs, built but not started: no PostgreSQL feed,
 * no keepalive tick, no signal handlers. For programs that drive zws
 * in-process (tests/fuzz/fuzz_zws_session.c): they adopt client sockets
 * on server_vhost and service server_context themselves. Takes ownership
 * of l (may be NULL); NULL on failure, logged. */
struct server *server_new(const struct zws_config *cfg, struct listener *l);
struct lws_context *server_context(const struct server *sv);
struct lws_vhost *server_vhost(const struct server *sv);
/* NULL is ignored. */
void server_free(struct server *sv);

#endif
