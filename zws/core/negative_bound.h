/* When zws trims the lookup's "not a contract" answers it keeps in the
 * contracts table, so that made-up addresses cannot grow the table
 * without bound. Each process counts the answers it saves; once they
 * would exceed its share of the slack it asks for the table to be cut to
 * keep rows (the newest) before saving. With every process of --workers
 * doing the same, the rows never exceed the bound: keep + workers × slack.
 * Pure. */
#ifndef ZWS_NEGATIVE_BOUND_H
#define ZWS_NEGATIVE_BOUND_H

#include <stdbool.h>
#include <stddef.h>

struct negative_bound {
	size_t keep;  /* rows left by a trim */
	size_t slack; /* answers one process saves between trims */
	size_t since; /* answers saved since the last trim */
};

/* At most max_rows rows for workers processes that save at most batch
 * answers at a time. The first save trims (the table may hold more from
 * an earlier run). */
void negative_bound_init(struct negative_bound *nb, size_t max_rows, unsigned workers, size_t batch);
/* n "not a contract" answers (n <= batch) are about to be saved: true if
 * the table must first be trimmed to nb->keep rows. */
bool negative_bound_before_save(struct negative_bound *nb, size_t n);

#endif
