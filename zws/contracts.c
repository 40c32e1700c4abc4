/* Contract checks for EventLog queries (see contracts.h): database first,
 * then the lookup node for the rest, bounded in time. When the lookup
 * fails or is too slow the answer comes from what the database knows. */
#include "contracts.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "lookup.h"
#include "pgfeed.h"

struct contracts_check {
	struct zws *app;
	size_t n;
	uint8_t (*addrs)[ADDRESS_BYTES];
	enum contract_state *states;
	contracts_done_fn done;
	void *ctx;
	struct pgfeed_request *pg;
	struct lookup_request *lk;
	size_t *asked; /* indexes sent to the lookup */
	size_t nasked;
	lws_sorted_usec_list_t timer;
};

static void check_free(struct contracts_check *c)
{
	free(c->addrs);
	free(c->states);
	free(c->asked);
	free(c);
}

static void finish(struct contracts_check *c)
{
	lws_sul_cancel(&c->timer);
	c->done(c->ctx, c->states, c->n);
	check_free(c);
}

void contracts_check_cancel(struct contracts_check *c)
{
	if (!c)
		return;
	lws_sul_cancel(&c->timer);
	pgfeed_cancel(c->pg);
	lookup_cancel(c->lk);
	check_free(c);
}

static void timed_out(lws_sorted_usec_list_t *sul)
{
	struct contracts_check *c = container_of(sul, struct contracts_check, timer);
	log_warn("contract check of %zu addresses: no answer within %u ms; answering from what is known",
		 c->n, c->app->cfg->lookup_timeout_ms);
	pgfeed_cancel(c->pg);
	c->pg = NULL;
	lookup_cancel(c->lk);
	c->lk = NULL;
	finish(c);
}

static void lookup_answered(void *ctx, const enum contract_state *states, size_t n, bool ok,
			    const char *err)
{
	struct contracts_check *c = ctx;
	c->lk = NULL;
	if (!ok) {
		log_warn("contract check: lookup failed (%s); answering from the database", err);
		finish(c);
		return;
	}
	uint8_t (*learned)[ADDRESS_BYTES] = calloc(n ? n : 1, ADDRESS_BYTES);
	for (size_t i = 0; i < n; i++) {
		c->states[c->asked[i]] = states[i];
		if (learned)
			memcpy(learned[i], c->addrs[c->asked[i]], ADDRESS_BYTES);
	}
	if (learned)
		pgfeed_store_contracts(c->app->feed, (const uint8_t(*)[ADDRESS_BYTES])learned, states, n);
	free(learned);
	finish(c);
}

static void ask_lookup(struct contracts_check *c)
{
	if (!c->app->lookup) {
		finish(c);
		return;
	}
	uint8_t (*unknown)[ADDRESS_BYTES] = calloc(c->n, ADDRESS_BYTES);
	c->asked = calloc(c->n, sizeof(*c->asked));
	for (size_t i = 0; unknown && c->asked && i < c->n; i++)
		if (c->states[i] == CONTRACT_UNKNOWN) {
			memcpy(unknown[c->nasked], c->addrs[i], ADDRESS_BYTES);
			c->asked[c->nasked++] = i;
		}
	if (c->nasked)
		c->lk = lookup_contracts(c->app->lookup, (const uint8_t(*)[ADDRESS_BYTES])unknown, c->nasked,
					 lookup_answered, c);
	free(unknown);
	if (c->nasked && !c->lk)
		log_warn("contract check: cannot reach the lookup; answering from the database");
	if (!c->lk)
		finish(c);
}

static void known_answered(void *ctx, const PGresult *res)
{
	struct contracts_check *c = ctx;
	c->pg = NULL;
	for (int r = 0; res && r < PQntuples(res); r++) {
		uint8_t addr[ADDRESS_BYTES];
		const char *text = PQgetvalue(res, r, 0);
		if (!address_parse(text, strlen(text), addr))
			continue;
		for (size_t i = 0; i < c->n; i++)
			if (memcmp(c->addrs[i], addr, ADDRESS_BYTES) == 0)
				c->states[i] = PQgetvalue(res, r, 1)[0] == 't' ? CONTRACT_YES : CONTRACT_NO;
	}
	if (!res)
		log_warn("contract check: database unavailable; asking the lookup only");
	ask_lookup(c);
}

/* Runs from the loop so done is never called inside contracts_check_start. */
static void begin(lws_sorted_usec_list_t *sul)
{
	struct contracts_check *c = container_of(sul, struct contracts_check, timer);
	lws_sul_schedule(c->app->context, 0, &c->timer, timed_out,
			 (lws_usec_t)c->app->cfg->lookup_timeout_ms * 1000);
	c->pg = pgfeed_known_contracts(c->app->feed, (const uint8_t(*)[ADDRESS_BYTES])c->addrs, c->n,
				       known_answered, c);
	if (!c->pg)
		ask_lookup(c);
}

struct contracts_check *contracts_check_start(struct zws *app, const uint8_t (*addrs)[ADDRESS_BYTES],
					      size_t n, contracts_done_fn done, void *ctx)
{
	struct contracts_check *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->app = app;
	c->n = n;
	c->done = done;
	c->ctx = ctx;
	c->addrs = malloc(n * ADDRESS_BYTES);
	c->states = calloc(n, sizeof(*c->states));
	if (!c->addrs || !c->states) {
		check_free(c);
		return NULL;
	}
	memcpy(c->addrs, addrs, n * ADDRESS_BYTES);
	lws_sul_schedule(app->context, 0, &c->timer, begin, 0);
	return c;
}
