/* Outage reporting: begin, every OUTAGE_REPEAT_MS, end. */
#include "outage.h"

void outage_init(struct outage *o)
{
	o->active = false;
	o->since_ms = o->reported_ms = 0;
	o->failures = 0;
}

enum outage_report outage_fail(struct outage *o, uint64_t now_ms)
{
	if (o->failures < 1000000000u)
		o->failures++;
	if (!o->active) {
		o->active = true;
		o->since_ms = o->reported_ms = now_ms;
		return OUTAGE_BEGAN;
	}
	if (now_ms >= o->reported_ms + OUTAGE_REPEAT_MS) {
		o->reported_ms = now_ms;
		return OUTAGE_STILL;
	}
	return OUTAGE_QUIET;
}

double outage_seconds(const struct outage *o, uint64_t now_ms)
{
	if (!o->active || now_ms < o->since_ms)
		return 0;
	return (double)(now_ms - o->since_ms) / 1000.0;
}

unsigned outage_end(struct outage *o, uint64_t now_ms, double *seconds)
{
	unsigned n = o->active ? o->failures : 0;
	*seconds = outage_seconds(o, now_ms);
	outage_init(o);
	return n;
}
