/* test_quota: the budget windows' periods (quota_period_of): names, starts
 * and ends in UTC, the ISO week from Monday across a year's end. Fixed
 * instants only: nothing here reads the clock. */
#include <string.h>

#include "quota.h"
#include "unit.h"

static void
check(enum quota_window w, long long now, const char *name, long long start, long long end)
{
	char		 p[QUOTA_PERIOD_MAX];
	long long	 s = 0, e = 0;

	quota_period_of(w, now, p, &s, &e);
	CHECK(strcmp(p, name) == 0);
	CHECK(s == start);
	CHECK(e == end);
}

int
main(void)
{
	const long long	 fri = 1796378400;	/* 2026-12-04T10:00:00Z, a Friday */
	const long long	 sun = 1796601599;	/* 2026-12-06T23:59:59Z, the Sunday after */
	const long long	 ny = 1798761600;	/* 2027-01-01T00:00:00Z, a Friday */
	const long long	 day = 86400;

	check(QUOTA_DAY, fri, "2026-12-04", 1796342400, 1796342400 + day);
	check(QUOTA_WEEK, fri, "2026-W49", 1795996800, 1795996800 + 7 * day);
	check(QUOTA_WEEK, sun, "2026-W49", 1795996800, 1795996800 + 7 * day);
	check(QUOTA_MONTH, fri, "2026-12", 1796083200, 1798761600);
	/* New Year's Day 2027 is in ISO week 53 of 2026, which began on Monday 28 December. */
	check(QUOTA_WEEK, ny, "2026-W53", 1798416000, 1798416000 + 7 * day);
	check(QUOTA_DAY, ny, "2027-01-01", ny, ny + day);
	check(QUOTA_MONTH, ny - 1, "2026-12", 1796083200, ny);
	CHECK(quota_window_parse("week") == QUOTA_WEEK);
	CHECK(quota_window_parse("day") == QUOTA_DAY);
	CHECK(quota_window_parse("fortnight") == QUOTA_MONTH);
	CHECK(quota_window_parse(NULL) == QUOTA_MONTH);
	CHECK(quota_window_known("week") && !quota_window_known("Week") && !quota_window_known(NULL));
	return unit_done("test_quota");
}
