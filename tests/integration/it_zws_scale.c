/* zws under pressure: a client that stops reading is dropped while the
 * others keep receiving; one that reads slowly gets every notification in
 * order, byte for byte what a fast one gets (the shared NewBlock message
 * and a client's own EventLog message alike); two workers share the port and every client gets
 * each block once; at the open-file limit new clients get HTTP 503; when
 * PostgreSQL kills zws's connection, zws reconnects and blocks keep coming. */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static const char newblock[] = "{\"query\":\"NewBlock\"}";
/* The contract that emits 13 events in every block of the mainnet shape. */
static const char eventlog[] =
	"{\"query\":\"EventLog\",\"addresses\":[\"0x17329229cd84b964130977975054f7725a85381a\"]}";

/* A client that sent queries (NULL-terminated) and got their echoes. */
static struct it_ws *subscribed_to(int port, const char *const *queries)
{
	struct it_ws *ws = it_ws_connect(port, 5000);
	cr_assert(ws, "WebSocket handshake with zws failed");
	for (; *queries; queries++) {
		cr_assert(it_ws_send(ws, *queries));
		char *echo = it_ws_recv(ws, 5000);
		cr_assert(echo && strcmp(echo, *queries) == 0, "echo of %s, got %s", *queries,
			  echo ? echo : "nothing");
		free(echo);
	}
	return ws;
}

static struct it_ws *subscribed(int port)
{
	return subscribed_to(port, (const char *const[]){ newblock, NULL });
}

/* Asserts ws's next message is the notification of block num. */
static void expect_block(struct it_ws *ws, long long num)
{
	char want[48];
	snprintf(want, sizeof(want), "\"BlockNum\":\"%lld\"", num);
	char *m = it_ws_recv(ws, 15000);
	cr_assert(m, "no notification for block %lld", num);
	cr_assert(strstr(m, want), "expected block %lld, got %.120s", num, m);
	free(m);
}

/* A client with a tiny receive buffer that sends queries (NULL-terminated);
 * it reads only what the test reads from the returned socket. */
static int small_window_client(int port, const char *const *queries)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
	cr_assert(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	char req[256];
	int n = snprintf(req, sizeof(req),
			 "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
			 port);
	cr_assert(write(fd, req, (size_t)n) == n);
	/* Masked text frames with a zero mask: the payload goes as is. */
	for (; *queries; queries++) {
		size_t qlen = strlen(*queries);
		cr_assert_lt(qlen, 126);
		unsigned char frame[6 + 126] = { 0x81, (unsigned char)(0x80 | qlen), 0, 0, 0, 0 };
		memcpy(frame + 6, *queries, qlen);
		cr_assert(write(fd, frame, 6 + qlen) == (ssize_t)(6 + qlen));
	}
	return fd;
}

/* Reads fd to its end; true if the server ended the connection. */
static bool drained_to_close(int fd, int timeout_ms)
{
	char buf[65536];
	struct timespec now, end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	do {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) > 0 && read(fd, buf, sizeof(buf)) <= 0)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec);
	return false;
}

Test(scale, client_that_stops_reading_is_dropped, .timeout = 120)
{
	struct it_stack s;
	const char *const zws_args[] = { "--max-queue", "2", NULL };
	struct it_stack_opts o = { .height = 1000, .lookup_args = (const char *const[]){ "--shape", "mainnet", NULL },
				   .zws_args = zws_args };
	it_stack_start(&s, &o);
	struct it_ws *reader = subscribed(s.zws_port);
	int stalled = small_window_client(s.zws_port, (const char *const[]){ newblock, NULL });
	long long head = 1000;
	bool dropped = false;
	/* The kernel's socket buffers take some 40 notifications first. */
	for (int round = 0; round < 60 && !dropped; round++) {
		long long from = head;
		head = it_lookup_produce(s.lookup_port, 10);
		for (long long b = from + 1; b <= head; b++)
			expect_block(reader, b);
		dropped = it_log_wait(s.zws, "notifications behind, not reading", 50);
	}
	cr_assert(dropped, "the stalled client was not dropped after %lld blocks", head - 1000);
	cr_assert(it_log_wait(s.zws, "closing with 1008: slow client", 1000));
	cr_assert(drained_to_close(stalled, 15000), "zws keeps the dropped client's connection open");
	close(stalled);
	/* The reader is not disturbed. */
	head = it_lookup_produce(s.lookup_port, 1);
	expect_block(reader, head);
	it_ws_close(reader);
	it_stack_stop(&s);
	it_mark_passed();
}

