/* fixed: exact decimal printing of scaled integers (see fixed.h).
 * Used for money (micro-USD → USD) and durations (ms → s) in JSON, CSV and
 * Prometheus output; no floating point anywhere on the money path. */
#include <inttypes.h>
#include <stdio.h>

#include "fixed.h"

int
fixed_format(char *out, size_t outsz, int64_t v, int scale)
{
	uint64_t	 mag, div = 1, ip, fp;
	int		 i, n;

	if (scale < 0 || scale > 18 || outsz == 0)
		return -1;
	for (i = 0; i < scale; i++)
		div *= 10;
	mag = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
	ip = mag / div;
	fp = mag % div;
	if (scale == 0)
		n = snprintf(out, outsz, "%s%" PRIu64, v < 0 ? "-" : "", ip);
	else
		n = snprintf(out, outsz, "%s%" PRIu64 ".%0*" PRIu64,
		    v < 0 ? "-" : "", ip, scale, fp);
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	return n;
}
