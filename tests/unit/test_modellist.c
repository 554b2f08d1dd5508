/* Unit tests for modellist: one fixture per upstream format (and pagination)
 * in tests/unit/fixtures/modellists/, plus malformed, oversized and hostile
 * input.  Run from the repository root (or set FIXTURES to the folder). */
#include <stdint.h>

#include "unit.h"
#include "buf.h"
#include "modellist.h"
#include "price.h"

static char *
fixture(const char *name, size_t *len)
{
	const char	*dir = getenv("FIXTURES");
	char		 path[512];
	FILE		*f;
	struct buf	 b;
	char		 chunk[4096];
	size_t		 n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/unit/fixtures/modellists", name);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	buf_init(&b, 1 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) != BUF_OK)
			exit(2);
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

/* Parse fixture pages (NULL-terminated) into l and finish it. */
static int
parse_pages(enum modellist_format fmt, const char *const *pages, int use_table,
    struct model_list *l)
{
	size_t	 len;
	char	*j;
	int	 rc = MODELLIST_OK;

	modellist_init(l);
	for (; *pages != NULL && rc == MODELLIST_OK; pages++) {
		j = fixture(*pages, &len);
		rc = modellist_parse(fmt, j, len, l);
		free(j);
	}
	if (rc == MODELLIST_OK)
		rc = modellist_finish(fmt, use_table, l);
	return rc;
}

static void
test_openai(void)
{
	static const char *const pages[] = { "openai.json", NULL };
	struct model_list		 l;
	const struct model_info		*m;

	CHECK(parse_pages(MODELLIST_OPENAI, pages, 1, &l) == MODELLIST_OK);
	CHECK(l.len == 7);
	CHECK(l.skipped == 7);
	CHECK(l.next_cursor == NULL);
	CHECK_STR(l.items[0].id, "dall-e-3");
	CHECK(l.items[0].type == MODEL_TYPE_IMAGE);
	m = modellist_find(&l, "gpt-4o");
	CHECK(m != NULL && m->input_price == 2500000 && m->output_price == 10000000);
	CHECK(m != NULL && m->price_from_table && m->context_window == 128000);
	CHECK(m != NULL && m->caps == (MODEL_CAP_BIT(MODEL_CAP_VISION) | MODEL_CAP_BIT(MODEL_CAP_TOOLS)));
	CHECK(m != NULL && strcmp(m->name, "gpt-4o") == 0);
	m = modellist_find(&l, "gpt-4o-mini-2024-07-18");
	CHECK(m != NULL && m->input_price == 150000 && m->output_price == 600000);
	m = modellist_find(&l, "text-embedding-3-small");
	CHECK(m != NULL && m->type == MODEL_TYPE_EMBEDDING && m->input_price == 20000);
	m = modellist_find(&l, "whisper-1");
	CHECK(m != NULL && m->type == MODEL_TYPE_AUDIO && m->input_price == PRICE_UNKNOWN);
	m = modellist_find(&l, "ft:gpt-4o-mini:acme::abc123");
	CHECK(m != NULL && m->input_price == PRICE_UNKNOWN && m->type == MODEL_TYPE_CHAT);
	m = modellist_find(&l, "llama3.1:8b");
	CHECK(m != NULL && m->context_window == 131072);
	CHECK(modellist_find(&l, "nope") == NULL);
	modellist_free(&l);

	/* Without the table (custom endpoints) nothing is filled in. */
	CHECK(parse_pages(MODELLIST_OPENAI, pages, 0, &l) == MODELLIST_OK);
	m = modellist_find(&l, "gpt-4o");
	CHECK(m != NULL && m->input_price == PRICE_UNKNOWN && m->caps == 0 && !m->price_from_table);
	modellist_free(&l);
}

static void
test_openrouter(void)
{
	static const char *const pages[] = { "openrouter.json", NULL };
	struct model_list		 l;
	const struct model_info		*m;

	CHECK(parse_pages(MODELLIST_OPENROUTER, pages, 1, &l) == MODELLIST_OK);
	CHECK(l.len == 6 && l.skipped == 0);
	m = modellist_find(&l, "anthropic/claude-3.5-sonnet");
	CHECK(m != NULL && m->input_price == 3000000 && m->output_price == 15000000);
	CHECK(m != NULL && m->cache_read_price == 300000 && m->cache_write_price == 3750000);
	CHECK(m != NULL && m->context_window == 200000 && m->max_output == 8192);
	CHECK(m != NULL && m->caps == (MODEL_CAP_BIT(MODEL_CAP_VISION) | MODEL_CAP_BIT(MODEL_CAP_TOOLS)));
	CHECK(m != NULL && strcmp(m->name, "Anthropic: Claude 3.5 Sonnet") == 0 && !m->price_from_table);
	m = modellist_find(&l, "openai/gpt-4o-mini");
	CHECK(m != NULL && m->input_price == 150000 && m->output_price == 600000 &&
	    m->cache_read_price == 75000 && m->cache_write_price == PRICE_UNKNOWN);
	m = modellist_find(&l, "deepseek/deepseek-r1:free");
	CHECK(m != NULL && m->input_price == 0 && m->output_price == 0 && m->max_output == 0);
	CHECK(m != NULL && m->caps == MODEL_CAP_BIT(MODEL_CAP_REASONING));
	m = modellist_find(&l, "openrouter/auto");
	CHECK(m != NULL && m->input_price == PRICE_UNKNOWN && m->output_price == PRICE_UNKNOWN);
	CHECK(m != NULL && m->caps == (MODEL_CAP_BIT(MODEL_CAP_VISION) | MODEL_CAP_BIT(MODEL_CAP_AUDIO)));
	m = modellist_find(&l, "google/gemini-2.5-flash-image-preview");
	CHECK(m != NULL && m->type == MODEL_TYPE_IMAGE && m->input_price == 300000);
	m = modellist_find(&l, "weird/garbage-prices");
	CHECK(m != NULL && strcmp(m->name, "Garbage Name ") == 0);
	CHECK(m != NULL && m->context_window == 0 && m->max_output == 0);
	CHECK(m != NULL && m->input_price == PRICE_UNKNOWN && m->output_price == 10000000);
	CHECK(m != NULL && m->cache_read_price == PRICE_UNKNOWN);
	modellist_free(&l);
}

static void
test_aihubmix(void)
{
	static const char *const per1k[] = { "aihubmix_per1k.json", NULL };
	static const char *const per1m[] = { "aihubmix_per1m.json", NULL };
	static const char *const unver[] = { "aihubmix_unverifiable.json", NULL };
	struct model_list		 l;
	const struct model_info		*m;

	CHECK(parse_pages(MODELLIST_AIHUBMIX, per1k, 1, &l) == MODELLIST_OK);
	CHECK(l.len == 5 && !l.prices_unverified);
	m = modellist_find(&l, "gpt-4o-mini");
	CHECK(m != NULL && m->input_price == 150000 && m->output_price == 600000 &&
	    m->cache_read_price == 75000);
	CHECK(m != NULL && m->caps == (MODEL_CAP_BIT(MODEL_CAP_VISION) | MODEL_CAP_BIT(MODEL_CAP_TOOLS)));
	m = modellist_find(&l, "claude-sonnet-4-20250514");
	CHECK(m != NULL && m->input_price == 3300000 && m->cache_write_price == 4125000);
	CHECK(m != NULL && m->context_window == 200000 && m->max_output == 64000);
	CHECK(m != NULL && (m->caps & MODEL_CAP_BIT(MODEL_CAP_REASONING)));
	m = modellist_find(&l, "text-embedding-3-large");
	CHECK(m != NULL && m->type == MODEL_TYPE_EMBEDDING && m->input_price == 130000);
	m = modellist_find(&l, "flux-kontext-pro");
	CHECK(m != NULL && m->type == MODEL_TYPE_IMAGE);
	m = modellist_find(&l, "some-new-model");
	CHECK(m != NULL && m->input_price == 2000000 && m->output_price == 8000000);
	CHECK(m != NULL && m->caps == MODEL_CAP_BIT(MODEL_CAP_AUDIO));
	CHECK(m != NULL && m->context_window == 1000000 && m->max_output == 8192);
	modellist_free(&l);

	CHECK(parse_pages(MODELLIST_AIHUBMIX, per1m, 1, &l) == MODELLIST_OK);
	CHECK(l.len == 3 && !l.prices_unverified);
	m = modellist_find(&l, "gpt-4o-mini");
	CHECK(m != NULL && m->input_price == 150000 && m->output_price == 600000 &&
	    m->cache_read_price == 75000);
	m = modellist_find(&l, "some-new-model");
	CHECK(m != NULL && m->input_price == 2000000 && m->output_price == 8000000);
	modellist_free(&l);

	CHECK(parse_pages(MODELLIST_AIHUBMIX, unver, 1, &l) == MODELLIST_OK);
	CHECK(l.len == 2 && l.prices_unverified);
	m = modellist_find(&l, "some-new-model");
	CHECK(m != NULL && m->input_price == PRICE_UNKNOWN && m->output_price == PRICE_UNKNOWN);
	m = modellist_find(&l, "gpt-4o");	/* falls back to the table */
	CHECK(m != NULL && m->input_price == 2500000 && m->price_from_table);
	modellist_free(&l);
}

static void
test_anthropic(void)
{
	static const char *const pages[] = { "anthropic_page1.json", "anthropic_page2.json", NULL };
	struct model_list		 l;
	const struct model_info		*m;
	size_t				 len;
	char				*j;

	modellist_init(&l);
	j = fixture("anthropic_page1.json", &len);
	CHECK(modellist_parse(MODELLIST_ANTHROPIC, j, len, &l) == MODELLIST_OK);
	free(j);
	CHECK(l.len == 2);
	CHECK_STR(l.next_cursor, "claude-3-5-haiku-20241022");
	modellist_free(&l);

	CHECK(parse_pages(MODELLIST_ANTHROPIC, pages, 1, &l) == MODELLIST_OK);
	CHECK(l.len == 4 && l.next_cursor == NULL);
	m = modellist_find(&l, "claude-sonnet-4-20250514");
	CHECK(m != NULL && strcmp(m->name, "Claude Sonnet 4") == 0);
	CHECK(m != NULL && m->input_price == 3000000 && m->output_price == 15000000 &&
	    m->cache_read_price == 300000 && m->cache_write_price == 3750000);
	CHECK(m != NULL && m->context_window == 200000 && m->max_output == 64000);
	m = modellist_find(&l, "claude-opus-4-6");
	CHECK(m != NULL && m->context_window == 1000000 && m->max_output == 128000);
	CHECK(m != NULL && m->input_price == PRICE_UNKNOWN);
	CHECK(m != NULL && m->caps == (MODEL_CAP_BIT(MODEL_CAP_VISION) | MODEL_CAP_BIT(MODEL_CAP_REASONING)));
	m = modellist_find(&l, "claude-3-haiku-20240307");
	CHECK(m != NULL && m->input_price == 250000 && m->output_price == 1250000);
	modellist_free(&l);
}

static void
test_gemini(void)
{
	static const char *const pages[] = { "gemini_page1.json", "gemini_page2.json", NULL };
	struct model_list		 l;
	const struct model_info		*m;
	size_t				 len;
	char				*j;

	modellist_init(&l);
	j = fixture("gemini_page1.json", &len);
	CHECK(modellist_parse(MODELLIST_GEMINI, j, len, &l) == MODELLIST_OK);
	free(j);
	CHECK_STR(l.next_cursor, "Ch1tb2RlbHMvZ2VtaW5pLTIuMC1mbGFzaA==");
	modellist_free(&l);

	CHECK(parse_pages(MODELLIST_GEMINI, pages, 1, &l) == MODELLIST_OK);
	CHECK(l.len == 5 && l.next_cursor == NULL);
	m = modellist_find(&l, "gemini-1.5-pro-002");
	CHECK(m != NULL && m->context_window == 2000000 && m->max_output == 8192);
	CHECK(m != NULL && m->input_price == 1250000 && m->output_price == 5000000);
	CHECK(m != NULL && m->type == MODEL_TYPE_CHAT && strcmp(m->name, "Gemini 1.5 Pro 002") == 0);
	m = modellist_find(&l, "text-embedding-004");
	CHECK(m != NULL && m->type == MODEL_TYPE_EMBEDDING);
	m = modellist_find(&l, "gemini-2.5-flash");
	CHECK(m != NULL && (m->caps & MODEL_CAP_BIT(MODEL_CAP_REASONING)) &&
	    (m->caps & MODEL_CAP_BIT(MODEL_CAP_VISION)) && m->input_price == 300000);
	m = modellist_find(&l, "imagen-3.0-generate-002");
	CHECK(m != NULL && m->type == MODEL_TYPE_IMAGE);
	CHECK(modellist_find(&l, "tunedModels/no-prefix") != NULL);
	modellist_free(&l);

	/* An empty last page has no "models" at all. */
	modellist_init(&l);
	CHECK(modellist_parse(MODELLIST_GEMINI, "{}", 2, &l) == MODELLIST_OK && l.len == 0);
	modellist_free(&l);
}

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"", "not json", "[]", "{\"data\":{}}", "{\"data\":\"x\"}", "null",
		"{\"data\":[{\"id\":\"a\"}]", "{\"data\":[],\"has_more\":true}",
	};
	struct model_list	 l;
	struct buf		 b;
	size_t			 i;
	int			 fmt;

	for (fmt = 0; fmt < MODELLIST__MAX; fmt++)
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			/* Gemini: an object without "models" is an empty page. */
			if (fmt == MODELLIST_GEMINI && (i == 3 || i == 4 || i == 7))
				continue;
			modellist_init(&l);
			CHECK(modellist_parse(fmt, bad[i], strlen(bad[i]), &l) == MODELLIST_EMALFORMED);
			modellist_free(&l);
		}
	modellist_init(&l);
	CHECK(modellist_parse(MODELLIST__MAX, "{}", 2, &l) == MODELLIST_EMALFORMED);
	CHECK(modellist_parse(MODELLIST_OPENAI, NULL, 0, &l) == MODELLIST_EMALFORMED);

	/* Too deep. */
	buf_init(&b, 4096);
	buf_puts(&b, "{\"data\":[{\"id\":\"a\",\"x\":");
	for (i = 0; i < 40; i++)
		buf_puts(&b, "[");
	for (i = 0; i < 40; i++)
		buf_puts(&b, "]");
	buf_puts(&b, "}]}");
	CHECK(modellist_parse(MODELLIST_OPENAI, b.data, b.len, &l) == MODELLIST_EMALFORMED);
	buf_free(&b);

	/* Earlier pages survive a bad later page. */
	CHECK(modellist_parse(MODELLIST_OPENAI, "{\"data\":[{\"id\":\"a\"}]}", 21, &l) == MODELLIST_OK);
	CHECK(modellist_parse(MODELLIST_OPENAI, "{\"data\":5}", 10, &l) == MODELLIST_EMALFORMED);
	CHECK(l.len == 1);
	/* A body over the cap is refused before parsing. */
	CHECK(modellist_parse(MODELLIST_OPENAI, "{}", (size_t)MODELLIST_BODY_MAX + 1, &l) ==
	    MODELLIST_ETOOBIG);
	modellist_free(&l);
	CHECK(strcmp(modellist_strerror(MODELLIST_ETOOBIG), "the model list is too large") == 0);
	CHECK(strcmp(modellist_strerror(99), "unknown error") == 0);
}

