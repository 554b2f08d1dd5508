/* Unit tests for usage: usage_cost's money arithmetic (integer micro-USD from
 * token counts and prices per 1M tokens; cache reads and writes at their own
 * price or the input price; one half-up rounding of the whole sum; unknown
 * prices; the overflow clamp) and usage_estimate_tokens. */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "unit.h"
#include "buf.h"
#include "db.h"
#include "price.h"
#include "usage.h"

#define U	PRICE_UNKNOWN

struct cost_case {
	const char	*what;
	long long	 prompt, completion, cache_read, cache_write;
	int64_t		 in, out, cr, cw;	/* micro-USD per 1M tokens */
	long long	 want;
	int		 known;
};

static const struct cost_case cost_cases[] = {
	{ "plain: 1000 in at $2/M + 500 out at $8/M",
	    1000, 500, 0, 0, 2000000, 8000000, U, U, 6000, 1 },
	{ "gpt-4o prices", 1234, 567, 0, 0, 2500000, 10000000, U, U, 8755, 1 },
	{ "nothing used", 0, 0, 0, 0, 2000000, 8000000, U, U, 0, 1 },
	{ "a free model is known and costs 0", 5000, 5000, 0, 0, 0, 0, U, U, 0, 1 },

	/* Rounding: half a micro-USD and up rounds up, below rounds down. */
	{ "0.5 rounds up", 1, 0, 0, 0, 500000, 0, U, U, 1, 1 },
	{ "0.499999 rounds down", 1, 0, 0, 0, 499999, 0, U, U, 0, 1 },
	{ "4.5 rounds up", 3, 0, 0, 0, 1500000, 0, U, U, 5, 1 },
	{ "2.85 rounds up", 7, 3, 0, 0, 150000, 600000, U, U, 3, 1 },
	{ "the sum is rounded once, not each part (0.4 + 0.2)",
	    1, 1, 0, 0, 400000, 200000, U, U, 1, 1 },
	{ "each part alone below half (0.3 + 0.1)",
	    1, 1, 0, 0, 300000, 100000, U, U, 0, 1 },

	/* Cache reads and writes are part of the prompt, at their own price. */
	{ "cache read at its price", 1000, 0, 600, 0,
	    2000000, 8000000, 500000, U, 1100, 1 },
	{ "cache read, price unknown: input price", 1000, 0, 600, 0,
	    2000000, 8000000, U, U, 2000, 1 },
	{ "cache write at its price", 1000, 0, 0, 200,
	    2000000, 8000000, U, 2500000, 2100, 1 },
	{ "cache write, price unknown: input price", 1000, 0, 0, 200,
	    2000000, 8000000, U, U, 2000, 1 },
	{ "cache read and write, each at its price", 1000, 10, 600, 300,
	    3000000, 15000000, 300000, 3750000, 1755, 1 },
	{ "cache read at a free price", 1000, 0, 1000, 0,
	    2000000, 0, 0, U, 0, 1 },
	{ "cache counts above the prompt: no negative plain tokens", 100, 0, 80, 50,
	    1000000, 0, 100000, 1000000, 58, 1 },
	{ "negative cache counts are ignored", 10, 0, -5, -7,
	    1000000, 0, 100000, 100000, 10, 1 },
	{ "negative completion is ignored", 10, -3, 0, 0,
	    1000000, 1000000, U, U, 10, 1 },
	{ "cache-only prices rounded with the rest (0.3 + 0.3)", 2, 0, 1, 0,
	    300000, 0, 300000, U, 1, 1 },

	/* Unknown input or output price: cost 0, not known. */
	{ "input price unknown", 1000, 500, 0, 0, U, 8000000, U, U, 0, 0 },
	{ "output price unknown", 1000, 500, 0, 0, 2000000, U, U, U, 0, 0 },
	{ "both unknown", 1000, 500, 100, 100, U, U, 1, 1, 0, 0 },
	{ "unknown cache prices alone keep the cost known", 10, 0, 5, 5,
	    1000000, 1000000, U, U, 10, 1 },

	/* Large values: no overflow, clamped at INT64_MAX / 2. */
	{ "a million tokens at the highest price", 1000000, 1000000, 0, 0,
	    PRICE_MAX, PRICE_MAX, U, U, 2000000000000LL, 1 },
	{ "absurd counts clamp", 4000000000000000000LL, 4000000000000000000LL, 0, 0,
	    PRICE_MAX, PRICE_MAX, U, U, INT64_MAX / 2, 1 },
};

