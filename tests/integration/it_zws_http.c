/* What an operator sees on zws's own port: /metrics parses as Prometheus
 * text and counts what the clients did (connections, subscriptions,
 * notifications and their bytes, a client dropped as slow, a refused
 * handshake); with --workers 2 any scrape describes both workers; the
 * caps refuse before the upgrade (--max-clients and --max-clients-per-ip
 * with 503 and one folded log line per address, --allow-origin with 403);
 * /healthz and /status.json answer; other paths 404. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "prom.h"

static const char newblock[] = "{\"query\":\"NewBlock\"}";
/* The contract that emits 13 events in every block of the mainnet shape. */
static const char eventlog[] =
	"{\"query\":\"EventLog\",\"addresses\":[\"0x17329229cd84b964130977975054f7725a85381a\"]}";

static struct it_ws *subscribed(int port, const char *query)
{
	struct it_ws *ws = it_ws_connect(port, 5000);
	cr_assert(ws, "WebSocket handshake with zws failed");
	cr_assert(it_ws_send(ws, query));
	char *echo = it_ws_recv(ws, 10000);
	cr_assert(echo && strcmp(echo, query) == 0, "echo of %s, got %s", query, echo ? echo : "nothing");
	free(echo);
	return ws;
}

/* /metrics, checked with the exposition checker; malloc'd. */
static char *scrape(int port)
{
	char *body = NULL;
	cr_assert_eq(it_http(port, "GET", "/metrics", NULL, &body), 200);
	char err[300] = "";
	cr_assert(prom_check(body, "zws_", err, sizeof(err)), "/metrics: %s", err);
	return body;
}

/* The value of the sample named series (with its labels); fails if absent. */
static double metric(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	cr_assert_fail("no sample %s in\n%s", series, text);
	return 0;
}

/* Waits until series reads want (gauges are published within a second). */
static char *scrape_until(int port, const char *series, double want)
{
	for (int i = 0; i < 100; i++) {
		char *m = scrape(port);
		if (metric(m, series) == want)
			return m;
		free(m);
		usleep(100 * 1000);
	}
	char *m = scrape(port);
	cr_assert_eq(metric(m, series), want, "%s never became %g:\n%s", series, want, m);
	return m;
}

/* A client that subscribes to NewBlock with a tiny receive buffer and then
 * reads nothing (see it_zws_scale.c). */
static int stalled_client(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	char req[256];
	int n = snprintf(req, sizeof(req),
			 "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
	cr_assert(write(fd, req, (size_t)n) == n);
	unsigned char frame[6 + sizeof(newblock)] = { 0x81, (unsigned char)(0x80 | (sizeof(newblock) - 1)) };
	memcpy(frame + 6, newblock, sizeof(newblock) - 1);
	cr_assert(write(fd, frame, 6 + sizeof(newblock) - 1) == (ssize_t)(6 + sizeof(newblock) - 1));
	return fd;
}

/* Every client reads its notification of block num (NewBlock ones are
 * checked to be that block); returns the payload bytes they got. */
static size_t read_block(struct it_ws **clients, size_t n, long long num)
{
	char want[48];
	snprintf(want, sizeof(want), "\"BlockNum\":\"%lld\"", num);
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++) {
		char *m = it_ws_recv(clients[i], 15000);
		cr_assert(m && strstr(m, "\"Notification\"") && (!strstr(m, "\"NewBlock\"") || strstr(m, want)),
			  "client %zu: expected block %lld, got %.100s", i, num, m ? m : "nothing");
		bytes += strlen(m);
		free(m);
	}
	return bytes;
}

