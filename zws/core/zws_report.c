/* The HTTP reports (see zws_report.h). Counters are summed over the
 * workers; gauges a worker has of its own (clients, PostgreSQL, blocks
 * pushed) also carry a worker="N" label. A slot whose pid is 0 has no
 * worker (not started yet, or restarting) and is left out. */
#include "zws_report.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

static const char *const refusal_names[STATS_REFUSED_COUNT] = {
	"max_clients", "max_clients_per_ip", "origin", "handshake", "open_files",
};
static const char *const drop_names[STATS_DROP_COUNT] = {
	"slow", "keepalive", "replies_unread", "message_too_large", "unmasked_frame",
};
static const char *const check_names[STATS_CHECK_COUNT] = { "answered", "lookup_failed", "late" };
static const char *const resume_refusal_names[STATS_RESUME_REFUSED_COUNT] = { "too_old", "ahead", "invalid",
									       "limits" };
static const char *const replay_source_names[STATS_REPLAY_SOURCE_COUNT] = { "cache", "postgres" };

static bool live(const struct stats_slot *s)
{
	return atomic_load_explicit((_Atomic int32_t *)&s->pid, memory_order_relaxed) != 0;
}

static uint32_t get32(const _Atomic uint32_t *v)
{
	return atomic_load_explicit((_Atomic uint32_t *)v, memory_order_relaxed);
}

/* The sum over live workers of the counter at offset off in a slot. */
static uint64_t sum_at(const struct stats_region *r, size_t off)
{
	uint64_t t = 0;
	for (uint32_t w = 0; w < r->workers; w++)
		if (live(&r->slot[w]))
			t += stats_get((const _Atomic uint64_t *)((const char *)&r->slot[w] + off));
	return t;
}

#define SUM(r, field) sum_at((r), offsetof(struct stats_slot, field))

void report_slot_clients(const struct stats_slot *s, struct report_clients *out)
{
	*out = (struct report_clients){ .workers = 1, .connections = stats_get(&s->connections) };
	for (size_t t = 0; t < TOPIC_COUNT; t++) {
		out->subscribers[t] = stats_get(&s->subscribers[t]);
		out->addresses[t] = stats_get(&s->addresses[t]);
	}
}

void report_clients(const struct stats_region *r, struct report_clients *out)
{
	*out = (struct report_clients){ 0 };
	for (uint32_t w = 0; w < r->workers; w++) {
		if (!live(&r->slot[w]))
			continue;
		struct report_clients one;
		report_slot_clients(&r->slot[w], &one);
		out->workers++;
		out->connections += one.connections;
		for (size_t t = 0; t < TOPIC_COUNT; t++) {
			out->subscribers[t] += one.subscribers[t];
			out->addresses[t] += one.addresses[t];
		}
	}
}

/* The newest block pushed by any worker: its slot, or NULL. */
static const struct stats_slot *newest(const struct stats_region *r)
{
	const struct stats_slot *best = NULL;
	for (uint32_t w = 0; w < r->workers; w++)
		if (live(&r->slot[w]) && stats_get(&r->slot[w].block_height) &&
		    (!best || stats_get(&r->slot[w].block_at_ms) > stats_get(&best->block_at_ms)))
			best = &r->slot[w];
	return best;
}

static double age_s(uint64_t now_ms, uint64_t then_ms)
{
	return now_ms > then_ms ? (double)(now_ms - then_ms) / 1000.0 : 0.0;
}

void report_health(const struct stats_region *r, const struct report_limits *lim, uint64_t now_ms,
		   struct report_health *h)
{
	h->healthy = false;
	uint64_t started = UINT64_MAX;
	unsigned alive = 0;
	for (uint32_t w = 0; w < r->workers; w++) {
		const struct stats_slot *s = &r->slot[w];
		if (!live(s))
			continue;
		alive++;
		if (!get32(&s->postgres_up)) {
			snprintf(h->reason, sizeof(h->reason), "PostgreSQL unavailable (worker %u)", w);
			return;
		}
		if (stats_get(&s->started_ms) < started)
			started = stats_get(&s->started_ms);
	}
	if (!alive) {
		snprintf(h->reason, sizeof(h->reason), "starting: no worker is serving yet");
		return;
	}
	const struct stats_slot *b = newest(r);
	double limit = lim->healthy_block_age_s;
	if (!b && age_s(now_ms, started) > limit) {
		snprintf(h->reason, sizeof(h->reason), "no block pushed since the start %.0f s ago (limit %u s)",
			 age_s(now_ms, started), lim->healthy_block_age_s);
		return;
	}
	if (b && age_s(now_ms, stats_get(&b->block_at_ms)) > limit) {
		snprintf(h->reason, sizeof(h->reason), "last block %" PRIu64 " pushed %.0f s ago (limit %u s)",
			 stats_get(&b->block_height), age_s(now_ms, stats_get(&b->block_at_ms)),
			 lim->healthy_block_age_s);
		return;
	}
	h->healthy = true;
	h->reason[0] = '\0';
}

