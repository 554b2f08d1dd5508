/* adapter: the dispatcher over the per-format adapters and the helpers they
 * share: building calls, classifying upstream errors, masking secrets in
 * upstream messages, and the stream translator object. Per-format mapping
 * lives in openai.c, anthropic.c and gemini.c; nothing here does I/O. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "adapter_impl.h"

const char *const adapter_format_names[ADAPTER_FORMAT__MAX] = {
	"openai", "anthropic", "gemini",
};

const char *const adapter_cat_names[ADAPTER_CAT__MAX] = {
	"none", "auth", "rate_limit", "budget", "model", "validation",
	"network", "timeout", "upstream", "internal",
};

void
adapter_copy(char *dst, size_t dstlen, const char *src)
{
	size_t	 n;

	if (dstlen == 0)
		return;
	n = src ? strlen(src) : 0;
	if (n >= dstlen)
		n = dstlen - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

int
adapter_fail(char *err, size_t errlen, int cat, const char *msg)
{
	if (err)
		adapter_copy(err, errlen, msg);
	return cat;
}

const char *
adapter_jstr(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
adapter_jint(const cJSON *o, const char *key, long long *v)
{
	const cJSON	*x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(x) || x->valuedouble < 0 ||
	    x->valuedouble > 9.0e15)
		return -1;
	*v = (long long)x->valuedouble;
	return 0;
}

long long
adapter_req_max_tokens(const cJSON *req)
{
	long long	 v;

	if (adapter_jint(req, "max_completion_tokens", &v) == 0 && v > 0)
		return v;
	if (adapter_jint(req, "max_tokens", &v) == 0 && v > 0)
		return v;
	return 0;
}

int
adapter_content_text(const cJSON *content, struct buf *out)
{
	const cJSON	*part;
	const char	*t;
	int		 first = 1;

	if (cJSON_IsString(content))
		return buf_puts(out, content->valuestring);
	if (!cJSON_IsArray(content))
		return cJSON_IsNull(content) || content == NULL ? 0 : -1;
	cJSON_ArrayForEach(part, content) {
		if ((t = adapter_jstr(part, "text")) == NULL)
			continue;
		if (!first && buf_puts(out, "\n") != BUF_OK)
			return -1;
		first = 0;
		if (buf_puts(out, t) != BUF_OK)
			return -1;
	}
	return 0;
}

int
adapter_data_url(const char *url, char *mime, size_t mimelen,
    const char **data)
{
	const char	*semi, *comma;
	size_t		 n;

	if (strncmp(url, "data:", 5) != 0)
		return -1;
	semi = strchr(url + 5, ';');
	comma = strchr(url + 5, ',');
	if (semi == NULL || comma == NULL || semi > comma ||
	    strncmp(semi, ";base64,", 8) != 0)
		return -1;
	n = (size_t)(semi - (url + 5));
	if (n == 0 || n >= mimelen)
		return -1;
	memcpy(mime, url + 5, n);
	mime[n] = '\0';
	*data = comma + 1;
	return 0;
}

void
adapter_append_turn(cJSON *list, const char *role, const char *items_key, cJSON *items)
{
	cJSON	*last = cJSON_GetArrayItem(list, cJSON_GetArraySize(list) - 1);
	cJSON	*turn, *item;

	if (cJSON_GetArraySize(items) == 0) {
		cJSON_Delete(items);
		return;
	}
	if (last && !strcmp(adapter_jstr(last, "role"), role)) {
		while ((item = cJSON_DetachItemFromArray(items, 0)) != NULL)
			cJSON_AddItemToArray(cJSON_GetObjectItem(last, items_key), item);
		cJSON_Delete(items);
		return;
	}
	turn = cJSON_CreateObject();
	cJSON_AddStringToObject(turn, "role", role);
	cJSON_AddItemToObject(turn, items_key, items);
	cJSON_AddItemToArray(list, turn);
}

int
adapter_user_content(const cJSON *content, cJSON *out,
    void (*add_text)(cJSON *, const char *), int (*add_image)(cJSON *, const char *),
    char *err, size_t errlen)
{
	const cJSON	*part, *iu;
	const char	*type, *url;

	if (cJSON_IsString(content)) {
		add_text(out, content->valuestring);
		return 0;
	}
	if (content == NULL || cJSON_IsNull(content))
		return 0;
	if (!cJSON_IsArray(content))
		goto bad;
	cJSON_ArrayForEach(part, content) {
		type = adapter_jstr(part, "type");
		if (type && !strcmp(type, "text") && adapter_jstr(part, "text")) {
			add_text(out, adapter_jstr(part, "text"));
		} else if (type && !strcmp(type, "image_url")) {
			iu = cJSON_GetObjectItemCaseSensitive(part, "image_url");
			url = cJSON_IsString(iu) ? iu->valuestring : adapter_jstr(iu, "url");
			if (url == NULL || add_image(out, url) != 0)
				return adapter_fail(err, errlen, ADAPTER_CAT_VALIDATION,
				    "an image_url part needs an http(s) URL or a base64 data URL");
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	return adapter_fail(err, errlen, ADAPTER_CAT_VALIDATION,
	    "message content must be a string or an array of text and image_url parts");
}

cJSON *
adapter_usage_json(const struct adapter_usage *u)
{
	cJSON	*o = cJSON_CreateObject(), *d;

	cJSON_AddNumberToObject(o, "prompt_tokens", (double)u->prompt);
	cJSON_AddNumberToObject(o, "completion_tokens", (double)u->completion);
	cJSON_AddNumberToObject(o, "total_tokens", (double)u->total);
	d = cJSON_AddObjectToObject(o, "prompt_tokens_details");
	cJSON_AddNumberToObject(d, "cached_tokens", (double)u->cache_read);
	if (u->cache_write)
		cJSON_AddNumberToObject(d, "cache_write_tokens",
		    (double)u->cache_write);
	d = cJSON_AddObjectToObject(o, "completion_tokens_details");
	cJSON_AddNumberToObject(d, "reasoning_tokens", (double)u->reasoning);
	return o;
}

cJSON *
adapter_completion_new(const char *id, const char *model)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", id ? id : "chatcmpl-sb");
	cJSON_AddStringToObject(o, "object", "chat.completion");
	cJSON_AddNumberToObject(o, "created", (double)time(NULL));
	cJSON_AddStringToObject(o, "model", model ? model : "");
	return o;
}

/* --- building calls ------------------------------------------------------ */

