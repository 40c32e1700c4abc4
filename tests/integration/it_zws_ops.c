/* Operating zws: SIGTERM drains (every client gets what it was owed, then
 * 1001 "server shutting down", and zws exits 0 with a summary line; a
 * client that does not close is cut at --drain-s, a second signal ends at
 * once), also under --workers; a rolling restart (a new zws joins the port,
 * the old one drains, its clients reconnect and keep getting blocks); a
 * second zws on an occupied port refused unless it joins the same
 * database; SIGHUP reopens --log-file; --version; options from the
 * environment; JSON logs; one line per libpq error; lws's own lines only
 * with --lws-debug. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"


static const char newblock[] = "{\"query\":\"NewBlock\"}";

/* Starts zws on port against db, with env assignments ("NAME=value") and
 * extra arguments (both NULL-terminated, may be NULL). */
static struct it_proc *start_zws(const char *name, const char *db, int port, const char *const *env,
				 const char *const *args)
{
	char *argv[48], portstr[16];
	int n = 0;
	snprintf(portstr, sizeof(portstr), "%d", port);
	argv[n++] = "/usr/bin/env";
	for (; env && *env; env++)
		argv[n++] = (char *)*env;
	argv[n++] = (char *)it_bin("zws");
	argv[n++] = "--db";
	argv[n++] = (char *)db;
	argv[n++] = "--host";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--port";
	argv[n++] = portstr;
	for (; args && *args; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	return it_proc_start(name, argv);
}

static struct it_ws *subscribe(int port, const char *query)
{
	struct it_ws *ws = it_ws_connect(port, 5000);
	cr_assert(ws, "WebSocket handshake with zws failed");
	cr_assert(it_ws_send(ws, query));
	char *echo = it_ws_recv(ws, 10000);
	cr_assert(echo && strcmp(echo, query) == 0, "no echo of %.60s", query);
	free(echo);
	return ws;
}

/* The next text message (malloc'd), or NULL once a close frame arrives
 * (its code and reason filled) or nothing does (code 0). */
static char *message_or_close(struct it_ws *ws, int timeout_ms, int *code, char *reason, size_t rlen)
{
	*code = 0;
	reason[0] = '\0';
	struct it_ws_frame f;
	while (it_ws_recv_frame(ws, &f, timeout_ms)) {
		if (f.opcode == IT_WS_TEXT) {
			cr_assert(f.fin, "a notification came in fragments");
			return f.data;
		}
		if (f.opcode == IT_WS_CLOSE) {
			*code = f.close_code;
			snprintf(reason, rlen, "%.*s", f.len > 2 ? (int)f.len - 2 : 0, f.data + 2);
			it_ws_frame_free(&f);
			return NULL;
		}
		it_ws_frame_free(&f);
	}
	return NULL;
}

/* Reads the notifications of blocks first..last, then expects the drain's
 * close: 1001 "server shutting down". */
static void expect_blocks_then_1001(struct it_ws *ws, long long first, long long last, const char *who)
{
	int code;
	char reason[128];
	for (long long b = first; b <= last; b++) {
		char want[48];
		snprintf(want, sizeof(want), "\"BlockNum\":\"%lld\"", b);
		char *m = message_or_close(ws, 30000, &code, reason, sizeof(reason));
		cr_assert(m, "%s: closed (%d) before block %lld's notification", who, code, b);
		cr_assert(strstr(m, want), "%s: expected block %lld, got %.100s", who, b, m);
		json_object *o = json_tokener_parse(m);
		cr_assert(o, "%s: block %lld's notification is not whole JSON", who, b);
		json_object_put(o);
		free(m);
	}
	char *m = message_or_close(ws, 30000, &code, reason, sizeof(reason));
	cr_assert_null(m, "%s: got %.100s after block %lld", who, m, last);
	cr_assert_eq(code, 1001, "%s: closed with %d, not 1001", who, code);
	cr_assert_str_eq(reason, "server shutting down", "%s: close reason", who);
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A client that stopped reading in the middle of a multi-megabyte
 * notification, with the next one queued behind it, still gets both
 * whole before its 1001; NewBlock clients get every block, then 1001; zws
 * exits 0 and says how the drain went. */
Test(ops, sigterm_drains_every_client_whole_then_1001, .timeout = 300)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 800000,
				   .lookup_args = (const char *const[]){ "--shape", "events", NULL },
				   .zws_args = (const char *const[]){ "--max-message", "65536", "--drain-s", "60", NULL } };
	it_stack_start(&s, &o);
	char *el = it_events_shape_query();
	struct it_ws *behind = subscribe(s.zws_port, el);
	struct it_ws *ref = subscribe(s.zws_port, el);
	enum { NB = 8 };
	struct it_ws *nb[NB];
	for (int i = 0; i < NB; i++)
		nb[i] = subscribe(s.zws_port, newblock);
	/* behind reads nothing from here until the drain. */
	long long first = 0, last = 0;
	char *want[2];
	for (int b = 0; b < 2; b++) {
		last = it_lookup_produce(s.lookup_port, 1);
		if (!first)
			first = last;
		want[b] = it_ws_recv(ref, 60000);
		cr_assert(want[b], "block %lld did not reach the reading client", last);
	}
	for (int i = 0; i < NB; i++) {
		for (long long b = first; b <= last; b++) {
			char *m = it_ws_recv(nb[i], 30000);
			cr_assert(m, "NewBlock client %d: no block %lld", i, b);
			free(m);
		}
	}
	cr_assert_eq(kill(it_proc_pid(s.zws), SIGTERM), 0);
	for (int i = 0; i < NB; i++) {
		char who[32];
		snprintf(who, sizeof(who), "NewBlock client %d", i);
		expect_blocks_then_1001(nb[i], last + 1, last, who);
	}
	expect_blocks_then_1001(ref, last + 1, last, "the reading client");
	int code;
	char reason[128];
	for (int b = 0; b < 2; b++) {
		char *m = message_or_close(behind, 60000, &code, reason, sizeof(reason));
		cr_assert(m, "the client that was behind lost block %lld's notification (closed %d)", first + b, code);
		cr_assert(it_json_equal(m, want[b]), "the client that was behind got block %lld's notification cut",
			  first + b);
		free(m);
		free(want[b]);
	}
	cr_assert_null(message_or_close(behind, 30000, &code, reason, sizeof(reason)));
	cr_assert_eq(code, 1001);
	cr_assert_str_eq(reason, "server shutting down");
	int status = it_proc_wait(s.zws, 60000);
	cr_assert_eq(exit_code(status), 0, "zws ended with status %d after its drain", status);
	cr_assert(it_log_wait(s.zws, "clients closed with 1001, 0 cut", 1000),
		  "no drain summary line in the log");
	for (int i = 0; i < NB; i++)
		it_ws_close(nb[i]);
	it_ws_close(ref);
	it_ws_close(behind);
	free(el);
	it_stack_stop(&s);
	it_mark_passed();
}

