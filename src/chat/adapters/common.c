/* common: what the format adapters (openai.c, anthropic.c, gemini.c) share:
 * JSON and message-content helpers, call headers, the classification of
 * upstream errors (with key-like tokens masked out of their messages) and
 * the emitting of translated stream chunks. Names no format and dispatches
 * nothing (adapter.c does); no I/O. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "common.h"

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

enum err_category
adapter_fail(char *err, size_t errlen, enum err_category cat, const char *msg)
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

enum err_category
adapter_refuse_fields(const cJSON *req, const char *const *fields,
    const char *provider, char *err, size_t errlen)
{
	const cJSON	*v;

	for (; *fields != NULL; fields++) {
		v = cJSON_GetObjectItemCaseSensitive(req, *fields);
		if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v) ||
		    (cJSON_IsNumber(v) && v->valuedouble == 0) ||
		    ((cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child == NULL))
			continue;
		if (errlen)
			snprintf(err, errlen, "\"%s\" is not supported by %s "
			    "providers: leave it out, or use a model of a provider "
			    "that has it", *fields, provider);
		return ERR_VALIDATION;
	}
	return ERR_NONE;
}

int
adapter_user_content(const cJSON *content, cJSON *out,
    void (*add_text)(cJSON *, const char *, const cJSON *),
    int (*add_image)(cJSON *, const char *),
    char *err, size_t errlen)
{
	const cJSON	*part, *iu;
	const char	*type, *url;

	if (cJSON_IsString(content)) {
		add_text(out, content->valuestring, NULL);
		return 0;
	}
	if (content == NULL || cJSON_IsNull(content))
		return 0;
	if (!cJSON_IsArray(content))
		goto bad;
	cJSON_ArrayForEach(part, content) {
		type = adapter_jstr(part, "type");
		if (type && !strcmp(type, "text") && adapter_jstr(part, "text")) {
			add_text(out, adapter_jstr(part, "text"), part);
		} else if (type && !strcmp(type, "image_url")) {
			iu = cJSON_GetObjectItemCaseSensitive(part, "image_url");
			url = cJSON_IsString(iu) ? iu->valuestring : adapter_jstr(iu, "url");
			if (url == NULL || add_image(out, url) != 0)
				return adapter_fail(err, errlen, ERR_VALIDATION,
				    "an image_url part needs an http(s) URL or a base64 data URL");
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	return adapter_fail(err, errlen, ERR_VALIDATION,
	    "message content must be a string or an array of text and image_url parts");
}

cJSON *
adapter_tool_call(const char *id, const char *name, const char *args)
{
	cJSON	*tc = cJSON_CreateObject(), *fn;

	cJSON_AddStringToObject(tc, "id", id ? id : "");
	cJSON_AddStringToObject(tc, "type", "function");
	fn = cJSON_AddObjectToObject(tc, "function");
	cJSON_AddStringToObject(fn, "name", name ? name : "");
	cJSON_AddStringToObject(fn, "arguments", args ? args : "{}");
	return tc;
}

enum err_category
adapter_native_body(const struct adapter_params *p, const cJSON *req,
    const char *path, cJSON **body, struct buf *url, char *err, size_t errlen)
{
	cJSON	*b = cJSON_Duplicate(req, 1);

	if (b == NULL)
		return adapter_fail(err, errlen, ERR_INTERNAL, "out of memory");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "model");
	cJSON_AddStringToObject(b, "model", p->model);
	cJSON_DeleteItemFromObjectCaseSensitive(b, "stream");
	if (p->stream)
		cJSON_AddTrueToObject(b, "stream");
	*body = b;
	if (buf_puts(url, path) != BUF_OK)
		return adapter_fail(err, errlen, ERR_INTERNAL,
		    "the provider's base URL is too long");
	return ERR_NONE;
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

int
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

static enum err_category
adapter_cat_by_status(long status)
{
	if (status == 401 || status == 403)
		return ERR_AUTH;
	if (status == 402)
		return ERR_BUDGET;
	if (status == 404)
		return ERR_MODEL;
	if (status == 408 || status == 504)
		return ERR_TIMEOUT;
	if (status == 429)
		return ERR_RATE_LIMIT;
	if (status >= 400 && status < 500)
		return ERR_VALIDATION;
	return ERR_UPSTREAM;
}

/* The category an upstream's own error type or code names, or NONE. */
static enum err_category
adapter_cat_by_type(const char *type)
{
	static const struct { const char *type; enum err_category cat; } map[] = {
		{ "insufficient_quota", ERR_BUDGET },
		{ "billing_error", ERR_BUDGET },
		{ "authentication_error", ERR_AUTH },
		{ "permission_error", ERR_AUTH },
		{ "invalid_api_key", ERR_AUTH },
		{ "UNAUTHENTICATED", ERR_AUTH },
		{ "PERMISSION_DENIED", ERR_AUTH },
		{ "model_not_found", ERR_MODEL },
		{ "not_found_error", ERR_MODEL },
		{ "NOT_FOUND", ERR_MODEL },
		{ "rate_limit_error", ERR_RATE_LIMIT },
		{ "rate_limit_exceeded", ERR_RATE_LIMIT },
		{ "RESOURCE_EXHAUSTED", ERR_RATE_LIMIT },
		{ "overloaded_error", ERR_UPSTREAM },
		{ "api_error", ERR_UPSTREAM },
		{ "server_error", ERR_UPSTREAM },
		{ "UNAVAILABLE", ERR_UPSTREAM },
		{ "INTERNAL", ERR_UPSTREAM },
		{ "DEADLINE_EXCEEDED", ERR_TIMEOUT },
	};
	size_t	 i;

	for (i = 0; type && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(type, map[i].type) == 0)
			return map[i].cat;
	return ERR_NONE;
}

