/* Unit tests for the adapters over recorded fixtures: upstream request
 * bodies, non-stream responses, error classification, and streams fed at
 * every split point (events cut mid-line, UTF-8 characters cut in half). */
#include <stdint.h>

#include "unit.h"
#include "adapter.h"
#include "buf.h"

static char fixdir[512];
static size_t split_step = 1, split_span = 3;	/* coarser under valgrind */

static char *
fixture(const char *name, size_t *lenp)
{
	char	 path[1024];
	FILE	*f;
	char	*p;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "missing fixture %s\n", path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n)
		exit(2);
	p[n] = '\0';
	fclose(f);
	if (lenp)
		*lenp = (size_t)n;
	return p;
}

static cJSON *
fixture_json(const char *name)
{
	char	*s = fixture(name, NULL);
	cJSON	*o = cJSON_Parse(s);

	free(s);
	return o;
}

static const char *
header(const struct adapter_call *c, const char *prefix)
{
	size_t	 i;

	for (i = 0; i < c->nheaders; i++)
		if (strncmp(c->headers[i], prefix, strlen(prefix)) == 0)
			return c->headers[i];
	return NULL;
}

static int
body_equals(const struct adapter_call *c, const char *fixture_name)
{
	cJSON	*got = cJSON_Parse(c->body), *want = fixture_json(fixture_name);
	int	 ok = cJSON_Compare(got, want, 1);

	if (!ok) {
		char *g = cJSON_Print(got);
		fprintf(stderr, "body differs from %s:\n%s\n", fixture_name, g);
		free(g);
	}
	cJSON_Delete(got);
	cJSON_Delete(want);
	return ok;
}

static void
test_build_openai(void)
{
	struct adapter_params	 p = { ADAPTER_OPENAI, "https://api.openai.com/v1/",
	    "sk-test-123", "gpt-4o", 1, 0, NULL, NULL };
	struct adapter_call	 c;
	cJSON			*req = fixture_json("request_full.json"), *b;
	char			 err[256];

	CHECK(adapter_build(&p, req, &c, err, sizeof(err)) == 0);
	CHECK_STR(c.url, "https://api.openai.com/v1/chat/completions");
	CHECK_STR(header(&c, "Authorization"), "Authorization: Bearer sk-test-123");
	CHECK_STR(header(&c, "Accept"), "Accept: text/event-stream");
	b = cJSON_Parse(c.body);
	CHECK_STR(cJSON_GetObjectItem(b, "model")->valuestring, "gpt-4o");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(b, "stream")));
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(b,
	    "stream_options"), "include_usage")));
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(b, "messages")) == 6);
	CHECK(cJSON_GetObjectItem(b, "seed") != NULL);
	cJSON_Delete(b);
	adapter_call_free(&c);

	p.stream = 0;
	CHECK(adapter_build(&p, req, &c, err, sizeof(err)) == 0);
	b = cJSON_Parse(c.body);
	CHECK(cJSON_GetObjectItem(b, "stream_options") == NULL);
	CHECK(cJSON_GetObjectItem(b, "stream") == NULL);
	cJSON_Delete(b);
	adapter_call_free(&c);

	CHECK(adapter_build_embeddings(&p, cJSON_GetObjectItem(req, "messages"),
	    &c, err, sizeof(err)) == ERR_VALIDATION);
	cJSON_Delete(req);
	req = cJSON_Parse("{\"model\":\"openai/te3\",\"input\":[\"a\",\"b\"]}");
	CHECK(adapter_build_embeddings(&p, req, &c, err, sizeof(err)) == 0);
	CHECK_STR(c.url, "https://api.openai.com/v1/embeddings");
	CHECK(strstr(c.body, "\"model\":\"gpt-4o\"") != NULL);
	adapter_call_free(&c);
	cJSON_Delete(req);
}

