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
#include <unistd.h>

#include "addr_rate.h"
#include "admit.h"
#include "app.h"
#include "contract_lookup.h"
#include "clock.h"
#include "contracts.h"
#include "evloop.h"
#include "fanout.h"
#include "handshake.h"
#include "http_routes.h"
#include "log.h"
#include "mask_check.h"
#include "peers.h"
#include "rpc.h"
#include "rpc_http.h"
#include "pgfeed.h"
#include "replay.h"
#include "session.h"
#include "subscribe.h"
#include "tls.h"

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
/* Recent blocks kept with their fragments for clients that resume
 * (core/block_cache.h): a reconnect storm after a restart of a few
 * minutes is served from memory. */
#define ZWS_BLOCK_CACHE_BLOCKS 256

/* Signals, counted by the handler and acted on from the loop. */
static volatile sig_atomic_t stop_signals; /* SIGTERM and SIGINT */
static volatile sig_atomic_t hangups;      /* SIGHUP */
static struct lws_context *signal_context;
static lws_sorted_usec_list_t drain_deadline;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		hangups++;
	else
		stop_signals++;
	if (signal_context)
		lws_cancel_service(signal_context);
}

/* SIGHUP: the certificate and key are read again. Connections already
 * open keep the certificate they were made with. */
static void reload_tls(struct zws *app)
{
	const struct zws_config *cfg = app->cfg;
	if (!cfg->tls_cert) {
		log_info("SIGHUP: no TLS certificate to reload (serving ws://)");
		return;
	}
	struct tls_cert_info ci;
	char err[400];
	if (!tls_files_reload(app->context, cfg->tls_cert, cfg->tls_key, &ci, err, sizeof(err))) {
		log_error("TLS reload failed, still serving the previous certificate: %s", err);
		return;
	}
	log_info("TLS certificate reloaded from %s: subject %s, serial %s, expires %s%s", cfg->tls_cert,
		 ci.subject, ci.serial, ci.not_after, ci.expired ? " (EXPIRED)" : "");
}

static void drain_cut(struct zws *app, const char *why)
{
	log_warn("%s: cutting %zu clients that have not closed", why, app->nsessions);
	app->drain_cut = app->nsessions;
	app->done = true;
}

static void drain_expired(lws_sorted_usec_list_t *sul)
{
	struct zws *app = lws_context_user(signal_context);
	char why[48];
	snprintf(why, sizeof(why), "drain took longer than %u s", app->cfg->drain_s);
	drain_cut(app, why);
}

static void begin_shutdown(struct zws *app)
{
	app->stopping = true;
	app->drain_start_us = lws_now_usecs();
	app->drain_clients = app->nsessions;
	log_info("draining: not accepting, closing %zu clients with 1001 within %u s", app->nsessions,
		 app->cfg->drain_s);
	listener_stop(app->listener);
	/* lws lists our connections already; each gets LWS_CALLBACK_USER. */
	lws_callback_all_protocol_vhost_args(app->vhost, lws_vhost_name_to_protocol(app->vhost, "zws"),
					     LWS_CALLBACK_USER, NULL, 0);
	if (!app->nsessions)
		app->done = true;
	else
		lws_sul_schedule(app->context, 0, &drain_deadline, drain_expired,
				 (lws_usec_t)app->cfg->drain_s * LWS_US_PER_SEC);
}

/* SIGHUP: reopen what logrotate moved and reload the TLS certificate;
 * never stops the process. */
static void on_hangup(struct zws *app)
{
	char err[200];
	if (!log_reopen(err, sizeof(err)))
		log_error("SIGHUP: %s; still logging to the old file", err);
	else if (app->cfg->log_file)
		log_info("SIGHUP: log file reopened");
	reload_tls(app);
}

/* What the signal handler asked for, done from the loop. */
static void on_wakeup(struct zws *app)
{
	if (hangups != app->hangups_seen) {
		app->hangups_seen = hangups;
		on_hangup(app);
	}
	if (stop_signals && !app->stopping)
		begin_shutdown(app);
	if (stop_signals > 1 && !app->done)
		drain_cut(app, "second signal");
}