static char *json_take(struct json_object *o)
{
	const char *text = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
	size_t n = text ? strlen(text) : 0;
	char *out = text ? malloc(n + 2) : NULL;
	if (out) {
		memcpy(out, text, n);
		out[n] = '\n';
		out[n + 1] = '\0';
	}
	json_object_put(o);
	return out;
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static bool all_postgres_up(const struct stats_region *r)
{
	for (uint32_t w = 0; w < r->workers; w++)
		if (live(&r->slot[w]) && !get32(&r->slot[w].postgres_up))
			return false;
	return true;
}

/* The fields /healthz and /status.json share. */
static void add_summary(struct json_object *o, const struct stats_region *r, uint64_t now_ms,
			const struct report_health *h)
{
	json_object_object_add(o, "status", json_object_new_string(h->healthy ? "ok" : "unhealthy"));
	json_object_object_add(o, "reason", json_object_new_string(h->reason));
	json_object_object_add(o, "postgres", json_object_new_string(all_postgres_up(r) ? "up" : "down"));
	const struct stats_slot *b = newest(r);
	if (b) {
		add_u64(o, "block", stats_get(&b->block_height));
		json_object_object_add(o, "block_age_s",
				       json_object_new_double(age_s(now_ms, stats_get(&b->block_at_ms))));
	} else {
		json_object_object_add(o, "block", NULL);
		json_object_object_add(o, "block_age_s", NULL);
	}
	struct report_clients c;
	report_clients(r, &c);
	add_u64(o, "connections", c.connections);
	add_u64(o, "workers", r->workers);
}

int report_healthz(const struct stats_region *r, const struct report_limits *lim, uint64_t now_ms,
		   char **out)
{
	struct report_health h;
	report_health(r, lim, now_ms, &h);
	struct json_object *o = json_object_new_object();
	if (o)
		add_summary(o, r, now_ms, &h);
	*out = json_take(o);
	return !*out ? 0 : h.healthy ? 200 : 503;
}

static void per_worker_u64(struct prom *p, const struct stats_region *r, const char *name, size_t off)
{
	for (uint32_t w = 0; w < r->workers; w++)
		if (live(&r->slot[w]))
			prom_put(p, "%s{worker=\"%u\"} %" PRIu64 "\n", name, w,
				 stats_get((const _Atomic uint64_t *)((const char *)&r->slot[w] + off)));
}

static void metrics_state(struct prom *p, const struct stats_region *r, const struct report_health *h,
			  uint64_t now_ms)
{
	prom_family(p, "zws_healthy", "gauge", "1 when /healthz answers 200.");
	prom_put(p, "zws_healthy %d\n", h->healthy);
	prom_family(p, "zws_workers", "gauge", "Worker processes serving now (--workers).");
	unsigned alive = 0;
	for (uint32_t w = 0; w < r->workers; w++)
		alive += live(&r->slot[w]);
	prom_put(p, "zws_workers %u\n", alive);
	prom_family(p, "zws_postgres_up", "gauge", "1 while the worker is connected to PostgreSQL and LISTENs.");
	for (uint32_t w = 0; w < r->workers; w++)
		if (live(&r->slot[w]))
			prom_put(p, "zws_postgres_up{worker=\"%u\"} %u\n", w, get32(&r->slot[w].postgres_up));
	prom_family(p, "zws_lookup_up", "gauge",
		    "1 unless the last contract check the lookup node took part in failed; absent without --lookup.");
	for (uint32_t w = 0; w < r->workers; w++)
		if (live(&r->slot[w]) && get32(&r->slot[w].lookup_configured))
			prom_put(p, "zws_lookup_up{worker=\"%u\"} %u\n", w, !get32(&r->slot[w].lookup_failing));
	const struct stats_slot *b = newest(r);
	prom_family(p, "zws_block_height", "gauge", "The last TxBlock pushed to clients.");
	if (b)
		prom_put(p, "zws_block_height %" PRIu64 "\n", stats_get(&b->block_height));
	prom_family(p, "zws_block_age_seconds", "gauge", "Seconds since the last TxBlock was pushed.");
	if (b)
		prom_put(p, "zws_block_age_seconds %.3f\n", age_s(now_ms, stats_get(&b->block_at_ms)));
	prom_family(p, "zws_blocks_pushed_total", "counter", "TxBlocks fanned out, by worker.");
	per_worker_u64(p, r, "zws_blocks_pushed_total", offsetof(struct stats_slot, blocks));
}

static void labelled_sums(struct prom *p, const struct stats_region *r, const char *name,
			  const char *label, const char *const *values, size_t n, size_t off0)
{
	for (size_t i = 0; i < n; i++)
		prom_put(p, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, values[i],
			 sum_at(r, off0 + i * sizeof(_Atomic uint64_t)));
}

static void metrics_clients(struct prom *p, const struct stats_region *r)
{
	static const char *const topics[TOPIC_COUNT] = { "NewBlock", "EventLog", "TxnLog" };
	prom_family(p, "zws_connections", "gauge", "WebSocket clients connected now, by worker.");
	per_worker_u64(p, r, "zws_connections", offsetof(struct stats_slot, connections));
	prom_family(p, "zws_connections_accepted_total", "counter", "WebSocket clients accepted.");
	prom_put(p, "zws_connections_accepted_total %" PRIu64 "\n", SUM(r, accepted));
	prom_family(p, "zws_connections_refused_total", "counter",
		    "Connections refused before the WebSocket upgrade, by reason.");
	labelled_sums(p, r, "zws_connections_refused_total", "reason", refusal_names, STATS_REFUSED_COUNT,
		      offsetof(struct stats_slot, refused));
	prom_family(p, "zws_subscribers", "gauge", "Clients subscribed to each topic.");
	labelled_sums(p, r, "zws_subscribers", "topic", topics, TOPIC_COUNT,
		      offsetof(struct stats_slot, subscribers));
	prom_family(p, "zws_addresses", "gauge", "Addresses held by all clients' EventLog and TxnLog subscriptions.");
	labelled_sums(p, r, "zws_addresses", "topic", topics + 1, 2,
		      offsetof(struct stats_slot, addresses) + sizeof(_Atomic uint64_t));
	prom_family(p, "zws_clients_dropped_total", "counter", "Clients the server dropped, by reason.");
	labelled_sums(p, r, "zws_clients_dropped_total", "reason", drop_names, STATS_DROP_COUNT,
		      offsetof(struct stats_slot, dropped));
	prom_family(p, "zws_contract_checks_total", "counter",
		    "EventLog contract checks, by outcome (lookup_failed and late answer from what is known).");
	labelled_sums(p, r, "zws_contract_checks_total", "outcome", check_names, STATS_CHECK_COUNT,
		      offsetof(struct stats_slot, checks));
}

static void metrics_resume(struct prom *p, const struct stats_region *r)
{
	prom_family(p, "zws_resumes_total", "counter", "Resume requests accepted (their replay started).");
	prom_put(p, "zws_resumes_total %" PRIu64 "\n", SUM(r, resumes));
	prom_family(p, "zws_resumes_refused_total", "counter", "Resume requests answered with an Error, by reason.");
	labelled_sums(p, r, "zws_resumes_refused_total", "reason", resume_refusal_names, STATS_RESUME_REFUSED_COUNT,
		      offsetof(struct stats_slot, resumes_refused));
	prom_family(p, "zws_replayed_blocks_total", "counter",
		    "Blocks replayed to resuming clients (one per client and block), by where the block was: "
		    "in the block cache, or read from PostgreSQL while the client waited.");
	labelled_sums(p, r, "zws_replayed_blocks_total", "source", replay_source_names, STATS_REPLAY_SOURCE_COUNT,
		      offsetof(struct stats_slot, replayed));
	prom_family(p, "zws_replay_reads_total", "counter",
		    "Blocks read from PostgreSQL for replays (each read once, then shared through the cache).");
	prom_put(p, "zws_replay_reads_total %" PRIu64 "\n", SUM(r, replay_reads));
	prom_family(p, "zws_replaying_clients", "gauge", "Clients replaying after a Resume, not yet on the live path.");
	prom_put(p, "zws_replaying_clients %" PRIu64 "\n", SUM(r, replaying));
}

static void histogram(struct prom *p, const struct stats_region *r, const char *name, const char *help,
		      size_t off)
{
	uint64_t counts[STATS_BUCKETS + 1] = { 0 }, sum_us = 0;
	for (uint32_t w = 0; w < r->workers; w++) {
		if (!live(&r->slot[w]))
			continue;
		const struct stats_histogram *h =
			(const struct stats_histogram *)((const char *)&r->slot[w] + off);
		for (size_t i = 0; i <= STATS_BUCKETS; i++)
			counts[i] += stats_get(&h->bucket[i]);
		sum_us += stats_get(&h->sum_us);
	}
	prom_family(p, name, "histogram", help);
	prom_histogram(p, name, "", stats_bucket_bounds, counts, STATS_BUCKETS, (double)sum_us / 1e6);
}

static void metrics_sending(struct prom *p, const struct stats_region *r)
{
	prom_family(p, "zws_notifications_sent_total", "counter",
		    "Notifications handed to clients' connections (one per client per block).");
	prom_put(p, "zws_notifications_sent_total %" PRIu64 "\n", SUM(r, notifications));
	prom_family(p, "zws_notification_bytes_sent_total", "counter", "Bytes of those notifications' payloads.");
	prom_put(p, "zws_notification_bytes_sent_total %" PRIu64 "\n", SUM(r, notification_bytes));
	histogram(p, r, "zws_fanout_duration_seconds",
		  "Time one worker took to hand one block to all its clients.", offsetof(struct stats_slot, fanout));
	histogram(p, r, "zws_notify_to_send_seconds",
		  "From the block's NOTIFY to the end of its fan-out, per worker and block.",
		  offsetof(struct stats_slot, latency));
}

size_t report_metrics(const struct stats_region *r, const struct report_limits *lim, uint64_t now_ms,
		      char *out, size_t outlen)
{
	struct report_health h;
	report_health(r, lim, now_ms, &h);
	struct prom p;
	prom_init(&p, out, outlen);
	metrics_state(&p, r, &h, now_ms);
	metrics_clients(&p, r);
	metrics_sending(&p, r);
	metrics_resume(&p, r);
	return p.len;
}

/* Each worker's part of one block, folded into b: clients add up, the
 * slowest worker's times count. */
static void fold_block(struct stats_block *b, const struct stats_block *other)
{
	b->clients += other->clients;
	if (other->fanout_us > b->fanout_us)
		b->fanout_us = other->fanout_us;
	if (other->latency_us > b->latency_us)
		b->latency_us = other->latency_us;
}

static struct json_object *recent_json(const struct stats_region *r, uint64_t now_ms, uint64_t *per_minute)
{
	struct stats_block mine[STATS_RECENT_BLOCKS], theirs[STATS_RECENT_BLOCKS];
	const struct stats_slot *base = newest(r);
	size_t n = base ? stats_recent(base, mine, STATS_RECENT_BLOCKS) : 0;
	for (uint32_t w = 0; w < r->workers; w++) {
		if (&r->slot[w] == base || !live(&r->slot[w]))
			continue;
		size_t m = stats_recent(&r->slot[w], theirs, STATS_RECENT_BLOCKS);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < m; j++)
				if (theirs[j].num == mine[i].num)
					fold_block(&mine[i], &theirs[j]);
	}
	struct json_object *a = json_object_new_array();
	*per_minute = 0;
	for (size_t i = 0; a && i < n; i++) {
		struct json_object *o = json_object_new_object();
		if (!o)
			break;
		add_u64(o, "num", mine[i].num);
		add_u64(o, "at_ms", mine[i].at_ms);
		add_u64(o, "txns", mine[i].txns);
		add_u64(o, "events", mine[i].events);
		add_u64(o, "clients", mine[i].clients);
		json_object_object_add(o, "fanout_ms", json_object_new_double(mine[i].fanout_us / 1000.0));
		json_object_object_add(o, "latency_ms", json_object_new_double(mine[i].latency_us / 1000.0));
		json_object_array_add(a, o);
		*per_minute += mine[i].at_ms + 60000 >= now_ms;
	}
	return a;
}