static void
test_build_anthropic(void)
{
	struct adapter_params	 p = { ADAPTER_ANTHROPIC, "https://api.anthropic.com",
	    "sk-ant-xyz", "claude-3-5-sonnet-20241022", 1, 8192, NULL, NULL };
	struct adapter_call	 c;
	cJSON			*req = fixture_json("request_full.json"), *b;
	char			 err[256];

	/* What the Messages API has no equivalent for is refused, not dropped. */
	CHECK(adapter_build(&p, req, &c, err, sizeof(err)) == ERR_VALIDATION);
	CHECK(strstr(err, "\"presence_penalty\" is not supported by Anthropic") != NULL);
	cJSON_DeleteItemFromObject(req, "presence_penalty");
	cJSON_DeleteItemFromObject(req, "seed");
	CHECK(adapter_build(&p, req, &c, err, sizeof(err)) == 0);
	CHECK_STR(c.url, "https://api.anthropic.com/v1/messages");
	CHECK_STR(header(&c, "x-api-key"), "x-api-key: sk-ant-xyz");
	CHECK_STR(header(&c, "anthropic-version"), "anthropic-version: 2023-06-01");
	CHECK(header(&c, "Authorization") == NULL);
	CHECK(body_equals(&c, "anthropic_request_expected.json"));
	adapter_call_free(&c);

	/* max_tokens always set: from the model's default when absent. */
	cJSON_DeleteItemFromObject(req, "max_tokens");
	p.stream = 0;
	CHECK(adapter_build(&p, req, &c, err, sizeof(err)) == 0);
	b = cJSON_Parse(c.body);
	CHECK(cJSON_GetObjectItem(b, "max_tokens")->valuedouble == 8192);
	CHECK(cJSON_GetObjectItem(b, "stream") == NULL);
	cJSON_Delete(b);
	adapter_call_free(&c);
	p.default_max_tokens = 0;
	cJSON_AddNumberToObject(req, "max_completion_tokens", 77);
	CHECK(adapter_build(&p, req, &c, err, sizeof(err)) == 0);
	CHECK(strstr(c.body, "\"max_tokens\":77") != NULL);
	adapter_call_free(&c);
	cJSON_Delete(req);
}

static void
test_build_gemini(void)
{
	struct adapter_params	 p = { ADAPTER_GEMINI,
	    "https://generativelanguage.googleapis.com", "AIzaKEY",
	    "models/gemini-2.0-flash", 0, 0, NULL, NULL };
	struct adapter_call	 c;
	cJSON			*req = fixture_json("request_full.json");
	char			 err[256];

	CHECK(adapter_build(&p, req, &c, err, sizeof(err)) == 0);
	CHECK_STR(c.url, "https://generativelanguage.googleapis.com/v1beta/"
	    "models/gemini-2.0-flash:generateContent");
	CHECK_STR(header(&c, "x-goog-api-key"), "x-goog-api-key: AIzaKEY");
	CHECK(body_equals(&c, "gemini_request_expected.json"));
	adapter_call_free(&c);
	p.stream = 1;
	CHECK(adapter_build(&p, req, &c, err, sizeof(err)) == 0);
	CHECK_STR(c.url, "https://generativelanguage.googleapis.com/v1beta/"
	    "models/gemini-2.0-flash:streamGenerateContent?alt=sse");
	adapter_call_free(&c);
	p.model = "gemini/../../x";
	CHECK(adapter_build(&p, req, &c, err, sizeof(err)) == ERR_MODEL);
	cJSON_Delete(req);
}

static int
build_rc(enum adapter_format f, const char *json, const char *key,
    const char *base)
{
	struct adapter_params	 p = { f, base, key, "m", 0, 0, NULL, NULL };
	struct adapter_call	 c;
	cJSON			*req = cJSON_Parse(json);
	char			 err[256];
	int			 rc;

	rc = adapter_build(&p, req, &c, err, sizeof(err));
	if (rc == 0)
		adapter_call_free(&c);
	else
		CHECK(err[0] != '\0');
	cJSON_Delete(req);
	return rc;
}