static int ws_closed(struct zws *app, struct session *s, struct lws *wsi)
{
	mask_check_forget(wsi);
	replay_forget(s);
	session_closed(s);
	if (app->stopping && !app->nsessions)
		app->done = true;
	return 0;
}

/* lws protocols that serve zws itself, never a client (see protocols). */
static const char *const internal_protocols[] = { "zws-pg", "zws-listen", "zws-identity", "zws-lookup",
						  "zws-not-http", NULL };

/* The caps first, then RFC 6455's checks. */
static int confirm_upgrade(struct zws *app, struct lws *wsi)
{
	if (admit_upgrade(app, wsi))
		return -1;
	if (!handshake_confirm(wsi, internal_protocols))
		return 0;
	stats_add(&app->stats->refused[STATS_REFUSED_HANDSHAKE], 1);
	return -1;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct zws *app = lws_context_user(lws_get_context(wsi));
	struct session *s = user;
	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return confirm_upgrade(app, wsi);
	/* HTTP: POST / is a JSON-RPC read (rpc_http.h); GET serves the
	 * health, metrics and status routes (http_routes.h). */
	case LWS_CALLBACK_HTTP:
		mask_check_http(wsi);
		if (rpc_http_wants(wsi, in))
			return rpc_http_begin(app, wsi);
		return http_routes_serve(app, wsi, in);
	case LWS_CALLBACK_ESTABLISHED:
		if (app->stopping || !session_open(s, app, wsi))
			return -1;
		mask_check_established(s, wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (!mask_check_data(s, wsi))
			return -1;
		return session_receive(s, in, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		if (!mask_check_pong(s, wsi))
			return -1;
		session_pong(s);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return session_writeable(s);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		return session_peer_close(s, in, len, !mask_check_close(s, wsi));
	case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL:
		if (s && s->app)
			session_lws_closing(s);
		return 0;
	case LWS_CALLBACK_CLOSED:
		return ws_closed(app, s, wsi);
	case LWS_CALLBACK_USER: /* begin_shutdown */
		if (s && s->app)
			session_close(s, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
		return 0;
	case LWS_CALLBACK_HTTP_BODY:
		return rpc_http_body(wsi, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return rpc_http_body_done(wsi);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return rpc_http_writeable(wsi);
	case LWS_CALLBACK_CLOSED_HTTP:
		mask_check_forget(wsi);
		rpc_http_closed(wsi);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		on_wakeup(app);
		return 0;
	case LWS_CALLBACK_SSL_INFO: /* wss:// only: a handshake ended */
		tls_handshake_info(&app->tls_failures, wsi, in);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* ws:// only: a connection whose first bytes are not HTTP comes here
 * (LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG) and is
 * closed, with a line if it was a TLS handshake. */
static int not_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			     size_t len)
{
	struct zws *app = lws_context_user(lws_get_context(wsi));
	if (reason == LWS_CALLBACK_RAW_RX) {
		tls_not_http(&app->tls_failures, wsi, in, len);
		return -1;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "zws", ws_callback, sizeof(struct session), SERVER_RX_BUFFER, 0, NULL, SERVER_TX_PACKET },
	{ "zws-pg", pgfeed_callback, 0, 0, 0, NULL, 0 },
	{ "zws-listen", listener_callback, 0, 0, 0, NULL, 0 },
	{ "zws-identity", port_identity_callback, 0, 0, 0, NULL, 0 },
	{ "zws-lookup", contract_lookup_callback, 0, 0, 0, NULL, SERVER_TX_PACKET },
	{ "zws-not-http", not_http_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* No lws keepalive (all zero): its per-connection timers cost O(n) per
 * ping; the keepalive tick below pings and hangs up instead, one timer
 * for every session (core/keepalive.h). */
static const lws_retry_bo_t idle_policy = { .secs_since_valid_ping = 0 };

#define SERVER_KEEPALIVE_TICK_US ((lws_usec_t)1000 * 1000)

/* The gauges other workers read that are not kept up to date as they
 * change. */
static void publish_gauges(struct zws *app)
{
	atomic_store_explicit(&app->stats->postgres_up, app->feed && pgfeed_connected(app->feed) && app->accepting,
			      memory_order_relaxed);
	stats_set(&app->stats->addresses[TOPIC_EVENTLOG], app->index[SUBS_EVENTLOG].links);
	stats_set(&app->stats->addresses[TOPIC_TXNLOG], app->index[SUBS_TXNLOG].links);
}

static void keepalive_tick(lws_sorted_usec_list_t *sul)
{
	struct zws *app = container_of(sul, struct zws, keepalive_tick);
	session_keepalive_tick(app);
	admit_tick(app);
	publish_gauges(app);
	lws_sul_schedule(app->context, 0, &app->keepalive_tick, keepalive_tick, SERVER_KEEPALIVE_TICK_US);
}

static const struct session_hooks session_hooks = {
	.message = subscribe_message,
	.closed = subscribe_closed,
};

/* lws's own lines, as lws_levels selects them. */
static void lws_log_to_ours(int level, const char *line)
{
	int n = (int)strcspn(line, "\n");
	if (level & LLL_ERR)
		log_error("lws: %.*s", n, line);
	else if (level & LLL_WARN)
		log_warn("lws: %.*s", n, line);
	else
		log_info("lws: %.*s", n, line);
}

/* lws's errors and warnings always; its notices and info lines (every
 * connection's life) only with --lws-debug, never with --log-level debug. */
static int lws_levels(const struct zws_config *cfg)
{
	return LLL_ERR | LLL_WARN | (cfg->lws_debug ? LLL_NOTICE | LLL_INFO : 0);
}

static size_t clients(void *ctx)
{
	return ((struct zws *)ctx)->nsessions;
}

static void refused_full(void *ctx)
{
	stats_add(&((struct zws *)ctx)->stats->refused[STATS_REFUSED_OPEN_FILES], 1);
}

static void start_accepting(struct zws *app)
{
	if (!app->listener || app->stopping || app->accepting)
		return;
	app->listener_hooks = (struct listener_hooks){
		.ctx = app, .clients = clients, .refused = refused_full, .accepted = mask_check_accepted
	};
	if (!listener_start(app->listener, app->vhost, &app->listener_hooks)) {
		log_error("cannot watch the listening socket; stopping");
		stop_signals = 1;
		begin_shutdown(app);
		return;
	}
	app->accepting = true;
	publish_gauges(app);
	log_info("zws listening on %s://%s:%d (%s loop)", app->cfg->tls_cert ? "wss" : "ws",
		 app->cfg->host, app->cfg->port,
		 zws_config_event_loop_name(app->cfg->event_loop));
}

/* Which blocks are stored, so a Resume can be answered: then clients may
 * come in. */
static const char bounds_sql[] = "SELECT min(block_num), max(block_num) FROM tx_blocks";

static void bounds_read(void *ctx, const PGresult *res)
{
	struct zws *app = ctx;
	if (!res || PQntuples(res) != 1) {
		log_warn("cannot read which blocks are stored; asking again after the next reconnect");
		return;
	}
	if (!PQgetisnull(res, 0, 0)) {
		uint64_t oldest = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
		if (!app->bounds_known || oldest < app->oldest)
			app->oldest = oldest;
		replay_head(app, strtoull(PQgetvalue(res, 0, 1), NULL, 10));
	}
	if (!app->bounds_known)
		log_info("stored blocks: blk=%llu..%llu; clients may resume from blk=%llu",
			 (unsigned long long)app->oldest, (unsigned long long)app->head,
			 (unsigned long long)replay_oldest(app));
	app->bounds_known = true;
	start_accepting(app);
}

/* pgfeed_hooks.ready: LISTEN is active; once the stored blocks are known
 * clients may come in. */
static void feed_ready(void *ctx)
{
	struct zws *app = ctx;
	if (!pgfeed_query_take(app->feed, bounds_sql, 0, NULL, NULL, bounds_read, app))
		log_error("cannot read which blocks are stored: out of memory");
}

/* pgfeed_hooks.announced: the head moves. */
static void feed_announced(void *ctx, uint64_t num)
{
	struct zws *app = ctx;
	if (!app->oldest)
		app->oldest = num; /* the database held no block when zws started */
	replay_head(app, num);
}

/* pgfeed_hooks.block: every contract that emitted an event is known to be
 * one from now on; the block joins the cache, where replays find it, and
 * goes to its subscribers. */
static void feed_block(void *ctx, struct block *b)
{
	struct zws *app = ctx;
	for (size_t i = 0; i < b->events.count; i++)
		contracts_learn(app->contracts, b->events.groups[i]->key.key);
	replay_block_pushed_take(app, b);
	fanout_block(app, b);
	rpc_learn_block(app->rpc, b);
}

static bool build_errors(struct zws *app)
{
	struct buf b = BUF_INIT;
	bool ok = true;
	for (int e = QUERY_ERR_QUERY; ok && e <= QUERY_ERR_QUERIES; e++) {
		unsigned limit = subscribe_error_limit(app->cfg, (enum query_error)e);
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
	if (app->cfg->tls_cert) {
		/* lws_tls_cert_updated finds the vhost by these paths (reload_tls). */
		info.ssl_cert_filepath = app->cfg->tls_cert;
		info.ssl_private_key_filepath = app->cfg->tls_key;
		info.ssl_info_event_mask = TLS_INFO_EVENTS;
	} else {
		info.options |= LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG;
		info.listen_accept_role = "raw-skt";
		info.listen_accept_protocol = "zws-not-http";
	}
	evloop_configure(loop, &info);
	return lws_create_context(&info);
}

/* port_identity_hooks.claimed */
static void identity_claimed(void *ctx, int port)
{
	log_info("answering for port %d (identity socket zws-port-%d)", port, port);
}

static void drain_summary(struct zws *app)
{
	lws_usec_t took = lws_now_usecs() - app->drain_start_us;
	log_info("drained in %llu ms: %zu clients closed with 1001, %zu cut",
		 (unsigned long long)(took / 1000), app->drain_clients - app->drain_cut, app->drain_cut);
}

static int run_loop(struct zws *app, struct evloop *loop)
{
	signal_context = app->context;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	app->identity_hooks = (struct port_identity_hooks){ .ctx = app, .claimed = identity_claimed };
	if (app->identity && !port_identity_start(app->identity, app->context, app->vhost, &app->identity_hooks))
		log_warn("cannot answer for port %d: a zws started there now is not told who serves it",
			 app->cfg->port);
	pgfeed_start(app->feed, app->context, app->vhost);
	rpc_start(app->rpc);
	lws_sul_schedule(app->context, 0, &app->keepalive_tick, keepalive_tick, SERVER_KEEPALIVE_TICK_US);
	/* A signal that came before the handler knew the context. */
	if (stop_signals || hangups)
		lws_cancel_service(app->context);
	while (!app->done && evloop_run_once(loop, app->context))
		mask_check_sweep();
	if (app->stopping)
		drain_summary(app);
	log_info("stopped");
	return 0;
}

static void app_free(struct zws *app, struct evloop *loop)
{
	if (app->context) {
		lws_sul_cancel(&drain_deadline);
		lws_sul_cancel(&app->keepalive_tick);
		port_identity_stop(app->identity);
		replay_stop(app);
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
	addr_rate_free(app->http_rates);
	listener_free(app->listener);
	mask_check_free();
	for (int t = 0; t < SUBS_TOPICS; t++)
		subs_index_free(&app->index[t]);
	for (int e = 0; e <= QUERY_ERR_QUERIES; e++)
		frame_unref(app->errors[e]);
	block_cache_free(&app->cache);
	free(app->replay_items);
	fanout_plan_free(&app->plan);
	text_parts_free(&app->parts);
	buf_free(&app->scratch);
}

/* The adapters, once the lws context and vhost exist. */
static bool make_adapters(struct zws *app)
{
	char err[160] = "";
	app->feed_hooks = (struct pgfeed_hooks){ .ctx = app, .ready = feed_ready,
						 .announced = feed_announced, .block = feed_block };
	struct contracts_limits limits = { .timeout_ms = app->cfg->lookup_timeout_ms,
					   .max_negative = app->cfg->max_negative_cache, .workers = app->cfg->workers };
	if (app->cfg->lookup &&
	    !(app->lookup = contract_lookup_new(app->context, app->vhost, app->cfg->lookup, err, sizeof(err)))) {
		log_error("%s", err);
		return false;
	}
	if (!(app->feed = pgfeed_new(app->cfg->db, &app->feed_hooks, app->cfg->max_resume)) ||
	    !(app->rpc = rpc_new(app)) ||
	    !(app->contracts = contracts_new(app->context, app->feed, app->lookup, &limits, app->stats))) {
		log_error("out of memory");
		return false;
	}
	return true;
}

/* This worker's slot: counters carry on from a worker that ran in it
 * before (they only grow), gauges start again. */
static void claim_slot(struct zws *app, struct stats_region *region, unsigned worker)
{
	struct stats_slot *s = &region->slot[worker];
	app->stats_region = region;
	app->stats = s;
	app->worker = worker;
	app->report_limits.healthy_block_age_s = app->cfg->healthy_block_age_s;
	app->admission = (struct admission_limits){ .max_clients = app->cfg->max_clients,
						     .max_per_ip = app->cfg->max_clients_per_ip,
						     .allow_origin = app->cfg->allow_origin };
	stats_set(&s->connections, 0);
	for (int t = 0; t < TOPIC_COUNT; t++) {
		stats_set(&s->subscribers[t], 0);
		stats_set(&s->addresses[t], 0);
	}
	atomic_store_explicit(&s->postgres_up, 0, memory_order_relaxed);
	atomic_store_explicit(&s->lookup_configured, app->cfg->lookup != NULL, memory_order_relaxed);
	atomic_store_explicit(&s->lookup_failing, 0, memory_order_relaxed);
	stats_set(&s->started_ms, clock_now_ms());
	atomic_store_explicit(&s->pid, (int32_t)getpid(), memory_order_relaxed);
}

/* A worker and the loop under it; its app is what lws_context_user gives. */
struct server {
	struct zws app;
	struct evloop *loop;
};

struct server *server_new(const struct zws_config *cfg, struct listener *l, struct port_identity *id,
			  struct stats_region *stats, unsigned worker)
{
	struct server *sv = calloc(1, sizeof(*sv));
	if (!sv) {
		log_error("out of memory");
		listener_free(l);
		return NULL;
	}
	struct zws *app = &sv->app;
	*app = (struct zws){ .cfg = cfg, .listener = l, .identity = id, .session_hooks = &session_hooks };
	claim_slot(app, stats, worker);
	dlist_init(&app->newblock);
	dlist_init(&app->unsubscribing);
	dlist_init(&app->replaying);
	dlist_init(&app->parked);
	keepalive_init(&app->keepalive, cfg->ping_after_s, cfg->drop_after_s);
	lws_set_log_level(lws_levels(cfg), lws_log_to_ours);
	if (!build_errors(app) || !(app->peers = peers_new()) ||
	    !block_cache_init(&app->cache, ZWS_BLOCK_CACHE_BLOCKS))
		log_error("out of memory");
	else if (!(sv->loop = evloop_new(cfg->event_loop)))
		log_error("cannot create the %s event loop", zws_config_event_loop_name(cfg->event_loop));
	else if (!(app->context = create_context(app, sv->loop)))
		log_error("cannot create the lws context on the %s loop",
			  zws_config_event_loop_name(cfg->event_loop));
	else if (!(app->vhost = lws_get_vhost_by_name(app->context, "zws")))
		log_error("lws created no vhost");
	else if (make_adapters(app))
		return sv;
	server_free(sv);
	return NULL;
}

struct lws_context *server_context(const struct server *sv)
{
	return sv->app.context;
}

struct lws_vhost *server_vhost(const struct server *sv)
{
	return sv->app.vhost;
}

void server_free(struct server *sv)
{
	if (!sv)
		return;
	app_free(&sv->app, sv->loop);
	free(sv);
}

int server_run(const struct zws_config *cfg, struct listener *l, struct port_identity *id,
	       struct stats_region *stats, unsigned worker)
{
	struct server *sv = server_new(cfg, l, id, stats, worker);
	if (!sv)
		return 1;
	int rc = run_loop(&sv->app, sv->loop);
	atomic_store_explicit(&sv->app.stats->pid, 0, memory_order_relaxed);
	server_free(sv);
	return rc;
}
