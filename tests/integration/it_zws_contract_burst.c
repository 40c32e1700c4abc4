/* EventLog contract checks under a burst, as a dApp reconnect storm makes
 * one: thousands of clients send their EventLog query at once, without
 * waiting. Known contracts answer from the database, unknown addresses
 * from the lookup (its answers cached in the database), and with the
 * lookup gone the answers come from the database with a few log lines,
 * not one per client. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define NKNOWN 5
#define NOLD 5

/* Contracts the contracts table holds (seen emitting by ingest); the fake
 * lookup does not know them, so an answer from it would say "no". */
static const char *const known[NKNOWN] = {
	"0x00000000000000000000000000000000000a0001", "0x00000000000000000000000000000000000a0002",
	"0x00000000000000000000000000000000000a0003", "0x00000000000000000000000000000000000a0004",
	"0x00000000000000000000000000000000000a0005",
};
/* Contracts deployed before ingest started: only the lookup knows them. */
static const char *const old[NOLD] = {
	"0x00000000000000000000000000000000000b0001", "0x00000000000000000000000000000000000b0002",
	"0x00000000000000000000000000000000000b0003", "0x00000000000000000000000000000000000b0004",
	"0x00000000000000000000000000000000000b0005",
};

static void start(struct it_stack *s, bool with_old, const char *const *zws_args)
{
	const char *const lookup_args[] = { "--contract", old[0], "--contract", old[1], "--contract", old[2],
					    "--contract", old[3], "--contract", old[4], NULL };
	/* Thousands of clients from 127.0.0.1: no per-address cap. */
	const char *args[8] = { "--max-clients-per-ip", "0" };
	for (int i = 0; zws_args && zws_args[i]; i++)
		args[2 + i] = zws_args[i];
	struct it_stack_opts o = { .height = 692364, .lookup_args = with_old ? lookup_args : NULL,
				   .zws_args = args };
	it_stack_start(s, &o);
	for (int i = 0; i < NKNOWN; i++) {
		char sql[200];
		snprintf(sql, sizeof(sql),
			 "INSERT INTO contracts (address, is_contract, source) VALUES ('%s', true, 'event')", known[i]);
		it_db_exec(s->db, sql);
	}
}

/* A non-contract address, distinct per i. */
static const char *payee(int i, char out[43])
{
	snprintf(out, 43, "0x%040x", 0xe0000 + i);
	return out;
}

static struct it_ws **connect_all(const struct it_stack *s, int n)
{
	struct it_ws **ws = calloc((size_t)n, sizeof(*ws));
	cr_assert(ws);
	for (int i = 0; i < n; i++) {
		ws[i] = it_ws_connect(s->zws_port, 10000);
		cr_assert(ws[i], "client %d: WebSocket handshake with zws failed", i);
	}
	return ws;
}

static void close_all(struct it_ws **ws, int n)
{
	for (int i = 0; i < n; i++)
		it_ws_close(ws[i]);
	free(ws);
}

static const char no_contract[] = "{\"type\":\"Error\",\"error\":\"no contract found in list\"}";

/* Reads every client's answer (clients already gone are NULL) and asserts
 * each is the echo of its query, or the error when want_echo[i] is false;
 * a failure names how many were wrong and the first of them. */
static void read_answers(struct it_ws **ws, int n, char *const *queries, const bool *want_echo)
{
	int wrong = 0, first_wrong = -1;
	char *first_got = NULL;
	for (int i = 0; i < n; i++) {
		if (!ws[i])
			continue;
		char *got = it_ws_recv(ws[i], 15000);
		cr_assert(got, "client %d: no answer to %s", i, queries[i]);
		if (strcmp(got, want_echo[i] ? queries[i] : no_contract) != 0 && !wrong++) {
			first_wrong = i;
			first_got = strdup(got);
		}
		free(got);
	}
	cr_assert_eq(wrong, 0, "%d of %d clients got a wrong answer; client %d sent %s, got %s",
		     wrong, n, first_wrong, queries[first_wrong], first_got);
}

/* Sends every client its query at once, then checks every answer
 * (read_answers). Returns the milliseconds from the first query sent to
 * the last answer read, for the log. */
static long long burst(struct it_ws **ws, int n, char *const *queries, const bool *want_echo)
{
	long long t0 = it_now_ms();
	for (int i = 0; i < n; i++)
		cr_assert(it_ws_send(ws[i], queries[i]), "client %d: send failed", i);
	read_answers(ws, n, queries, want_echo);
	return it_now_ms() - t0;
}