static void
test_build_invalid(void)
{
	const char	*b = "https://x.test";
	enum adapter_format f;

	for (f = 0; f < ADAPTER_FORMAT__MAX; f++) {
		CHECK(build_rc(f, "{}", "k", b) == ERR_VALIDATION);
		CHECK(build_rc(f, "{\"messages\":[]}", "k", b) ==
		    ERR_VALIDATION);
		CHECK(build_rc(f, "[1]", "k", b) == ERR_VALIDATION);
		CHECK(build_rc(f, "{\"messages\":[{\"role\":\"user\","
		    "\"content\":\"hi\"}]}", "bad key", b) == ERR_AUTH);
		CHECK(build_rc(f, "{\"messages\":[{\"role\":\"user\","
		    "\"content\":\"hi\"}]}", "k", "ftp://x") ==
		    ERR_INTERNAL);
	}
	for (f = ADAPTER_ANTHROPIC; f < ADAPTER_FORMAT__MAX; f++) {
		CHECK(build_rc(f, "{\"messages\":[{\"role\":\"wizard\","
		    "\"content\":\"hi\"}]}", "k", b) == ERR_VALIDATION);
		CHECK(build_rc(f, "{\"messages\":[{\"role\":\"user\","
		    "\"content\":[{\"type\":\"image_url\",\"image_url\":"
		    "{\"url\":\"file:///etc/passwd\"}}]}]}", "k", b) ==
		    ERR_VALIDATION);
		CHECK(build_rc(f, "{\"messages\":[{\"role\":\"user\","
		    "\"content\":[{\"type\":\"input_audio\"}]}]}", "k", b) ==
		    ERR_VALIDATION);
		CHECK(build_rc(f, "{\"messages\":[{\"role\":\"assistant\","
		    "\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\","
		    "\"arguments\":\"not json\"}}]}]}", "k", b) ==
		    ERR_VALIDATION);
		CHECK(build_rc(f, "{\"messages\":[{\"role\":\"system\","
		    "\"content\":\"only system\"}]}", "k", b) ==
		    ERR_VALIDATION);
		CHECK(build_rc(f, "{\"messages\":[{\"role\":\"user\","
		    "\"content\":42}]}", "k", b) == ERR_VALIDATION);
	}
	CHECK(build_rc(ADAPTER_ANTHROPIC, "{\"n\":2,\"messages\":[{\"role\":"
	    "\"user\",\"content\":\"hi\"}]}", "k", b) == ERR_VALIDATION);
	CHECK(build_rc(ADAPTER_GEMINI, "{\"messages\":[{\"role\":\"tool\","
	    "\"tool_call_id\":\"nope\",\"content\":\"x\"}]}", "k", b) ==
	    ERR_VALIDATION);
}

static cJSON *
parse_fixture(enum adapter_format f, const char *name, const char *model,
    struct adapter_usage *u)
{
	size_t	 n;
	char	*s = fixture(name, &n), err[256];
	cJSON	*out = NULL;

	CHECK(adapter_parse_response(f, s, n, model, &out, u, err,
	    sizeof(err)) == 0);
	free(s);
	return out;
}

static const char *
path_str(cJSON *o, const char *a, int i, const char *b, const char *c)
{
	cJSON	*x = cJSON_GetArrayItem(cJSON_GetObjectItem(o, a), i);

	x = cJSON_GetObjectItem(x, b);
	if (c)
		x = cJSON_GetObjectItem(x, c);
	return cJSON_IsString(x) ? x->valuestring : NULL;
}

static void
test_parse_responses(void)
{
	struct adapter_usage	 u;
	cJSON			*o, *tc;
	char			 err[128];
	const char		*msg;

	o = parse_fixture(ADAPTER_OPENAI, "openai_response.json", "openai/gpt-4o",
	    &u);
	CHECK_STR(cJSON_GetObjectItem(o, "model")->valuestring, "openai/gpt-4o");
	CHECK_STR(path_str(o, "choices", 0, "message", "content"), "Hello!");
	CHECK(u.known && u.prompt == 20 && u.completion == 5 && u.total == 25);
	CHECK(u.cache_read == 8 && u.reasoning == 2 && u.cache_write == 0);
	cJSON_Delete(o);

	o = parse_fixture(ADAPTER_ANTHROPIC, "anthropic_response.json", NULL, &u);
	CHECK_STR(cJSON_GetObjectItem(o, "object")->valuestring, "chat.completion");
	CHECK_STR(cJSON_GetObjectItem(o, "model")->valuestring,
	    "claude-3-5-sonnet-20241022");
	CHECK_STR(path_str(o, "choices", 0, "message", "content"),
	    "Checking the weather.");
	CHECK_STR(path_str(o, "choices", 0, "finish_reason", NULL), "tool_calls");
	tc = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(o, "choices"), 0), "message"),
	    "tool_calls"), 0);
	CHECK_STR(cJSON_GetObjectItem(tc, "id")->valuestring, "toolu_01");
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(tc, "function"),
	    "arguments")->valuestring, "{\"city\":\"Paris\"}");
	CHECK(u.prompt == 350 && u.completion == 30 && u.total == 380);
	CHECK(u.cache_read == 200 && u.cache_write == 100);
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "usage"),
	    "prompt_tokens")->valuedouble == 350);
	cJSON_Delete(o);

	o = parse_fixture(ADAPTER_GEMINI, "gemini_response.json", "g", &u);
	CHECK_STR(path_str(o, "choices", 0, "message", "content"), "It is sunny.");
	CHECK_STR(path_str(o, "choices", 0, "finish_reason", NULL), "tool_calls");
	CHECK_STR(cJSON_GetObjectItem(o, "id")->valuestring, "resp-1");
	CHECK(u.prompt == 40 && u.completion == 17 && u.reasoning == 5);
	CHECK(u.cache_read == 16 && u.total == 57);
	cJSON_Delete(o);

	CHECK(adapter_parse_response(ADAPTER_OPENAI, "<html>", 6, NULL, &o, &u,
	    err, sizeof(err)) == ERR_UPSTREAM && o == NULL);
	CHECK(adapter_parse_response(ADAPTER_ANTHROPIC, "{}", 2, NULL, &o, &u,
	    err, sizeof(err)) == ERR_UPSTREAM);
	CHECK(adapter_parse_response(ADAPTER_GEMINI, "{\"x\":1}", 7, NULL, &o,
	    &u, err, sizeof(err)) == ERR_UPSTREAM);
	msg = "{\"data\":[],\"usage\":{\"prompt_tokens\":5,\"total_tokens\":5}}";
	CHECK(adapter_parse_embeddings_usage(msg, strlen(msg), &u) == 0);
	CHECK(u.prompt == 5 && u.known);
}

