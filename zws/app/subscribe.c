/* Subscribing: what a session's complete message does (see subscribe.h).
 * Rate limit, parse, then subscribe, unsubscribe or answer an error.
 * EventLog queries wait for a contract check; the session is
 * SESSION_CHECKING meanwhile and later messages are held so replies keep
 * their order. A failed query changes nothing. The pending check belongs
 * to the session's pending_eventlog, freed here when it is answered or
 * when the session closes first. */
#include "subscribe.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "contracts.h"
#include "log.h"
#include "replay.h"
#include "rpc.h"
#include "zws_stats.h"

#define SUBSCRIBE_CHECK_WINDOW_S 60

unsigned subscribe_error_limit(const struct zws_config *cfg, enum query_error e)
{
	switch (e) {
	case QUERY_ERR_RATE: return cfg->rate_limit;
	case QUERY_ERR_FULL: return cfg->max_total_addresses;
	case QUERY_ERR_CHECKS: return cfg->max_addresses * ZWS_CHECKS_PER_ADDRESS;
	default: return cfg->max_addresses;
	}
}

/* A rate-limit refusal is logged at info: it comes once per flood. */
static void reply_error(struct session *s, enum query_error e)
{
	char msg[128];
	query_error_text(e, subscribe_error_limit(s->app->cfg, e), msg, sizeof(msg));
	if (e == QUERY_ERR_RATE)
		log_info(SESSION_FMT "query refused: %s", SESSION_ARGS(s), msg);
	else
		log_debug(SESSION_FMT "query refused: %s", SESSION_ARGS(s), msg);
	session_reply(s, s->app->errors[e]);
}

/* Token bucket: rate_limit queries per second, bursts of rate_limit. */
static bool rate_take(struct session *s)
{
	unsigned rate = s->app->cfg->rate_limit;
	if (!rate)
		return true;
	uint64_t now = clock_now_ms();
	uint64_t refill = (now - s->rate_ms) * rate;
	s->rate_ms = now;
	uint64_t tokens = s->rate_tokens + refill;
	if (tokens > (uint64_t)rate * 1000)
		tokens = (uint64_t)rate * 1000;
	if (tokens < 1000) {
		s->rate_tokens = (unsigned)tokens;
		return false;
	}
	s->rate_tokens = (unsigned)(tokens - 1000);
	return true;
}

/* The contract-check budget: every address of an EventLog query may cost
 * a lookup request and a row in the contracts table, so one connection
 * may have ZWS_CHECKS_PER_ADDRESS times --max-addresses of them checked
 * per SUBSCRIBE_CHECK_WINDOW_S, refilled evenly; a client that subscribes
 * once, or changes its list now and then, never meets it. */
static bool checks_take(struct session *s, size_t n)
{
	uint32_t cap = s->app->cfg->max_addresses * ZWS_CHECKS_PER_ADDRESS;
	uint16_t now = (uint16_t)clock_now_s(), since = (uint16_t)(now - s->check_s);
	uint64_t tokens = s->check_tokens + (uint64_t)since * cap / SUBSCRIBE_CHECK_WINDOW_S;
	if (tokens >= cap || since >= SUBSCRIBE_CHECK_WINDOW_S)
		tokens = cap;
	if (tokens != s->check_tokens)
		s->check_s = now; /* the fraction of a token not yet earned is lost */
	s->check_tokens = (uint32_t)tokens;
	if (n > tokens)
		return false;
	s->check_tokens -= (uint32_t)n;
	return true;
}

static enum subs_topic index_of(enum topic t)
{
	return t == TOPIC_EVENTLOG ? SUBS_EVENTLOG : SUBS_TXNLOG;
}

/* A new subscription to t replaces one that an Unsubscribe is ending. */
static void restart_topic(struct session *s, enum topic t)
{
	if (s->ending & TOPIC_BIT(t))
		session_drop_topic(s, t);
}

/* Addresses the session would hold after adding these to t. Topics an
 * Unsubscribe is ending do not count: they are gone after the next block. */
/* Addresses s holds now, not counting topics it is leaving. */
static size_t held_now(const struct session *s)
{
	size_t total = 0;
	if (!(s->ending & TOPIC_BIT(TOPIC_EVENTLOG)))
		total += s->sub.count[SUBS_EVENTLOG];
	if (!(s->ending & TOPIC_BIT(TOPIC_TXNLOG)))
		total += s->sub.count[SUBS_TXNLOG];
	return total;
}

static size_t total_after(struct session *s, enum topic t, const uint8_t (*addrs)[ADDRESS_BYTES],
			  size_t n, const bool *keep)
{
	size_t total = held_now(s);
	bool replacing = s->ending & TOPIC_BIT(t);
	for (size_t i = 0; i < n; i++)
		if ((!keep || keep[i]) && (replacing || !subs_has(&s->sub, index_of(t), addrs[i])))
			total++;
	return total;
}