/* A client that never reads what it is sent is cut at --drain-s (here from
 * ZWS_DRAIN_S); with a long --drain-s, a second SIGTERM ends the drain at
 * once. Both exit 0 and say how many were cut. */
Test(ops, drain_cuts_at_its_bound_and_on_a_second_signal, .timeout = 300)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 800000, .no_zws = true,
				   .lookup_args = (const char *const[]){ "--shape", "events", NULL } };
	it_stack_start(&s, &o);
	char *el = it_events_shape_query();
	int pa = it_free_port(), pb = it_free_port();
	struct it_proc *a = start_zws("zws-a", s.db, pa, (const char *const[]){ "ZWS_DRAIN_S=2", NULL },
				      (const char *const[]){ "--max-message", "65536", NULL });
	struct it_proc *b = start_zws("zws-b", s.db, pb, NULL,
				      (const char *const[]){ "--max-message", "65536", "--drain-s", "600", NULL });
	cr_assert(it_log_wait(a, "zws listening", 20000) && it_log_wait(b, "zws listening", 20000));
	struct it_ws *stuck_a = subscribe(pa, el), *stuck_b = subscribe(pb, el);
	struct it_ws *ref = subscribe(pa, el);
	long long num = it_lookup_produce(s.lookup_port, 1);
	char *m = it_ws_recv(ref, 60000);
	cr_assert(m, "block %lld did not arrive", num);
	free(m);
	it_ws_close(ref);
	cr_assert(it_log_wait(b, "blk=", 30000) || true);
	usleep(500000);

	cr_assert_eq(kill(it_proc_pid(a), SIGTERM), 0);
	int status = it_proc_wait(a, 60000);
	cr_assert_eq(exit_code(status), 0, "zws ended with status %d", status);
	cr_assert(it_log_wait(a, "drain took longer than 2 s: cutting 1 clients", 1000));
	cr_assert(it_log_wait(a, "0 clients closed with 1001, 1 cut", 1000));

	cr_assert_eq(kill(it_proc_pid(b), SIGTERM), 0);
	cr_assert(it_log_wait(b, "draining", 10000));
	cr_assert(it_proc_running(b), "zws ended its 600 s drain without a second signal");
	cr_assert_eq(kill(it_proc_pid(b), SIGTERM), 0);
	status = it_proc_wait(b, 30000);
	cr_assert_eq(exit_code(status), 0, "zws ended with status %d after a second SIGTERM", status);
	cr_assert(it_log_wait(b, "second signal: cutting 1 clients", 1000));
	it_ws_close(stuck_a);
	it_ws_close(stuck_b);
	free(el);
	it_stack_stop(&s);
	it_mark_passed();
}

