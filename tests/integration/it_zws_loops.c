/* The event loop zws can run on besides the default libev (--event-loop
 * poll, which every other test leaves out): a client's EventLog query is
 * checked with the lookup, a block reaches it with NewBlock and its 13
 * event logs, and SIGTERM closes it with 1001 and stops zws cleanly. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

/* The contract that emits 13 events in mainnet block 692365; only the
 * lookup knows it when zws starts. */
#define CONTRACT "0x17329229cd84b964130977975054f7725a85381a"

static void run_on(const char *loop)
{
	struct it_stack s;
	struct it_stack_opts o = { .height = 692364,
				   .zws_args = (const char *const[]){ "--event-loop", loop, NULL } };
	it_stack_start(&s, &o);
	char want[64];
	snprintf(want, sizeof(want), "(%s loop)", loop);
	cr_assert(it_log_wait(s.zws, want, 1000), "zws does not run on %s", loop);
	struct it_ws *ws = it_ws_connect(s.zws_port, 5000);
	cr_assert(ws);
	const char *queries[] = { "{\"query\":\"NewBlock\"}",
				  "{\"query\":\"EventLog\",\"addresses\":[\"" CONTRACT "\"]}" };
	for (int i = 0; i < 2; i++) {
		cr_assert(it_ws_send(ws, queries[i]));
		char *echo = it_ws_recv(ws, 10000);
		cr_assert(echo && strcmp(echo, queries[i]) == 0, "%s: got %s for %s", loop, echo, queries[i]);
		free(echo);
	}
	cr_assert_eq(it_lookup_produce(s.lookup_port, 1), 692365);
	char *msg = it_ws_recv(ws, 15000);
	cr_assert(msg, "%s: no notification for block 692365", loop);
	json_object *n = json_tokener_parse(msg), *values, *logs;
	cr_assert(n && json_object_object_get_ex(n, "values", &values) &&
		  json_object_array_length(values) == 2, "%s: %s", loop, msg);
	json_object *el = json_object_array_get_idx(values, 1), *groups;
	cr_assert(json_object_object_get_ex(el, "value", &groups) &&
		  json_object_object_get_ex(json_object_array_get_idx(groups, 0), "event_logs", &logs));
	cr_assert_eq(json_object_array_length(logs), 13, "%s", loop);
	json_object_put(n);
	free(msg);
	cr_assert_eq(kill(it_proc_pid(s.zws), SIGTERM), 0);
	char *late = it_ws_recv(ws, 5000);
	cr_assert_null(late, "%s: got %s after SIGTERM", loop, late);
	cr_assert_eq(it_ws_close_code(ws), 1001, "%s: the client was not closed with 1001", loop);
	int status = it_proc_wait(s.zws, 10000);
	cr_assert(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "%s: zws ended with status %d after SIGTERM", loop, status);
	cr_assert(it_log_wait(s.zws, "stopped", 1000));
	it_ws_close(ws);
	it_stack_stop(&s);
	it_mark_passed();
}

Test(zws_loops, poll, .timeout = 120)
{
	run_on("poll");
}
