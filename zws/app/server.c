/* The lws side of a zws worker (see server.h). The loop is chosen with
 * --event-loop (io/evloop.c says why libev is the default); accepted sockets
 * come from our own listener, so lws itself
 * listens on nothing (CONTEXT_PORT_NO_LISTEN_SERVER). Clients are accepted
 * only once the PostgreSQL feed LISTENs, so no subscriber can miss a block
 * committed after its echo. */
#include "server.h"

#include <libwebsockets.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "contract_lookup.h"
#include "contracts.h"
#include "evloop.h"
#include "fanout.h"
#include "handshake.h"
#include "log.h"
#include "peers.h"
#include "rpc.h"
#include "rpc_http.h"
#include "pgfeed.h"
#include "session.h"
#include "subscribe.h"

/* lws keeps a receive buffer of this size for every connection for its
 * whole life. Queries are small and rare, so it is just big enough for any
 * control frame (125 bytes); a longer query reaches session_receive in
 * pieces and is assembled there in a buffer that lives only while it
 * arrives. */
#define SERVER_RX_BUFFER 128
/* Largest piece lws hands to one send(). Left at 0, lws caps each send at
 * the receive buffer size plus its header room, so a notification took
 * many sends, each on its own wakeup over every connection. Any part the
 * socket does not take is copied by lws either way, so the cap only has
 * to exceed the largest notification: one send per message. Lookup
 * requests get it too: a POST sent in several pieces could be offered a
 * second body write after the reply had begun. Figures in
 * bench/fanout/results.md ("Design measurements": send size cap). */
#define SERVER_TX_PACKET (1u << 20)
/* Handshakes parsed at once; each holds a header table (about 5 KB) only
 * while its upgrade request is read. More wait for a free table. Bounding
 * them keeps a connection burst from leaving the heap full of holes; the
 * bound is well above what slow or hostile clients can hold at once
 * within SERVER_HANDSHAKE_SECS each, so new clients still get a table. */
#define SERVER_HEADER_TABLES 512
/* How long a connection may take to send its upgrade request once it
 * holds a header table: one that dribbles is hung up on after this. */
#define SERVER_HANDSHAKE_SECS 5
#define SERVER_SHUTDOWN_GRACE_US ((lws_usec_t)3 * 1000 * 1000)

static volatile sig_atomic_t stop_requested;
static struct lws_context *signal_context;
static lws_sorted_usec_list_t shutdown_deadline;

static void on_signal(int sig)
{
	stop_requested = 1;
	if (signal_context)
		lws_cancel_service(signal_context);
}

static void force_done(lws_sorted_usec_list_t *sul)
{
	struct zws *app = lws_context_user(signal_context);
	log_warn("%zu clients did not close in time; exiting", app->nsessions);
	app->done = true;
}

static void begin_shutdown(struct zws *app)
{
	app->stopping = true;
	log_info("shutting down: closing %zu clients with 1001", app->nsessions);
	listener_stop(app->listener);
	/* lws lists our connections already; each gets LWS_CALLBACK_USER. */
	lws_callback_all_protocol_vhost_args(app->vhost, lws_vhost_name_to_protocol(app->vhost, "zws"),
					     LWS_CALLBACK_USER, NULL, 0);
	if (!app->nsessions)
		app->done = true;
	else
		lws_sul_schedule(app->context, 0, &shutdown_deadline, force_done, SERVER_SHUTDOWN_GRACE_US);
}

static int ws_closed(struct zws *app, struct session *s)
{
	session_closed(s);
	if (app->stopping && !app->nsessions)
		app->done = true;
	return 0;
}