/* --workers 2: the supervisor forwards SIGTERM, every worker drains its
 * clients with 1001 and the supervisor exits 0 once both are done. */
Test(ops, drain_with_two_workers, .timeout = 180)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .no_zws = true };
	it_stack_start(&s, &o);
	int port = it_free_port();
	struct it_proc *z = start_zws("zws", s.db, port, NULL, (const char *const[]){ "--workers", "2", NULL });
	cr_assert(it_wait_port(port, 20000));
	usleep(500000); /* both workers listening */
	enum { N = 12 };
	struct it_ws *ws[N];
	for (int i = 0; i < N; i++)
		ws[i] = subscribe(port, newblock);
	long long num = it_lookup_produce(s.lookup_port, 1);
	for (int i = 0; i < N; i++) {
		char *m = it_ws_recv(ws[i], 30000);
		cr_assert(m, "client %d: no block %lld", i, num);
		free(m);
	}
	cr_assert_eq(kill(it_proc_pid(z), SIGTERM), 0);
	for (int i = 0; i < N; i++) {
		char who[32];
		snprintf(who, sizeof(who), "client %d", i);
		expect_blocks_then_1001(ws[i], num + 1, num, who);
		it_ws_close(ws[i]);
	}
	int status = it_proc_wait(z, 60000);
	cr_assert_eq(exit_code(status), 0, "the supervisor ended with status %d", status);
	cr_assert(it_log_wait(z, "all 2 workers stopped", 1000));
	FILE *f = fopen(it_proc_log(z), "r");
	cr_assert(f);
	char line[4096];
	int summaries = 0;
	while (fgets(line, sizeof(line), f))
		summaries += strstr(line, "clients closed with 1001, 0 cut") != NULL;
	fclose(f);
	cr_assert_eq(summaries, 2, "%d drain summaries, one per worker expected", summaries);
	it_stack_stop(&s);
	it_mark_passed();
}

/* A new zws joins the port, the old one drains: each of its clients gets
 * 1001, reconnects at once (the old one no longer takes connections) and
 * keeps getting blocks from the new one. */