/* The text messages in frames[0..len), after the HTTP response; at most
 * max into out. Returns how many whole messages there are. */
static int parse_messages(const unsigned char *buf, size_t len, char **out, int max)
{
	const unsigned char *end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return 0;
	size_t pos = (size_t)(end + 4 - buf);
	int n = 0;
	while (len - pos >= 2) {
		const unsigned char *f = buf + pos;
		size_t hdr = 2, plen = f[1] & 0x7f, avail = len - pos;
		if (plen == 126) {
			if (avail < 4)
				break;
			plen = (size_t)f[2] << 8 | f[3];
			hdr = 4;
		} else if (plen == 127) {
			if (avail < 10)
				break;
			plen = 0;
			for (int i = 0; i < 8; i++)
				plen = plen << 8 | f[2 + i];
			hdr = 10;
		}
		if (avail < hdr + plen)
			break;
		cr_assert_eq(f[0], 0x81, "frame %d is not a whole text message: 0x%02x", n, f[0]);
		/* The buffer only grows: a message already copied is the same. */
		if (n < max && !out[n])
			out[n] = strndup((const char *)f + hdr, plen);
		n++;
		pos += hdr + plen;
	}
	return n;
}

#define SLOW_BLOCKS 60

/* A client that reads 2 KB every 5 ms through a 4 KB window falls behind
 * a burst of blocks (all live: produced within ingest's live distance):
 * zws's writes to it end up partial, lws keeps the rest, and later
 * notifications wait in its queue. Blocks come at whatever pace ingest
 * has (a sanitizer build is slower than the reader), so the client reads
 * nothing from the start of the burst until zws says a notification
 * waits for it (or the fast client has every block). Then it keeps
 * reading, so it is not dropped, and it gets every block in order, each message the same bytes
 * a fast client gets. Both send queries (NULL-terminated) first; their
 * subscription includes NewBlock, so every message names its block. */