void
adapter_call_free(struct adapter_call *c)
{
	size_t	 i;

	for (i = 0; i < c->nheaders; i++) {
		OPENSSL_cleanse(c->headers[i], strlen(c->headers[i]));
		free(c->headers[i]);
		c->headers[i] = NULL;
	}
	c->nheaders = 0;
	free(c->url);
	free(c->body);
	c->url = c->body = NULL;
	c->body_len = 0;
}

static int
adapter_add_header(struct adapter_call *c, const char *name, const char *val)
{
	struct buf	 b;

	if (c->nheaders >= ADAPTER_MAX_HEADERS)
		return -1;
	buf_init(&b, 4096);
	if (buf_printf(&b, "%s: %s", name, val) != BUF_OK) {
		if (b.data)
			OPENSSL_cleanse(b.data, b.len);
		buf_free(&b);
		return -1;
	}
	c->headers[c->nheaders++] = buf_steal(&b);
	return 0;
}

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

static int
adapter_auth_headers(const struct adapter_params *p, struct adapter_call *c)
{
	struct buf	 v;
	int		 rc = -1;

	switch (p->format) {
	case ADAPTER_ANTHROPIC:
		if (adapter_add_header(c, "x-api-key", p->api_key) ||
		    adapter_add_header(c, "anthropic-version", "2023-06-01"))
			return -1;
		return 0;
	case ADAPTER_GEMINI:
		return adapter_add_header(c, "x-goog-api-key", p->api_key);
	default:
		buf_init(&v, 2048);
		if (buf_printf(&v, "Bearer %s", p->api_key) == BUF_OK)
			rc = adapter_add_header(c, "Authorization", v.data);
		if (v.data)
			OPENSSL_cleanse(v.data, v.len);
		buf_free(&v);
		return rc;
	}
}

