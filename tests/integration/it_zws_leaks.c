/* zws under AddressSanitizer, LeakSanitizer and UBSan (zws-asan): clients
 * whose EventLog contract checks wait on a slow lookup, one of them
 * vanishing meanwhile (a TCP reset), then SIGTERM. zws must close the others with
 * 1001 and exit 0 with no leak or error report: every pending check and
 * its query are freed whether the client leaves first or the server does. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

#define CLIENTS 3

/* The fake lookup's count of requests it answered with a fault. */
static long long faulted(int lookup_port)
{
	char *body = NULL;
	cr_assert_eq(it_http(lookup_port, "GET", "/fake/status", NULL, &body), 200);
	json_object *o = json_tokener_parse(body), *v;
	cr_assert(o && json_object_object_get_ex(o, "faulted", &v), "status: %s", body);
	long long n = json_object_get_int64(v);
	json_object_put(o);
	free(body);
	return n;
}

static bool log_has(const struct it_proc *p, const char *needle)
{
	FILE *f = fopen(it_proc_log(p), "r");
	cr_assert(f);
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

Test(zws_leaks, checks_waiting_on_a_slow_lookup_are_freed_on_disconnect_and_sigterm, .timeout = 180)
{
	/* Any leak or error report makes zws-asan exit 23. */
	setenv("ASAN_OPTIONS", "detect_leaks=1:exitcode=23", 1);
	setenv("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=23", 1);
	struct it_stack s;
	struct it_stack_opts o = { .zws_program = "zws-asan",
				   .zws_args = (const char *const[]){ "--lookup-timeout-ms", "60000", "--ping-after", "1",
								       "--drop-after", "30", NULL } };
	it_stack_start(&s, &o);
	int st = it_http(s.lookup_port, "POST", "/fake/fault",
			 "{\"mode\":\"slow\",\"count\":-1,\"delay_ms\":30000}", NULL);
	cr_assert_eq(st, 200, "the fake lookup refused the fault");
	long long before = faulted(s.lookup_port);

	struct it_ws *ws[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		char q[160];
		snprintf(q, sizeof(q), "{\"query\":\"EventLog\",\"addresses\":[\"0x%040x\",\"0x%040x\"]}",
			 0xd0000 + 2 * i, 0xd0001 + 2 * i);
		cr_assert(ws[i] = it_ws_connect(s.zws_port, 10000));
		cr_assert(it_ws_send(ws[i], q));
	}
	/* Neither the database nor the lookup answers them: they wait. */
	for (int i = 0; i < CLIENTS; i++)
		cr_assert(it_ws_silent(ws[i], 300), "client %d got an answer", i);
	cr_assert_gt(faulted(s.lookup_port), before, "no contract check reached the lookup");

	/* zws does not read from a client whose check runs, so it learns that
	 * this one is gone when its keepalive ping fails (--ping-after 1),
	 * before the lookup client's own timeout (5 s) ends the requests; the
	 * wait leaves room for a loaded machine. */
	it_ws_reset(ws[0]);
	cr_assert(it_log_wait(s.zws, "disconnected (2 clients)", 4500), "zws did not see the client go");
	cr_assert_not(log_has(s.zws, "contract check"), "a check ended before the client left");

	cr_assert_eq(kill(it_proc_pid(s.zws), SIGTERM), 0);
	for (int i = 1; i < CLIENTS; i++) {
		char *m = it_ws_recv(ws[i], 10000);
		cr_assert_null(m, "client %d got \"%s\" instead of the close", i, m);
		cr_assert_eq(it_ws_close_code(ws[i]), 1001, "client %d", i);
		it_ws_close(ws[i]);
	}
	int status = it_proc_wait(s.zws, 60000);
	cr_assert_neq(status, -1, "zws-asan did not exit after SIGTERM");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "zws-asan ended with status %d: see its log for the report", status);
	cr_assert_not(log_has(s.zws, "LeakSanitizer"), "a leak was reported");
	cr_assert_not(log_has(s.zws, "AddressSanitizer"), "a memory error was reported");
	cr_assert_not(log_has(s.zws, "runtime error"), "undefined behaviour was reported");
	it_stack_stop(&s);
	it_mark_passed();
}
