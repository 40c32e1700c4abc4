/* The memory the workers' counters live in (zws_stats.h): one anonymous
 * MAP_SHARED mapping made before the workers are forked, so each inherits
 * it and every worker reads what all the others write. */
#ifndef ZWS_STATS_REGION_H
#define ZWS_STATS_REGION_H

#include "zws_stats.h"

/* A cleared region with workers slots; NULL with err filled. */
struct stats_region *stats_region_map(unsigned workers, char *err, size_t errlen);
void stats_region_unmap(struct stats_region *r);

#endif
