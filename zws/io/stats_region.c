/* The shared mapping for the workers' counters (see stats_region.h). */
#include "stats_region.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

struct stats_region *stats_region_map(unsigned workers, char *err, size_t errlen)
{
	void *p = mmap(NULL, stats_region_size(workers), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the shared counters: %s", strerror(errno));
		return NULL;
	}
	stats_region_init(p, workers);
	return p;
}

void stats_region_unmap(struct stats_region *r)
{
	if (r)
		munmap(r, stats_region_size(r->workers));
}