Test(zws_ops, metrics_count_what_clients_did, .timeout = 240)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 2000, .lookup_args = (const char *const[]){ "--shape", "mainnet", NULL },
				   .zws_args = (const char *const[]){ "--max-queue", "2", NULL } };
	it_stack_start(&s, &o);
	struct it_ws *c[3] = { subscribed(s.zws_port, newblock), subscribed(s.zws_port, newblock),
			       subscribed(s.zws_port, eventlog) };
	cr_assert_eq(it_ws_connect_status(s.zws_port, 5000), 101);
	char *head = NULL;
	cr_assert_eq(it_ws_handshake(s.zws_port, "Sec-WebSocket-Version: 8\r\n", &head, 5000), 426);
	free(head);
	long long from = 2000, to = it_lookup_produce(s.lookup_port, 3);
	size_t bytes = 0;
	for (long long b = from + 1; b <= to; b++)
		bytes += read_block(c, 3, b);

	free(scrape_until(s.zws_port, "zws_connections{worker=\"0\"}", 3));
	char *m = scrape_until(s.zws_port, "zws_addresses{topic=\"EventLog\"}", 1);
	cr_assert_eq(metric(m, "zws_connections_accepted_total"), 4, "3 clients and one that left");
	cr_assert_eq(metric(m, "zws_connections_refused_total{reason=\"handshake\"}"), 1);
	cr_assert_eq(metric(m, "zws_subscribers{topic=\"NewBlock\"}"), 2);
	cr_assert_eq(metric(m, "zws_subscribers{topic=\"EventLog\"}"), 1);
	cr_assert_eq(metric(m, "zws_subscribers{topic=\"TxnLog\"}"), 0);
	cr_assert_eq(metric(m, "zws_notifications_sent_total"), 9, "3 clients, 3 blocks");
	cr_assert_eq(metric(m, "zws_notification_bytes_sent_total"), (double)bytes,
		     "bytes sent = the bytes the clients read");
	cr_assert_eq(metric(m, "zws_block_height"), (double)to);
	cr_assert_eq(metric(m, "zws_blocks_pushed_total{worker=\"0\"}"), 3);
	cr_assert_eq(metric(m, "zws_fanout_duration_seconds_count"), 3);
	cr_assert_eq(metric(m, "zws_fanout_duration_seconds_bucket{le=\"+Inf\"}"), 3);
	cr_assert_eq(metric(m, "zws_notify_to_send_seconds_count"), 3);
	cr_assert_eq(metric(m, "zws_contract_checks_total{outcome=\"answered\"}"), 1);
	cr_assert_eq(metric(m, "zws_postgres_up{worker=\"0\"}"), 1);
	cr_assert_eq(metric(m, "zws_healthy"), 1);
	cr_assert_eq(metric(m, "zws_clients_dropped_total{reason=\"slow\"}"), 0);
	free(m);

	/* A client that stops reading is dropped as slow and counted so. */
	int stalled = stalled_client(s.zws_port);
	bool dropped = false;
	for (int round = 0; round < 60 && !dropped; round++) {
		from = to;
		to = it_lookup_produce(s.lookup_port, 10);
		for (long long b = from + 1; b <= to; b++)
			read_block(c, 3, b);
		dropped = it_log_wait(s.zws, "closing with 1008: slow client", 50);
	}
	cr_assert(dropped, "the stalled client was not dropped");
	close(stalled);
	m = scrape_until(s.zws_port, "zws_connections{worker=\"0\"}", 3);
	cr_assert_eq(metric(m, "zws_clients_dropped_total{reason=\"slow\"}"), 1);
	cr_assert_eq(metric(m, "zws_subscribers{topic=\"NewBlock\"}"), 2);
	cr_assert_eq(metric(m, "zws_connections_accepted_total"), 5);
	free(m);

	/* The status JSON and health say the same; other paths are 404. */
	char *body = NULL;
	cr_assert_eq(it_http(s.zws_port, "GET", "/healthz", NULL, &body), 200);
	cr_assert(strstr(body, "\"status\":\"ok\""), "%s", body);
	free(body);
	cr_assert_eq(it_http(s.zws_port, "GET", "/status.json", NULL, &body), 200);
	char want[64];
	snprintf(want, sizeof(want), "\"block\":%lld", to);
	cr_assert(strstr(body, want), "status.json lacks %s: %s", want, body);
	cr_assert(strstr(body, "\"connections\":3"), "%s", body);
	free(body);
	cr_assert_eq(it_http(s.zws_port, "GET", "/nope", NULL, NULL), 404);
	cr_assert_eq(it_http(s.zws_port, "GET", "/", NULL, &body), 200);
	cr_assert(strstr(body, "status.json") && !strstr(body, "src=\"http") && !strstr(body, "href=\"http"),
		  "the status page is self-contained and polls status.json");
	free(body);
	for (int i = 0; i < 3; i++)
		it_ws_close(c[i]);
	it_stack_stop(&s);
	it_mark_passed();
}

