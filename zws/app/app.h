/* The state of one zws process, shared by the application's modules
 * (server, session, subscribe, fanout): the configuration, the lws
 * context, the adapters and the hooks they report through, the subscriber
 * indexes and the session lists. One instance per process, reached from
 * lws callbacks through lws_context_user(). Adapters (io/) never see it. */
#ifndef ZWS_APP_H
#define ZWS_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "admission.h"
#include "block_cache.h"
#include "buf.h"
#include "dlist.h"
#include "keepalive.h"
#include "listener.h"
#include "pgfeed.h"
#include "port_identity.h"
#include "zws_config.h"
#include "fanout_plan.h"
#include "frame.h"
#include "query.h"
#include "subs.h"
#include "text_parts.h"
#include "tls.h"
#include "zws_report.h"
#include "zws_stats.h"

struct pgfeed;
struct contract_lookup;
struct contracts;
struct listener;
struct peers;
struct rpc;
struct session_hooks;

/* EventLog addresses one connection may have checked per minute, per
 * address it may hold (subscribe.c). */
#define ZWS_CHECKS_PER_ADDRESS 4

struct zws {
	const struct zws_config *cfg;
	struct lws_context *context;
	struct lws_vhost *vhost;
	struct pgfeed *feed;
	struct contract_lookup *lookup;
	struct contracts *contracts; /* EventLog contract checks */
	struct rpc *rpc;          /* JSON-RPC reads (rpc.h) */
	struct addr_rate *http_rates; /* POST / requests per client address (rpc_http.c); made at the first */
	struct listener *listener;
	struct pgfeed_hooks feed_hooks;
	struct listener_hooks listener_hooks;
	struct port_identity *identity; /* answers who serves the port (main's) */
	struct port_identity_hooks identity_hooks;

	struct subs_index index[SUBS_TOPICS];
	struct dlist newblock;    /* sessions subscribed to NewBlock */
	struct dlist unsubscribing; /* sessions with an Unsubscribe to report */
	struct dlist replaying;   /* sessions replaying blocks after a Resume (replay.c) */
	struct dlist parked;      /* replaying sessions that reached the head, until it moves */
	size_t nreplaying;        /* sessions on either list */
	lws_sorted_usec_list_t replay_tick;

	/* Blocks: the stored range as far as this process knows (oldest,
	 * head), the last block pushed live (fanned; 0 before the first),
	 * and the recent ones with their fragments, shared by the live path
	 * and replays. */
	uint64_t oldest, head, fanned;
	bool bounds_known;
	struct block_cache cache;
	struct fanout_item *replay_items; /* replay scratch: one client's share */
	size_t replay_items_cap;
	struct keepalive keepalive; /* the sessions' ping and drop deadlines */
	lws_sorted_usec_list_t keepalive_tick;
	const struct session_hooks *session_hooks; /* subscribe.c */
	size_t nsessions;
	uint64_t next_session_id;
	struct peers *peers;      /* the sessions' peer addresses */
	struct tls_failure_log tls_failures; /* failed handshakes' log lines */

	/* Counters every worker shares (zws_stats.h); stats is this worker's
	 * slot of stats_region. */
	struct stats_region *stats_region;
	struct stats_slot *stats;
	unsigned worker;
	struct report_limits report_limits;
	struct admission_limits admission; /* admit.c */
	struct admission_log refusals;      /* admit.c: refusals folded per address */

	/* Error replies, built once (but those naming a block). */
	struct frame *errors[QUERY_ERR_QUERIES + 1];

	/* Fan-out scratch, reused every block: the plan, the pieces of the
	 * message being sent, the rest of a partial write. */
	struct fanout_plan plan;
	struct text_parts parts;
	struct buf scratch;
	uint32_t epoch_stamp;

	/* The drain (SIGTERM/SIGINT), for its summary line. */
	lws_usec_t drain_start_us;
	size_t drain_clients; /* connected when it began */
	size_t drain_cut;     /* still connected at its end */
	int hangups_seen;     /* SIGHUPs handled */

	bool accepting;
	bool stopping;
	bool done;
};

#endif
