/* Formatting of the periodic progress line. */
#include "progress.h"

#include <inttypes.h>
#include <stdio.h>

void progress_format_duration(double seconds, char *out, size_t outlen)
{
	uint64_t s = seconds > 0 ? (uint64_t)(seconds + 0.5) : 0;
	if (s < 60)
		snprintf(out, outlen, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(out, outlen, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, outlen, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(out, outlen, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
}

void progress_format(uint64_t height, uint64_t head, double blocks_per_s,
		     char *out, size_t outlen)
{
	char eta[32];
	uint64_t left = head > height ? head - height : 0;
	if (left == 0)
		snprintf(eta, sizeof(eta), "0s");
	else if (blocks_per_s <= 0)
		snprintf(eta, sizeof(eta), "-");
	else
		progress_format_duration((double)left / blocks_per_s, eta, sizeof(eta));
	snprintf(out, outlen, "height=%" PRIu64 " head=%" PRIu64 " blocks/s=%.1f eta=%s",
		 height, head, blocks_per_s, eta);
}
