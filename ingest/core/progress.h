/* The backfill progress line: height, head, rate and time left. Pure. */
#ifndef INGEST_PROGRESS_H
#define INGEST_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/* Writes "height=N head=M blocks/s=X eta=1h2m3s" (eta "-" when the rate
 * is zero, "0s" when caught up). */
void progress_format(uint64_t height, uint64_t head, double blocks_per_s,
		     char *out, size_t outlen);

/* Writes a duration as "45s", "12m05s" or "3h07m" (days as "2d04h"). */
void progress_format_duration(double seconds, char *out, size_t outlen);

#endif
