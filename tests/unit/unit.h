/* unit.h: the tiny unit-test harness every tests/unit/test_*.c includes.
 * CHECK records a pass or a failure with its line; unit_done() prints
 * "<file>: N passed, N failed" and returns the process exit code. */
#ifndef SB_UNIT_H
#define SB_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_passed, unit_failed;

static void
unit_record(int ok, const char *expr, const char *file, int line)
{
	if (ok) {
		unit_passed++;
		return;
	}
	unit_failed++;
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, expr);
}

#define CHECK(expr) unit_record((expr) != 0, #expr, __FILE__, __LINE__)
#define CHECK_STR(a, b) unit_record((a) != NULL && (b) != NULL && \
	strcmp((a), (b)) == 0, #a " == " #b, __FILE__, __LINE__)

static int
unit_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
