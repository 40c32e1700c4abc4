/* zws's /healthz verdict, /metrics text and /status.json, from the
 * counters of every worker: two workers' slots filled by hand. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "zws_report.h"

static struct stats_region *region;
static const struct report_limits limits = { .healthy_block_age_s = 60 };
#define NOW 1000000 /* ms */

static void push(struct stats_slot *s, uint64_t num, uint64_t at_ms, uint32_t fanout_us, uint32_t clients)
{
	struct stats_block b = { .num = num, .at_ms = at_ms, .txns = 28, .events = 13, .clients = clients,
				 .fanout_us = fanout_us, .latency_us = fanout_us + 5000 };
	stats_block_pushed(s, &b);
}

/* Two workers, both connected to PostgreSQL, that pushed blocks 7..9. */
static void setup(void)
{
	region = malloc(stats_region_size(2));
	stats_region_init(region, 2);
	for (int w = 0; w < 2; w++) {
		struct stats_slot *s = &region->slot[w];
		atomic_store(&s->pid, 100 + w);
		atomic_store(&s->postgres_up, 1);
		stats_set(&s->started_ms, NOW - 500000);
		stats_set(&s->connections, 3 + (uint64_t)w);
		stats_add(&s->accepted, 10);
		stats_add(&s->refused[STATS_REFUSED_PER_IP], 2);
		stats_add(&s->dropped[STATS_DROP_SLOW], 1);
		stats_set(&s->subscribers[TOPIC_NEWBLOCK], 2);
		stats_set(&s->addresses[TOPIC_EVENTLOG], 40);
		stats_add(&s->notifications, 30);
		stats_add(&s->notification_bytes, 3000);
		for (uint64_t n = 7; n <= 9; n++)
			push(s, n, NOW - 1000 * (10 - n), 200 + 100 * (uint32_t)w, 3);
	}
}

static void teardown(void)
{
	free(region);
}

TestSuite(zws_report, .init = setup, .fini = teardown);

Test(zws_report, healthy_while_blocks_come)
{
	struct report_health h;
	report_health(region, &limits, NOW, &h);
	cr_assert(h.healthy, "%s", h.reason);
	char *body = NULL;
	cr_assert_eq(report_healthz(region, &limits, NOW, &body), 200);
	cr_assert_str_eq(body, "{\"status\":\"ok\",\"reason\":\"\",\"postgres\":\"up\",\"block\":9,"
			       "\"block_age_s\":1.0,\"connections\":7,\"workers\":2}\n");
	free(body);
}

Test(zws_report, unhealthy_reasons)
{
	struct report_health h;
	report_health(region, &limits, NOW + 61000, &h);
	cr_assert_not(h.healthy);
	cr_assert_str_eq(h.reason, "last block 9 pushed 62 s ago (limit 60 s)");
	atomic_store(&region->slot[1].postgres_up, 0);
	report_health(region, &limits, NOW, &h);
	cr_assert_str_eq(h.reason, "PostgreSQL unavailable (worker 1)");
	char *body = NULL;
	cr_assert_eq(report_healthz(region, &limits, NOW, &body), 503);
	cr_assert(strstr(body, "\"postgres\":\"down\""), "%s", body);
	free(body);
	/* A worker being restarted (pid 0) is left out. */
	atomic_store(&region->slot[1].pid, 0);
	report_health(region, &limits, NOW, &h);
	cr_assert(h.healthy, "%s", h.reason);
	atomic_store(&region->slot[0].pid, 0);
	report_health(region, &limits, NOW, &h);
	cr_assert_str_eq(h.reason, "starting: no worker is serving yet");
}

Test(zws_report, no_block_yet_is_healthy_only_for_the_age_limit)
{
	stats_region_init(region, 1);
	atomic_store(&region->slot[0].pid, 1);
	atomic_store(&region->slot[0].postgres_up, 1);
	stats_set(&region->slot[0].started_ms, NOW);
	struct report_health h;
	report_health(region, &limits, NOW + 30000, &h);
	cr_assert(h.healthy, "%s", h.reason);
	report_health(region, &limits, NOW + 90000, &h);
	cr_assert_str_eq(h.reason, "no block pushed since the start 90 s ago (limit 60 s)");
}