static void slow_reader_gets_what_fast_reader_gets(const char *const *queries)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000,
				   .lookup_args = (const char *const[]){ "--shape", "mainnet", NULL },
				   .ingest_args = (const char *const[]){ "--live-distance", "1000", NULL } };
	it_stack_start(&s, &o);
	int nq = 0;
	while (queries[nq])
		nq++;
	struct it_ws *fast = subscribed_to(s.zws_port, queries);
	int slow = small_window_client(s.zws_port, queries);
	char *want[SLOW_BLOCKS] = { 0 }, *got[SLOW_BLOCKS + 4] = { 0 };
	size_t cap = 1 << 20, len = 0;
	unsigned char *buf = malloc(cap);
	int nfast = 0, n = 0, nwant = SLOW_BLOCKS + nq;
	bool produced = false;
	bool paused = false;
	for (long long end = it_now_ms() + 30000; (nfast < SLOW_BLOCKS || n < nwant) && it_now_ms() < end;) {
		/* The burst starts once the slow client's subscriptions are
		 * echoed, so it is subscribed to every block of it. */
		if (!produced && n >= nq) {
			cr_assert_eq(it_lookup_produce(s.lookup_port, SLOW_BLOCKS), 1000 + SLOW_BLOCKS);
			produced = true;
			paused = true;
		}
		while (nfast < SLOW_BLOCKS && (want[nfast] = it_ws_recv(fast, 1))) {
			char num[48];
			snprintf(num, sizeof(num), "\"BlockNum\":\"%d\"", 1001 + nfast);
			cr_assert(strstr(want[nfast], num), "fast client: expected block %d, got %.120s",
				  1001 + nfast, want[nfast]);
			nfast++;
		}
		struct pollfd p = { slow, POLLIN, 0 };
		if (paused && nfast < SLOW_BLOCKS && !it_log_wait(s.zws, "1 waiting behind earlier output", 0)) {
			usleep(5000);
			continue;
		}
		paused = false;
		if (n == nwant || poll(&p, 1, 10) <= 0)
			continue;
		if (len + 2048 > cap)
			buf = realloc(buf, cap *= 2);
		ssize_t r = read(slow, buf + len, 2048);
		cr_assert_gt(r, 0, "zws closed the slow client after %d messages", n);
		len += (size_t)r;
		n = parse_messages(buf, len, got, nwant);
		if (produced)
			usleep(5000);
	}
	cr_assert_eq(nfast, SLOW_BLOCKS, "the fast client got %d of %d blocks", nfast, SLOW_BLOCKS);
	cr_assert_eq(n, nwant, "the slow client got %d of %d messages", n, nwant);
	for (int i = 0; i < nq; i++) {
		cr_assert_str_eq(got[i], queries[i], "the subscription echoes come first");
		free(got[i]);
	}
	for (int i = 0; i < SLOW_BLOCKS; i++) {
		cr_assert_str_eq(got[nq + i], want[i], "block %d differs between the slow and the fast client",
				 1001 + i);
		free(got[nq + i]);
		free(want[i]);
	}
	free(buf);
	cr_expect(it_log_wait(s.zws, "1 waiting behind earlier output", 1000),
		  "no notification waited for the slow client: the test did not slow it down");
	close(slow);
	it_ws_close(fast);
	it_stack_stop(&s);
	it_mark_passed();
}

/* The NewBlock message all its subscribers share. */
Test(scale, slow_reader_gets_every_notification_in_order, .timeout = 120)
{
	slow_reader_gets_what_fast_reader_gets((const char *const[]){ newblock, NULL });
}

/* A client's own message (NewBlock and EventLog), written from the
 * block's shared pieces: a partial write's rest still arrives whole and
 * in order. */
Test(scale, slow_reader_gets_its_own_eventlog_messages_in_order, .timeout = 120)
{
	slow_reader_gets_what_fast_reader_gets((const char *const[]){ newblock, eventlog, NULL });
}

/* Sockets pid holds. */
static int sockets_of(pid_t pid)
{
	char path[64], link[64];
	char fd[600];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		snprintf(fd, sizeof(fd), "%s/%s", path, e->d_name);
		ssize_t len = readlink(fd, link, sizeof(link) - 1);
		n += len > 0 && strncmp(link, "socket:", 7) == 0;
	}
	if (d)
		closedir(d);
	return n;
}

static int workers_of(pid_t parent, pid_t *out, int max)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	FILE *f = fopen(path, "r");
	int n = 0, pid;
	while (f && n < max && fscanf(f, "%d", &pid) == 1)
		out[n++] = pid;
	if (f)
		fclose(f);
	return n;
}

#define WORKER_CLIENTS 24

