/* Unit tests for tzbucket: strict zone names, DST days of 23/24.5/25 hours,
 * fractional offsets, midnight gaps, month edges, gap-free bucket lists. */
#include <time.h>

#include "unit.h"
#include "tzbucket.h"

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm);
}

static void
test_names(void)
{
	static const char *good[] = { "Europe/Berlin", "UTC", "Etc/GMT+5",
	    "America/Argentina/Buenos_Aires", "Asia/Kolkata", "America/Port-au-Prince" };
	static const char *bad[] = { "", "../etc/passwd", "/etc/passwd",
	    "Europe/../../etc/passwd", "Europe//Berlin", "Europe/Berlin/",
	    "/Europe/Berlin", "right/UTC", "zone.tab", "iso3166.tab", "Europe",
	    "Nope/Nowhere", "Europe/Berlin\n", "Europe/Berlin ", "localtime",
	    "posixrules", "-x", "Europe/.hidden", "%2e%2e/etc/passwd",
	    "Europe\\Berlin",
	    "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/B" };
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(tzb_valid_name(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tzb_valid_name(bad[i]))
			fprintf(stderr, "accepted bad zone: %s\n", bad[i]);
		CHECK(!tzb_valid_name(bad[i]));
	}
	CHECK(!tzb_valid_name(NULL));
}

static void
test_days(void)
{
	int64_t	 t, n;

	/* Berlin spring forward: 23-hour day */
	CHECK(tzb_date_start("Europe/Berlin", 2026, 3, 29, &t) == TZB_OK);
	CHECK(t == utc(2026, 3, 28, 23, 0));
	CHECK(tzb_step("Europe/Berlin", t, TZB_DAY, 1, &n) == TZB_OK);
	CHECK(n - t == 23 * 3600);
	/* Berlin fall back: 25-hour day */
	CHECK(tzb_date_start("Europe/Berlin", 2026, 10, 25, &t) == TZB_OK);
	CHECK(tzb_step("Europe/Berlin", t, TZB_DAY, 1, &n) == TZB_OK);
	CHECK(n - t == 25 * 3600);
	/* India: +05:30 */
	CHECK(tzb_date_start("Asia/Kolkata", 2026, 1, 1, &t) == TZB_OK);
	CHECK(t == utc(2025, 12, 31, 18, 30));
	/* Lord Howe ends its 30-minute DST on 2026-04-05: 24.5-hour day */
	CHECK(tzb_date_start("Australia/Lord_Howe", 2026, 4, 5, &t) == TZB_OK);
	CHECK(tzb_step("Australia/Lord_Howe", t, TZB_DAY, 1, &n) == TZB_OK);
	CHECK(n - t == 24 * 3600 + 1800);
	/* Sao Paulo 2018-11-04: DST began at midnight, the day starts 01:00 -02 */
	CHECK(tzb_date_start("America/Sao_Paulo", 2018, 11, 4, &t) == TZB_OK);
	CHECK(t == utc(2018, 11, 4, 3, 0));
	CHECK(tzb_step("America/Sao_Paulo", t, TZB_DAY, 1, &n) == TZB_OK);
	CHECK(n - t == 23 * 3600);
	/* floor and stepping backwards */
	CHECK(tzb_floor("America/New_York", utc(2026, 3, 8, 12, 34), TZB_DAY, &t) == TZB_OK);
	CHECK(t == utc(2026, 3, 8, 5, 0));
	CHECK(tzb_step("America/New_York", t, TZB_DAY, -1, &n) == TZB_OK);
	CHECK(n == utc(2026, 3, 7, 5, 0));
	CHECK(tzb_floor("Nope/Nowhere", 1800000000, TZB_DAY, &t) == TZB_BAD_ZONE);
	CHECK(tzb_floor("UTC", 5, TZB_DAY, &t) == TZB_BAD_RANGE);
	CHECK(tzb_date_start("UTC", 2026, 13, 1, &t) == TZB_BAD_RANGE);
}

static void
test_months(void)
{
	int64_t	 t, n;

	CHECK(tzb_floor("Europe/Berlin", utc(2026, 3, 15, 0, 0), TZB_MONTH, &t) == TZB_OK);
	CHECK(t == utc(2026, 2, 28, 23, 0));
	CHECK(tzb_step("Europe/Berlin", t, TZB_MONTH, 1, &n) == TZB_OK);
	CHECK(n == utc(2026, 3, 31, 22, 0));
	/* UTC 2026-01-31 20:00 is already February 1 in Auckland (+13) */
	CHECK(tzb_floor("Pacific/Auckland", utc(2026, 1, 31, 20, 0), TZB_MONTH, &t) == TZB_OK);
	CHECK(t == utc(2026, 1, 31, 11, 0));
	CHECK(tzb_step("Pacific/Auckland", t, TZB_MONTH, 12, &n) == TZB_OK);
	CHECK(n == utc(2027, 1, 31, 11, 0));
}

