/* Unit tests for price: exact decimal conversion in every upstream unit,
 * garbage/negative/overlong rejection, and the shipped table with id
 * normalisation. */
#include "unit.h"
#include "price.h"

struct parse_case {
	const char	*in;
	int		 exp10;
	int		 rc;
	int64_t		 want;
};

static const struct parse_case parse_cases[] = {
	/* OpenRouter: USD per token strings. */
	{ "0.000003", PRICE_EXP_PER_TOKEN, PRICE_OK, 3000000 },
	{ "0.000015", PRICE_EXP_PER_TOKEN, PRICE_OK, 15000000 },
	{ "0.0000025", PRICE_EXP_PER_TOKEN, PRICE_OK, 2500000 },
	{ "0.00000015", PRICE_EXP_PER_TOKEN, PRICE_OK, 150000 },
	{ "0.0000000375", PRICE_EXP_PER_TOKEN, PRICE_OK, 37500 },
	{ "0", PRICE_EXP_PER_TOKEN, PRICE_OK, 0 },
	{ "0.0", PRICE_EXP_PER_TOKEN, PRICE_OK, 0 },
	{ "0.00006", PRICE_EXP_PER_TOKEN, PRICE_OK, 60000000 },
	/* sub-micro values round half up */
	{ "0.0000000000005", PRICE_EXP_PER_TOKEN, PRICE_OK, 1 },
	{ "0.0000000000004", PRICE_EXP_PER_TOKEN, PRICE_OK, 0 },
	{ "0.00000000000049999", PRICE_EXP_PER_TOKEN, PRICE_OK, 0 },
	/* exponent forms (numbers re-printed from JSON) */
	{ "1.5e-07", PRICE_EXP_PER_TOKEN, PRICE_OK, 150000 },
	{ "3E-6", PRICE_EXP_PER_TOKEN, PRICE_OK, 3000000 },
	{ "2.5e+00", PRICE_EXP_PER_1M, PRICE_OK, 2500000 },
	/* per 1K and per 1M */
	{ "0.00015", PRICE_EXP_PER_1K, PRICE_OK, 150000 },
	{ "0.0025", PRICE_EXP_PER_1K, PRICE_OK, 2500000 },
	{ "2.50", PRICE_EXP_PER_1M, PRICE_OK, 2500000 },
	{ "15", PRICE_EXP_PER_1M, PRICE_OK, 15000000 },
	{ ".5", PRICE_EXP_PER_1M, PRICE_OK, 500000 },
	{ "1.", PRICE_EXP_PER_1M, PRICE_OK, 1000000 },
	{ "000000000000000000002", PRICE_EXP_PER_1M, PRICE_OK, 2000000 },
	{ "1000000", PRICE_EXP_PER_1M, PRICE_OK, PRICE_MAX },
	/* negative = variable */
	{ "-1", PRICE_EXP_PER_TOKEN, PRICE_NEGATIVE, PRICE_UNKNOWN },
	{ "-0.5", PRICE_EXP_PER_TOKEN, PRICE_NEGATIVE, PRICE_UNKNOWN },
	/* garbage */
	{ "", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ ".", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "-", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "abc", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "1.2.3", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ " 1", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "1 ", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "+1", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "1e", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "1e1234", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "0x10", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "nan", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "inf", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	{ "1,5", PRICE_EXP_PER_TOKEN, PRICE_EINVAL, PRICE_UNKNOWN },
	/* out of range / overlong */
	{ "1000000.000001", PRICE_EXP_PER_1M, PRICE_ERANGE, PRICE_UNKNOWN },
	{ "1.5", PRICE_EXP_PER_TOKEN, PRICE_ERANGE, PRICE_UNKNOWN },
	{ "1", PRICE_EXP_PER_TOKEN, PRICE_OK, PRICE_MAX },
	{ "99999999999999999999", PRICE_EXP_PER_1M, PRICE_ERANGE, PRICE_UNKNOWN },
	{ "1e30", PRICE_EXP_PER_1M, PRICE_ERANGE, PRICE_UNKNOWN },
	{ "0.00000000000000000000000000000000000000000000000000000000000000001",
	    PRICE_EXP_PER_TOKEN, PRICE_ERANGE, PRICE_UNKNOWN },
};

static void
test_parse(void)
{
	size_t	 i;
	int64_t	 v;
	int	 rc;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];

		rc = price_parse_str(c->in, c->exp10, &v);
		if (rc != c->rc || v != c->want)
			fprintf(stderr, "case \"%s\": rc %d v %lld\n", c->in, rc, (long long)v);
		CHECK(rc == c->rc);
		CHECK(v == c->want);
	}
	/* Not NUL-terminated: only len bytes count. */
	CHECK(price_parse("0.0000031234", 8, PRICE_EXP_PER_TOKEN, &v) == PRICE_OK);
	CHECK(v == 3000000);
	CHECK(price_parse_str(NULL, 6, &v) == PRICE_EINVAL && v == PRICE_UNKNOWN);
}