static struct json_object *topics_json(const uint64_t *v, size_t first)
{
	static const char *const topics[TOPIC_COUNT] = { "NewBlock", "EventLog", "TxnLog" };
	struct json_object *o = json_object_new_object();
	for (size_t t = first; o && t < TOPIC_COUNT; t++)
		add_u64(o, topics[t], v[t]);
	return o;
}

static struct json_object *worker_json(const struct stats_slot *s, uint32_t w)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	add_u64(o, "worker", w);
	add_u64(o, "pid", (uint64_t)atomic_load_explicit((_Atomic int32_t *)&s->pid, memory_order_relaxed));
	struct report_clients c;
	report_slot_clients(s, &c);
	add_u64(o, "connections", c.connections);
	add_u64(o, "accepted", stats_get(&s->accepted));
	add_u64(o, "notifications", stats_get(&s->notifications));
	add_u64(o, "blocks", stats_get(&s->blocks));
	add_u64(o, "block", stats_get(&s->block_height));
	json_object_object_add(o, "postgres", json_object_new_string(get32(&s->postgres_up) ? "up" : "down"));
	json_object_object_add(o, "subscribers", topics_json(c.subscribers, 0));
	json_object_object_add(o, "addresses", topics_json(c.addresses, 1));
	return o;
}

