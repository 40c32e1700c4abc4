/* Block continuity (see continuity.h). */
#include "continuity.h"

void continuity_init(struct continuity *c, uint64_t max_resume)
{
	*c = (struct continuity){ .max_resume = max_resume };
}

struct continuity_step continuity_announce(struct continuity *c, uint64_t num, bool live)
{
	struct continuity_step s = { .action = CONTINUITY_NONE };
	if (!c->last) {
		if (live) {
			c->last = num;
			s = (struct continuity_step){ .action = CONTINUITY_PUSH, .from = num, .to = num };
		}
		return s;
	}
	if (num <= c->last) {
		s.action = CONTINUITY_REWOUND;
		s.first_rewound = !c->rewound;
		c->rewound = true;
		return s;
	}
	c->rewound = false;
	if (num - c->last <= c->max_resume) {
		s = (struct continuity_step){ .action = CONTINUITY_PUSH, .from = c->last + 1, .to = num };
		c->waiting = false;
	} else if (live) {
		s = (struct continuity_step){ .action = CONTINUITY_PUSH, .from = num, .to = num,
					      .skip_from = c->last + 1, .skip_to = num - 1 };
		c->waiting = false;
		c->catching_up = false;
	} else {
		s.first_waiting = !c->waiting;
		c->waiting = true;
		return s;
	}
	c->last = num;
	return s;
}

bool continuity_pushed(struct continuity *c, uint64_t num, bool live, uint64_t now_us,
		       uint64_t *from, uint64_t *to, uint64_t *took_us)
{
	if (!live) {
		if (!c->catching_up) {
			c->catching_up = true;
			c->catch_from = num;
			c->catch_started_us = now_us;
		}
		return false;
	}
	if (!c->catching_up)
		return false;
	c->catching_up = false;
	*from = c->catch_from;
	*to = num;
	*took_us = now_us - c->catch_started_us;
	return true;
}
