/* The chain check and the halt it leads to (see chain.h). */
#include "chain.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum chain_verdict chain_check(const struct chain_tip *tip, uint64_t num, const char *prev_hash)
{
	if (!tip->known || !tip->has_hash || !prev_hash || num != tip->num + 1)
		return CHAIN_UNCHECKED;
	return strcmp(tip->hash, prev_hash) == 0 ? CHAIN_LINKED : CHAIN_BROKEN;
}

void chain_tip_set(struct chain_tip *tip, uint64_t num, const char *hash)
{
	tip->known = true;
	tip->num = num;
	tip->has_hash = hash != NULL;
	snprintf(tip->hash, sizeof(tip->hash), "%s", hash ? hash : "");
}

void chain_halt_broken(struct chain_halt *h, const struct chain_tip *tip, uint64_t num,
		       const char *prev_hash, uint64_t now_ms)
{
	char reason[sizeof(h->reason)];
	snprintf(reason, sizeof(reason),
		 "blk=%" PRIu64 " does not follow the stored chain: its PrevBlockHash is %s,"
		 " the stored blk=%" PRIu64 " has BlockHash %s; the lookup follows another chain"
		 " (zws-ingest --rewind N deletes the last N blocks and resumes before them)",
		 num, prev_hash, tip->num, tip->hash);
	chain_halt_other(h, num, reason, now_ms);
}

void chain_halt_other(struct chain_halt *h, uint64_t num, const char *reason, uint64_t now_ms)
{
	h->halted = true;
	h->num = num;
	snprintf(h->reason, sizeof(h->reason), "%s", reason);
	h->next_report_ms = now_ms;
}

bool chain_halt_report_due(struct chain_halt *h, uint64_t now_ms)
{
	if (!h->halted || now_ms < h->next_report_ms)
		return false;
	h->next_report_ms = now_ms + CHAIN_REPORT_INTERVAL_MS;
	return true;
}
