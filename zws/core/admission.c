/* The caps and the folded refusal log (see admission.h). */
#include "admission.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool admission_origin_allowed(const char *list, const char *origin)
{
	size_t olen = strlen(origin);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == olen && strncasecmp(p, origin, n) == 0)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

enum admission admission_check(const struct admission_limits *lim, size_t clients, size_t from_ip,
			       const char *origin)
{
	if (lim->allow_origin && origin && !admission_origin_allowed(lim->allow_origin, origin))
		return ADMIT_ORIGIN;
	if (lim->max_clients && clients >= lim->max_clients)
		return ADMIT_MAX_CLIENTS;
	if (lim->max_per_ip && from_ip >= lim->max_per_ip)
		return ADMIT_PER_IP;
	return ADMIT_OK;
}

int admission_status(enum admission a)
{
	return a == ADMIT_OK ? 101 : a == ADMIT_ORIGIN ? 403 : 503;
}

const char *admission_reason(enum admission a)
{
	switch (a) {
	case ADMIT_OK: return "ok";
	case ADMIT_MAX_CLIENTS: return "server full: --max-clients reached";
	case ADMIT_PER_IP: return "too many connections from this address: --max-clients-per-ip reached";
	case ADMIT_ORIGIN: return "Origin not allowed";
	}
	return "";
}

static struct admission_log_entry *entry_for(struct admission_log *l, const char *addr)
{
	struct admission_log_entry *free_slot = NULL;
	for (size_t i = 0; i < ADMISSION_LOG_ADDRS; i++) {
		struct admission_log_entry *e = &l->e[i];
		if (!e->addr[0]) {
			if (!free_slot)
				free_slot = e;
		} else if (strcmp(e->addr, addr) == 0) {
			return e;
		}
	}
	if (!free_slot || strlen(addr) >= ADMISSION_ADDR_MAX)
		return &l->other;
	snprintf(free_slot->addr, sizeof(free_slot->addr), "%s", addr);
	free_slot->tally = (struct tally)TALLY_INIT;
	return free_slot;
}

bool admission_log_add(struct admission_log *l, const char *addr, enum admission why, uint64_t now_ms)
{
	struct admission_log_entry *e = entry_for(l, addr);
	e->last = why;
	return tally_add(&e->tally, now_ms);
}

static bool take_one(struct admission_log_entry *e, const char *name, uint64_t now_ms, uint64_t window_ms,
		     struct admission_report *out)
{
	if (!e->tally.open)
		return false;
	uint64_t span = 0;
	unsigned n = tally_take(&e->tally, now_ms, window_ms, &span);
	if (!n) {
		if (!e->tally.open && name == e->addr)
			e->addr[0] = '\0'; /* quiet for a whole window: forgotten */
		return false;
	}
	*out = (struct admission_report){ name, e->last, n, span };
	return true;
}

size_t admission_log_take(struct admission_log *l, uint64_t now_ms, uint64_t window_ms,
			  struct admission_report *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < ADMISSION_LOG_ADDRS && n < max; i++)
		n += take_one(&l->e[i], l->e[i].addr, now_ms, window_ms, &out[n]);
	if (n < max)
		n += take_one(&l->other, "other addresses", now_ms, window_ms, &out[n]);
	return n;
}