Test(scale, two_workers_share_the_port_and_each_client_gets_each_block_once, .timeout = 120)
{
	struct it_stack s;
	const char *const zws_args[] = { "--workers", "2", NULL };
	struct it_stack_opts o = { .height = 1000, .zws_args = zws_args };
	it_stack_start(&s, &o);
	pid_t workers[4];
	cr_assert_eq(workers_of(it_proc_pid(s.zws), workers, 4), 2, "zws --workers 2 runs two workers");
	int before[2] = { sockets_of(workers[0]), sockets_of(workers[1]) };
	struct it_ws *ws[WORKER_CLIENTS];
	for (int i = 0; i < WORKER_CLIENTS; i++)
		ws[i] = subscribed(s.zws_port);
	for (int w = 0; w < 2; w++)
		cr_assert_gt(sockets_of(workers[w]), before[w], "worker %d serves no client", w);
	cr_assert_eq(it_lookup_produce(s.lookup_port, 2), 1002);
	for (int i = 0; i < WORKER_CLIENTS; i++) {
		expect_block(ws[i], 1001);
		expect_block(ws[i], 1002);
	}
	for (int i = 0; i < WORKER_CLIENTS; i++) {
		cr_assert(it_ws_silent(ws[i], i ? 20 : 500), "client %d got a block twice", i);
		it_ws_close(ws[i]);
	}
	it_stack_stop(&s);
	it_mark_passed();
}

Test(scale, at_the_file_limit_new_clients_get_503, .timeout = 120)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .no_zws = true };
	it_stack_start(&s, &o);
	char port[16];
	snprintf(port, sizeof(port), "%d", it_free_port());
	char *const argv[] = { "/usr/bin/prlimit", "--nofile=64:64", (char *)it_bin("zws"), "--db", s.db,
			       "--host", "127.0.0.1", "--port", port, NULL };
	struct it_proc *zws = it_proc_start("zws", argv);
	cr_assert(it_wait_port(atoi(port), 10000), "zws did not open its port");
	struct it_ws *ws[64];
	int open = 0, status = 0;
	while (open < 64 && (ws[open] = it_ws_connect(atoi(port), 5000)))
		open++;
	status = it_ws_connect_status(atoi(port), 5000);
	cr_assert_eq(status, 503, "after %d clients the handshake answered %d", open, status);
	cr_assert_gt(open, 20, "only %d clients fit under a limit of 64 files", open);
	cr_assert(it_log_wait(zws, "refusing new connections with 503", 2000));
	cr_assert_eq(it_ws_connect_status(atoi(port), 5000), 503);
	/* A client that leaves makes room for another. */
	it_ws_close(ws[--open]);
	bool back = false;
	for (int i = 0; i < 50 && !back; i++) {
		back = it_ws_connect_status(atoi(port), 5000) == 101;
		if (!back)
			usleep(100000);
	}
	cr_assert(back, "a freed slot is not offered again");
	while (open)
		it_ws_close(ws[--open]);
	/* /metrics counts them (the scrape waits for a descriptor as well). */
	char *m = NULL;
	for (int i = 0; i < 50 && it_http(atoi(port), "GET", "/metrics", NULL, &m) != 200; i++, usleep(100000))
		free(m), m = NULL;
	const char *line = m ? strstr(m, "\nzws_connections_refused_total{reason=\"open_files\"} ") : NULL;
	cr_assert(line && atoi(strchr(line, '}') + 2) >= 2, "refusals at the file limit not counted:\n%s", m);
	free(m);
	cr_assert_eq(it_proc_stop(zws, SIGTERM, 10000), 0);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(scale, zws_reconnects_when_postgresql_drops_it, .timeout = 120)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	struct it_ws *ws = subscribed(s.zws_port);
	cr_assert_eq(it_lookup_produce(s.lookup_port, 1), 1001);
	expect_block(ws, 1001);
	cr_assert_eq(it_db_count(s.db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
				       " WHERE datname = current_database() AND application_name = 'zws'"),
		     1, "zws's connection is named in pg_stat_activity");
	cr_assert(it_log_wait(s.zws, "PostgreSQL unavailable", 10000), "zws notices the lost connection");
	cr_assert(it_log_wait(s.zws, "PostgreSQL reconnected", 15000), "zws reconnects");
	cr_assert_eq(it_lookup_produce(s.lookup_port, 2), 1003);
	expect_block(ws, 1002);
	expect_block(ws, 1003);
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}