static enum err_category
err_of(enum adapter_format f, long st, const char *body, char *msg)
{
	return adapter_parse_error(f, st, body, body ? strlen(body) : 0, msg,
	    ADAPTER_MAX_MSG);
}

static void
test_errors(void)
{
	char	 m[ADAPTER_MAX_MSG];

	CHECK(err_of(ADAPTER_OPENAI, 401, "{\"error\":{\"message\":\"Incorrect "
	    "API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz1234. Find "
	    "yours.\",\"type\":\"invalid_request_error\",\"code\":"
	    "\"invalid_api_key\"}}", m) == ERR_AUTH);
	CHECK(strstr(m, "abcdefghij") == NULL && strstr(m, "1234") != NULL);
	CHECK(strncmp(m, "Incorrect API key provided: ", 28) == 0);
	CHECK(err_of(ADAPTER_OPENAI, 429, "{\"error\":{\"message\":\"quota\","
	    "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}",
	    m) == ERR_BUDGET);
	CHECK(err_of(ADAPTER_OPENAI, 429, "{\"error\":{\"message\":\"slow\","
	    "\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}", m) ==
	    ERR_RATE_LIMIT);
	CHECK(err_of(ADAPTER_OPENAI, 404, "{\"error\":{\"message\":\"The model "
	    "x does not exist\",\"code\":\"model_not_found\"}}", m) ==
	    ERR_MODEL);
	CHECK(err_of(ADAPTER_OPENAI, 400, "{\"error\":{\"message\":\"The model "
	    "`x` does not exist\"}}", m) == ERR_MODEL);
	CHECK(err_of(ADAPTER_ANTHROPIC, 529, "{\"type\":\"error\",\"error\":"
	    "{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}", m) ==
	    ERR_UPSTREAM);
	CHECK_STR(m, "Overloaded");
	CHECK(err_of(ADAPTER_ANTHROPIC, 400, "{\"type\":\"error\",\"error\":"
	    "{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: "
	    "too big\"}}", m) == ERR_VALIDATION);
	CHECK(err_of(ADAPTER_ANTHROPIC, 401, "{\"type\":\"error\",\"error\":"
	    "{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}",
	    m) == ERR_AUTH);
	CHECK(err_of(ADAPTER_GEMINI, 400, "{\"error\":{\"code\":400,\"message\":"
	    "\"API key not valid. Please pass a valid API key.\",\"status\":"
	    "\"INVALID_ARGUMENT\"}}", m) == ERR_AUTH);
	CHECK(err_of(ADAPTER_GEMINI, 429, "[{\"error\":{\"code\":429,\"message\":"
	    "\"Resource exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}]", m) ==
	    ERR_RATE_LIMIT);
	CHECK(err_of(ADAPTER_GEMINI, 404, "{\"error\":{\"code\":404,\"message\":"
	    "\"models/x is not found\",\"status\":\"NOT_FOUND\"}}", m) ==
	    ERR_MODEL);
	CHECK(err_of(ADAPTER_OPENAI, 502, "<html>Bad gateway</html>", m) ==
	    ERR_UPSTREAM);
	CHECK_STR(m, "the upstream returned HTTP 502");
	CHECK(err_of(ADAPTER_OPENAI, 504, NULL, m) == ERR_TIMEOUT);
	CHECK(err_of(ADAPTER_OPENAI, 402, "{\"error\":{\"code\":402,\"message\":"
	    "\"Insufficient credits\"}}", m) == ERR_BUDGET);
	CHECK(err_of(ADAPTER_OPENAI, 400, "{\"error\":\"AIzaSyA1234567890abcdefghijklmno"
	    " leaked\"}", m) == ERR_VALIDATION);
	CHECK(strstr(m, "AIzaSy") == NULL && strstr(m, "lmno leaked") != NULL);
	CHECK(adapter_retryable(ERR_RATE_LIMIT, 429));
	CHECK(adapter_retryable(ERR_UPSTREAM, 503));
	CHECK(adapter_retryable(ERR_NETWORK, 0));
	CHECK(!adapter_retryable(ERR_AUTH, 401));
	CHECK(!adapter_retryable(ERR_BUDGET, 429));
	CHECK(!adapter_retryable(ERR_VALIDATION, 400));
}