/* Whether adding these addresses to t keeps s and the process within
 * their limits; extra: addresses earlier queries of a Resume add. */
static enum query_error addresses_fit(struct session *s, enum topic t, const uint8_t (*addrs)[ADDRESS_BYTES],
				      size_t n, const bool *keep, size_t extra)
{
	size_t after = total_after(s, t, addrs, n, keep) + extra, before = held_now(s);
	if (after > s->app->cfg->max_addresses)
		return QUERY_ERR_TOO_MANY;
	/* Every connection's addresses cost memory; all of them together are
	 * bounded too. */
	size_t process = s->app->index[SUBS_EVENTLOG].links + s->app->index[SUBS_TXNLOG].links;
	if (after > before && process + (after - before) > s->app->cfg->max_total_addresses)
		return QUERY_ERR_FULL;
	return QUERY_OK;
}

/* Subscribes to the kept addresses, within the limits (addresses_fit).
 * false: out of memory, and the session is closing. */
static bool add_addresses(struct session *s, enum topic t, const uint8_t (*addrs)[ADDRESS_BYTES], size_t n,
			  const bool *keep)
{
	restart_topic(s, t);
	struct subs_index *idx = &s->app->index[index_of(t)];
	for (size_t i = 0; i < n; i++) {
		if ((!keep || keep[i]) && !subs_add(idx, index_of(t), &s->sub, addrs[i])) {
			session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
			return false;
		}
	}
	if (!(s->topics & TOPIC_BIT(t)))
		stats_add(&s->app->stats->subscribers[t], 1);
	s->topics |= (unsigned char)TOPIC_BIT(t);
	return true;
}

/* Subscribes to the kept addresses and echoes the query. */
static void subscribe_addresses(struct session *s, enum topic t, const uint8_t (*addrs)[ADDRESS_BYTES],
				size_t n, const bool *keep, const char *text, size_t len)
{
	enum query_error e = addresses_fit(s, t, addrs, n, keep, 0);
	if (e != QUERY_OK)
		reply_error(s, e);
	else if (add_addresses(s, t, addrs, n, keep))
		session_reply_text(s, text, len);
}

static void add_newblock(struct session *s)
{
	s->ending &= (unsigned char)~TOPIC_BIT(TOPIC_NEWBLOCK);
	if (!(s->topics & TOPIC_BIT(TOPIC_NEWBLOCK))) {
		s->topics |= (unsigned char)TOPIC_BIT(TOPIC_NEWBLOCK);
		stats_add(&s->app->stats->subscribers[TOPIC_NEWBLOCK], 1);
		dlist_add(&s->app->newblock, &s->newblock);
	}
}

static void drop_topic(struct session *s, enum topic t)
{
	if ((s->topics & TOPIC_BIT(t)) && !(s->ending & TOPIC_BIT(t))) {
		s->ending |= (unsigned char)TOPIC_BIT(t);
		bool listed = false;
		for (unsigned i = 0; i < s->ndropped; i++)
			listed |= s->dropped[i] == t;
		if (!listed)
			s->dropped[s->ndropped++] = (unsigned char)t;
		if (!dlist_linked(&s->unsubscribing))
			dlist_add(&s->app->unsubscribing, &s->unsubscribing);
	}
}

/* An EventLog query, or a Resume holding some, waiting for its contract
 * check (s->pending). addrs: the addresses checked (a Resume's EventLog
 * addresses in order, owned; an EventLog's are q.addresses). */
struct pending_eventlog {
	struct session *s;
	struct contract_check *check;
	struct query q;
	uint8_t (*addrs)[ADDRESS_BYTES];
	size_t naddrs;
	size_t len;
	char text[];
};

static void run_held(struct session *s)
{
	struct session_msg *m;
	while (s->state == SESSION_OPEN && (m = session_take_held(s))) {
		subscribe_message(s, m->text, m->len, m->binary);
		free(m);
	}
}

static void pending_free(struct pending_eventlog *p)
{
	if (p->addrs != p->q.addresses)
		free(p->addrs);
	query_clear(&p->q);
	free(p);
}

/* ---- Resume ---- */

/* The error naming a block (QUERY_ERR_TOO_OLD, QUERY_ERR_AHEAD). */
static void reply_error_naming(struct session *s, enum query_error e, uint64_t num)
{
	struct buf b = BUF_INIT;
	if (query_error_json(e, num, &b)) {
		log_debug(SESSION_FMT "Resume refused: %.*s", SESSION_ARGS(s), (int)b.len, b.data);
		session_reply_text(s, b.data, b.len);
	} else {
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
	}
	buf_free(&b);
}