static char *eventlog(const char *const *addrs, int n)
{
	char *q = malloc(64 + (size_t)n * 46);
	cr_assert(q);
	strcpy(q, "{\"query\":\"EventLog\",\"addresses\":[");
	for (int i = 0; i < n; i++)
		sprintf(q + strlen(q), "%s\"%s\"", i ? "," : "", addrs[i]);
	strcat(q, "]}");
	return q;
}

/* Lines of zws's log that contain needle. */
static int log_lines(const struct it_stack *s, const char *needle)
{
	FILE *f = fopen(it_proc_log(s->zws), "r");
	cr_assert(f);
	char line[2048];
	int n = 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void free_queries(char **q, int n)
{
	for (int i = 0; i < n; i++)
		free(q[i]);
	free(q);
}

#define STORM 3000

Test(contract_burst, thousands_of_eventlog_queries_for_known_contracts_at_once, .timeout = 180)
{
	struct it_stack s;
	start(&s, false, NULL);
	struct it_ws **ws = connect_all(&s, STORM);
	char **q = calloc(STORM, sizeof(*q));
	bool *echo = calloc(STORM, sizeof(*echo));
	for (int i = 0; i < STORM; i++) {
		q[i] = eventlog(known, NKNOWN);
		echo[i] = true;
	}
	long long took = burst(ws, STORM, q, echo);
	cr_log_info("%d EventLog queries for %d known contracts answered in %lld ms", STORM, NKNOWN, took);
	fprintf(stderr, "contract_burst: %d EventLog queries for %d known contracts answered in %lld ms\n",
		STORM, NKNOWN, took);
	cr_assert_eq(log_lines(&s, "no answer within"), 0, "zws says checks timed out");
	free_queries(q, STORM);
	free(echo);
	close_all(ws, STORM);
	it_stack_stop(&s);
	it_mark_passed();
}

#define MIXED 3000

Test(contract_burst, burst_of_known_unknown_and_non_contracts_is_answered_correctly, .timeout = 180)
{
	struct it_stack s;
	start(&s, true, NULL);
	struct it_ws **ws = connect_all(&s, MIXED);
	char **q = calloc(MIXED, sizeof(*q));
	bool *echo = calloc(MIXED, sizeof(*echo));
	int payees = 0;
	for (int i = 0; i < MIXED; i++) {
		char p1[43], p2[43];
		const char *list[3];
		switch (i % 4) {
		case 0: /* a known contract and a non-contract */
			list[0] = known[i % NKNOWN];
			list[1] = payee(payees++, p1);
			q[i] = eventlog(list, 2);
			echo[i] = true;
			break;
		case 1: /* a contract only the lookup knows and a non-contract */
			list[0] = payee(payees++, p1);
			list[1] = old[i % NOLD];
			q[i] = eventlog(list, 2);
			echo[i] = true;
			break;
		case 2: /* non-contracts only, one shared with everyone in this case */
			list[0] = payee(payees++, p1);
			list[1] = payee(1000000, p2);
			q[i] = eventlog(list, 2);
			echo[i] = false;
			break;
		default: /* old and known contracts together */
			list[0] = old[(i + 1) % NOLD];
			list[1] = known[(i + 2) % NKNOWN];
			list[2] = old[(i + 3) % NOLD];
			q[i] = eventlog(list, 3);
			echo[i] = true;
			break;
		}
	}
	long long took = burst(ws, MIXED, q, echo);
	fprintf(stderr, "contract_burst: %d mixed EventLog queries answered in %lld ms\n", MIXED, took);
	/* The lookup's answers, both ways, are cached in the database. */
	long long want_no = payees + 1, cached_yes = 0, cached_no = 0;
	for (long long deadline = it_now_ms() + 5000; it_now_ms() < deadline;) {
		cached_yes = it_db_count(s.db, "SELECT count(*) FROM contracts WHERE source = 'lookup' AND is_contract");
		cached_no = it_db_count(s.db, "SELECT count(*) FROM contracts WHERE source = 'lookup' AND NOT is_contract");
		if (cached_yes == NOLD && cached_no == want_no)
			break;
		usleep(100000);
	}
	cr_assert_eq(cached_yes, NOLD, "contracts the lookup confirmed, cached");
	cr_assert_eq(cached_no, want_no, "non-contracts the lookup answered, cached");
	cr_assert_eq(log_lines(&s, "no answer within"), 0, "zws says checks timed out");
	cr_assert_eq(log_lines(&s, "lookup failed"), 0, "zws says the lookup failed");
	free_queries(q, MIXED);
	free(echo);
	close_all(ws, MIXED);
	it_stack_stop(&s);
	it_mark_passed();
}

#define OUTAGE 1000

Test(contract_burst, lookup_down_during_a_burst_answers_from_the_database_with_few_log_lines,
     .timeout = 180)
{
	struct it_stack s;
	start(&s, false, NULL);
	struct it_ws **ws = connect_all(&s, OUTAGE);
	it_proc_stop(s.lookup, SIGTERM, 5000);
	char **q = calloc(OUTAGE, sizeof(*q));
	bool *echo = calloc(OUTAGE, sizeof(*echo));
	for (int i = 0; i < OUTAGE; i++) {
		char p[43];
		const char *list[2] = { payee(i, p), known[i % NKNOWN] };
		/* Every other client lists only an address nobody can tell. */
		q[i] = eventlog(list, i % 2 ? 2 : 1);
		echo[i] = i % 2;
	}
	long long took = burst(ws, OUTAGE, q, echo);
	fprintf(stderr, "contract_burst: %d EventLog queries with the lookup down answered in %lld ms\n",
		OUTAGE, took);
	int lines = log_lines(&s, "contract check");
	cr_assert_gt(lines, 0, "zws does not log that the lookup failed");
	cr_assert_leq(lines, 3, "zws logged %d lines about contract checks for one outage", lines);
	cr_assert_eq(log_lines(&s, "lookup failed"), 1, "one line says the lookup failed");
	free_queries(q, OUTAGE);
	free(echo);
	close_all(ws, OUTAGE);
	it_stack_stop(&s);
	it_mark_passed();
}

#define SLOW 600

Test(contract_burst, with_a_slow_lookup_checks_end_at_the_timeout_and_leaving_clients_are_forgotten,
     .timeout = 180)
{
	struct it_stack s;
	start(&s, false, (const char *const[]){ "--lookup-timeout-ms", "1000", NULL });
	struct it_ws **ws = connect_all(&s, SLOW);
	int st = it_http(s.lookup_port, "POST", "/fake/fault", "{\"mode\":\"slow\",\"count\":-1,\"delay_ms\":5000}", NULL);
	cr_assert_eq(st, 200, "the fake lookup refused the fault");
	char **q = calloc(SLOW, sizeof(*q));
	bool *echo = calloc(SLOW, sizeof(*echo));
	long long t0 = it_now_ms();
	for (int i = 0; i < SLOW; i++) {
		char p[43];
		const char *list[2] = { payee(i, p), known[i % NKNOWN] };
		q[i] = eventlog(list, i % 2 ? 2 : 1);
		echo[i] = i % 2;
		cr_assert(it_ws_send(ws[i], q[i]));
		/* Every sixth client leaves while its check waits. */
		if (i % 6 == 5) {
			it_ws_close(ws[i]);
			ws[i] = NULL;
		}
	}
	read_answers(ws, SLOW, q, echo);
	long long took = it_now_ms() - t0;
	fprintf(stderr, "contract_burst: %d EventLog queries with a lookup slower than the timeout answered in %lld ms\n",
		SLOW, took);
	cr_assert_geq(took, 900, "checks did not wait for the lookup");
	cr_assert_lt(took, 2500, "checks waited past the timeout");
	/* One line that checks timed out; perhaps one more that lookup requests
	 * did, for checks still queued for the lookup when they gave up. */
	int lines = log_lines(&s, "contract check");
	cr_assert_geq(log_lines(&s, "no answer within"), 1, "zws does not say that checks timed out");
	cr_assert_leq(lines, 2, "zws logged %d lines about contract checks for %d checks", lines, SLOW);
	/* Known contracts still answer at once while the lookup is slow. */
	struct it_ws *late = it_ws_connect(s.zws_port, 5000);
	cr_assert(late);
	char *q1 = eventlog(known, 1);
	t0 = it_now_ms();
	cr_assert(it_ws_send(late, q1));
	char *got = it_ws_recv(late, 5000);
	cr_assert(got && strcmp(got, q1) == 0, "known contract: %s", got ? got : "no answer");
	cr_assert_lt(it_now_ms() - t0, 500, "a known contract waited for the slow lookup");
	free(got);
	free(q1);
	it_ws_close(late);
	it_http(s.lookup_port, "POST", "/fake/fault", "{\"mode\":\"none\"}", NULL);
	cr_assert(it_proc_running(s.zws));
	for (int i = 0; i < SLOW; i++)
		if (ws[i])
			it_ws_close(ws[i]);
	free(ws);
	free(echo);
	free_queries(q, SLOW);
	it_stack_stop(&s);
	it_mark_passed();
}