/* --- streams ------------------------------------------------------------- */

struct sink {
	struct buf	 chunks;	/* normalised chunk JSON, one per line */
	struct buf	 content;
	struct buf	 args;
	int		 count, usage_only, abort_at;
	int		 bad;		/* chunks that were not chat.completion.chunk JSON */
};

static int
on_chunk(void *ctx, const struct adapter_chunk *c)
{
	struct sink	*k = ctx;
	cJSON		*o = cJSON_ParseWithLength(c->json, c->len), *tc;
	char		*s;
	const char	*a;

	k->count++;
	k->usage_only += c->usage_only;
	if (!cJSON_IsObject(o) || cJSON_GetStringValue(cJSON_GetObjectItem(o,
	    "object")) == NULL || strcmp(cJSON_GetStringValue(
	    cJSON_GetObjectItem(o, "object")), "chat.completion.chunk") != 0)
		k->bad++;
	cJSON_DeleteItemFromObject(o, "created");
	s = cJSON_PrintUnformatted(o);
	buf_puts(&k->chunks, s);
	buf_puts(&k->chunks, "\n");
	free(s);
	if (c->content)
		buf_append(&k->content, c->content, c->content_len);
	tc = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(o, "choices"), 0), "delta"),
	    "tool_calls"), 0);
	if ((a = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    tc, "function"), "arguments"))) != NULL)
		buf_puts(&k->args, a);
	cJSON_Delete(o);
	return k->abort_at && k->count == k->abort_at;
}

struct run {
	struct sink		 sink;
	struct adapter_usage	 usage;
	char			 finish[24];
	int			 status;
	int			 cat;
};

static void
run_free(struct run *r)
{
	buf_free(&r->sink.chunks);
	buf_free(&r->sink.content);
	buf_free(&r->sink.args);
}

/* Feed s split at the given cut points (ascending, <= n). */
static void
run_stream(struct run *r, enum adapter_format f, int include_usage,
    const char *s, size_t n, const size_t *cuts, size_t ncuts)
{
	struct adapter_stream	*st;
	size_t			 i, at = 0;
	const char		*fr;

	memset(r, 0, sizeof(*r));
	buf_init(&r->sink.chunks, 1 << 20);
	buf_init(&r->sink.content, 1 << 20);
	buf_init(&r->sink.args, 1 << 20);
	st = adapter_stream_new(f, NULL, include_usage, on_chunk, &r->sink);
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		adapter_stream_feed(st, s + at, end - at);
		at = end;
	}
	r->status = adapter_stream_finish(st);
	r->usage = *adapter_stream_usage(st);
	fr = adapter_stream_finish_reason(st);
	snprintf(r->finish, sizeof(r->finish), "%s", fr ? fr : "");
	r->cat = adapter_stream_error(st, NULL);
	adapter_stream_free(st);
}

static int
run_same(const struct run *a, const struct run *b)
{
	return a->sink.bad == 0 && b->sink.bad == 0 &&
	    a->status == b->status && a->sink.count == b->sink.count &&
	    a->sink.chunks.len == b->sink.chunks.len &&
	    (a->sink.chunks.len == 0 || memcmp(a->sink.chunks.data,
	    b->sink.chunks.data, a->sink.chunks.len) == 0) &&
	    memcmp(&a->usage, &b->usage, sizeof(a->usage)) == 0 &&
	    strcmp(a->finish, b->finish) == 0;
}