static void resume_refused(struct session *s, enum stats_resume_refusal why)
{
	stats_add(&s->app->stats->resumes_refused[why], 1);
}

/* Whether q's fromBlock can be served; false after answering the error. */
static bool resume_point_ok(struct session *s, const struct query *q)
{
	if (!q->has_from_block)
		return true;
	uint64_t oldest = replay_oldest(s->app), head = s->app->head;
	if (q->from_block < oldest) {
		resume_refused(s, STATS_RESUME_TOO_OLD);
		reply_error_naming(s, QUERY_ERR_TOO_OLD, oldest);
	} else if (q->from_block > head + 1) {
		resume_refused(s, STATS_RESUME_AHEAD);
		reply_error_naming(s, QUERY_ERR_AHEAD, head);
	} else {
		return true;
	}
	return false;
}

static bool is_address_query(const struct query *q)
{
	return q->kind == QUERY_EVENTLOG || q->kind == QUERY_TXNLOG;
}

static enum topic topic_of(const struct query *q)
{
	return q->kind == QUERY_EVENTLOG ? TOPIC_EVENTLOG : TOPIC_TXNLOG;
}

/* Checks every query of the Resume against the limits, as if applied in
 * order; keep: the contract states of its EventLog addresses, in order. */
static enum query_error resume_fits(struct session *s, const struct query *q, const bool *keep)
{
	size_t extra = 0, at = 0;
	for (size_t i = 0; i < q->nqueries; i++) {
		const struct query *sub = &q->queries[i];
		if (!is_address_query(sub))
			continue;
		const bool *k = sub->kind == QUERY_EVENTLOG ? keep + at : NULL;
		bool any = !k;
		for (size_t j = 0; k && j < sub->naddresses; j++)
			any |= k[j];
		if (!any)
			return QUERY_ERR_NO_CONTRACT;
		enum topic t = topic_of(sub);
		const uint8_t(*addrs)[ADDRESS_BYTES] = (const uint8_t(*)[ADDRESS_BYTES])sub->addresses;
		enum query_error e = addresses_fit(s, t, addrs, sub->naddresses, k, extra);
		if (e != QUERY_OK)
			return e;
		extra += total_after(s, t, addrs, sub->naddresses, k) - held_now(s);
		at += sub->kind == QUERY_EVENTLOG ? sub->naddresses : 0;
	}
	return QUERY_OK;
}

/* Applies a Resume whose EventLog addresses were checked (keep), all or
 * nothing, echoes it and starts its replay. */
static void resume_apply(struct session *s, const struct query *q, const bool *keep, const char *text,
			 size_t len)
{
	if (!resume_point_ok(s, q))
		return;
	enum query_error e = resume_fits(s, q, keep);
	if (e != QUERY_OK) {
		resume_refused(s, STATS_RESUME_LIMITS);
		reply_error(s, e);
		return;
	}
	size_t at = 0;
	for (size_t i = 0; i < q->nqueries; i++) {
		const struct query *sub = &q->queries[i];
		if (sub->kind == QUERY_NEWBLOCK)
			add_newblock(s);
		else if (sub->kind == QUERY_UNSUBSCRIBE)
			drop_topic(s, sub->topic);
		else if (!add_addresses(s, topic_of(sub), (const uint8_t(*)[ADDRESS_BYTES])sub->addresses,
					sub->naddresses, sub->kind == QUERY_EVENTLOG ? keep + at : NULL))
			return;
		at += sub->kind == QUERY_EVENTLOG ? sub->naddresses : 0;
	}
	session_reply_text(s, text, len);
	/* Without fromBlock: from the block after the last one pushed, so a
	 * block announced but not yet pushed still reaches it. */
	struct zws *app = s->app;
	replay_start(s, q->has_from_block ? q->from_block : app->fanned ? app->fanned + 1 : app->head + 1);
}

/* ---- contract checks ---- */

static void eventlog_checked(void *ctx, const enum contract_state *states, size_t n)
{
	struct pending_eventlog *p = ctx;
	struct session *s = p->s;
	s->pending = NULL;
	bool *keep = calloc(n ? n : 1, sizeof(*keep));
	size_t contracts = 0;
	for (size_t i = 0; keep && i < n; i++)
		contracts += keep[i] = states[i] == CONTRACT_YES;
	if (s->state == SESSION_CHECKING)
		session_set_state(s, SESSION_OPEN);
	if (!keep)
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
	else if (p->q.kind == QUERY_RESUME)
		resume_apply(s, &p->q, keep, p->text, p->len);
	else if (!contracts)
		reply_error(s, QUERY_ERR_NO_CONTRACT);
	else
		subscribe_addresses(s, TOPIC_EVENTLOG, (const uint8_t(*)[ADDRESS_BYTES])p->addrs, n, keep,
				    p->text, p->len);
	log_debug(SESSION_FMT "EventLog: %zu of %zu addresses are contracts", SESSION_ARGS(s), contracts, n);
	free(keep);
	pending_free(p);
	run_held(s);
}