static void
test_lists(void)
{
	struct tzb_list	 l;
	int64_t		 from, to;
	size_t		 i;
	int		 gapless = 1;

	/* hourly over Berlin's spring-forward day: 23 buckets, 02:00 missing */
	tzb_date_start("Europe/Berlin", 2026, 3, 29, &from);
	tzb_date_start("Europe/Berlin", 2026, 3, 30, &to);
	CHECK(tzb_make("Europe/Berlin", from, to, TZB_HOUR, 0, &l) == TZB_OK);
	CHECK(l.n == 23);
	CHECK_STR(l.v[0].label, "2026-03-29T00:00:00+01:00");
	CHECK_STR(l.v[1].label, "2026-03-29T01:00:00+01:00");
	CHECK_STR(l.v[2].label, "2026-03-29T03:00:00+02:00");
	CHECK(l.v[2].offset_min == 120);
	for (i = 1; i < l.n; i++)
		gapless &= l.v[i].start == l.v[i - 1].end;
	CHECK(gapless);
	CHECK(tzb_find(&l, from) == 0);
	CHECK(tzb_find(&l, from + 3 * 3600 - 1) == 2);
	CHECK(tzb_find(&l, to) == -1);
	CHECK(tzb_find(&l, from - 1) == -1);
	tzb_free(&l);

	/* fall back: 25 hourly buckets, 02:00 twice with different offsets */
	tzb_date_start("Europe/Berlin", 2026, 10, 25, &from);
	tzb_date_start("Europe/Berlin", 2026, 10, 26, &to);
	CHECK(tzb_make("Europe/Berlin", from, to, TZB_HOUR, 0, &l) == TZB_OK);
	CHECK(l.n == 25);
	CHECK_STR(l.v[2].label, "2026-10-25T02:00:00+02:00");
	CHECK_STR(l.v[3].label, "2026-10-25T02:00:00+01:00");
	tzb_free(&l);

	/* daily over March in Berlin: 31 buckets, mid-range start floors */
	CHECK(tzb_make("Europe/Berlin", utc(2026, 3, 1, 12, 0), utc(2026, 3, 31, 22, 0),
	    TZB_DAY, 0, &l) == TZB_OK);
	CHECK(l.n == 31);
	CHECK_STR(l.v[0].label, "2026-03-01");
	CHECK_STR(l.v[30].label, "2026-03-31");
	CHECK(l.v[30].end == utc(2026, 3, 31, 22, 0));
	tzb_free(&l);

	/* Kathmandu +05:45 hourly labels stay on local hours */
	CHECK(tzb_make("Asia/Kathmandu", utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 3, 0),
	    TZB_HOUR, 0, &l) == TZB_OK);
	CHECK(l.n == 4);
	CHECK_STR(l.v[0].label, "2026-01-01T05:00:00+05:45");
	CHECK(l.v[0].start == utc(2025, 12, 31, 23, 15));
	tzb_free(&l);

	CHECK(tzb_make("UTC", utc(2026, 1, 1, 0, 0), utc(2026, 12, 1, 0, 0),
	    TZB_HOUR, 100, &l) == TZB_TOO_MANY);
	CHECK(l.v == NULL && l.n == 0);
	CHECK(tzb_make("UTC", 2000000000, 2000000000, TZB_HOUR, 0, &l) == TZB_BAD_RANGE);
	CHECK(tzb_make("../x", 2000000000, 2000003600, TZB_HOUR, 0, &l) == TZB_BAD_ZONE);
}

static void
test_restore(void)
{
	int64_t	 t;

	setenv("TZ", "UTC", 1);
	tzb_floor("Asia/Tokyo", 1800000000, TZB_DAY, &t);
	CHECK_STR(getenv("TZ"), "UTC");
	unsetenv("TZ");
	tzb_floor("Asia/Tokyo", 1800000000, TZB_DAY, &t);
	CHECK(getenv("TZ") == NULL);
	CHECK(tzb_unit_from_name("day") == TZB_DAY && tzb_unit_from_name("week") == -1);
}

int
main(void)
{
	test_names();
	test_days();
	test_months();
	test_lists();
	test_restore();
	return unit_done("test_tzbucket");
}
