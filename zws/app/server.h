/* One zws worker: the lws context with its protocols (WebSocket clients,
 * the PostgreSQL socket, the listening socket, the lookup client), run
 * until SIGTERM/SIGINT, when every client is closed with 1001. */
#ifndef ZWS_SERVER_H
#define ZWS_SERVER_H

#include "zws_config.h"
#include "listener.h"
#include "zws_stats.h"

/* Runs the loop as worker number worker, counting into its slot of
 * stats; takes ownership of l. Returns the process exit code. */
int server_run(const struct zws_config *cfg, struct listener *l, struct stats_region *stats,
	       unsigned worker);

#endif