/* The error object of any format: {"error":{...}}, [{"error":{...}}]. */
static const cJSON *
adapter_error_obj(const cJSON *root)
{
	if (cJSON_IsArray(root))
		root = cJSON_GetArrayItem(root, 0);
	return cJSON_GetObjectItemCaseSensitive(root, "error");
}

enum err_category
adapter_parse_error(enum adapter_format f, long status, const char *body,
    size_t len, char *msg, size_t msglen)
{
	static const char *const keys[] = { "code", "status", "type" };
	cJSON		*root = NULL;
	const cJSON	*e;
	const char	*m = NULL;
	enum err_category cat = adapter_cat_by_status(status), t;
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
			    != ERR_NONE) {
				cat = t;
				break;
			}
	}
	if (cat == ERR_VALIDATION && adapter_contains(m, "api key"))
		cat = ERR_AUTH;
	if (cat == ERR_VALIDATION && adapter_contains(m, "model") &&
	    (adapter_contains(m, "not found") ||
	    adapter_contains(m, "does not exist")))
		cat = ERR_MODEL;
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
adapter_context_exceeded(const char *msg)
{
	static const char *const says[] = {
		"context length",		/* OpenAI, vLLM, OpenRouter */
		"context window",
		"prompt is too long",		/* Anthropic */
		"maximum number of tokens",	/* Gemini */
		"too many tokens",
	};
	size_t	 i;

	for (i = 0; i < sizeof(says) / sizeof(says[0]); i++)
		if (adapter_contains(msg, says[i]))
			return 1;
	return 0;
}

int
adapter_retryable(enum err_category cat, long status)
{
	if (cat == ERR_NETWORK || cat == ERR_TIMEOUT)
		return 1;
	if (cat == ERR_RATE_LIMIT)
		return 1;
	return cat == ERR_UPSTREAM && (status == 0 || status >= 500);
}

/* --- streams ------------------------------------------------------------- */

int
adapter_stream_fail(struct adapter_stream *s, int status, enum err_category cat,
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
	char	*json = json_print(chunk);
	int	 rc;

	if (json == NULL) {
		cJSON_Delete(chunk);
		return adapter_stream_fail(s, ADAPTER_STREAM_ERROR,
		    ERR_INTERNAL, "out of memory");
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

#define ADAPTER_SCRUB_MIN	8	/* shorter runs are too common to mean the key */

void
adapter_scrub_secret(char *msg, const char *secret)
{
	size_t	 klen = secret ? strlen(secret) : 0, mlen, i, n;

	if (klen < ADAPTER_SCRUB_MIN)
		return;
	for (i = 0; msg[i] != '\0'; i++) {
		mlen = strlen(msg + i);
		for (n = mlen < klen ? mlen : klen; n >= ADAPTER_SCRUB_MIN; n--)
			if (memmem(secret, klen, msg + i, n) != NULL)
				break;
		if (n < ADAPTER_SCRUB_MIN)
			continue;
		/* "…" is 3 bytes: never longer than the run it replaces. */
		memcpy(msg + i, "\xE2\x80\xA6", 3);
		memmove(msg + i + 3, msg + i + n, mlen - n + 1);
		i += 2;
	}
}