/* The answer to one message sent on a fresh connection, then closed. */
static void answered(int port, const char *msg, const char *want)
{
	struct it_ws *ws = it_ws_connect(port, 5000);
	cr_assert(ws, "WebSocket handshake with zws failed");
	cr_assert(it_ws_send(ws, msg));
	char *m = it_ws_recv(ws, 10000);
	cr_assert(m && strstr(m, want), "%s: expected %s, got %s", msg, want, m ? m : "nothing");
	free(m);
	it_ws_close(ws);
}

Test(zws_ops, metrics_count_resumes_and_replays, .timeout = 240)
{
	/* Blocks 995..1000 are stored before zws starts: a replay reads them
	 * from PostgreSQL. Blocks produced later are pushed live, so the
	 * block cache holds them. */
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .ingest_args = (const char *const[]){ "--from-block", "995", NULL } };
	it_stack_start(&s, &o);
	struct it_ws *live = subscribed(s.zws_port, newblock);
	long long to = it_lookup_produce(s.lookup_port, 3);
	for (long long b = 1001; b <= to; b++)
		read_block(&live, 1, b);
	char *m = scrape(s.zws_port);
	cr_assert_eq(metric(m, "zws_resumes_total"), 0);
	cr_assert_eq(metric(m, "zws_replaying_clients"), 0);
	free(m);

	/* Refused: too old, ahead of the head, an invalid fromBlock. */
	answered(s.zws_port, "{\"query\":\"Resume\",\"fromBlock\":\"5\",\"queries\":[{\"query\":\"NewBlock\"}]}",
		 "oldest");
	answered(s.zws_port, "{\"query\":\"Resume\",\"fromBlock\":\"99999\",\"queries\":[{\"query\":\"NewBlock\"}]}",
		 "head");
	answered(s.zws_port, "{\"query\":\"Resume\",\"fromBlock\":\"x\",\"queries\":[{\"query\":\"NewBlock\"}]}",
		 "invalid fromBlock field");

	/* One client resumes from 995: 995..1000 read from PostgreSQL, the
	 * rest from the cache. */
	const char resume[] = "{\"query\":\"Resume\",\"fromBlock\":\"995\",\"queries\":[{\"query\":\"NewBlock\"}]}";
	struct it_ws *r = subscribed(s.zws_port, resume);
	for (long long b = 995; b <= to; b++)
		read_block(&r, 1, b);
	long long replayed = to - 995 + 1;
	m = scrape_until(s.zws_port, "zws_replaying_clients", 0);
	cr_assert_eq(metric(m, "zws_resumes_total"), 1);
	cr_assert_eq(metric(m, "zws_resumes_refused_total{reason=\"too_old\"}"), 1);
	cr_assert_eq(metric(m, "zws_resumes_refused_total{reason=\"ahead\"}"), 1);
	cr_assert_eq(metric(m, "zws_resumes_refused_total{reason=\"invalid\"}"), 1);
	cr_assert_eq(metric(m, "zws_resumes_refused_total{reason=\"limits\"}"), 0);
	double cache = metric(m, "zws_replayed_blocks_total{source=\"cache\"}");
	double pg = metric(m, "zws_replayed_blocks_total{source=\"postgres\"}");
	double reads = metric(m, "zws_replay_reads_total");
	cr_assert_eq(cache + pg, (double)replayed, "%g from the cache + %g from PostgreSQL, %lld replayed", cache,
		     pg, replayed);
	cr_assert(cache >= (double)(to - 1000), "the %lld blocks pushed live came from the cache: %g",
		  to - 1000, cache);
	/* How many of those reads the client waited for depends on how far the
	 * read-ahead got before it asked (under a sanitizer build, often all
	 * but the first): at least one, never more than were read. */
	cr_assert(reads >= 5 && reads <= 6, "995..999 (and 1000 unless cached) read from PostgreSQL once each: "
		  "%g reads", reads);
	cr_assert(pg >= 1 && pg <= reads, "%g waited for, of %g reads", pg, reads);
	free(m);

	/* Once it is live, the next block is a live notification, not a replay. */
	to = it_lookup_produce(s.lookup_port, 1);
	read_block(&live, 1, to);
	read_block(&r, 1, to);
	m = scrape(s.zws_port);
	cr_assert_eq(metric(m, "zws_replayed_blocks_total{source=\"cache\"}") +
			     metric(m, "zws_replayed_blocks_total{source=\"postgres\"}"),
		     (double)replayed);
	free(m);
	it_ws_close(r);
	it_ws_close(live);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(zws_ops, with_two_workers_any_scrape_describes_both, .timeout = 120)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .zws_args = (const char *const[]){ "--workers", "2", NULL } };
	it_stack_start(&s, &o);
	cr_assert(it_log_wait(s.zws, "started 2 workers", 5000));
	/* The kernel spreads connections over the workers' sockets by their
	 * addresses and ports: with 16 both get some but for a 1 in 32768
	 * chance. */
	enum { N = 16 };
	struct it_ws *c[N];
	for (int i = 0; i < N; i++)
		c[i] = subscribed(s.zws_port, newblock);
	long long head = it_lookup_produce(s.lookup_port, 2);
	read_block(c, N, head - 1);
	read_block(c, N, head);
	char *a = scrape_until(s.zws_port, "zws_subscribers{topic=\"NewBlock\"}", N);
	char *b = scrape(s.zws_port);
	double w0 = metric(a, "zws_connections{worker=\"0\"}"), w1 = metric(a, "zws_connections{worker=\"1\"}");
	cr_assert_eq(w0 + w1, N, "worker 0 has %g clients, worker 1 %g", w0, w1);
	cr_assert(w0 > 0 && w1 > 0, "both workers have clients: %g and %g", w0, w1);
	const char *same[] = { "zws_connections{worker=\"0\"}", "zws_connections{worker=\"1\"}",
			       "zws_connections_accepted_total", "zws_subscribers{topic=\"NewBlock\"}",
			       "zws_notifications_sent_total", "zws_workers", "zws_block_height",
			       "zws_fanout_duration_seconds_count" };
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		cr_assert_eq(metric(a, same[i]), metric(b, same[i]), "two scrapes disagree on %s", same[i]);
	cr_assert_eq(metric(a, "zws_workers"), 2);
	cr_assert_eq(metric(a, "zws_connections_accepted_total"), N);
	cr_assert_eq(metric(a, "zws_notifications_sent_total"), 2 * N);
	cr_assert_eq(metric(a, "zws_fanout_duration_seconds_count"), 4, "2 blocks by each of 2 workers");
	cr_assert_eq(metric(a, "zws_block_height"), (double)head);
	free(a);
	free(b);
	for (int i = 0; i < N; i++)
		it_ws_close(c[i]);
	it_stack_stop(&s);
	it_mark_passed();
}