Test(zws_report, metrics_sum_the_workers)
{
	char text[32768];
	size_t n = report_metrics(region, &limits, NOW, text, sizeof(text));
	cr_assert_lt(n, sizeof(text));
	char err[300] = "";
	cr_assert(prom_check(text, "zws_", err, sizeof(err)), "%s\n%s", err, text);
	const char *want[] = {
		"\nzws_healthy 1\n",
		"\nzws_workers 2\n",
		"\nzws_postgres_up{worker=\"1\"} 1\n",
		"\nzws_connections{worker=\"0\"} 3\n",
		"\nzws_connections{worker=\"1\"} 4\n",
		"\nzws_connections_accepted_total 20\n",
		"\nzws_connections_refused_total{reason=\"max_clients_per_ip\"} 4\n",
		"\nzws_connections_refused_total{reason=\"origin\"} 0\n",
		"\nzws_clients_dropped_total{reason=\"slow\"} 2\n",
		"\nzws_subscribers{topic=\"NewBlock\"} 4\n",
		"\nzws_addresses{topic=\"EventLog\"} 80\n",
		"\nzws_notifications_sent_total 60\n",
		"\nzws_notification_bytes_sent_total 6000\n",
		"\nzws_block_height 9\n",
		"\nzws_blocks_pushed_total{worker=\"0\"} 3\n",
		"\nzws_fanout_duration_seconds_bucket{le=\"0.00025\"} 3\n",
		"\nzws_fanout_duration_seconds_bucket{le=\"0.0005\"} 6\n",
		"\nzws_fanout_duration_seconds_bucket{le=\"+Inf\"} 6\n",
		"\nzws_fanout_duration_seconds_count 6\n",
		"\nzws_fanout_duration_seconds_sum 0.001500\n",
		"\nzws_notify_to_send_seconds_count 6\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(text, want[i]), "missing [%s]", want[i] + 1);
	cr_expect_null(strstr(text, "zws_lookup_up{"), "no lookup configured: no sample");
	char small[64];
	cr_assert_eq(report_metrics(region, &limits, NOW, small, sizeof(small)), n, "the length it needs");
}

Test(zws_report, status_json_merges_the_workers_blocks)
{
	char *text = report_status_json(region, &limits, NOW);
	cr_assert(text);
	struct json_object *o = json_tokener_parse(text), *v, *recent, *b;
	cr_assert(o, "%s", text);
	cr_assert(json_object_object_get_ex(o, "block", &v) && json_object_get_int64(v) == 9);
	cr_assert(json_object_object_get_ex(o, "blocks_last_minute", &v) && json_object_get_int64(v) == 3);
	cr_assert(json_object_object_get_ex(o, "connections", &v) && json_object_get_int64(v) == 7);
	cr_assert(json_object_object_get_ex(o, "per_worker", &v) && json_object_array_length(v) == 2);
	cr_assert(json_object_object_get_ex(o, "recent", &recent) && json_object_array_length(recent) == 3);
	b = json_object_array_get_idx(recent, 0);
	cr_assert(json_object_object_get_ex(b, "num", &v) && json_object_get_int64(v) == 9, "newest first");
	cr_assert(json_object_object_get_ex(b, "clients", &v) && json_object_get_int64(v) == 6, "both workers' clients");
	cr_assert(json_object_object_get_ex(b, "fanout_ms", &v) && json_object_get_double(v) == 0.3,
		  "the slowest worker's fan-out");
	cr_assert(json_object_object_get_ex(b, "txns", &v) && json_object_get_int64(v) == 28);
	cr_assert(json_object_object_get_ex(o, "lookup", &v) && strcmp(json_object_get_string(v), "none") == 0);
	json_object_put(o);
	free(text);
}

Test(zws_report, recent_keeps_the_last_blocks)
{
	for (uint64_t n = 10; n < 10 + 2 * STATS_RECENT_BLOCKS; n++)
		push(&region->slot[0], n, NOW, 100, 1);
	struct stats_block out[STATS_RECENT_BLOCKS + 4];
	size_t got = stats_recent(&region->slot[0], out, STATS_RECENT_BLOCKS + 4);
	cr_assert_eq(got, STATS_RECENT_BLOCKS);
	cr_expect_eq(out[0].num, 9 + 2 * STATS_RECENT_BLOCKS);
	cr_expect_eq(out[got - 1].num, 10 + STATS_RECENT_BLOCKS);
}