/* lws protocols that serve zws itself, never a client (see protocols). */
static const char *const internal_protocols[] = { "zws-pg", "zws-listen", "zws-lookup", NULL };

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct zws *app = lws_context_user(lws_get_context(wsi));
	struct session *s = user;
	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return handshake_confirm(wsi, internal_protocols);
	case LWS_CALLBACK_ESTABLISHED:
		return !app->stopping && session_open(s, app, wsi) ? 0 : -1;
	case LWS_CALLBACK_RECEIVE:
		return session_receive(s, in, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		session_pong(s);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return session_writeable(s);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		return session_peer_close(s, in, len);
	case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL:
		if (s && s->app)
			session_lws_closing(s);
		return 0;
	case LWS_CALLBACK_CLOSED:
		return ws_closed(app, s);
	case LWS_CALLBACK_USER: /* begin_shutdown */
		if (s && s->app)
			session_close(s, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
		return 0;
	/* HTTP: POST / is a JSON-RPC read (rpc_http.h). */
	case LWS_CALLBACK_HTTP:
		if (rpc_http_wants(wsi, in))
			return rpc_http_begin(app, wsi);
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	case LWS_CALLBACK_HTTP_BODY:
		return rpc_http_body(wsi, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return rpc_http_body_done(wsi);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return rpc_http_writeable(wsi);
	case LWS_CALLBACK_CLOSED_HTTP:
		rpc_http_closed(wsi);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (stop_requested && !app->stopping)
			begin_shutdown(app);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ "zws", ws_callback, sizeof(struct session), SERVER_RX_BUFFER, 0, NULL, SERVER_TX_PACKET },
	{ "zws-pg", pgfeed_callback, 0, 0, 0, NULL, 0 },
	{ "zws-listen", listener_callback, 0, 0, 0, NULL, 0 },
	{ "zws-lookup", contract_lookup_callback, 0, 0, 0, NULL, SERVER_TX_PACKET },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* No lws keepalive (all zero): its per-connection timers cost O(n) per
 * ping; the keepalive tick below pings and hangs up instead, one timer
 * for every session (core/keepalive.h). */
static const lws_retry_bo_t idle_policy = { .secs_since_valid_ping = 0 };

#define SERVER_KEEPALIVE_TICK_US ((lws_usec_t)1000 * 1000)

static void keepalive_tick(lws_sorted_usec_list_t *sul)
{
	struct zws *app = container_of(sul, struct zws, keepalive_tick);
	session_keepalive_tick(app);
	lws_sul_schedule(app->context, 0, &app->keepalive_tick, keepalive_tick, SERVER_KEEPALIVE_TICK_US);
}

static const struct session_hooks session_hooks = {
	.message = subscribe_message,
	.closed = subscribe_closed,
};

static void lws_log_to_ours(int level, const char *line)
{
	int n = (int)strcspn(line, "\n");
	if (level & LLL_ERR)
		log_error("lws: %.*s", n, line);
	else if (level & LLL_WARN)
		log_warn("lws: %.*s", n, line);
	else
		log_debug("lws: %.*s", n, line);
}

static size_t clients(void *ctx)
{
	return ((struct zws *)ctx)->nsessions;
}

/* pgfeed_hooks.ready: LISTEN is active, so clients may come in. */
static void feed_ready(void *ctx)
{
	struct zws *app = ctx;
	if (!app->listener || app->stopping || app->accepting)
		return;
	app->listener_hooks = (struct listener_hooks){ .ctx = app, .clients = clients };
	if (!listener_start(app->listener, app->vhost, &app->listener_hooks)) {
		log_error("cannot watch the listening socket; stopping");
		stop_requested = 1;
		begin_shutdown(app);
		return;
	}
	app->accepting = true;
	log_info("zws listening on ws://%s:%d (%s loop)", app->cfg->host, app->cfg->port,
		 zws_config_event_loop_name(app->cfg->event_loop));
}

/* pgfeed_hooks.block: every contract that emitted an event is known to be
 * one from now on; then the block goes to its subscribers. */
static void feed_block(void *ctx, const struct block *b)
{
	struct zws *app = ctx;
	for (size_t i = 0; i < b->events.count; i++)
		contracts_learn(app->contracts, b->events.groups[i]->key.key);
	fanout_block(app, b);
	rpc_learn_block(app->rpc, b);
}

static bool build_errors(struct zws *app)
{
	struct buf b = BUF_INIT;
	bool ok = true;
	for (int e = QUERY_ERR_QUERY; ok && e <= QUERY_ERR_FULL; e++) {
		unsigned limit = e == QUERY_ERR_RATE ? app->cfg->rate_limit
			       : e == QUERY_ERR_FULL ? app->cfg->max_total_addresses
			       : e == QUERY_ERR_CHECKS ? app->cfg->max_addresses * ZWS_CHECKS_PER_ADDRESS
						       : app->cfg->max_addresses;
		ok = query_error_json((enum query_error)e, limit, &b) &&
		     (app->errors[e] = frame_new(b.data, b.len)) != NULL;
	}
	buf_free(&b);
	return ok;
}

static struct lws_context *create_context(struct zws *app, struct evloop *loop)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = protocols;
	info.vhost_name = "zws";
	info.user = app;
	info.gid = -1;
	info.uid = -1;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.retry_and_idle_policy = &idle_policy;
	info.max_http_header_pool = SERVER_HEADER_TABLES;
	info.timeout_secs_ah_idle = SERVER_HANDSHAKE_SECS;
	evloop_configure(loop, &info);
	return lws_create_context(&info);
}

static int run_loop(struct zws *app, struct evloop *loop)
{
	signal_context = app->context;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pgfeed_start(app->feed, app->context, app->vhost);
	rpc_start(app->rpc);
	lws_sul_schedule(app->context, 0, &app->keepalive_tick, keepalive_tick, SERVER_KEEPALIVE_TICK_US);
	while (!app->done && evloop_run_once(loop, app->context))
		;
	log_info("stopped");
	return 0;
}

static void app_free(struct zws *app, struct evloop *loop)
{
	if (app->context) {
		lws_sul_cancel(&shutdown_deadline);
		lws_sul_cancel(&app->keepalive_tick);
		contracts_stop(app->contracts);
	}
	pgfeed_stop(app->feed);
	rpc_stop(app->rpc);
	if (app->context)
		evloop_destroy_context(loop, app->context);
	evloop_free(loop);
	signal_context = NULL;
	pgfeed_free(app->feed);
	rpc_free(app->rpc);
	contracts_free(app->contracts);
	contract_lookup_free(app->lookup);
	peers_free(app->peers);
	listener_free(app->listener);
	for (int t = 0; t < SUBS_TOPICS; t++)
		subs_index_free(&app->index[t]);
	for (int e = 0; e <= QUERY_ERR_FULL; e++)
		frame_unref(app->errors[e]);
	fanout_plan_free(&app->plan);
	text_parts_free(&app->parts);
	buf_free(&app->scratch);
}

/* The adapters, once the lws context and vhost exist. */
static bool make_adapters(struct zws *app)
{
	char err[160] = "";
	app->feed_hooks = (struct pgfeed_hooks){ .ctx = app, .ready = feed_ready, .block = feed_block };
	if (app->cfg->lookup &&
	    !(app->lookup = contract_lookup_new(app->context, app->vhost, app->cfg->lookup, err, sizeof(err)))) {
		log_error("%s", err);
		return false;
	}
	if (!(app->feed = pgfeed_new(app->cfg->db, &app->feed_hooks)) ||
	    !(app->rpc = rpc_new(app)) ||
	    !(app->contracts = contracts_new(app->context, app->feed, app->lookup, app->cfg->lookup_timeout_ms))) {
		log_error("out of memory");
		return false;
	}
	return true;
}

int server_run(const struct zws_config *cfg, struct listener *l)
{
	struct zws app = { .cfg = cfg, .listener = l, .session_hooks = &session_hooks };
	struct evloop *loop = NULL;
	int rc = 1;
	dlist_init(&app.newblock);
	dlist_init(&app.unsubscribing);
	keepalive_init(&app.keepalive, cfg->ping_after_s, cfg->drop_after_s);
	lws_set_log_level(log_current_level >= LOG_LEVEL_DEBUG ? LLL_ERR | LLL_WARN | LLL_NOTICE
							       : LLL_ERR | LLL_WARN, lws_log_to_ours);
	if (!build_errors(&app) || !(app.peers = peers_new()))
		log_error("out of memory");
	else if (!(loop = evloop_new(cfg->event_loop)))
		log_error("cannot create the %s event loop", zws_config_event_loop_name(cfg->event_loop));
	else if (!(app.context = create_context(&app, loop)))
		log_error("cannot create the lws context on the %s loop",
			  zws_config_event_loop_name(cfg->event_loop));
	else if (!(app.vhost = lws_get_vhost_by_name(app.context, "zws")))
		log_error("lws created no vhost");
	else if (make_adapters(&app))
		rc = run_loop(&app, loop);
	app_free(&app, loop);
	return rc;
}
