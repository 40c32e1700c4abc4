/* The /healthz verdict: a chain of checks, the first that fails names the
 * reason; and its JSON body, built with json-c so reasons quoting libpq or
 * the lookup are escaped. */
#include "ingest_health.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

void ingest_health_halt(struct ingest_health *h, const char *reason)
{
	snprintf(h->halted, sizeof(h->halted), "%s", reason && *reason ? reason : "halted");
}

void ingest_health_clear(struct ingest_health *h)
{
	h->halted[0] = '\0';
}

const char *health_role_name(enum ingest_role role)
{
	switch (role) {
	case INGEST_ROLE_LEADER: return "leader";
	case INGEST_ROLE_STANDBY: return "standby";
	case INGEST_ROLE_STARTING: break;
	}
	return "starting";
}

uint64_t health_lag_blocks(const struct ingest_status *st)
{
	if (!st->head_known || !st->committed_known || st->head <= st->committed)
		return 0;
	return st->head - st->committed;
}

/* The checks that do not depend on the lag; false with v set when one fails. */
static bool check_state(const struct ingest_status *st, struct health_verdict *v)
{
	const size_t n = sizeof(v->reason);
	if (st->health && st->health->halted[0])
		snprintf(v->reason, n, "halted: %s", st->health->halted);
	else if (st->pg == INGEST_PG_DOWN)
		snprintf(v->reason, n, "PostgreSQL unavailable: %s", st->pg_error ? st->pg_error : "");
	else if (st->pg == INGEST_PG_CONNECTING || st->role == INGEST_ROLE_STARTING) {
		v->status = "starting";
		snprintf(v->reason, n, "starting: %s", st->pg == INGEST_PG_CONNECTING
			 ? "connecting to PostgreSQL" : "reading the schema and the cursor");
	} else if (st->role == INGEST_ROLE_STANDBY) {
		v->healthy = true;
		v->status = "standby";
		if (st->leader_pid > 0)
			snprintf(v->reason, n, "standby: the leader lock is held by PostgreSQL backend pid %d",
				 st->leader_pid);
		else
			snprintf(v->reason, n, "standby: another zws-ingest holds the leader lock");
	} else if (st->lookup_failing)
		snprintf(v->reason, n, "lookup failing for %.0fs: %s", st->lookup_failing_s,
			 st->lookup_error ? st->lookup_error : "");
	else
		return true;
	return false;
}

void health_evaluate(const struct ingest_status *st, const struct health_limits *lim,
		     struct health_verdict *v)
{
	v->healthy = false;
	v->status = "unhealthy";
	v->reason[0] = '\0';
	if (!check_state(st, v))
		return;
	uint64_t lag = health_lag_blocks(st);
	if (!st->head_known || !st->committed_known) {
		v->status = "starting";
		snprintf(v->reason, sizeof(v->reason), "starting: %s", !st->head_known
			 ? "the lookup's head is not known yet" : "no block committed yet");
	} else if (lag > lim->lag_blocks) {
		snprintf(v->reason, sizeof(v->reason), "lagging: %" PRIu64 " blocks behind the head "
			 "(limit %" PRIu64 ")", lag, lim->lag_blocks);
	} else if (st->behind_s > lim->lag_s) {
		snprintf(v->reason, sizeof(v->reason), "lagging: behind the head for %.0fs (limit %ds)",
			 st->behind_s, lim->lag_s);
	} else {
		v->healthy = true;
		v->status = "ok";
	}
}

static void add_u64(struct json_object *o, const char *key, bool known, uint64_t value)
{
	json_object_object_add(o, key, known ? json_object_new_int64((int64_t)value) : NULL);
}

int health_json(const struct ingest_status *st, const struct health_verdict *v,
		char *out, size_t outlen)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(v->status));
	json_object_object_add(o, "role", json_object_new_string(health_role_name(st->role)));
	if (v->reason[0])
		json_object_object_add(o, "reason", json_object_new_string(v->reason));
	add_u64(o, "head", st->head_known, st->head);
	add_u64(o, "committed", st->committed_known, st->committed);
	add_u64(o, "lag_blocks", st->head_known && st->committed_known, health_lag_blocks(st));
	char secs[32];
	snprintf(secs, sizeof(secs), "%.3f", st->behind_s);
	json_object_object_add(o, "lag_seconds", json_object_new_double_s(st->behind_s, secs));
	const char *text = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
	snprintf(out, outlen, "%s\n", text ? text : "{\"status\":\"unhealthy\"}");
	json_object_put(o);
	return v->healthy ? 200 : 503;
}