static size_t count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	cr_assert(f);
	char line[1024];
	size_t n = 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

Test(zws_ops, max_clients_refuses_with_503_before_the_upgrade_and_folds_the_log, .timeout = 120)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .zws_args = (const char *const[]){ "--max-clients", "3", NULL } };
	it_stack_start(&s, &o);
	struct it_ws *c[3];
	for (int i = 0; i < 3; i++)
		c[i] = subscribed(s.zws_port, newblock);
	char *head = NULL;
	cr_assert_eq(it_ws_handshake(s.zws_port, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				     "Sec-WebSocket-Version: 13\r\n", &head, 5000), 503);
	cr_assert(!strstr(head, "Sec-WebSocket-Accept"), "refused before the upgrade: %s", head);
	free(head);
	for (int i = 0; i < 40; i++)
		cr_assert_eq(it_ws_connect_status(s.zws_port, 5000), 503);
	/* One line at once, then the other 40 folded into one after the window. */
	cr_assert(it_log_wait(s.zws, "40 more connections refused in the last", 15000),
		  "no folded line for the refusals");
	cr_assert_eq(count_lines(it_proc_log(s.zws), "connection refused with 503"), 1);
	cr_assert_eq(count_lines(it_proc_log(s.zws), "more connections refused"), 1);
	char *m = scrape(s.zws_port);
	cr_assert_eq(metric(m, "zws_connections_refused_total{reason=\"max_clients\"}"), 41);
	free(m);
	/* The clients in are served; once one leaves, a new one gets in. */
	long long b = it_lookup_produce(s.lookup_port, 1);
	read_block(c, 3, b);
	it_ws_close(c[0]);
	struct it_ws *late = NULL;
	for (int i = 0; i < 50 && !late; i++, usleep(100 * 1000))
		late = it_ws_connect(s.zws_port, 5000);
	cr_assert(late, "no room after a client left");
	it_ws_close(late);
	it_ws_close(c[1]);
	it_ws_close(c[2]);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(zws_ops, max_clients_per_ip_counts_each_address, .timeout = 120)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000,
				   .zws_args = (const char *const[]){ "--max-clients-per-ip", "2", NULL } };
	it_stack_start(&s, &o);
	int st;
	struct it_ws *a1 = it_ws_connect_as(s.zws_port, "127.0.0.2", NULL, &st, 5000);
	struct it_ws *a2 = it_ws_connect_as(s.zws_port, "127.0.0.2", NULL, &st, 5000);
	cr_assert(a1 && a2, "the first two from 127.0.0.2 get in");
	for (int i = 0; i < 5; i++) {
		cr_assert_null(it_ws_connect_as(s.zws_port, "127.0.0.2", NULL, &st, 5000));
		cr_assert_eq(st, 503, "a third from 127.0.0.2 gets 503, got %d", st);
	}
	struct it_ws *b1 = it_ws_connect_as(s.zws_port, "127.0.0.3", NULL, &st, 5000);
	struct it_ws *b2 = it_ws_connect_as(s.zws_port, "127.0.0.3", NULL, &st, 5000);
	cr_assert(b1 && b2, "another address has its own count");
	cr_assert_null(it_ws_connect_as(s.zws_port, "127.0.0.3", NULL, &st, 5000));
	cr_assert_eq(st, 503);
	cr_assert(it_log_wait(s.zws, "127.0.0.2: connection refused with 503", 2000));
	cr_assert(it_log_wait(s.zws, "127.0.0.3: connection refused with 503", 2000));
	cr_assert_eq(count_lines(it_proc_log(s.zws), "127.0.0.2: connection refused"), 1);
	char *m = scrape(s.zws_port);
	cr_assert_eq(metric(m, "zws_connections_refused_total{reason=\"max_clients_per_ip\"}"), 6);
	cr_assert_eq(metric(m, "zws_connections_accepted_total"), 4);
	free(m);
	it_ws_close(a1);
	it_ws_close(a2);
	it_ws_close(b1);
	it_ws_close(b2);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(zws_ops, allow_origin_refuses_other_origins_with_403, .timeout = 120)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000,
				   .zws_args = (const char *const[]){ "--allow-origin",
								      "https://app.example,http://127.0.0.1", NULL } };
	it_stack_start(&s, &o);
	int st;
	cr_assert_null(it_ws_connect_as(s.zws_port, NULL, "https://evil.example", &st, 5000));
	cr_assert_eq(st, 403);
	struct it_ws *ok = it_ws_connect_as(s.zws_port, NULL, "https://APP.example", &st, 5000);
	cr_assert(ok, "a listed origin gets in (got %d)", st);
	struct it_ws *plain = it_ws_connect_as(s.zws_port, NULL, NULL, &st, 5000);
	cr_assert(plain, "a client sending no Origin is not a browser and gets in (got %d)", st);
	char *m = scrape(s.zws_port);
	cr_assert_eq(metric(m, "zws_connections_refused_total{reason=\"origin\"}"), 1);
	free(m);
	it_ws_close(ok);
	it_ws_close(plain);
	it_stack_stop(&s);
	it_mark_passed();
}