static void
test_format(void)
{
	char	 b[32];

	CHECK_STR(price_format_usd(3000000, b, sizeof(b)), "3.000000");
	CHECK_STR(price_format_usd(37500, b, sizeof(b)), "0.037500");
	CHECK_STR(price_format_usd(0, b, sizeof(b)), "0.000000");
	CHECK_STR(price_format_usd(-1, b, sizeof(b)), "-0.000001");
	CHECK_STR(price_format_usd(INT64_MIN, b, sizeof(b)), "-9223372036854.775808");
}

static void
test_normalise(void)
{
	char	 k[64];

	CHECK(price_normalise("openrouter/anthropic/Claude-3.5-Sonnet:beta", k, sizeof(k)) == 0);
	CHECK_STR(k, "claude-3-5-sonnet");
	CHECK(price_normalise("models/gemini-1.5-pro", k, sizeof(k)) == 0);
	CHECK_STR(k, "gemini-1-5-pro");
	CHECK(price_normalise("x/", k, sizeof(k)) == -1);
	CHECK(price_model_key("openrouter/anthropic/claude-3.5-sonnet", k, sizeof(k)) == 0);
	CHECK_STR(k, "claude-3-5-sonnet");
	CHECK(price_model_key("claude-3-5-sonnet-20241022", k, sizeof(k)) == 0);
	CHECK_STR(k, "claude-3-5-sonnet");
	CHECK(price_model_key("gpt-4o-2024-08-06", k, sizeof(k)) == 0);
	CHECK_STR(k, "gpt-4o");
	CHECK(price_normalise("abcdef", k, 4) == -1);
}

static void
test_lookup(void)
{
	const struct price_entry	*e;

	CHECK(price_table_size() > 30);
	e = price_lookup("gpt-4o");
	CHECK(e != NULL && e->input == 2500000 && e->output == 10000000);
	CHECK(e != NULL && e->cache_read == 1250000 && e->cache_write == PRICE_UNKNOWN);
	CHECK(e != NULL && e->context_window == 128000 && e->max_output == 16384);
	CHECK(e != NULL && strcmp(e->caps, "vision,tools") == 0);
	e = price_lookup("gpt-4o-2024-08-06");
	CHECK(e != NULL && e->input == 2500000);
	e = price_lookup("openai/gpt-4o-mini-2024-07-18");
	CHECK(e != NULL && e->input == 150000 && e->output == 600000);
	e = price_lookup("claude-3-5-sonnet-20241022");
	CHECK(e != NULL && e->input == 3000000 && e->cache_write == 3750000);
	e = price_lookup("openrouter/anthropic/claude-3.5-sonnet");
	CHECK(e != NULL && e->output == 15000000);
	e = price_lookup("claude-3-5-sonnet@20240620");
	CHECK(e != NULL && e->input == 3000000);
	e = price_lookup("claude-sonnet-4-5-20250929");
	CHECK(e != NULL && e->input == 3000000 && e->max_output == 64000);
	e = price_lookup("models/gemini-1.5-flash-002");
	CHECK(e != NULL && e->input == 75000);
	e = price_lookup("gemini-1.5-flash-8b");
	CHECK(e != NULL && e->input == 37500);
	e = price_lookup("gpt-3.5-turbo-0125");
	CHECK(e != NULL && e->input == 500000);
	e = price_lookup("mistral-large-latest");
	CHECK(e != NULL && e->input == 2000000);
	e = price_lookup("chatgpt-4o-latest");
	CHECK(e != NULL && e->input == 5000000);
	CHECK(price_lookup("claude-sonnet-9") == NULL);
	CHECK(price_lookup("llama3") == NULL);
	CHECK(price_lookup("") == NULL);
	CHECK(price_lookup(NULL) == NULL);
}

