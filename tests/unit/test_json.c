/* Unit tests for json: depth limits, typed field validation, exact money. */
#include <limits.h>

#include "unit.h"
#include "json.h"

static void
test_depth(void)
{
	struct sb_error	 e;
	char		 deep[300];
	cJSON		*j;

	memset(deep, '[', 150);
	memset(deep + 150, ']', 150);
	CHECK(json_depth_ok(deep, 300, 150) == 0);
	CHECK(json_depth_ok(deep, 300, 149) == -1);
	CHECK(json_depth_ok("{\"a\":\"[[[[[[\"}", 14, 2) == 0);	/* brackets in strings do not count */
	CHECK(json_depth_ok("{\"a\":\"\\\"[[[[\"}", 15, 2) == 0);
	CHECK(json_parse(deep, 300, 64, &e) == NULL);
	CHECK_STR(e.code, "json_too_deep");
	CHECK(e.status == 400);
	CHECK(json_parse("{bad", 4, 64, &e) == NULL);
	CHECK_STR(e.code, "invalid_json");
	CHECK(json_parse("", 0, 64, &e) == NULL);
	j = json_parse("{\"a\":1}", 7, 64, &e);
	CHECK(j != NULL);
	cJSON_Delete(j);
}

static void
test_fields(void)
{
	struct sb_error	 e;
	const char	*s = NULL;
	long long	 n = 0;
	int		 b = 0, present = 0;
	cJSON		*j = cJSON_Parse("{\"name\":\"bob\",\"n\":42,\"f\":1.5,\"t\":true,\"z\":null,\"s\":\"7\"}");

	CHECK(json_field_str(j, "name", 1, 1, 10, &s, &present, &e) == 0 && present);
	CHECK_STR(s, "bob");
	CHECK(json_field_str(j, "name", 1, 4, 10, &s, NULL, &e) == -1);
	CHECK_STR(e.code, "invalid_length");
	CHECK(json_field_str(j, "n", 1, 1, 10, &s, NULL, &e) == -1);
	CHECK_STR(e.code, "invalid_type");
	CHECK(json_field_str(j, "missing", 1, 1, 10, &s, NULL, &e) == -1);
	CHECK_STR(e.code, "missing_field");
	CHECK(strstr(e.message, "'missing'") != NULL);
	CHECK(json_field_str(j, "z", 0, 1, 10, &s, &present, &e) == 0 && !present);
	CHECK(json_field_int(j, "n", 1, 0, 100, &n, NULL, &e) == 0 && n == 42);
	CHECK(json_field_int(j, "n", 1, 0, 10, &n, NULL, &e) == -1);
	CHECK(json_field_int(j, "f", 1, 0, 10, &n, NULL, &e) == -1);
	CHECK(json_field_int(j, "s", 1, 0, 10, &n, NULL, &e) == -1);
	CHECK(json_field_bool(j, "t", 1, &b, NULL, &e) == 0 && b == 1);
	CHECK(json_field_bool(j, "n", 1, &b, NULL, &e) == -1);
	cJSON_Delete(j);
}

/* Issue 10, defect 4: a body is judged by its number of values before
 * cJSON spends ~64 bytes on each (a 10 MiB array of zeros was ~400 MB). */
static void
test_node_cap(void)
{
	struct sb_error	 e;
	size_t		 n = 2 * 120000 + 2, i;
	char		*big = malloc(n + 1);
	cJSON		*j;

	big[0] = '[';
	for (i = 0; i < 120000; i++) {
		big[1 + 2 * i] = '0';
		big[2 + 2 * i] = ',';
	}
	big[n - 1] = ']';
	big[n - 2] = '0';
	big[n] = '\0';
	memset(&e, 0, sizeof(e));
	CHECK(json_parse(big, n, 64, &e) == NULL);
	CHECK_STR(e.code, "json_too_many_values");
	CHECK(e.status == 413);
	/* commas inside strings are not values */
	memset(big, ',', n);
	big[0] = '"';
	big[n - 1] = '"';
	CHECK((j = json_parse(big, n, 64, &e)) != NULL);
	cJSON_Delete(j);
	free(big);
}

/* Found by tests/fuzz/fuzz_json: numbers past long long's range were
 * converted before the range check (undefined behaviour). */
static void
test_int_out_of_range(void)
{
	struct sb_error	 e;
	long long	 n = 7;
	cJSON		*j = cJSON_Parse("{\"big\":1e300,\"neg\":-1e300,\"edge\":9223372036854775808,"
	    "\"min\":-9223372036854775808}");

	CHECK(json_field_int(j, "big", 1, LLONG_MIN, LLONG_MAX, &n, NULL, &e) == -1 && n == 7);
	CHECK_STR(e.code, "invalid_value");
	CHECK(json_field_int(j, "neg", 1, LLONG_MIN, LLONG_MAX, &n, NULL, &e) == -1 && n == 7);
	CHECK(json_field_int(j, "edge", 1, LLONG_MIN, LLONG_MAX, &n, NULL, &e) == -1 && n == 7);
	CHECK(json_field_int(j, "min", 1, LLONG_MIN, LLONG_MAX, &n, NULL, &e) == 0 && n == LLONG_MIN);
	cJSON_Delete(j);
}

