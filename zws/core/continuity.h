/* Which announced blocks zws pushes, and in what order. Before the first
 * live block nothing is pushed (history is not news). From then on every
 * block after the last one pushed goes out in order, live or backfill, as
 * long as the block announced is at most max_resume past the last one
 * pushed; a longer gap is skipped to the next live block. A block at or
 * below the last one pushed (ingest --rewind stored it again) is not
 * pushed again. Pure: no I/O, time passed in. */
#ifndef ZWS_CONTINUITY_H
#define ZWS_CONTINUITY_H

#include <stdbool.h>
#include <stdint.h>

enum continuity_action {
	CONTINUITY_NONE,    /* not pushed: history before the first live block, or waiting */
	CONTINUITY_PUSH,    /* push from..to in order */
	CONTINUITY_REWOUND, /* already pushed: not pushed again */
};

struct continuity_step {
	enum continuity_action action;
	uint64_t from, to;       /* CONTINUITY_PUSH */
	uint64_t skip_from, skip_to; /* skip_to != 0: blocks skipped before from */
	bool first_rewound;      /* CONTINUITY_REWOUND: the first of a run (log it) */
	bool first_waiting;      /* CONTINUITY_NONE beyond max_resume: the first (log it) */
};

struct continuity {
	uint64_t max_resume;
	uint64_t last; /* the last block pushed (queued to push); 0: none yet */
	bool rewound;  /* announcements are at or below last */
	bool waiting;  /* a gap over max_resume waits for a live block */
	/* A catch-up: backfill blocks pushed since catch_from, started at
	 * catch_started_us; ends at the next live block pushed. */
	bool catching_up;
	uint64_t catch_from;
	uint64_t catch_started_us;
};

void continuity_init(struct continuity *c, uint64_t max_resume);
/* Block num was announced (live: ingest marks it within its live
 * distance of the head); what to push. */
struct continuity_step continuity_announce(struct continuity *c, uint64_t num, bool live);

/* A block is being pushed (live: announced as live) at now_us. Returns
 * true when this ends a catch-up, filling *from, *to and *took_us. */
bool continuity_pushed(struct continuity *c, uint64_t num, bool live, uint64_t now_us,
		       uint64_t *from, uint64_t *to, uint64_t *took_us);

#endif