static void
test_load(void)
{
	static const char good[] = "# c\n\nfoo-1\t1\t2\t-\t-\t100\t-\tvision\r\nbar\t0.5\t-\t-\t-\t-\t-\t-\n";
	static const char bad_cols[] = "foo\t1\t2\t-\t-\t100\t-\n";
	static const char bad_price[] = "foo\tx\t2\t-\t-\t100\t-\t-\n";
	static const char bad_count[] = "foo\t1\t2\t-\t-\t-5\t-\t-\n";
	static const char extra[] = "foo\t1\t2\t-\t-\t5\t-\t-\textra\n";
	const struct price_entry *e;

	CHECK(price_table_load(good, sizeof(good) - 1) == 2);
	e = price_lookup("Foo.1");
	CHECK(e != NULL && e->input == 1000000 && e->output == 2000000 &&
	    e->context_window == 100 && e->max_output == 0 && strcmp(e->caps, "vision") == 0);
	e = price_lookup("bar");
	CHECK(e != NULL && e->output == PRICE_UNKNOWN && e->caps[0] == '\0');
	CHECK(price_table_load(bad_cols, sizeof(bad_cols) - 1) == -1);
	CHECK(price_table_load(bad_price, sizeof(bad_price) - 1) == -1);
	CHECK(price_table_load(bad_count, sizeof(bad_count) - 1) == -1);
	CHECK(price_table_load(extra, sizeof(extra) - 1) == -1);
	CHECK(price_table_size() == 2);		/* unchanged after failures */
	price_table_free();
}

/* JSON numbers (doubles) read as the decimal text they were written as. */
static void
test_double(void)
{
	int64_t	 v;

	CHECK(price_parse_double(2.5e-06, PRICE_EXP_PER_TOKEN, &v) == PRICE_OK && v == 2500000);
	CHECK(price_parse_double(1e-05, PRICE_EXP_PER_TOKEN, &v) == PRICE_OK && v == 10000000);
	CHECK(price_parse_double(3.75e-08, PRICE_EXP_PER_TOKEN, &v) == PRICE_OK && v == 37500);
	CHECK(price_parse_double(0.1 + 0.2, 6, &v) == PRICE_OK && v == 300000);	/* 0.30000000000000004 */
	CHECK(price_parse_double(0.000111, 6, &v) == PRICE_OK && v == 111);
	CHECK(price_parse_double(0, PRICE_EXP_PER_TOKEN, &v) == PRICE_OK && v == 0);
	CHECK(price_parse_double(-1, PRICE_EXP_PER_TOKEN, &v) == PRICE_NEGATIVE);
	CHECK(price_parse_double(1e300, PRICE_EXP_PER_TOKEN, &v) == PRICE_ERANGE);
}

/* The shipped table parses, and parsing leaves the table in use alone. */
static void
test_shipped(void)
{
	static const char one[] = "only\t1\t2\t-\t-\t-\t-\t-\n";
	struct price_entry	*rows;
	size_t			 n;

	CHECK(price_table_load(one, sizeof(one) - 1) == 1);
	CHECK(price_shipped(&rows, &n) == 0 && n > 30);
	CHECK(price_table_size() == 1);
	price_table_replace(rows, n);
	CHECK(price_lookup("gpt-4o") != NULL && price_lookup("only") == NULL);
	price_table_free();
}

int
main(void)
{
	test_double();
	test_shipped();
	test_parse();
	test_format();
	test_normalise();
	test_lookup();
	test_load();
	return unit_done("test_price");
}
