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

#include "buf.h"
#include "dlist.h"
#include "keepalive.h"
#include "listener.h"
#include "pgfeed.h"
#include "zws_config.h"
#include "fanout_plan.h"
#include "frame.h"
#include "query.h"
#include "subs.h"
#include "text_parts.h"

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
	struct listener *listener;
	struct pgfeed_hooks feed_hooks;
	struct listener_hooks listener_hooks;

	struct subs_index index[SUBS_TOPICS];
	struct dlist newblock;    /* sessions subscribed to NewBlock */
	struct dlist unsubscribing; /* sessions with an Unsubscribe to report */
	struct keepalive keepalive; /* the sessions' ping and drop deadlines */
	lws_sorted_usec_list_t keepalive_tick;
	const struct session_hooks *session_hooks; /* subscribe.c */
	size_t nsessions;
	uint64_t next_session_id;
	struct peers *peers;      /* the sessions' peer addresses */

	/* Error replies, built once. */
	struct frame *errors[QUERY_ERR_FULL + 1];

	/* Fan-out scratch, reused every block: the plan, the pieces of the
	 * message being sent, the rest of a partial write. */
	struct fanout_plan plan;
	struct text_parts parts;
	struct buf scratch;
	uint32_t epoch_stamp;

	bool accepting;
	bool stopping;
	bool done;
};

#endif