/* Checks addrs (owned: freed with the pending query unless they are
 * q's) for q, then answers it (eventlog_checked). */
static void start_check(struct session *s, struct query *q, uint8_t (*addrs)[ADDRESS_BYTES], size_t naddrs,
			const char *text, size_t len)
{
	struct pending_eventlog *p = malloc(sizeof(*p) + len + 1);
	if (!p) {
		if (addrs != q->addresses)
			free(addrs);
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
		return;
	}
	p->s = s;
	p->q = *q;
	memset(q, 0, sizeof(*q));
	p->addrs = addrs;
	p->naddrs = naddrs;
	p->len = len;
	memcpy(p->text, text, len);
	session_set_state(s, SESSION_CHECKING);
	p->check = contracts_check_start(s->app->contracts, (const uint8_t(*)[ADDRESS_BYTES])p->addrs,
					 p->naddrs, eventlog_checked, p);
	if (p->check) {
		s->pending = p;
	} else {
		pending_free(p);
		session_set_state(s, SESSION_OPEN);
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
	}
}

/* A Resume: its EventLog addresses are checked together first. */
static void resume(struct session *s, struct query *q, const char *text, size_t len)
{
	if (!resume_point_ok(s, q))
		return;
	size_t n = 0;
	for (size_t i = 0; i < q->nqueries; i++)
		n += q->queries[i].kind == QUERY_EVENTLOG ? q->queries[i].naddresses : 0;
	if (!n) {
		resume_apply(s, q, NULL, text, len);
		return;
	}
	if (!checks_take(s, n)) {
		resume_refused(s, STATS_RESUME_LIMITS);
		reply_error(s, QUERY_ERR_CHECKS);
		return;
	}
	uint8_t(*addrs)[ADDRESS_BYTES] = calloc(n, ADDRESS_BYTES);
	if (!addrs) {
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
		return;
	}
	size_t at = 0;
	for (size_t i = 0; i < q->nqueries; i++) {
		const struct query *sub = &q->queries[i];
		if (sub->kind != QUERY_EVENTLOG)
			continue;
		memcpy(addrs[at], sub->addresses, sub->naddresses * ADDRESS_BYTES);
		at += sub->naddresses;
	}
	start_check(s, q, addrs, n, text, len);
}

void subscribe_message(struct session *s, const char *text, size_t len, bool binary)
{
	if (!rate_take(s)) {
		/* Told once per flood; the rest of it goes unanswered. */
		if (!s->rate_noted)
			reply_error(s, QUERY_ERR_RATE);
		s->rate_noted = true;
		return;
	}
	s->rate_noted = false;
	/* A JSON-RPC read (a batch costs one token, RPC_MAX_BATCH at most). */
	if (!binary && rpc_session_message(s, text, len))
		return;
	struct query q;
	enum query_error e = binary ? QUERY_ERR_QUERY : query_parse(text, len, &q);
	if (e != QUERY_OK) {
		if (e == QUERY_ERR_FROM_BLOCK || e == QUERY_ERR_QUERIES)
			resume_refused(s, STATS_RESUME_INVALID);
		reply_error(s, e);
		return;
	}
	switch (q.kind) {
	case QUERY_NEWBLOCK:
		add_newblock(s);
		session_reply_text(s, text, len);
		break;
	case QUERY_TXNLOG:
		subscribe_addresses(s, TOPIC_TXNLOG, (const uint8_t(*)[ADDRESS_BYTES])q.addresses,
				    q.naddresses, NULL, text, len);
		break;
	case QUERY_UNSUBSCRIBE:
		drop_topic(s, q.topic);
		session_reply_text(s, text, len);
		break;
	case QUERY_EVENTLOG:
		if (!checks_take(s, q.naddresses))
			reply_error(s, QUERY_ERR_CHECKS);
		else
			start_check(s, &q, q.addresses, q.naddresses, text, len);
		break;
	case QUERY_RESUME:
		resume(s, &q, text, len);
		break;
	}
	query_clear(&q);
}

void subscribe_closed(struct session *s)
{
	rpc_cancel_owner(s->app->rpc, s);
	struct pending_eventlog *p = s->pending;
	if (!p)
		return;
	s->pending = NULL;
	contracts_check_cancel(p->check);
	pending_free(p);
}