/* The same output whatever the splits: every single cut, every pair of
 * nearby cuts, and one byte at a time. Returns the mismatches. */
static int
check_splits(enum adapter_format f, int iu, const char *s, size_t n,
    const struct run *ref)
{
	struct run	 r;
	size_t		 a, d, cuts[2], *all;
	int		 bad = 0;

	for (a = 0; a <= n; a += split_step)
		for (d = 0; d <= split_span && a + d <= n; d++) {
			cuts[0] = a;
			cuts[1] = a + d;
			run_stream(&r, f, iu, s, n, cuts, d ? 2 : 1);
			bad += !run_same(&r, ref);
			run_free(&r);
		}
	all = calloc(n, sizeof(*all));
	for (a = 0; a < n; a++)
		all[a] = a;
	run_stream(&r, f, iu, s, n, all, n);
	bad += !run_same(&r, ref);
	run_free(&r);
	free(all);
	return bad;
}

static void
test_stream_openai(void)
{
	size_t		 n;
	char		*s = fixture("openai_stream.txt", &n);
	struct run	 r;

	run_stream(&r, ADAPTER_OPENAI, 0, s, n, NULL, 0);
	CHECK(r.status == ADAPTER_STREAM_OK);
	CHECK(r.sink.count == 4 && r.sink.usage_only == 0);
	CHECK_STR(r.sink.content.data, "Caf\xC3\xA9 \xC3\xBCn\xC3\xAF"
	    "c\xC3\xB6" "d\xC3\xA9 \xF0\x9F\x98\x80");
	CHECK_STR(r.finish, "stop");
	CHECK(r.usage.known && r.usage.prompt == 12 && r.usage.completion == 4);
	CHECK(r.usage.cache_read == 3 && r.usage.total == 16);
	/* Pass-through: the chunk is the upstream's bytes. */
	CHECK(strstr(r.sink.chunks.data, "\"model\":\"gpt-4o\"") != NULL);
	CHECK(check_splits(ADAPTER_OPENAI, 0, s, n, &r) == 0);
	run_free(&r);

	run_stream(&r, ADAPTER_OPENAI, 1, s, n, NULL, 0);
	CHECK(r.sink.count == 5 && r.sink.usage_only == 1);
	CHECK(check_splits(ADAPTER_OPENAI, 1, s, n, &r) == 0);
	run_free(&r);

	/* Cut before [DONE]: truncated, usage kept. */
	run_stream(&r, ADAPTER_OPENAI, 0, s, (size_t)(strstr(s, "data: [DONE]") -
	    s), NULL, 0);
	CHECK(r.status == ADAPTER_STREAM_TRUNCATED);
	CHECK(r.cat == ERR_UPSTREAM && r.usage.prompt == 12);
	run_free(&r);
	free(s);
}

static void
test_stream_anthropic(void)
{
	size_t		 n;
	char		*s = fixture("anthropic_stream.txt", &n);
	struct run	 r;

	run_stream(&r, ADAPTER_ANTHROPIC, 1, s, n, NULL, 0);
	CHECK(r.status == ADAPTER_STREAM_OK);
	/* role, 2 text, tool start, 2 arg deltas, finish, usage */
	CHECK(r.sink.count == 8 && r.sink.usage_only == 1);
	CHECK_STR(r.sink.content.data, "Okay, \xC3\xBCn\xC3\xAF \xF0\x9F\x98\x80"
	    " checking");
	CHECK_STR(r.sink.args.data, "{\"city\": \"Paris\"}");
	CHECK(strstr(r.sink.chunks.data, "\"tool_calls\":[{\"index\":0,\"id\":"
	    "\"toolu_9\",\"type\":\"function\",\"function\":{\"name\":"
	    "\"get_weather\",\"arguments\":\"\"}}]") != NULL);
	CHECK(strstr(r.sink.chunks.data, "\"finish_reason\":\"tool_calls\"") !=
	    NULL);
	CHECK(strstr(r.sink.chunks.data, "\"id\":\"msg_02\"") != NULL);
	CHECK_STR(r.finish, "tool_calls");
	CHECK(r.usage.prompt == 75 && r.usage.completion == 9);
	CHECK(r.usage.cache_read == 40 && r.usage.cache_write == 10);
	CHECK(r.usage.total == 84);
	CHECK(check_splits(ADAPTER_ANTHROPIC, 1, s, n, &r) == 0);
	run_free(&r);

	run_stream(&r, ADAPTER_ANTHROPIC, 0, s, n, NULL, 0);
	CHECK(r.sink.count == 7 && r.sink.usage_only == 0);
	run_free(&r);

	run_stream(&r, ADAPTER_ANTHROPIC, 1, s, (size_t)(strstr(s,
	    "event: message_stop") - s), NULL, 0);
	CHECK(r.status == ADAPTER_STREAM_TRUNCATED && r.usage.completion == 9);
	CHECK(r.sink.usage_only == 0);
	run_free(&r);
	free(s);
}

