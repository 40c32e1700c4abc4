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
#include "rpc.h"

#define SUBSCRIBE_CHECK_WINDOW_S 60

static void reply_error(struct session *s, enum query_error e)
{
	char msg[96];
	query_error_text(e, 0, msg, sizeof(msg));
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

/* Subscribes to the kept addresses and echoes the query. */
static void subscribe_addresses(struct session *s, enum topic t, const uint8_t (*addrs)[ADDRESS_BYTES],
				size_t n, const bool *keep, const char *text, size_t len)
{
	size_t after = total_after(s, t, addrs, n, keep), before = held_now(s);
	if (after > s->app->cfg->max_addresses) {
		reply_error(s, QUERY_ERR_TOO_MANY);
		return;
	}
	/* Every connection's addresses cost memory; all of them together are
	 * bounded too. */
	size_t process = s->app->index[SUBS_EVENTLOG].links + s->app->index[SUBS_TXNLOG].links;
	if (after > before && process + (after - before) > s->app->cfg->max_total_addresses) {
		reply_error(s, QUERY_ERR_FULL);
		return;
	}
	restart_topic(s, t);
	struct subs_index *idx = &s->app->index[index_of(t)];
	for (size_t i = 0; i < n; i++) {
		if ((!keep || keep[i]) && !subs_add(idx, index_of(t), &s->sub, addrs[i])) {
			session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
			return;
		}
	}
	s->topics |= (unsigned char)TOPIC_BIT(t);
	session_reply_text(s, text, len);
}

static void subscribe_newblock(struct session *s, const char *text, size_t len)
{
	s->ending &= (unsigned char)~TOPIC_BIT(TOPIC_NEWBLOCK);
	if (!(s->topics & TOPIC_BIT(TOPIC_NEWBLOCK))) {
		s->topics |= (unsigned char)TOPIC_BIT(TOPIC_NEWBLOCK);
		dlist_add(&s->app->newblock, &s->newblock);
	}
	session_reply_text(s, text, len);
}

static void unsubscribe(struct session *s, enum topic t, const char *text, size_t len)
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
	session_reply_text(s, text, len);
}

/* The EventLog query waiting for its contract check (s->pending). */
struct pending_eventlog {
	struct session *s;
	struct contract_check *check;
	struct query q;
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
	query_clear(&p->q);
	free(p);
}

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
	else if (!contracts)
		reply_error(s, QUERY_ERR_NO_CONTRACT);
	else
		subscribe_addresses(s, TOPIC_EVENTLOG, (const uint8_t(*)[ADDRESS_BYTES])p->q.addresses, n, keep,
				    p->text, p->len);
	log_debug(SESSION_FMT "EventLog: %zu of %zu addresses are contracts", SESSION_ARGS(s), contracts, n);
	free(keep);
	pending_free(p);
	run_held(s);
}

static void start_eventlog(struct session *s, struct query *q, const char *text, size_t len)
{
	struct pending_eventlog *p = malloc(sizeof(*p) + len + 1);
	if (!p) {
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
		return;
	}
	p->s = s;
	p->q = *q;
	memset(q, 0, sizeof(*q));
	p->len = len;
	memcpy(p->text, text, len);
	session_set_state(s, SESSION_CHECKING);
	p->check = contracts_check_start(s->app->contracts, (const uint8_t(*)[ADDRESS_BYTES])p->q.addresses,
					 p->q.naddresses, eventlog_checked, p);
	if (p->check) {
		s->pending = p;
	} else {
		pending_free(p);
		session_set_state(s, SESSION_OPEN);
		session_close(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
	}
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
		reply_error(s, e);
		return;
	}
	switch (q.kind) {
	case QUERY_NEWBLOCK:
		subscribe_newblock(s, text, len);
		break;
	case QUERY_TXNLOG:
		subscribe_addresses(s, TOPIC_TXNLOG, (const uint8_t(*)[ADDRESS_BYTES])q.addresses,
				    q.naddresses, NULL, text, len);
		break;
	case QUERY_UNSUBSCRIBE:
		unsubscribe(s, q.topic, text, len);
		break;
	case QUERY_EVENTLOG:
		if (!checks_take(s, q.naddresses))
			reply_error(s, QUERY_ERR_CHECKS);
		else
			start_eventlog(s, &q, text, len);
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