Test(ops, rolling_restart_loses_no_client, .timeout = 240)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	enum { N = 10 };
	struct it_ws *ws[N];
	for (int i = 0; i < N; i++)
		ws[i] = subscribe(s.zws_port, newblock);
	long long num = it_lookup_produce(s.lookup_port, 1);
	for (int i = 0; i < N; i++) {
		char *m = it_ws_recv(ws[i], 30000);
		cr_assert(m, "client %d: no block %lld", i, num);
		free(m);
	}
	struct it_proc *next = start_zws("zws-next", s.db, s.zws_port, NULL, (const char *const[]){ "--join", NULL });
	cr_assert(it_log_wait(next, "zws listening", 20000), "the new zws did not join the port");
	cr_assert(it_log_wait(next, "joining the zws on port", 1000));
	cr_assert_eq(kill(it_proc_pid(s.zws), SIGTERM), 0);
	for (int i = 0; i < N; i++) {
		char who[32];
		snprintf(who, sizeof(who), "client %d", i);
		expect_blocks_then_1001(ws[i], num + 1, num, who);
		it_ws_close(ws[i]);
		ws[i] = subscribe(s.zws_port, newblock); /* at once: no retry */
	}
	int status = it_proc_wait(s.zws, 60000);
	cr_assert_eq(exit_code(status), 0, "the old zws ended with status %d", status);
	cr_assert(it_log_wait(next, "connected (10 clients)", 10000),
		  "not every client reconnected to the new zws");
	for (int round = 0; round < 2; round++) {
		num = it_lookup_produce(s.lookup_port, 1);
		for (int i = 0; i < N; i++) {
			char want[48];
			snprintf(want, sizeof(want), "\"BlockNum\":\"%lld\"", num);
			char *m = it_ws_recv(ws[i], 30000);
			cr_assert(m && strstr(m, want), "client %d: no block %lld from the new zws", i, num);
			free(m);
		}
	}
	/* The new zws took the port's identity over: a third is refused. */
	cr_assert(it_log_wait(next, "answering for port", 10000));
	struct it_proc *third = start_zws("zws-third", s.db, s.zws_port, NULL, NULL);
	status = it_proc_wait(third, 20000);
	cr_assert_eq(exit_code(status), 2, "a third zws without --join ended with status %d", status);
	for (int i = 0; i < N; i++)
		it_ws_close(ws[i]);
	cr_assert_eq(it_proc_stop(next, SIGTERM, 30000), 0);
	it_stack_stop(&s);
	it_mark_passed();
}

/* A zws on a port another zws serves: refused in one line (exit 2);
 * with --join on another database refused too; with --join on the same
 * database it serves beside the first. */
Test(ops, second_zws_on_an_occupied_port, .timeout = 180)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000 };
	it_stack_start(&s, &o);
	struct it_proc *plain = start_zws("zws-plain", s.db, s.zws_port, NULL, NULL);
	int status = it_proc_wait(plain, 20000);
	cr_assert_eq(exit_code(status), 2, "a second zws on the port ended with status %d", status);
	cr_assert(it_log_wait(plain, "is already served by another zws", 1000));
	cr_assert(it_log_wait(plain, "--join", 1000));
	FILE *f = fopen(it_proc_log(plain), "r");
	char line[4096];
	int lines = 0;
	while (f && fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	cr_assert_eq(lines, 1, "the refusal took %d lines", lines);

	/* Another database, with the schema. */
	char *other = it_db_new();
	char *const mig[] = { (char *)it_bin("zws-ingest"), "--db", other, "--migrate-only", NULL };
	cr_assert_eq(it_proc_wait(it_proc_start("migrate-other", mig), 60000), 0);
	struct it_proc *elsewhere = start_zws("zws-other-db", other, s.zws_port, NULL,
					      (const char *const[]){ "--join", NULL });
	status = it_proc_wait(elsewhere, 20000);
	cr_assert_eq(exit_code(status), 2, "--join on another database ended with status %d", status);
	cr_assert(it_log_wait(elsewhere, "--join refused", 1000));

	struct it_proc *same = start_zws("zws-same-db", s.db, s.zws_port,
					 (const char *const[]){ "ZWS_JOIN=1", NULL }, NULL);
	cr_assert(it_log_wait(same, "zws listening", 20000), "--join on the same database was refused");
	cr_assert(it_proc_running(same));
	cr_assert_eq(it_proc_stop(same, SIGTERM, 30000), 0);
	free(other);
	it_stack_stop(&s);
	it_mark_passed();
}

