/* fixed: exact decimal printing of scaled integers (micro-USD, milliseconds).
 * Money is never a float: 1234567 micro-USD at scale 6 prints "1.234567". */
#ifndef SB_FIXED_H
#define SB_FIXED_H

#include <stddef.h>
#include <stdint.h>

#define FIXED_MAX	32	/* enough for any int64 with sign, point and NUL */

/* Print v / 10^scale (0 <= scale <= 18) with exactly `scale` decimals.
 * Returns the length written, or -1 if out is too small or scale is bad. */
int	fixed_format(char *out, size_t outsz, int64_t v, int scale);

#endif
