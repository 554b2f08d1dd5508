/* Unit tests for csv: RFC 4180 quoting, formula guard, numbers, streaming flushes. */
#include "unit.h"
#include "buf.h"
#include "csv.h"
#include "fixed.h"

struct sinkbuf {
	struct buf	 b;
	int		 calls;
	int		 fail;
};

static int
sink(void *ctx, const char *p, size_t n)
{
	struct sinkbuf	*s = ctx;

	s->calls++;
	if (s->fail)
		return -1;
	return buf_append(&s->b, p, n) == BUF_OK ? 0 : -1;
}

static const struct {
	const char	*in;
	const char	*out;
} cases[] = {
	{ "plain", "plain" },
	{ "", "" },
	{ "a,b", "\"a,b\"" },
	{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
	{ "\"", "\"\"\"\"" },
	{ "line1\nline2", "\"line1\nline2\"" },
	{ "cr\rhere", "\"cr\rhere\"" },
	{ "=SUM(A1:A2)", "'=SUM(A1:A2)" },
	{ "+1", "'+1" },
	{ "-1", "'-1" },
	{ "@cmd", "'@cmd" },
	{ "\tx", "'\tx" },
	{ "=1,2", "\"'=1,2\"" },
	{ "=\"x\"", "\"'=\"\"x\"\"\"" },
	{ "a=b", "a=b" },
	{ " spaced ", " spaced " },
	{ "naïve ✓", "naïve ✓" },
};

static void
test_escape(void)
{
	struct buf	 b;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 1024);
		CHECK(csv_escape(&b, cases[i].in, strlen(cases[i].in)) == CSV_OK);
		CHECK_STR(b.data ? b.data : "", cases[i].out);
		buf_free(&b);
	}
}

static void
test_rows(void)
{
	struct sinkbuf	 s = { .calls = 0, .fail = 0 };
	struct csv	 c;

	buf_init(&s.b, 1 << 20);
	csv_init(&c, sink, &s);
	CHECK(csv_cell_str(&c, "id") == CSV_OK);
	CHECK(csv_cell_str(&c, "cost_usd") == CSV_OK);
	CHECK(csv_cell_str(&c, "note") == CSV_OK);
	CHECK(csv_row_end(&c) == CSV_OK);
	CHECK(csv_cell_int(&c, -42) == CSV_OK);
	CHECK(csv_cell_fixed(&c, 1234567, 6) == CSV_OK);
	CHECK(csv_cell_str(&c, NULL) == CSV_OK);
	CHECK(csv_row_end(&c) == CSV_OK);
	CHECK(s.calls == 0);	/* small output stays pending */
	CHECK(csv_flush(&c) == CSV_OK);
	CHECK(s.calls == 1);
	CHECK_STR(s.b.data, "id,cost_usd,note\r\n-42,1.234567,\r\n");
	csv_free(&c);
	buf_free(&s.b);
}

static void
test_streaming(void)
{
	struct sinkbuf	 s = { .calls = 0, .fail = 0 };
	struct csv	 c;
	int		 i;

	buf_init(&s.b, 1 << 22);
	csv_init(&c, sink, &s);
	for (i = 0; i < 10000; i++) {
		csv_cell_int(&c, i);
		csv_cell_str(&c, "some text, with comma");
		csv_row_end(&c);
	}
	CHECK(csv_flush(&c) == CSV_OK);
	CHECK(s.calls > 10);		/* flushed along the way */
	CHECK(c.out.cap <= CSV_FLUSH_AT * 2 + 64);	/* never held it all */
	CHECK(s.b.len > 200000);
	csv_free(&c);
	buf_free(&s.b);
}

static void
test_errors(void)
{
	struct sinkbuf	 s = { .calls = 0, .fail = 1 };
	struct csv	 c;
	static char	 big[CSV_MAX_CELL + 2];

	buf_init(&s.b, 1024);
	csv_init(&c, sink, &s);
	csv_cell_str(&c, "x");
	csv_row_end(&c);
	CHECK(csv_flush(&c) == CSV_SINK);
	CHECK(csv_cell_str(&c, "y") == CSV_SINK);	/* sticky */
	csv_free(&c);

	csv_init(&c, sink, &s);
	memset(big, 'a', sizeof(big) - 1);
	CHECK(csv_cell_str(&c, big) == CSV_TOO_LONG);
	csv_free(&c);
	buf_free(&s.b);
}

static void
test_fixed(void)
{
	char	 t[FIXED_MAX];

	CHECK(fixed_format(t, sizeof(t), 0, 6) == 8);
	CHECK_STR(t, "0.000000");
	fixed_format(t, sizeof(t), 1, 6);
	CHECK_STR(t, "0.000001");
	fixed_format(t, sizeof(t), -1500000, 6);
	CHECK_STR(t, "-1.500000");
	fixed_format(t, sizeof(t), INT64_MIN, 6);
	CHECK_STR(t, "-9223372036854.775808");
	fixed_format(t, sizeof(t), 1234, 3);
	CHECK_STR(t, "1.234");
	fixed_format(t, sizeof(t), 77, 0);
	CHECK_STR(t, "77");
	CHECK(fixed_format(t, 4, 123456, 6) == -1);
	CHECK(fixed_format(t, sizeof(t), 1, 19) == -1);
}

int
main(void)
{
	test_escape();
	test_rows();
	test_streaming();
	test_errors();
	test_fixed();
	return unit_done("test_csv");
}
