/* adapter: the dispatcher. Checks what every upstream call needs (a known
 * format, an http(s) base URL, a header-safe key, a model), then hands the
 * format's part to its ops table (openai.c, anthropic.c, gemini.c) through
 * adapter_ops_of[]. Names no format in code: a new format is a new file and
 * one row below. The helpers the formats share live in common.c; no I/O. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

const char *const adapter_format_names[ADAPTER_FORMAT__MAX] = {
	"openai", "anthropic", "gemini", "openai-responses",
};

static const struct adapter_ops *const adapter_ops_of[ADAPTER_FORMAT__MAX] = {
	[ADAPTER_OPENAI] = &adapter_openai_ops,
	[ADAPTER_ANTHROPIC] = &adapter_anthropic_ops,
	[ADAPTER_GEMINI] = &adapter_gemini_ops,
	[ADAPTER_OPENAI_RESPONSES] = &adapter_responses_ops,
};

/* The key must be a single header-safe token. */
static int
adapter_key_ok(const char *k)
{
	size_t	 n = k ? strlen(k) : 0;

	if (n == 0 || n > 1024)
		return 0;
	for (; *k; k++)
		if ((unsigned char)*k <= 0x20 || (unsigned char)*k >= 0x7f)
			return 0;
	return 1;
}

static int
adapter_base_ok(const char *u)
{
	size_t	 n = u ? strlen(u) : 0;

	if (n == 0 || n > 1024)
		return 0;
	if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
		return 0;
	for (; *u; u++)
		if ((unsigned char)*u <= 0x20 || (unsigned char)*u >= 0x7f)
			return 0;
	return 1;
}

/* Common tail of adapter_build and adapter_build_embeddings. */
static enum err_category
adapter_finish_call(const struct adapter_params *p, cJSON *body,
    struct buf *url, struct adapter_call *out, char *err, size_t errlen)
{
	enum err_category rc = ERR_INTERNAL;

	if ((out->body = json_print(body)) == NULL) {
		adapter_fail(err, errlen, rc, "could not encode the request");
		goto out;
	}
	out->body_len = strlen(out->body);
	if (out->body_len > SB_MAX_UPSTREAM_BODY) {
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "the request is too large for the upstream");
		goto out;
	}
	out->url = buf_steal(url);
	if (out->url == NULL || adapter_ops_of[p->format]->auth_headers(p, out) ||
	    adapter_add_header(out, "Content-Type", "application/json") ||
	    adapter_add_header(out, "Accept", p->stream ?
	    "text/event-stream" : "application/json")) {
		adapter_fail(err, errlen, rc, "could not build the request");
		goto out;
	}
	rc = ERR_NONE;
out:
	if (rc != ERR_NONE)
		adapter_call_free(out);
	return rc;
}

static enum err_category
adapter_check_params(const struct adapter_params *p, char *err, size_t errlen)
{
	if (p->format < 0 || p->format >= ADAPTER_FORMAT__MAX)
		return adapter_fail(err, errlen, ERR_INTERNAL,
		    "unknown upstream API format");
	if (!adapter_base_ok(p->base_url))
		return adapter_fail(err, errlen, ERR_INTERNAL,
		    "the provider's base URL is not a valid http(s) URL");
	if (!adapter_key_ok(p->api_key))
		return adapter_fail(err, errlen, ERR_AUTH,
		    "the provider key is missing or malformed");
	if (p->model == NULL || p->model[0] == '\0' || strlen(p->model) > 255)
		return adapter_fail(err, errlen, ERR_MODEL,
		    "no upstream model name");
	return 0;
}

/* The base URL without trailing slashes. */
static int
adapter_base(const struct adapter_params *p, struct buf *url)
{
	size_t	 n = strlen(p->base_url);

	while (n > 0 && p->base_url[n - 1] == '/')
		n--;
	return buf_append(url, p->base_url, n);
}

/* Check the parameters, then let the format's builder (NULL: the format
 * has no such call, refused with why) fill the body after the base URL. */
static enum err_category
adapter_build_with(const struct adapter_params *p, const cJSON *req,
    adapter_build_fn (*pick)(const struct adapter_ops *), const char *none,
    struct adapter_call *out, char *err, size_t errlen)
{
	adapter_build_fn build;
	struct buf	 url;
	cJSON		*body = NULL;
	enum err_category rc;

	memset(out, 0, sizeof(*out));
	buf_init(&url, ADAPTER_MAX_URL);
	if ((rc = adapter_check_params(p, err, errlen)) != 0)
		goto out;
	if ((build = pick(adapter_ops_of[p->format])) == NULL) {
		rc = adapter_fail(err, errlen, ERR_VALIDATION, none);
		goto out;
	}
	if (!cJSON_IsObject(req)) {
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "the request body must be a JSON object");
		goto out;
	}
	if (adapter_base(p, &url) != BUF_OK) {
		rc = adapter_fail(err, errlen, ERR_INTERNAL,
		    "the provider's base URL is too long");
		goto out;
	}
	if ((rc = build(p, req, &body, &url, err, errlen)) == ERR_NONE)
		rc = adapter_finish_call(p, body, &url, out, err, errlen);
out:
	cJSON_Delete(body);
	buf_free(&url);
	return rc;
}

static adapter_build_fn
adapter_pick_chat(const struct adapter_ops *o)
{
	return o->build;
}

static adapter_build_fn
adapter_pick_embeddings(const struct adapter_ops *o)
{
	return o->build_embeddings;
}

