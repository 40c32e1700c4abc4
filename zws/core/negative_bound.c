/* The negative-answer bound's arithmetic (see negative_bound.h). A slack of
 * a tenth of the bound (split between the workers, and never less than
 * one save) makes a trim, which sorts the rows kept, rare. */
#include "negative_bound.h"

void negative_bound_init(struct negative_bound *nb, size_t max_rows, unsigned workers, size_t batch)
{
	if (workers == 0)
		workers = 1;
	size_t slack = max_rows / 10 / workers;
	if (slack < batch)
		slack = batch;
	if (slack == 0)
		slack = 1;
	size_t spare = slack * workers;
	*nb = (struct negative_bound){
		.keep = max_rows > spare ? max_rows - spare : 0,
		.slack = slack,
		.since = slack,
	};
}

bool negative_bound_before_save(struct negative_bound *nb, size_t n)
{
	if (n == 0)
		return false;
	if (nb->since + n > nb->slack) {
		nb->since = n;
		return true;
	}
	nb->since += n;
	return false;
}
