/* The exposition text, built by appending to the caller's buffer. Values
 * not known yet (the head before the first poll, the committed block of a
 * fresh database) have no sample, only their HELP and TYPE lines: a
 * missing series, not a made-up zero. Counters count since the process
 * started, as Prometheus's rate() expects. */
#include "ingest_metrics.h"

#include <inttypes.h>
#include <stdio.h>

#include "prom.h"

#define P "zws_ingest_"

static void head(struct prom *o, const char *name, const char *type, const char *help)
{
	prom_put(o, "# HELP " P "%s %s\n# TYPE " P "%s %s\n", name, help, name, type);
}

static void gauge_u64(struct prom *o, const char *name, const char *help, bool known, uint64_t v)
{
	head(o, name, "gauge", help);
	if (known)
		prom_put(o, P "%s %" PRIu64 "\n", name, v);
}

static void gauge_f(struct prom *o, const char *name, const char *help, double v)
{
	head(o, name, "gauge", help);
	prom_put(o, P "%s %.3f\n", name, v);
}

static void counter(struct prom *o, const char *name, const char *help, uint64_t v)
{
	head(o, name, "counter", help);
	prom_put(o, P "%s %" PRIu64 "\n", name, v);
}

static void put_state(struct prom *o, const struct ingest_status *st, const struct health_verdict *v)
{
	gauge_u64(o, "healthy", "1 when /healthz answers 200 (a waiting standby included).", true, v->healthy);
	head(o, "role", "gauge", "1 for this process's role: starting, leader (holds the leader lock) or standby.");
	for (int r = INGEST_ROLE_STARTING; r <= INGEST_ROLE_STANDBY; r++)
		prom_put(o, P "role{role=\"%s\"} %d\n", health_role_name((enum ingest_role)r), st->role == (enum ingest_role)r);
	gauge_u64(o, "halted", "1 when ingest stopped following on purpose (the reason is in /healthz).",
		  true, st->health && st->health->halted[0]);
	gauge_u64(o, "postgres_up", "1 when connected to PostgreSQL.", true, st->pg == INGEST_PG_UP);
	gauge_u64(o, "lookup_up", "1 when the last request to the lookup node succeeded.", true, !st->lookup_failing);
	head(o, "misconfigured", "gauge", "1 while a dependency fails in a way only a configuration change fixes.");
	prom_put(o, P "misconfigured{dependency=\"postgres\"} %d\n", st->pg == INGEST_PG_DOWN && st->pg_misconfigured);
	prom_put(o, P "misconfigured{dependency=\"lookup\"} %d\n", st->lookup_failing && st->lookup_misconfigured);
}

static void put_progress(struct prom *o, const struct ingest_status *st)
{
	bool both = st->head_known && st->committed_known;
	uint64_t lag = health_lag_blocks(st);
	gauge_u64(o, "lookup_head_block", "The lookup node's latest TxBlock number, as last polled.",
		  st->head_known, st->head);
	gauge_u64(o, "committed_block", "The last TxBlock committed to PostgreSQL (the cursor).",
		  st->committed_known, st->committed);
	gauge_u64(o, "lag_blocks", "Blocks between the committed block and the lookup's head.", both, lag);
	gauge_f(o, "lag_seconds", "Seconds since the lookup's head was last committed (0 when caught up).",
		st->behind_s);
	gauge_f(o, "blocks_per_second", "TxBlocks committed per second over the last few seconds.",
		st->blocks_per_s);
	gauge_u64(o, "backfilling", "1 while more than --live-distance blocks behind the head.", true,
		  both && lag > st->live_distance);
	head(o, "backfill_eta_seconds", "gauge", "Seconds until caught up at the current rate, while backfilling.");
	if (both && lag > st->live_distance && st->blocks_per_s > 0)
		prom_put(o, P "backfill_eta_seconds %.0f\n", (double)lag / st->blocks_per_s);
}

static void put_counters(struct prom *o, const struct ingest_status *st)
{
	counter(o, "blocks_stored_total", "TxBlocks committed by this process.", st->blocks_total);
	counter(o, "transactions_stored_total", "Transactions committed by this process.", st->txns_total);
	counter(o, "event_logs_stored_total", "Event logs committed by this process.", st->event_logs_total);
	head(o, "lookup_requests_total", "counter", "JSON-RPC requests sent to the lookup node, by what they ask for.");
	prom_put(o, P "lookup_requests_total{kind=\"head\"} %" PRIu64 "\n", st->head_requests);
	prom_put(o, P "lookup_requests_total{kind=\"blocks\"} %" PRIu64 "\n", st->block_requests);
	head(o, "lookup_failures_total", "counter", "Failed lookup requests and calls, by kind of failure.");
	for (int k = 0; k < LOOKUP_FAILURE_COUNT; k++)
		prom_put(o, P "lookup_failures_total{kind=\"%s\"} %" PRIu64 "\n",
		    diagnose_lookup_failure_name((enum lookup_failure)k), st->lookup_failures[k]);
}

size_t ingest_metrics_format(const struct ingest_status *st, const struct health_verdict *v,
			     char *out, size_t outlen)
{
	struct prom o;
	prom_init(&o, out, outlen);
	put_state(&o, st, v);
	put_progress(&o, st);
	put_counters(&o, st);
	return o.len;
}