static adapter_build_fn
adapter_pick_native(const struct adapter_ops *o)
{
	return o->build_native;
}

enum err_category
adapter_build(const struct adapter_params *p, const cJSON *req,
    struct adapter_call *out, char *err, size_t errlen)
{
	return adapter_build_with(p, req, adapter_pick_chat, "no chat call",
	    out, err, errlen);
}

enum err_category
adapter_build_embeddings(const struct adapter_params *p, const cJSON *req,
    struct adapter_call *out, char *err, size_t errlen)
{
	if (cJSON_GetObjectItem(req, "input") == NULL)
		return adapter_fail(err, errlen, ERR_VALIDATION,
		    "an embeddings request needs \"model\" and \"input\"");
	return adapter_build_with(p, req, adapter_pick_embeddings,
	    "embeddings are only available from OpenAI-format providers",
	    out, err, errlen);
}

enum err_category
adapter_build_native(const struct adapter_params *p, const cJSON *req,
    struct adapter_call *out, char *err, size_t errlen)
{
	return adapter_build_with(p, req, adapter_pick_native,
	    "this provider has no native form of the request", out, err, errlen);
}

static adapter_build_fn
adapter_pick_count(const struct adapter_ops *o)
{
	return o->build_count;
}

enum err_category
adapter_build_count(const struct adapter_params *p, const cJSON *req,
    struct adapter_call *out, char *err, size_t errlen)
{
	return adapter_build_with(p, req, adapter_pick_count,
	    "this provider has no token-counting call", out, err, errlen);
}

int
adapter_has_count(enum adapter_format f)
{
	return f >= 0 && f < ADAPTER_FORMAT__MAX &&
	    adapter_ops_of[f]->build_count != NULL;
}

int
adapter_has_native(enum adapter_format f)
{
	return f >= 0 && f < ADAPTER_FORMAT__MAX &&
	    adapter_ops_of[f]->build_native != NULL;
}

/* --- responses ----------------------------------------------------------- */

enum err_category
adapter_parse_response(enum adapter_format f, const char *body, size_t len,
    const char *client_model, cJSON **out, struct adapter_usage *u,
    char *err, size_t errlen)
{
	cJSON		*resp;
	enum err_category rc;

	*out = NULL;
	memset(u, 0, sizeof(*u));
	resp = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(resp)) {
		cJSON_Delete(resp);
		return adapter_fail(err, errlen, ERR_UPSTREAM,
		    "the upstream returned a response that is not valid JSON");
	}
	rc = adapter_ops_of[f]->parse(resp, client_model, out, u, err, errlen);
	cJSON_Delete(resp);
	return rc;
}

/* --- streams ------------------------------------------------------------- */

static int
adapter_on_sse(void *ctx, const struct sse_event *ev)
{
	struct adapter_stream	*s = ctx;

	return adapter_ops_of[s->format]->event(s, ev) != ADAPTER_STREAM_OK;
}

struct adapter_stream *
adapter_stream_new(enum adapter_format f, const char *client_model,
    int include_usage, adapter_emit_fn emit, void *ctx)
{
	struct adapter_stream	*s;

	if (f < 0 || f >= ADAPTER_FORMAT__MAX || emit == NULL)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (client_model && (s->client_model = strdup(client_model)) == NULL) {
		free(s);
		return NULL;
	}
	s->format = f;
	s->emit = emit;
	s->ctx = ctx;
	s->include_usage = include_usage;
	s->created = (long long)time(NULL);
	s->cur_tool = -1;
	sse_init(&s->sse, ADAPTER_MAX_EVENT, adapter_on_sse, s);
	return s;
}

int
adapter_stream_feed(struct adapter_stream *s, const char *p, size_t n)
{
	int	 rc;

	if (s->status != ADAPTER_STREAM_OK)
		return s->status;
	rc = sse_feed(&s->sse, p, n);
	if (rc == SSE_OK || s->status != ADAPTER_STREAM_OK)
		return s->status;
	return adapter_stream_fail(s, ADAPTER_STREAM_MALFORMED,
	    ERR_UPSTREAM, rc == SSE_TOO_BIG ?
	    "the upstream sent an event larger than the limit" :
	    "the upstream stream could not be parsed");
}

int
adapter_stream_finish(struct adapter_stream *s)
{
	if (s->status != ADAPTER_STREAM_OK)
		return s->status;
	if (adapter_ops_of[s->format]->finish && adapter_ops_of[s->format]->finish(s))
		return s->status;
	if (!s->clean)
		return adapter_stream_fail(s, ADAPTER_STREAM_TRUNCATED,
		    ERR_UPSTREAM,
		    "the upstream stream ended before the answer was complete");
	return ADAPTER_STREAM_OK;
}

const struct adapter_usage *
adapter_stream_usage(const struct adapter_stream *s)
{
	return &s->usage;
}

const char *
adapter_stream_finish_reason(const struct adapter_stream *s)
{
	return s->finish[0] ? s->finish : NULL;
}

int
adapter_stream_emitted(const struct adapter_stream *s)
{
	return s->emitted;
}

enum err_category
adapter_stream_error(const struct adapter_stream *s, const char **msg)
{
	if (msg)
		*msg = s->err_msg;
	return s->status == ADAPTER_STREAM_OK ? ERR_NONE : s->err_cat;
}

void
adapter_stream_free(struct adapter_stream *s)
{
	if (s == NULL)
		return;
	sse_free(&s->sse);
	free(s->client_model);
	free(s);
}
