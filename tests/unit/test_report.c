/* Unit tests for report: histogram buckets, quantiles, aggregates, time parsing. */
#include "unit.h"
#include "report.h"

static void
test_report(void)
{
	struct report_agg a, c;
	int64_t		 h[REPORT_NB] = { 0 };

	memset(&a, 0, sizeof(a));
	memset(&c, 0, sizeof(c));
	CHECK(report_bucket(0) == 0 && report_bucket(25) == 0 && report_bucket(26) == 1);
	CHECK(report_bucket(120000) == REPORT_NB - 2 && report_bucket(120001) == REPORT_NB - 1);
	CHECK(report_quantile_ms(h, 950) == -1);
	h[3] = 10;	/* 10 values in (100, 250] */
	CHECK(report_quantile_ms(h, 950) == 100 + 150 * 10 / 10);
	CHECK(report_quantile_ms(h, 500) == 100 + 150 * 5 / 10);
	h[0] = 90;	/* 100 values: rank 95 is the 5th of bucket 3 */
	CHECK(report_quantile_ms(h, 950) == 100 + 150 * 5 / 10);
	h[REPORT_NB - 1] = 1000;
	CHECK(report_quantile_ms(h, 950) == 120000);
	report_agg_add_row(&a, REPORT_SUCCESS, NULL, 10, 5, 15, 300, 120, 40);
	report_agg_add_row(&a, REPORT_ERROR, "timeout", 0, 0, 0, 0, 30, -1);
	report_agg_add_row(&c, REPORT_CANCELLED, NULL, 1, 1, 2, 7, 5000, 900);
	report_agg_merge(&a, &c);
	CHECK(a.requests == 3 && a.errors == 1 && a.cancelled == 1);
	CHECK(a.err_cat[report_cat_index("timeout")] == 1);
	CHECK(report_cat_index("nonsense") == REPORT_NCAT - 1);
	CHECK(report_cat_index(NULL) == REPORT_NCAT - 1);
	report_agg_sub(&a, &c);
	CHECK(a.requests == 2 && a.cancelled == 0 && a.lat_hist[8] == 0);
	report_agg_merge(&a, &c);
	CHECK(a.total_tokens == 17 && a.cost_micros == 307);
	CHECK(a.ttft_count == 2 && a.ttft_sum_ms == 940);
	CHECK(a.lat_hist[1] == 1 && a.lat_hist[3] == 1 && a.lat_hist[8] == 1);
	CHECK(report_avg(5150, 3) == 1717 && report_avg(5, 2) == 3 && report_avg(1, 0) == 0);
	CHECK(report_ppm(1, 3) == 333333 && report_ppm(2, 3) == 666667);
	CHECK(report_status_from_name("cancelled") == REPORT_CANCELLED);
	CHECK(report_status_from_name("pending") == -1);
}

static void
test_times(void)
{
	char	 t[REPORT_TIME_MAX];
	int64_t	 v;
	int	 y, m, d;

	CHECK(report_sqltime(t, sizeof(t), 1774746000) == 0);
	CHECK_STR(t, "2026-03-29 01:00:00");
	CHECK(report_isotime(t, sizeof(t), 1774746000) == 0);
	CHECK_STR(t, "2026-03-29T01:00:00Z");
	CHECK(report_parse_time("2026-03-29 01:00:00", &v) == 0 && v == 1774746000);
	CHECK(report_parse_time("2026-03-29T01:00:00Z", &v) == 0 && v == 1774746000);
	CHECK(report_parse_time("2026-03-29T01:00:00.123Z", &v) == 0 && v == 1774746000);
	CHECK(report_parse_time("2026-03-29 01:00:00.123456", &v) == 0);
	CHECK(report_parse_time("2026-03-29", &v) == 0 && v == 1774742400);
	CHECK(report_parse_time("2026-02-29", &v) == -1);
	CHECK(report_parse_time("2024-02-29", &v) == 0);
	CHECK(report_parse_time("2026-03-29T01:00:00+02:00", &v) == -1);
	CHECK(report_parse_time("2026-03-29 01:00:00Z", &v) == -1);
	CHECK(report_parse_time("2026-03-29T25:00:00Z", &v) == -1);
	CHECK(report_parse_time("1999-12-31", &v) == -1);
	CHECK(report_parse_time("2026-3-29", &v) == -1);
	CHECK(report_parse_time("", &v) == -1);
	CHECK(report_parse_time("2026-03-29x", &v) == -1);
	CHECK(report_parse_time("2026-03-29T01:00:00.1234567Z", &v) == -1);
	CHECK(report_parse_date("2026-12-31", &y, &m, &d) == 0 && y == 2026 && m == 12 && d == 31);
}

int
main(void)
{
	test_report();
	test_times();
	return unit_done("test_report");
}