static void
test_cost(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(cost_cases) / sizeof(cost_cases[0]); i++) {
		const struct cost_case *c = &cost_cases[i];
		struct adapter_usage u = { .prompt = c->prompt,
		    .completion = c->completion, .cache_read = c->cache_read,
		    .cache_write = c->cache_write, .known = 1 };
		struct usage_prices p = { c->in, c->out, c->cr, c->cw };
		long long got;
		int known = -1;

		got = usage_cost(&u, &p, &known);
		if (got != c->want || known != c->known)
			fprintf(stderr, "usage_cost: %s: got %lld known %d, want %lld known %d\n",
			    c->what, got, known, c->want, c->known);
		CHECK(got == c->want && known == c->known);
	}
}

/* The cost does not depend on fields it must ignore (total, reasoning). */
static void
test_cost_ignores(void)
{
	struct adapter_usage a = { .prompt = 100, .completion = 50 };
	struct adapter_usage b = { .prompt = 100, .completion = 50, .total = 999999,
	    .reasoning = 40, .known = 1 };
	struct usage_prices p = { 1000000, 4000000, U, U };
	int ka, kb;

	CHECK(usage_cost(&a, &p, &ka) == 300);
	CHECK(usage_cost(&b, &p, &kb) == 300);
	CHECK(ka == 1 && kb == 1);
}

struct est_case {
	size_t		 bytes;
	long long	 want;
};

static const struct est_case est_cases[] = {
	{ 0, 0 }, { 1, 1 }, { 3, 1 }, { 4, 1 }, { 5, 2 }, { 8, 2 }, { 9, 3 },
	{ 4000, 1000 }, { 4001, 1001 },
};

static void
test_estimate(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(est_cases) / sizeof(est_cases[0]); i++) {
		long long got = usage_estimate_tokens(est_cases[i].bytes);

		if (got != est_cases[i].want)
			fprintf(stderr, "usage_estimate_tokens(%zu) = %lld, want %lld\n",
			    est_cases[i].bytes, got, est_cases[i].want);
		CHECK(got == est_cases[i].want);
	}
}

/* Every value comes back as it went in: integers exactly (beyond a
 * double's 53 bits too), strings with quotes, backslashes, control bytes and
 * multi-byte UTF-8, and nulls. */
static void
test_params_text(void)
{
	static const char *const strs[] = { "plain", "a \"quoted\" \\ path",
	    "tab\there\nnewline\x01\x1f", "✓ 😀 ünïcode", "" };
	struct db_param	 p[8], back[8];
	struct buf	 b;
	cJSON		*arr;
	size_t		 i;

	p[0] = db_int(9007199254740993LL);	/* 2^53 + 1 */
	p[1] = db_int(-42);
	p[2] = db_null();
	for (i = 0; i < 5; i++)
		p[3 + i] = db_str(strs[i]);
	buf_init(&b, 4096);
	CHECK(usage_params_text(p, 8, &b) == BUF_OK);
	arr = cJSON_Parse(b.data);
	CHECK(arr != NULL && usage_params_parse(arr, back, 8) == 0);
	if (arr != NULL) {
		CHECK(strstr(b.data, "9007199254740993") != NULL);
		CHECK(back[1].type == DBP_INT && back[1].i == -42);
		CHECK(back[2].type == DBP_NULL);
		for (i = 0; i < 5; i++)
			CHECK(back[3 + i].type == DBP_STR && strcmp(back[3 + i].s, strs[i]) == 0);
	}
	cJSON_Delete(arr);
	buf_free(&b);
}

int
main(void)
{
	test_cost();
	test_cost_ignores();
	test_estimate();
	test_params_text();
	return unit_done("usage");
}
