/* Unit tests for prom: names, label escaping, families, cumulative histograms. */
#include "unit.h"
#include "buf.h"
#include "prom.h"

static void
test_names(void)
{
	CHECK(prom_valid_metric_name("switchboard_requests_total"));
	CHECK(prom_valid_metric_name("a:b_c9"));
	CHECK(!prom_valid_metric_name("9abc"));
	CHECK(!prom_valid_metric_name("a-b"));
	CHECK(!prom_valid_metric_name(""));
	CHECK(!prom_valid_metric_name(NULL));
	CHECK(prom_valid_label_name("provider"));
	CHECK(!prom_valid_label_name("a:b"));
	CHECK(!prom_valid_label_name("__name__"));
}

static void
test_escape(void)
{
	struct buf	 b;

	buf_init(&b, 256);
	CHECK(prom_escape_label(&b, "a\\b\"c\nd{e}") == BUF_OK);
	CHECK_STR(b.data, "a\\\\b\\\"c\\nd{e}");
	buf_free(&b);
}

static void
test_samples(void)
{
	struct buf	 b;
	struct prom	 p;
	struct prom_label l[3] = {
		{ "provider", "open\"ai" }, { "model", "gpt\\4\n" },
		{ "status", NULL },
	};

	buf_init(&b, 4096);
	prom_init(&p, &b);
	CHECK(prom_family(&p, "switchboard_requests_total", "counter",
	    "Requests by provider,\nmodel and status \\ all") == PROM_OK);
	CHECK(prom_sample(&p, "switchboard_requests_total", l, 3, 7, 0) == PROM_OK);
	CHECK(prom_family(&p, "switchboard_cost_usd_total", "counter", "Cost") == PROM_OK);
	CHECK(prom_sample(&p, "switchboard_cost_usd_total", NULL, 0, 1234567, 6) == PROM_OK);
	CHECK_STR(b.data,
	    "# HELP switchboard_requests_total Requests by provider,\\nmodel and status \\\\ all\n"
	    "# TYPE switchboard_requests_total counter\n"
	    "switchboard_requests_total{provider=\"open\\\"ai\",model=\"gpt\\\\4\\n\",status=\"\"} 7\n"
	    "# HELP switchboard_cost_usd_total Cost\n"
	    "# TYPE switchboard_cost_usd_total counter\n"
	    "switchboard_cost_usd_total 1.234567\n");
	CHECK(prom_family(&p, "bad-name", "counter", "x") == PROM_BAD_NAME);
	CHECK(prom_status(&p) == PROM_BAD_NAME);	/* sticky */
	buf_free(&b);

	buf_init(&b, 4096);
	prom_init(&p, &b);
	CHECK(prom_family(&p, "x", "summary", "x") == PROM_BAD_NAME);
	buf_free(&b);
}

static void
test_histogram(void)
{
	struct buf	 b;
	struct prom	 p;
	const int64_t	 bounds[2] = { 100, 2500 };
	const int64_t	 counts[3] = { 2, 3, 1 };
	struct prom_label l = { "provider", "x" };

	buf_init(&b, 4096);
	prom_init(&p, &b);
	CHECK(prom_histogram(&p, "h_seconds", &l, 1, bounds, counts, 3, 12345, 3) == PROM_OK);
	CHECK_STR(b.data,
	    "h_seconds_bucket{provider=\"x\",le=\"0.100\"} 2\n"
	    "h_seconds_bucket{provider=\"x\",le=\"2.500\"} 5\n"
	    "h_seconds_bucket{provider=\"x\",le=\"+Inf\"} 6\n"
	    "h_seconds_sum{provider=\"x\"} 12.345\n"
	    "h_seconds_count{provider=\"x\"} 6\n");
	buf_reset(&b);
	CHECK(prom_histogram(&p, "h", NULL, 0, bounds, counts, 3, 0, 3) == PROM_OK);
	CHECK(strncmp(b.data, "h_bucket{le=\"0.100\"} 2\n", 23) == 0);
	buf_free(&b);

	buf_init(&b, 40);	/* too small: PROM_FULL, never overflow */
	prom_init(&p, &b);
	CHECK(prom_histogram(&p, "h_seconds", &l, 1, bounds, counts, 3, 1, 3) == PROM_FULL);
	buf_free(&b);
}

int
main(void)
{
	test_names();
	test_escape();
	test_samples();
	test_histogram();
	return unit_done("test_prom");
}