static void
test_money(void)
{
	struct sb_error	 e;
	long long	 m = 0;
	char		 s[32];
	int		 present;
	cJSON		*j = cJSON_Parse("{\"a\":12.5,\"b\":\"0.000001\",\"c\":\"1.0000001\",\"d\":-3,\"e\":\"1e3\"}"), *o;

	CHECK(json_usd_to_micros("12.5", &m) == 0 && m == 12500000);
	CHECK(json_usd_to_micros("0", &m) == 0 && m == 0);
	CHECK(json_usd_to_micros("0.000001", &m) == 0 && m == 1);
	CHECK(json_usd_to_micros("1.0000001", &m) == -1);
	CHECK(json_usd_to_micros("-1", &m) == -1);
	CHECK(json_usd_to_micros("1.", &m) == -1);
	CHECK(json_usd_to_micros(".5", &m) == -1);
	CHECK(json_usd_to_micros("99999999999999999999", &m) == -1);
	CHECK(json_field_usd(j, "a", 1, &m, &present, &e) == 0 && m == 12500000);
	CHECK(json_field_usd(j, "b", 1, &m, &present, &e) == 0 && m == 1);
	CHECK(json_field_usd(j, "c", 1, &m, &present, &e) == -1);
	CHECK(json_field_usd(j, "d", 1, &m, &present, &e) == -1);
	CHECK(json_field_usd(j, "e", 1, &m, &present, &e) == -1);
	json_micros_to_usd(12340000, s, sizeof(s));
	CHECK_STR(s, "12.340000");
	json_micros_to_usd(-5, s, sizeof(s));
	CHECK_STR(s, "-0.000005");
	o = cJSON_CreateObject();
	json_add_usd(o, "cost_usd", 1234567);
	{
		char *out = cJSON_PrintUnformatted(o);

		CHECK_STR(out, "{\"cost_usd\":1.234567}");
		cJSON_free(out);
	}
	cJSON_Delete(o);
	cJSON_Delete(j);
}

/* json_print gives byte for byte what cJSON_PrintUnformatted gives. */
static void
test_print_same_as_cjson(const char *text)
{
	cJSON	*j = cJSON_Parse(text);
	char	*ours = json_print(j), *theirs = cJSON_PrintUnformatted(j);

	CHECK(j != NULL);
	CHECK_STR(ours, theirs);
	if (ours == NULL || theirs == NULL || strcmp(ours, theirs) != 0)
		fprintf(stderr, "  %s\n  ours:   %s\n  cJSON's: %s\n", text,
		    ours ? ours : "(null)", theirs ? theirs : "(null)");
	free(ours);
	cJSON_free(theirs);
	cJSON_Delete(j);
}

static void
test_print(void)
{
	static const char *docs[] = {
		"{\"model\":\"gpt-4o\",\"max_tokens\":16,\"stream\":true,\"temperature\":0.7,"
		    "\"top_p\":null,\"stop\":[],\"tools\":{}}",
		"[0,-0,1,-1,16,1700000000,999999999999999,1000000000000000,1e300,-1e-300,"
		    "0.1,0.30000000000000004,1.5,-3.25,9007199254740993,123456789.123456789,2.5e-7]",
		"{\"s\":\"quote \\\" backslash \\\\ slash / \\b\\f\\n\\r\\t \\u0001 \\u001f \\u007f "
		    "caf\\u00e9 \\u20ac \\ud83d\\ude00\",\"\\n key\":1}",
		"{\"a\":[{\"b\":[[],[{}],[1,[2,[3]]]]},false,true,null,\"\"]}",
		"\"just a string\"",
		"42",
	};
	cJSON	*o = cJSON_CreateObject(), *n;
	char	*ours, *theirs;
	size_t	 i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		test_print_same_as_cjson(docs[i]);
	/* Numbers no parse makes, and a raw value. */
	cJSON_AddNumberToObject(o, "nan", 0.0 / 0.0);
	cJSON_AddNumberToObject(o, "inf", 1.0 / 0.0);
	cJSON_AddNumberToObject(o, "third", 1.0 / 3.0);
	cJSON_AddRawToObject(o, "raw", "12.500000");
	ours = json_print(o);
	theirs = cJSON_PrintUnformatted(o);
	CHECK_STR(ours, theirs);
	CHECK_STR(ours, "{\"nan\":null,\"inf\":null,\"third\":0.33333333333333331,\"raw\":12.500000}");
	free(ours);
	cJSON_free(theirs);
	/* A malformed item: no text, never a crash. */
	n = cJSON_CreateString("x");
	free(n->valuestring);
	n->valuestring = NULL;
	CHECK(json_print(n) == NULL);
	cJSON_Delete(n);
	CHECK(json_print(NULL) == NULL);
	cJSON_Delete(o);
}

int
main(void)
{
	test_print();
	test_depth();
	test_fields();
	test_int_out_of_range();
	test_node_cap();
	test_money();
	return unit_done("test_json");
}