static void
test_stream_gemini(void)
{
	size_t		 n;
	char		*s = fixture("gemini_stream.txt", &n);
	const char	*last;
	struct run	 r;

	run_stream(&r, ADAPTER_GEMINI, 1, s, n, NULL, 0);
	CHECK(r.status == ADAPTER_STREAM_OK);
	/* role, 2 text, tool call, finish, usage */
	CHECK(r.sink.count == 6 && r.sink.usage_only == 1);
	CHECK_STR(r.sink.content.data, "Hello \xC3\xBCn\xC3\xAF \xF0\x9F\x98\x80");
	CHECK_STR(r.sink.args.data, "{\"city\":\"Paris\"}");
	CHECK_STR(r.finish, "tool_calls");
	CHECK(r.usage.prompt == 9 && r.usage.completion == 9);
	CHECK(r.usage.reasoning == 3 && r.usage.cache_read == 2);
	CHECK(check_splits(ADAPTER_GEMINI, 1, s, n, &r) == 0);
	run_free(&r);

	last = strstr(s, "data: {\"candidates\": [{\"content\": {\"parts\": "
	    "[{\"functionCall\"");
	run_stream(&r, ADAPTER_GEMINI, 1, s, (size_t)(last - s), NULL, 0);
	CHECK(r.status == ADAPTER_STREAM_TRUNCATED && r.usage.completion == 4);
	CHECK(r.sink.usage_only == 0);
	run_free(&r);
	free(s);
}

static void
test_stream_faults(void)
{
	struct run		 r;
	static const char	 bad[] = "data: {\"choices\":[{\"delta\":{\"cont";
	static const char	 junk[] = "data: {not json}\n\n";
	static const char	 aerr[] = "event: error\ndata: {\"type\":\"error\","
	    "\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
	static const char	 oerr[] = "data: {\"error\":{\"message\":\"boom\","
	    "\"type\":\"server_error\"}}\n\n";
	struct adapter_stream	*st;
	char			*big;
	const char		*msg;
	struct sink		 k;
	enum adapter_format	 f;

	for (f = 0; f < ADAPTER_FORMAT__MAX; f++) {
		run_stream(&r, f, 0, junk, sizeof(junk) - 1, NULL, 0);
		CHECK(r.status == ADAPTER_STREAM_MALFORMED && r.sink.count == 0);
		run_free(&r);
		run_stream(&r, f, 0, bad, sizeof(bad) - 1, NULL, 0);
		CHECK(r.status == ADAPTER_STREAM_TRUNCATED);
		run_free(&r);
		run_stream(&r, f, 0, "", 0, NULL, 0);
		CHECK(r.status == ADAPTER_STREAM_TRUNCATED);
		run_free(&r);
	}
	run_stream(&r, ADAPTER_ANTHROPIC, 0, aerr, sizeof(aerr) - 1, NULL, 0);
	CHECK(r.status == ADAPTER_STREAM_ERROR && r.cat == ERR_UPSTREAM);
	run_free(&r);
	run_stream(&r, ADAPTER_OPENAI, 0, oerr, sizeof(oerr) - 1, NULL, 0);
	CHECK(r.status == ADAPTER_STREAM_ERROR && r.cat == ERR_UPSTREAM);
	run_free(&r);

	/* An event over the cap is an error, not a realloc. */
	memset(&k, 0, sizeof(k));
	buf_init(&k.chunks, 1 << 20);
	buf_init(&k.content, 1 << 20);
	buf_init(&k.args, 1 << 20);
	st = adapter_stream_new(ADAPTER_OPENAI, NULL, 0, on_chunk, &k);
	big = malloc(ADAPTER_MAX_EVENT + 16);
	memset(big, 'x', ADAPTER_MAX_EVENT + 16);
	CHECK(adapter_stream_feed(st, "data: ", 6) == ADAPTER_STREAM_OK);
	CHECK(adapter_stream_feed(st, big, ADAPTER_MAX_EVENT + 16) ==
	    ADAPTER_STREAM_MALFORMED);
	CHECK(adapter_stream_error(st, &msg) == ERR_UPSTREAM);
	CHECK(strstr(msg, "larger") != NULL);
	free(big);
	adapter_stream_free(st);

	/* The client went away: the emit callback stops the stream. */
	k.count = 0;
	k.abort_at = 2;
	st = adapter_stream_new(ADAPTER_OPENAI, NULL, 0, on_chunk, &k);
	big = fixture("openai_stream.txt", NULL);
	CHECK(adapter_stream_feed(st, big, strlen(big)) == ADAPTER_STREAM_ABORTED);
	CHECK(k.count == 2);
	CHECK(adapter_stream_finish(st) == ADAPTER_STREAM_ABORTED);
	free(big);
	adapter_stream_free(st);
	buf_free(&k.chunks);
	buf_free(&k.content);
	buf_free(&k.args);
}