/* Lines of path holding needle. */
static int count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[4096];
	int n = 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* SIGHUP never stops zws (nor its supervisor) and sends later lines to a
 * new --log-file once logrotate moved the old one. */
Test(ops, sighup_reopens_the_log_file, .timeout = 180)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .no_zws = true };
	it_stack_start(&s, &o);
	int port = it_free_port();
	struct it_proc *z = start_zws("zws", s.db, port, NULL, NULL);
	char dir[1024], file[1100], moved[1200];
	snprintf(dir, sizeof(dir), "%s", it_proc_log(z));
	cr_assert_eq(it_proc_stop(z, SIGKILL, 5000) >= 0, true);
	snprintf(file, sizeof(file), "%s/zws-file.log", dirname(dir));
	snprintf(moved, sizeof(moved), "%s.1", file);
	unlink(file);
	unlink(moved);
	z = start_zws("zws", s.db, port, NULL,
		      (const char *const[]){ "--workers", "2", "--log-file", file, NULL });
	cr_assert(it_wait_port(port, 20000));
	long long deadline = it_now_ms() + 20000;
	while (count_lines(file, "zws listening") < 2 && it_now_ms() < deadline)
		usleep(100000);
	cr_assert_eq(count_lines(file, "zws listening"), 2, "both workers log to --log-file");
	cr_assert_eq(rename(file, moved), 0);
	cr_assert_eq(kill(it_proc_pid(z), SIGHUP), 0);
	deadline = it_now_ms() + 20000;
	while (count_lines(file, "SIGHUP: log file reopened") < 2 && it_now_ms() < deadline)
		usleep(100000);
	cr_assert_eq(count_lines(file, "SIGHUP: log file reopened"), 2, "both workers reopened the file");
	cr_assert(it_proc_running(z), "SIGHUP stopped zws");
	struct it_ws *ws = subscribe(port, newblock);
	deadline = it_now_ms() + 10000;
	while (!count_lines(file, "connected (1 clients)") && it_now_ms() < deadline)
		usleep(100000);
	cr_assert_eq(count_lines(file, "connected (1 clients)"), 1, "a new client is logged in the new file");
	cr_assert_eq(count_lines(moved, "connected (1 clients)"), 0);
	it_ws_close(ws);
	cr_assert_eq(it_proc_stop(z, SIGTERM, 30000), 0);
	cr_assert_geq(count_lines(file, "all 2 workers stopped"), 1);
	/* A sanitizer's report goes where stderr goes: to --log-file. */
	cr_assert_eq(count_lines(file, "Sanitizer") + count_lines(file, "runtime error"), 0);
	it_stack_stop(&s);
	it_mark_passed();
}

/* The whole output of a command (malloc'd) and its exit status. */
static char *run(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	cr_assert(p);
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	size_t n;
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0)
		len += n;
	out[len] = '\0';
	*status = pclose(p);
	return out;
}