/* Common tail of adapter_build and adapter_build_embeddings. */
static int
adapter_finish_call(const struct adapter_params *p, cJSON *body,
    struct buf *url, struct adapter_call *out, char *err, size_t errlen)
{
	int	 rc = ADAPTER_CAT_INTERNAL;

	if ((out->body = cJSON_PrintUnformatted(body)) == NULL) {
		adapter_fail(err, errlen, rc, "could not encode the request");
		goto out;
	}
	out->body_len = strlen(out->body);
	if (out->body_len > ADAPTER_MAX_BODY) {
		rc = adapter_fail(err, errlen, ADAPTER_CAT_VALIDATION,
		    "the request is too large for the upstream");
		goto out;
	}
	out->url = buf_steal(url);
	if (out->url == NULL || adapter_auth_headers(p, out) ||
	    adapter_add_header(out, "Content-Type", "application/json") ||
	    adapter_add_header(out, "Accept", p->stream ?
	    "text/event-stream" : "application/json")) {
		adapter_fail(err, errlen, rc, "could not build the request");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		adapter_call_free(out);
	return rc;
}

static int
adapter_check_params(const struct adapter_params *p, char *err, size_t errlen)
{
	if (p->format < 0 || p->format >= ADAPTER_FORMAT__MAX)
		return adapter_fail(err, errlen, ADAPTER_CAT_INTERNAL,
		    "unknown upstream API format");
	if (!adapter_base_ok(p->base_url))
		return adapter_fail(err, errlen, ADAPTER_CAT_INTERNAL,
		    "the provider's base URL is not a valid http(s) URL");
	if (!adapter_key_ok(p->api_key))
		return adapter_fail(err, errlen, ADAPTER_CAT_AUTH,
		    "the provider key is missing or malformed");
	if (p->model == NULL || p->model[0] == '\0' || strlen(p->model) > 255)
		return adapter_fail(err, errlen, ADAPTER_CAT_MODEL,
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

int
adapter_build(const struct adapter_params *p, const cJSON *req,
    struct adapter_call *out, char *err, size_t errlen)
{
	struct buf	 url;
	cJSON		*body = NULL;
	int		 rc;

	memset(out, 0, sizeof(*out));
	buf_init(&url, ADAPTER_MAX_URL);
	if ((rc = adapter_check_params(p, err, errlen)) != 0)
		goto out;
	if (!cJSON_IsObject(req)) {
		rc = adapter_fail(err, errlen, ADAPTER_CAT_VALIDATION,
		    "the request body must be a JSON object");
		goto out;
	}
	if (adapter_base(p, &url) != BUF_OK) {
		rc = adapter_fail(err, errlen, ADAPTER_CAT_INTERNAL,
		    "the provider's base URL is too long");
		goto out;
	}
	switch (p->format) {
	case ADAPTER_ANTHROPIC:
		rc = adapter_anthropic_build(p, req, &body, &url, err, errlen);
		break;
	case ADAPTER_GEMINI:
		rc = adapter_gemini_build(p, req, &body, &url, err, errlen);
		break;
	default:
		rc = adapter_openai_build(p, req, &body, &url, err, errlen);
		break;
	}
	if (rc == 0)
		rc = adapter_finish_call(p, body, &url, out, err, errlen);
out:
	cJSON_Delete(body);
	buf_free(&url);
	return rc;
}

int
adapter_build_embeddings(const struct adapter_params *p, const cJSON *req,
    struct adapter_call *out, char *err, size_t errlen)
{
	struct buf	 url;
	cJSON		*body = NULL;
	int		 rc;

	memset(out, 0, sizeof(*out));
	buf_init(&url, ADAPTER_MAX_URL);
	if ((rc = adapter_check_params(p, err, errlen)) != 0)
		goto out;
	if (p->format != ADAPTER_OPENAI) {
		rc = adapter_fail(err, errlen, ADAPTER_CAT_VALIDATION,
		    "embeddings are only available from OpenAI-format providers");
		goto out;
	}
	if (!cJSON_IsObject(req) || cJSON_GetObjectItem(req, "input") == NULL) {
		rc = adapter_fail(err, errlen, ADAPTER_CAT_VALIDATION,
		    "an embeddings request needs \"model\" and \"input\"");
		goto out;
	}
	body = cJSON_Duplicate(req, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(body, "model");
	cJSON_AddStringToObject(body, "model", p->model);
	if (adapter_base(p, &url) != BUF_OK ||
	    buf_puts(&url, "/embeddings") != BUF_OK) {
		rc = adapter_fail(err, errlen, ADAPTER_CAT_INTERNAL,
		    "the provider's base URL is too long");
		goto out;
	}
	rc = adapter_finish_call(p, body, &url, out, err, errlen);
out:
	cJSON_Delete(body);
	buf_free(&url);
	return rc;
}

/* --- responses ----------------------------------------------------------- */

int
adapter_parse_response(enum adapter_format f, const char *body, size_t len,
    const char *client_model, cJSON **out, struct adapter_usage *u,
    char *err, size_t errlen)
{
	cJSON	*resp;
	int	 rc;

	*out = NULL;
	memset(u, 0, sizeof(*u));
	resp = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(resp)) {
		cJSON_Delete(resp);
		return adapter_fail(err, errlen, ADAPTER_CAT_UPSTREAM,
		    "the upstream returned a response that is not valid JSON");
	}
	switch (f) {
	case ADAPTER_ANTHROPIC:
		rc = adapter_anthropic_parse(resp, client_model, out, u, err,
		    errlen);
		break;
	case ADAPTER_GEMINI:
		rc = adapter_gemini_parse(resp, client_model, out, u, err,
		    errlen);
		break;
	default:
		rc = adapter_openai_parse(resp, client_model, out, u, err,
		    errlen);
		break;
	}
	cJSON_Delete(resp);
	return rc;
}

int
adapter_parse_embeddings_usage(const char *body, size_t len,
    struct adapter_usage *u)
{
	cJSON	*resp = cJSON_ParseWithLength(body, len);
	int	 rc = -1;

	memset(u, 0, sizeof(*u));
	if (cJSON_IsObject(resp) &&
	    cJSON_IsArray(cJSON_GetObjectItem(resp, "data"))) {
		adapter_openai_usage(cJSON_GetObjectItem(resp, "usage"), u);
		rc = 0;
	}
	cJSON_Delete(resp);
	return rc;
}

/* --- errors -------------------------------------------------------------- */

static int
adapter_key_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '*';
}

/* Mask anything that looks like a key: sk-…, AIza…, or a long token. */
static void
adapter_mask(char *s)
{
	char	*p = s, *q, *w = s;
	size_t	 n;

	while (*p) {
		if (!adapter_key_char((unsigned char)*p)) {
			*w++ = (unsigned char)*p < 0x20 ? ' ' : *p;
			p++;
			continue;
		}
		for (q = p; *q && adapter_key_char((unsigned char)*q); q++)
			;
		n = (size_t)(q - p);
		if (n >= 20 && (strncmp(p, "sk-", 3) == 0 ||
		    strncmp(p, "AIza", 4) == 0 || n >= 32)) {
			memcpy(w, "\xE2\x80\xA6", 3);	/* … */
			memmove(w + 3, q - 4, 4);
			w += 7;
		} else {
			memmove(w, p, n);
			w += n;
		}
		p = q;
	}
	*w = '\0';
}

static int
adapter_contains(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

static enum adapter_cat
adapter_cat_by_status(long status)
{
	if (status == 401 || status == 403)
		return ADAPTER_CAT_AUTH;
	if (status == 402)
		return ADAPTER_CAT_BUDGET;
	if (status == 404)
		return ADAPTER_CAT_MODEL;
	if (status == 408 || status == 504)
		return ADAPTER_CAT_TIMEOUT;
	if (status == 429)
		return ADAPTER_CAT_RATE_LIMIT;
	if (status >= 400 && status < 500)
		return ADAPTER_CAT_VALIDATION;
	return ADAPTER_CAT_UPSTREAM;
}

/* The category an upstream's own error type or code names, or NONE. */
static enum adapter_cat
adapter_cat_by_type(const char *type)
{
	static const struct { const char *type; enum adapter_cat cat; } map[] = {
		{ "insufficient_quota", ADAPTER_CAT_BUDGET },
		{ "billing_error", ADAPTER_CAT_BUDGET },
		{ "authentication_error", ADAPTER_CAT_AUTH },
		{ "permission_error", ADAPTER_CAT_AUTH },
		{ "invalid_api_key", ADAPTER_CAT_AUTH },
		{ "UNAUTHENTICATED", ADAPTER_CAT_AUTH },
		{ "PERMISSION_DENIED", ADAPTER_CAT_AUTH },
		{ "model_not_found", ADAPTER_CAT_MODEL },
		{ "not_found_error", ADAPTER_CAT_MODEL },
		{ "NOT_FOUND", ADAPTER_CAT_MODEL },
		{ "rate_limit_error", ADAPTER_CAT_RATE_LIMIT },
		{ "rate_limit_exceeded", ADAPTER_CAT_RATE_LIMIT },
		{ "RESOURCE_EXHAUSTED", ADAPTER_CAT_RATE_LIMIT },
		{ "overloaded_error", ADAPTER_CAT_UPSTREAM },
		{ "api_error", ADAPTER_CAT_UPSTREAM },
		{ "server_error", ADAPTER_CAT_UPSTREAM },
		{ "UNAVAILABLE", ADAPTER_CAT_UPSTREAM },
		{ "INTERNAL", ADAPTER_CAT_UPSTREAM },
		{ "DEADLINE_EXCEEDED", ADAPTER_CAT_TIMEOUT },
	};
	size_t	 i;

	for (i = 0; type && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(type, map[i].type) == 0)
			return map[i].cat;
	return ADAPTER_CAT_NONE;
}

/* The error object of any format: {"error":{...}}, [{"error":{...}}]. */
static const cJSON *
adapter_error_obj(const cJSON *root)
{
	if (cJSON_IsArray(root))
		root = cJSON_GetArrayItem(root, 0);
	return cJSON_GetObjectItemCaseSensitive(root, "error");
}

enum adapter_cat
adapter_parse_error(enum adapter_format f, long status, const char *body,
    size_t len, char *msg, size_t msglen)
{
	static const char *const keys[] = { "code", "status", "type" };
	cJSON		*root = NULL;
	const cJSON	*e;
	const char	*m = NULL;
	enum adapter_cat cat = adapter_cat_by_status(status), t;
	size_t		 i;

	(void)f;
	if (body && len)
		root = cJSON_ParseWithLength(body, len);
	e = adapter_error_obj(root);
	if (cJSON_IsString(e))
		m = e->valuestring;
	else if (cJSON_IsObject(e)) {
		m = adapter_jstr(e, "message");
		for (i = 0; status >= 400 && i < 3; i++)
			if ((t = adapter_cat_by_type(adapter_jstr(e, keys[i])))
			    != ADAPTER_CAT_NONE) {
				cat = t;
				break;
			}
	}
	if (cat == ADAPTER_CAT_VALIDATION && adapter_contains(m, "api key"))
		cat = ADAPTER_CAT_AUTH;
	if (cat == ADAPTER_CAT_VALIDATION && adapter_contains(m, "model") &&
	    (adapter_contains(m, "not found") ||
	    adapter_contains(m, "does not exist")))
		cat = ADAPTER_CAT_MODEL;
	if (msg && msglen) {
		if (m == NULL || m[0] == '\0')
			snprintf(msg, msglen, "the upstream returned HTTP %ld",
			    status);
		else
			snprintf(msg, msglen, "%s", m);
		adapter_mask(msg);
	}
	cJSON_Delete(root);
	return cat;
}

int
adapter_retryable(enum adapter_cat cat, long status)
{
	if (cat == ADAPTER_CAT_NETWORK || cat == ADAPTER_CAT_TIMEOUT)
		return 1;
	if (cat == ADAPTER_CAT_RATE_LIMIT)
		return 1;
	return cat == ADAPTER_CAT_UPSTREAM && (status == 0 || status >= 500);
}

/* --- streams ------------------------------------------------------------- */

int
adapter_stream_fail(struct adapter_stream *s, int status, enum adapter_cat cat,
    const char *msg)
{
	if (s->status == ADAPTER_STREAM_OK) {
		s->status = status;
		s->err_cat = cat;
		adapter_copy(s->err_msg, sizeof(s->err_msg), msg);
		adapter_mask(s->err_msg);
	}
	return s->status;
}

int
adapter_emit_raw(struct adapter_stream *s, const char *json, size_t len,
    const char *content, size_t content_len, int usage_only)
{
	struct adapter_chunk	 c;

	c.json = json;
	c.len = len;
	c.content = content;
	c.content_len = content_len;
	c.usage_only = usage_only;
	s->emitted = 1;
	if (s->emit(s->ctx, &c) != 0)
		return s->status = ADAPTER_STREAM_ABORTED;
	return ADAPTER_STREAM_OK;
}

/* Serialise a chunk object and emit it; consumes chunk. */
static int
adapter_emit_obj(struct adapter_stream *s, cJSON *chunk, const char *content,
    int usage_only)
{
	char	*json = cJSON_PrintUnformatted(chunk);
	int	 rc;

	if (json == NULL) {
		cJSON_Delete(chunk);
		return adapter_stream_fail(s, ADAPTER_STREAM_ERROR,
		    ADAPTER_CAT_INTERNAL, "out of memory");
	}
	rc = adapter_emit_raw(s, json, strlen(json), content,
	    content ? strlen(content) : 0, usage_only);
	free(json);
	cJSON_Delete(chunk);
	return rc;
}

static cJSON *
adapter_chunk_new(struct adapter_stream *s)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", s->id[0] ? s->id : "chatcmpl-sb");
	cJSON_AddStringToObject(o, "object", "chat.completion.chunk");
	cJSON_AddNumberToObject(o, "created", (double)s->created);
	cJSON_AddStringToObject(o, "model", s->client_model ? s->client_model :
	    s->model);
	return o;
}

int
adapter_emit_delta(struct adapter_stream *s, int index, cJSON *delta,
    const char *finish_reason)
{
	cJSON		*chunk = adapter_chunk_new(s), *choices, *c;
	const char	*content = adapter_jstr(delta, "content");

	choices = cJSON_AddArrayToObject(chunk, "choices");
	c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "index", index);
	cJSON_AddItemToObject(c, "delta", delta);
	if (finish_reason)
		cJSON_AddStringToObject(c, "finish_reason", finish_reason);
	else
		cJSON_AddNullToObject(c, "finish_reason");
	cJSON_AddItemToArray(choices, c);
	return adapter_emit_obj(s, chunk, content, 0);
}

int
adapter_emit_usage(struct adapter_stream *s)
{
	cJSON	*chunk;

	if (!s->include_usage || !s->usage.known)
		return ADAPTER_STREAM_OK;
	chunk = adapter_chunk_new(s);
	cJSON_AddArrayToObject(chunk, "choices");
	cJSON_AddItemToObject(chunk, "usage", adapter_usage_json(&s->usage));
	return adapter_emit_obj(s, chunk, NULL, 1);
}

static int
adapter_on_sse(void *ctx, const struct sse_event *ev)
{
	struct adapter_stream	*s = ctx;
	int			 rc;

	switch (s->format) {
	case ADAPTER_ANTHROPIC:
		rc = adapter_anthropic_event(s, ev);
		break;
	case ADAPTER_GEMINI:
		rc = adapter_gemini_event(s, ev);
		break;
	default:
		rc = adapter_openai_event(s, ev);
		break;
	}
	return rc != ADAPTER_STREAM_OK;
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
	    ADAPTER_CAT_UPSTREAM, rc == SSE_TOO_BIG ?
	    "the upstream sent an event larger than the limit" :
	    "the upstream stream could not be parsed");
}

int
adapter_stream_finish(struct adapter_stream *s)
{
	if (s->status != ADAPTER_STREAM_OK)
		return s->status;
	if (s->format == ADAPTER_GEMINI && adapter_gemini_finish(s))
		return s->status;
	if (!s->clean)
		return adapter_stream_fail(s, ADAPTER_STREAM_TRUNCATED,
		    ADAPTER_CAT_UPSTREAM,
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

enum adapter_cat
adapter_stream_error(const struct adapter_stream *s, const char **msg)
{
	if (msg)
		*msg = s->err_msg;
	return s->status == ADAPTER_STREAM_OK ? ADAPTER_CAT_NONE : s->err_cat;
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
