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

/* Runs the loop; takes ownership of l; answers for the port through id
 * (the caller's, freed by it). Returns the process exit code. */
int server_run(const struct zws_config *cfg, struct listener *l, struct port_identity *id);

#endif