Test(ops, version_names_zws_and_libwebsockets)
{
	char cmd[1200];
	int status;
	snprintf(cmd, sizeof(cmd), "%s --version", it_bin("zws"));
	char *out = run(cmd, &status);
	cr_assert_eq(exit_code(status), 0);
	cr_assert(strncmp(out, "zws 0.", 6) == 0, "--version said %s", out);
	cr_assert(strstr(out, "\nlibwebsockets 4.1."), "--version said %s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "%s --help", it_bin("zws"));
	out = run(cmd, &status);
	static const char *const vars[] = { "ZWS_HOST", "ZWS_MAX_ADDRESSES", "ZWS_MAX_TOTAL_ADDRESSES",
		"ZWS_MAX_MESSAGE", "ZWS_RATE_LIMIT", "ZWS_MAX_QUEUE", "ZWS_LOOKUP_TIMEOUT_MS",
		"ZWS_PING_AFTER", "ZWS_DROP_AFTER", "ZWS_WORKERS", "ZWS_DRAIN_S", "ZWS_JOIN",
		"ZWS_LOG_LEVEL", "ZWS_LOG_FORMAT", "ZWS_LOG_FILE", "ZWS_LWS_DEBUG" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		cr_expect(strstr(out, vars[i]), "--help does not name %s", vars[i]);
	free(out);
}

/* Options from the environment take effect: ZWS_MAX_ADDRESSES and
 * ZWS_RATE_LIMIT limit a client, which is told the limit, and the log
 * line says the same limit; ZWS_LOG_FORMAT=json makes every line a JSON
 * object. */
Test(ops, environment_options_and_json_logs, .timeout = 120)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .no_zws = true };
	it_stack_start(&s, &o);
	int port = it_free_port();
	struct it_proc *z = start_zws("zws", s.db, port,
				      (const char *const[]){ "ZWS_MAX_ADDRESSES=2", "ZWS_RATE_LIMIT=3",
							     "ZWS_LOG_FORMAT=json", NULL },
				      NULL);
	cr_assert(it_wait_port(port, 20000));
	struct it_ws *ws = it_ws_connect(port, 5000);
	cr_assert(ws);
	cr_assert(it_ws_send(ws, "{\"query\":\"TxnLog\",\"addresses\":[\"0x0000000000000000000000000000000000000001\","
				 "\"0x0000000000000000000000000000000000000002\",\"0x0000000000000000000000000000000000000003\"]}"));
	char *m = it_ws_recv(ws, 5000);
	cr_assert(m && strstr(m, "limit 2 per connection"), "ZWS_MAX_ADDRESSES=2 not applied: %s", m);
	free(m);
	for (int i = 0; i < 10; i++)
		cr_assert(it_ws_send(ws, newblock));
	char *told = NULL;
	for (int i = 0; i < 10 && !told; i++) {
		m = it_ws_recv(ws, 3000);
		if (m && strstr(m, "rate limit"))
			told = m;
		else
			free(m);
	}
	cr_assert(told && strstr(told, "limit 3 queries per second"), "ZWS_RATE_LIMIT=3 not told: %s", told);
	free(told);
	cr_assert(it_log_wait(z, "rate limit exceeded (limit 3 queries per second)", 5000),
		  "the log does not state the limit the client was told");
	it_ws_close(ws);
	cr_assert(it_log_wait(z, "disconnected", 5000));
	cr_assert_eq(it_proc_stop(z, SIGTERM, 30000), 0);

	FILE *f = fopen(it_proc_log(z), "r");
	cr_assert(f);
	char line[8192];
	int lines = 0, with_session = 0;
	while (fgets(line, sizeof(line), f)) {
		json_object *o = json_tokener_parse(line), *v;
		cr_assert(o && json_object_is_type(o, json_type_object), "not a JSON object: %s", line);
		cr_assert(json_object_object_get_ex(o, "time", &v) && json_object_object_get_ex(o, "level", &v) &&
			  json_object_object_get_ex(o, "message", &v), "time, level or message missing: %s", line);
		with_session += json_object_object_get_ex(o, "session", &v);
		json_object_put(o);
		lines++;
	}
	fclose(f);
	cr_assert_gt(lines, 3);
	cr_assert_gt(with_session, 0, "no line names its session as a field");
	it_stack_stop(&s);
	it_mark_passed();
}

/* libpq's multi-line error (a socket that is not there) is one log line,
 * whole. */
Test(ops, libpq_error_on_one_line, .timeout = 60)
{
	struct it_proc *z = start_zws("zws", "host=/nonexistent-zws-dir dbname=zws", it_free_port(), NULL, NULL);
	int status = it_proc_wait(z, 20000);
	cr_assert_eq(exit_code(status), 1);
	FILE *f = fopen(it_proc_log(z), "r");
	cr_assert(f);
	char line[4096];
	int lines = 0;
	bool whole = false;
	while (fgets(line, sizeof(line), f)) {
		lines++;
		whole = strstr(line, "cannot connect to PostgreSQL") && strstr(line, "failed") &&
			strstr(line, "Is the server running");
	}
	fclose(f);
	cr_assert_eq(lines, 1, "the error took %d lines", lines);
	cr_assert(whole, "the line lost part of libpq's message: %s", line);
	it_mark_passed();
}