static struct json_object *counts_json(const struct stats_region *r, const char *const *names, size_t n,
				       size_t off0)
{
	struct json_object *o = json_object_new_object();
	for (size_t i = 0; o && i < n; i++)
		add_u64(o, names[i], sum_at(r, off0 + i * sizeof(_Atomic uint64_t)));
	return o;
}

static const char *lookup_state(const struct stats_region *r)
{
	bool configured = false;
	for (uint32_t w = 0; w < r->workers; w++) {
		if (!live(&r->slot[w]) || !get32(&r->slot[w].lookup_configured))
			continue;
		configured = true;
		if (get32(&r->slot[w].lookup_failing))
			return "failing";
	}
	return configured ? "ok" : "none";
}

static void add_totals(struct json_object *o, const struct stats_region *r)
{
	add_u64(o, "accepted", SUM(r, accepted));
	add_u64(o, "notifications", SUM(r, notifications));
	add_u64(o, "notification_bytes", SUM(r, notification_bytes));
	json_object_object_add(o, "refused", counts_json(r, refusal_names, STATS_REFUSED_COUNT,
							 offsetof(struct stats_slot, refused)));
	json_object_object_add(o, "dropped", counts_json(r, drop_names, STATS_DROP_COUNT,
							 offsetof(struct stats_slot, dropped)));
	json_object_object_add(o, "contract_checks", counts_json(r, check_names, STATS_CHECK_COUNT,
								 offsetof(struct stats_slot, checks)));
	struct report_clients c;
	report_clients(r, &c);
	json_object_object_add(o, "subscribers", topics_json(c.subscribers, 0));
	json_object_object_add(o, "addresses", topics_json(c.addresses, 1));
}

char *report_status_json(const struct stats_region *r, const struct report_limits *lim, uint64_t now_ms)
{
	struct report_health h;
	report_health(r, lim, now_ms, &h);
	struct json_object *o = json_object_new_object(), *workers = json_object_new_array();
	if (!o || !workers) {
		json_object_put(workers);
		json_object_put(o);
		return NULL;
	}
	add_summary(o, r, now_ms, &h);
	add_u64(o, "now_ms", now_ms);
	json_object_object_add(o, "lookup", json_object_new_string(lookup_state(r)));
	uint64_t per_minute = 0;
	json_object_object_add(o, "recent", recent_json(r, now_ms, &per_minute));
	add_u64(o, "blocks_last_minute", per_minute);
	add_totals(o, r);
	for (uint32_t w = 0; w < r->workers; w++)
		if (live(&r->slot[w]))
			json_object_array_add(workers, worker_json(&r->slot[w], w));
	json_object_object_add(o, "per_worker", workers);
	return json_take(o);
}
