/* Unit tests for the usage logs cursor codec: usageapi_cursor_make turns the
 * last row's created_at and id into "YYYYMMDDHHMMSSffffff-ID";
 * usageapi_cursor_parse turns it back into the DB time
 * "YYYY-MM-DD HH:MM:SS.ffffff" and the id, and refuses anything this API did
 * not give out.
 */
#include "unit.h"
#include "usageapi.h"

#define CURSOR_MAX	64
#define DBTIME_MAX	32

struct make_case {
	const char	*dbtime;
	const char	*id;
	const char	*want;
};

static const struct make_case make_cases[] = {
	{ "2026-03-29 01:02:03.123456", "42", "20260329010203123456-42" },
	{ "2026-12-01 00:00:00.000001", "9", "20261201000000000001-9" },
	/* no fraction (or a short one): zero-padded to 20 digits */
	{ "2026-03-29 01:02:03", "7", "20260329010203000000-7" },
	{ "2026-03-29 01:02:03.5", "7", "20260329010203500000-7" },
	/* longer than microseconds: cut at 20 digits */
	{ "2026-03-29 01:02:03.1234567", "7", "20260329010203123456-7" },
	{ "2026-03-29 01:02:03.123456", "123456789012345678", "20260329010203123456-123456789012345678" },
	/* missing values never crash; such a cursor does not parse (id 0) */
	{ NULL, "5", "00000000000000000000-5" },
	{ "2026-03-29 01:02:03.123456", NULL, "20260329010203123456-0" },
};

static void
test_make(void)
{
	char	 out[CURSOR_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(make_cases) / sizeof(make_cases[0]); i++) {
		const struct make_case *c = &make_cases[i];

		usageapi_cursor_make(c->dbtime, c->id, out, sizeof(out));
		if (strcmp(out, c->want) != 0)
			fprintf(stderr, "make(%s, %s) = %s, want %s\n", c->dbtime ? c->dbtime : "NULL",
			    c->id ? c->id : "NULL", out, c->want);
		CHECK_STR(out, c->want);
	}
}

struct parse_case {
	const char	*in;
	int		 rc;
	const char	*dbtime;	/* when rc == 0 */
	long long	 id;
};

static const struct parse_case parse_cases[] = {
	{ "20260329010203123456-42", 0, "2026-03-29 01:02:03.123456", 42 },
	{ "20261201000000000001-9", 0, "2026-12-01 00:00:00.000001", 9 },
	{ "20260329010203123456-1", 0, "2026-03-29 01:02:03.123456", 1 },
	{ "20260329010203123456-123456789012345678", 0, "2026-03-29 01:02:03.123456", 123456789012345678LL },
	/* refused */
	{ "", -1, NULL, 0 },
	{ "abc", -1, NULL, 0 },
	{ "20260329010203123456", -1, NULL, 0 },		/* no id */
	{ "20260329010203123456-", -1, NULL, 0 },		/* empty id */
	{ "2026032901020312345-42", -1, NULL, 0 },		/* 19 time digits */
	{ "202603290102031234567-42", -1, NULL, 0 },		/* 21 time digits */
	{ "20260329010203123456_42", -1, NULL, 0 },		/* wrong separator */
	{ "2026032901020312345x-42", -1, NULL, 0 },		/* non-digit in the time */
	{ "2026-03-29010203123-42", -1, NULL, 0 },
	{ "20260329010203123456-0", -1, NULL, 0 },		/* id must be > 0 */
	{ "20260329010203123456-00", -1, NULL, 0 },
	{ "20260329010203123456--1", -1, NULL, 0 },
	{ "20260329010203123456-+1", -1, NULL, 0 },
	{ "20260329010203123456- 1", -1, NULL, 0 },
	{ "20260329010203123456-42x", -1, NULL, 0 },		/* trailing junk */
	{ "20260329010203123456-42 ", -1, NULL, 0 },
	{ "20260329010203123456-1234567890123456789", -1, NULL, 0 },	/* 19-digit id */
	{ "20260329010203123456-99999999999999999999999", -1, NULL, 0 },
};

static void
test_parse(void)
{
	char		 t[DBTIME_MAX];
	long long	 id;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];

		id = -1;
		t[0] = '\0';
		rc = usageapi_cursor_parse(c->in, t, sizeof(t), &id);
		if (rc != c->rc)
			fprintf(stderr, "parse(\"%s\") = %d, want %d\n", c->in, rc, c->rc);
		CHECK(rc == c->rc);
		if (c->rc == 0 && rc == 0) {
			CHECK_STR(t, c->dbtime);
			CHECK(id == c->id);
		}
	}
	/* The DB time needs 27 bytes: a smaller buffer is refused, not cut. */
	CHECK(usageapi_cursor_parse("20260329010203123456-42", t, 26, &id) == -1);
	CHECK(usageapi_cursor_parse("20260329010203123456-42", t, 27, &id) == 0);
	CHECK_STR(t, "2026-03-29 01:02:03.123456");
}

/* What make gives out, parse takes back: same time, same id. */
static void
test_round_trip(void)
{
	static const char *const times[] = { "2026-03-29 01:02:03.123456",
	    "2000-01-01 00:00:00.000000", "2099-12-31 23:59:59.999999" };
	static const char *const ids[] = { "1", "42", "999999999999999999" };
	char		 cur[CURSOR_MAX], t[DBTIME_MAX], idbuf[24];
	long long	 id;
	size_t		 i, j;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		for (j = 0; j < sizeof(ids) / sizeof(ids[0]); j++) {
			usageapi_cursor_make(times[i], ids[j], cur, sizeof(cur));
			CHECK(usageapi_cursor_parse(cur, t, sizeof(t), &id) == 0);
			CHECK_STR(t, times[i]);
			snprintf(idbuf, sizeof(idbuf), "%lld", id);
			CHECK_STR(idbuf, ids[j]);
		}
}

int
main(void)
{
	test_make();
	test_parse();
	test_round_trip();
	return unit_done("usage_cursor");
}
