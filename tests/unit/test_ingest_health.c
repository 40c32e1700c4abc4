/* /healthz: which state gives 200 or 503 and the reason it names, and the
 * JSON body a load balancer or an operator reads. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <string.h>

#include "ingest_health.h"

static struct ingest_health health;

/* A leader following one block behind the head. */
static struct ingest_status following(void)
{
	ingest_health_clear(&health);
	struct ingest_status st = { 0 };
	st.health = &health;
	st.role = INGEST_ROLE_LEADER;
	st.pg = INGEST_PG_UP;
	st.head_known = st.committed_known = true;
	st.head = 692366;
	st.committed = 692365;
	st.live_distance = 10;
	st.behind_s = 0.4;
	return st;
}

static const struct health_limits limits = { 5, 60 };

static void expect(const struct ingest_status *st, bool healthy, const char *status, const char *reason)
{
	struct health_verdict v;
	health_evaluate(st, &limits, &v);
	cr_assert_eq(v.healthy, healthy, "%s", v.reason);
	cr_assert_str_eq(v.status, status);
	if (reason)
		cr_assert(strstr(v.reason, reason), "reason [%s] lacks [%s]", v.reason, reason);
	else
		cr_assert_str_eq(v.reason, "");
}

Test(ingest_health, following_is_ok)
{
	struct ingest_status st = following();
	expect(&st, true, "ok", NULL);
	st.head = st.committed + 5;
	expect(&st, true, "ok", NULL);
}

Test(ingest_health, each_reason)
{
	struct ingest_status st = following();
	st.head = st.committed + 6;
	expect(&st, false, "unhealthy", "lagging: 6 blocks behind the head (limit 5)");
	st = following();
	st.behind_s = 61;
	expect(&st, false, "unhealthy", "lagging: behind the head for 61s (limit 60s)");
	st = following();
	st.lookup_failing = true;
	st.lookup_failing_s = 12;
	st.lookup_error = "connection refused";
	expect(&st, false, "unhealthy", "lookup failing for 12s: connection refused");
	st = following();
	st.pg = INGEST_PG_DOWN;
	st.pg_error = "misconfiguration: the database does not exist";
	expect(&st, false, "unhealthy", "PostgreSQL unavailable: misconfiguration: the database does not exist");
	st = following();
	st.pg = INGEST_PG_CONNECTING;
	st.role = INGEST_ROLE_STARTING;
	expect(&st, false, "starting", "starting: connecting to PostgreSQL");
	st = following();
	st.committed_known = false;
	expect(&st, false, "starting", "no block committed yet");
	st = following();
	st.head_known = false;
	expect(&st, false, "starting", "head is not known yet");
}

Test(ingest_health, halted_wins_over_everything)
{
	struct ingest_status st = following();
	st.pg = INGEST_PG_DOWN;
	ingest_health_halt(&health, "blk=692366 PrevBlockHash does not match blk=692365");
	expect(&st, false, "unhealthy", "halted: blk=692366 PrevBlockHash does not match");
	ingest_health_clear(&health);
	expect(&st, false, "unhealthy", "PostgreSQL unavailable");
}

Test(ingest_health, waiting_standby_is_healthy)
{
	struct ingest_status st = following();
	st.role = INGEST_ROLE_STANDBY;
	st.leader_pid = 4242;
	st.head = st.committed + 1000;
	st.lookup_failing = true;
	expect(&st, true, "standby", "the leader lock is held by PostgreSQL backend pid 4242");
	st.pg = INGEST_PG_DOWN;
	expect(&st, false, "unhealthy", "PostgreSQL unavailable");
}

Test(ingest_health, json_body)
{
	struct ingest_status st = following();
	struct health_verdict v;
	char body[1024];
	health_evaluate(&st, &limits, &v);
	cr_assert_eq(health_json(&st, &v, body, sizeof(body)), 200);
	cr_assert_str_eq(body, "{\"status\":\"ok\",\"role\":\"leader\",\"head\":692366,\"committed\":692365,"
			 "\"lag_blocks\":1,\"lag_seconds\":0.400}\n");
	st.pg = INGEST_PG_DOWN;
	st.pg_error = "FATAL: database \"zws\" does not exist";
	st.committed_known = false;
	health_evaluate(&st, &limits, &v);
	cr_assert_eq(health_json(&st, &v, body, sizeof(body)), 503);
	struct json_object *o = json_tokener_parse(body);
	cr_assert_not_null(o, "%s", body);
	struct json_object *x;
	cr_assert(json_object_object_get_ex(o, "reason", &x));
	cr_assert_str_eq(json_object_get_string(x), "PostgreSQL unavailable: FATAL: database \"zws\" does not exist");
	cr_assert(json_object_object_get_ex(o, "committed", &x));
	cr_assert_null(x, "an unknown block is null, not 0");
	json_object_put(o);
}