static void
test_oversized(void)
{
	struct model_list	 l;
	struct buf		 b;
	size_t			 i;

	/* A 300-byte id is refused; a 400-byte name is cut on a UTF-8 boundary. */
	buf_init(&b, 1 << 16);
	buf_puts(&b, "{\"data\":[{\"id\":\"");
	for (i = 0; i < 300; i++)
		buf_puts(&b, "x");
	buf_puts(&b, "\"},{\"id\":\"ok\",\"name\":\"");
	for (i = 0; i < 200; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "\"}]}");
	modellist_init(&l);
	CHECK(modellist_parse(MODELLIST_OPENROUTER, b.data, b.len, &l) == MODELLIST_OK);
	CHECK(l.len == 1 && l.skipped == 1);
	CHECK(l.len == 1 && strlen(l.items[0].name) == 254);
	modellist_free(&l);
	buf_free(&b);

	/* More than MODELLIST_MODELS_MAX models: refused. */
	buf_init(&b, 1 << 20);
	buf_puts(&b, "{\"data\":[");
	for (i = 0; i <= MODELLIST_MODELS_MAX; i++)
		buf_printf(&b, "%s{\"id\":\"m%zu\"}", i ? "," : "", i);
	buf_puts(&b, "]}");
	modellist_init(&l);
	CHECK(modellist_parse(MODELLIST_OPENAI, b.data, b.len, &l) == MODELLIST_ETOOBIG);
	modellist_free(&l);
	buf_free(&b);

	/* An overlong cursor is malformed. */
	buf_init(&b, 1 << 16);
	buf_puts(&b, "{\"models\":[],\"nextPageToken\":\"");
	for (i = 0; i < MODELLIST_CURSOR_MAX + 1; i++)
		buf_puts(&b, "c");
	buf_puts(&b, "\"}");
	modellist_init(&l);
	CHECK(modellist_parse(MODELLIST_GEMINI, b.data, b.len, &l) == MODELLIST_EMALFORMED);
	modellist_free(&l);
	buf_free(&b);
}

static void
test_caps(void)
{
	char	 t[MODELLIST_CAPS_TEXT];

	modellist_caps_format(MODEL_CAP_BIT(MODEL_CAP_VISION) | MODEL_CAP_BIT(MODEL_CAP_REASONING),
	    t, sizeof(t));
	CHECK_STR(t, "vision,reasoning");
	modellist_caps_format(0, t, sizeof(t));
	CHECK_STR(t, "");
	modellist_caps_format(~0u, t, 8);
	CHECK_STR(t, "vision");
	CHECK(modellist_caps_parse("tools, audio,bogus") ==
	    (MODEL_CAP_BIT(MODEL_CAP_TOOLS) | MODEL_CAP_BIT(MODEL_CAP_AUDIO)));
	CHECK(modellist_caps_parse("visionary") == 0);
	CHECK(modellist_caps_parse(NULL) == 0);
}

int
main(void)
{
	test_openai();
	test_openrouter();
	test_aihubmix();
	test_anthropic();
	test_gemini();
	test_malformed();
	test_oversized();
	test_caps();
	price_table_free();
	return unit_done("test_modellist");
}