struct lines_seen {
	int	 chunks;
	int	 newline;	/* a chunk held a line break */
};

static int
note_chunk(void *ctx, const struct adapter_chunk *c)
{
	struct lines_seen	*l = ctx;

	l->chunks++;
	if (memchr(c->json, '\n', c->len) || memchr(c->json, '\r', c->len))
		l->newline = 1;
	return 0;
}

/* Issue 10, defect 7: an OpenAI-format event spread over several data:
 * lines is re-serialised (no line of it reaches the client verbatim), and
 * anything after the object in one event makes the stream malformed. */
static void
test_openai_stream_lines(void)
{
	static const char multi[] = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\n"
	    "data: \"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n";
	static const char joined[] = "data: {\"id\":\"c1\",\"choices\":[]}\n"
	    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"injected\"}}]}\n\n";
	struct lines_seen	 l = { 0, 0 };
	struct adapter_stream	*st;

	st = adapter_stream_new(ADAPTER_OPENAI, NULL, 0, note_chunk, &l);
	CHECK(adapter_stream_feed(st, multi, sizeof(multi) - 1) == ADAPTER_STREAM_OK);
	CHECK(adapter_stream_finish(st) == ADAPTER_STREAM_OK);
	CHECK(l.chunks == 1 && l.newline == 0);
	adapter_stream_free(st);
	memset(&l, 0, sizeof(l));
	st = adapter_stream_new(ADAPTER_OPENAI, NULL, 0, note_chunk, &l);
	CHECK(adapter_stream_feed(st, joined, sizeof(joined) - 1) == ADAPTER_STREAM_MALFORMED);
	CHECK(l.chunks == 0);
	adapter_stream_free(st);
}

/* The exact key and its long pieces are scrubbed, whatever characters. */
static void
test_scrub_secret(void)
{
	char	 m1[128] = "bad key a.b/c+d=e0123456789 here",
		 m2[128] = "prefix a.b/c+d=e01 suffix",
		 m3[128] = "short a.b/c+ stays",
		 m4[128] = "nothing of it";

	adapter_scrub_secret(m1, "a.b/c+d=e0123456789");
	CHECK_STR(m1, "bad key \xE2\x80\xA6 here");
	adapter_scrub_secret(m2, "a.b/c+d=e0123456789");
	CHECK_STR(m2, "prefix \xE2\x80\xA6 suffix");
	adapter_scrub_secret(m3, "a.b/c+d=e0123456789");
	CHECK_STR(m3, "short a.b/c+ stays");
	adapter_scrub_secret(m4, "a.b/c+d=e0123456789");
	CHECK_STR(m4, "nothing of it");
	adapter_scrub_secret(m4, NULL);
	CHECK_STR(m4, "nothing of it");
}

int
main(void)
{
	const char	*slash = strrchr(__FILE__, '/');

	snprintf(fixdir, sizeof(fixdir), "%.*s/fixtures/adapters",
	    slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	if (getenv("ADAPTER_FIXTURES"))
		snprintf(fixdir, sizeof(fixdir), "%s", getenv("ADAPTER_FIXTURES"));
	if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload")) {
		split_step = 3;
		split_span = 1;
	}
	test_build_openai();
	test_build_anthropic();
	test_build_gemini();
	test_build_invalid();
	test_parse_responses();
	test_errors();
	test_stream_openai();
	test_stream_anthropic();
	test_stream_gemini();
	test_stream_faults();
	test_scrub_secret();
	test_openai_stream_lines();
	return unit_done("test_adapters");
}