/* lws's own notices show only with --lws-debug, not with --log-level
 * debug. */
Test(ops, lws_lines_only_with_lws_debug, .timeout = 120)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .no_zws = true };
	it_stack_start(&s, &o);
	int pa = it_free_port(), pb = it_free_port();
	struct it_proc *a = start_zws("zws-debug", s.db, pa, NULL, (const char *const[]){ "--log-level", "debug", NULL });
	struct it_proc *b = start_zws("zws-lws-debug", s.db, pb, NULL, (const char *const[]){ "--lws-debug", NULL });
	cr_assert(it_wait_port(pa, 20000) && it_wait_port(pb, 20000));
	it_ws_close(subscribe(pa, newblock));
	it_ws_close(subscribe(pb, newblock));
	cr_assert(it_log_wait(a, "disconnected", 5000) && it_log_wait(b, "disconnected", 5000));
	cr_assert_eq(it_proc_stop(a, SIGTERM, 30000), 0);
	cr_assert_eq(it_proc_stop(b, SIGTERM, 30000), 0);
	cr_assert_eq(count_lines(it_proc_log(a), " lws: "), 0, "--log-level debug shows lws's own lines");
	cr_assert_gt(count_lines(it_proc_log(b), " lws: "), 0, "--lws-debug shows no lws line");
	it_stack_stop(&s);
	it_mark_passed();
}

/* zws-ingest takes the same --log-file (reopened on SIGHUP) and
 * --log-format json. */
Test(ops, ingest_log_file_and_json, .timeout = 120)
{
	char dir[1024], file[1100], moved[1200];
	struct it_proc *probe = it_proc_start("probe", (char *const[]){ "/bin/true", NULL });
	snprintf(dir, sizeof(dir), "%s", it_proc_log(probe));
	it_proc_wait(probe, 5000);
	snprintf(file, sizeof(file), "%s/ingest-file.log", dirname(dir));
	snprintf(moved, sizeof(moved), "%s.1", file);
	unlink(file);
	unlink(moved);
	struct it_stack s;
	struct it_stack_opts o = { .height = 1000, .no_zws = true,
				   .ingest_args = (const char *const[]){ "--log-file", file, "--log-format", "json", NULL } };
	it_stack_start(&s, &o);
	cr_assert_gt(count_lines(file, "\"message\":\"blk=1000 "), 0, "zws-ingest does not log to --log-file");
	cr_assert_eq(rename(file, moved), 0);
	cr_assert_eq(kill(it_proc_pid(s.ingest), SIGHUP), 0);
	long long deadline = it_now_ms() + 10000;
	while (!count_lines(file, "SIGHUP received: log file reopened") && it_now_ms() < deadline)
		usleep(100000);
	cr_assert_eq(count_lines(file, "SIGHUP received: log file reopened"), 1);
	long long num = it_lookup_produce(s.lookup_port, 1);
	cr_assert(it_wait_block(s.db, num, 20000));
	char want[64];
	snprintf(want, sizeof(want), "\"block\":%lld", num);
	deadline = it_now_ms() + 10000;
	while (!count_lines(file, want) && it_now_ms() < deadline)
		usleep(100000);
	cr_assert_gt(count_lines(file, want), 0, "block %lld's line is not in the new file", num);
	FILE *f = fopen(file, "r");
	char line[8192];
	while (fgets(line, sizeof(line), f)) {
		json_object *j = json_tokener_parse(line);
		cr_assert(j, "not JSON: %s", line);
		json_object_put(j);
	}
	fclose(f);
	cr_assert(it_proc_running(s.ingest), "SIGHUP stopped zws-ingest");
	it_stack_stop(&s);
	cr_assert_eq(count_lines(file, "Sanitizer") + count_lines(file, "runtime error"), 0);
	it_mark_passed();
}
