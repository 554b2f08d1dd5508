/* openai adapter: OpenAI and every OpenAI-compatible upstream (xAI,
 * OpenRouter, AiHubMix, custom servers). The canonical request already is
 * this format, so the body passes through with only `model` rewritten,
 * Anthropic cache breakpoints taken out (except for OpenRouter) and usage
 * forced on for streams; stream events pass through unchanged. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common.h"
#include "price.h"

/* Authorization: Bearer <key>; the formatted value is wiped after use. */
static int
adapter_openai_auth(const struct adapter_params *p, struct adapter_call *c)
{
	struct buf	 v;
	int		 rc = -1;

	buf_init(&v, 2048);
	if (buf_printf(&v, "Bearer %s", p->api_key) == BUF_OK)
		rc = adapter_add_header(c, "Authorization", v.data);
	if (v.data)
		OPENSSL_cleanse(v.data, v.len);
	buf_free(&v);
	return rc;
}

/* Anthropic cache breakpoints (cache_control on content parts and tools)
 * are for OpenRouter, which passes them on; OpenAI and most compatible
 * servers refuse fields they do not know, so they are taken out there. */
static void
adapter_openai_strip_cache(const struct adapter_params *p, cJSON *b)
{
	cJSON	*m, *part, *t;

	if (p->base_url != NULL && strstr(p->base_url, "openrouter") != NULL)
		return;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(b, "messages"))
		cJSON_ArrayForEach(part, cJSON_GetObjectItemCaseSensitive(m, "content"))
			cJSON_DeleteItemFromObjectCaseSensitive(part, "cache_control");
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(b, "tools"))
		cJSON_DeleteItemFromObjectCaseSensitive(t, "cache_control");
}

static enum err_category
adapter_openai_build(const struct adapter_params *p, const cJSON *req,
    cJSON **body, struct buf *url, char *err, size_t errlen)
{
	const cJSON	*msgs = cJSON_GetObjectItemCaseSensitive(req, "messages");
	cJSON		*b, *so;

	if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) == 0)
		return adapter_fail(err, errlen, ERR_VALIDATION,
		    "\"messages\" must be a non-empty array");
	if ((b = cJSON_Duplicate(req, 1)) == NULL)
		return adapter_fail(err, errlen, ERR_INTERNAL,
		    "out of memory");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "model");
	cJSON_AddStringToObject(b, "model", p->model);
	adapter_openai_strip_cache(p, b);
	cJSON_DeleteItemFromObjectCaseSensitive(b, "stream");
	if (p->stream) {
		cJSON_AddTrueToObject(b, "stream");
		so = cJSON_GetObjectItemCaseSensitive(b, "stream_options");
		if (!cJSON_IsObject(so)) {
			cJSON_DeleteItemFromObjectCaseSensitive(b,
			    "stream_options");
			so = cJSON_AddObjectToObject(b, "stream_options");
		}
		cJSON_DeleteItemFromObjectCaseSensitive(so, "include_usage");
		cJSON_AddTrueToObject(so, "include_usage");
	} else
		cJSON_DeleteItemFromObjectCaseSensitive(b, "stream_options");
	*body = b;
	if (buf_puts(url, "/chat/completions") != BUF_OK)
		return adapter_fail(err, errlen, ERR_INTERNAL,
		    "the provider's base URL is too long");
	return 0;
}

/* OpenRouter's usage.cost: what the request was charged, in USD. It is the
 * truth for the request's cost where it comes (a number from 0 to 1000). */
static void
adapter_openai_cost(const cJSON *cost, struct adapter_usage *u)
{
	int64_t	 micros;

	if (!cJSON_IsNumber(cost) || cost->valuedouble < 0 || cost->valuedouble > 1000 ||
	    price_parse_double(cost->valuedouble, 6 /* USD to micro-USD */, &micros) != PRICE_OK)
		return;
	u->cost_known = 1;
	u->cost_micros = micros;
}

static void
adapter_openai_usage(const cJSON *usage, struct adapter_usage *u)
{
	const cJSON	*d;

	if (!cJSON_IsObject(usage) ||
	    adapter_jint(usage, "prompt_tokens", &u->prompt) != 0)
		return;
	u->known = 1;
	if (adapter_jint(usage, "completion_tokens", &u->completion) != 0)
		u->completion = 0;
	if (adapter_jint(usage, "total_tokens", &u->total) != 0)
		u->total = u->prompt + u->completion;
	d = cJSON_GetObjectItemCaseSensitive(usage, "prompt_tokens_details");
	if (adapter_jint(d, "cached_tokens", &u->cache_read) != 0)
		u->cache_read = 0;
	if (adapter_jint(d, "cache_write_tokens", &u->cache_write) != 0)
		u->cache_write = 0;
	d = cJSON_GetObjectItemCaseSensitive(usage,
	    "completion_tokens_details");
	if (adapter_jint(d, "reasoning_tokens", &u->reasoning) != 0)
		u->reasoning = 0;
	adapter_openai_cost(cJSON_GetObjectItemCaseSensitive(usage, "cost"), u);
}

static enum err_category
adapter_openai_parse(const cJSON *resp, const char *client_model,
    cJSON **out, struct adapter_usage *u, char *err, size_t errlen)
{
	cJSON	*o;

	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(resp, "choices")))
		return adapter_fail(err, errlen, ERR_UPSTREAM,
		    "the upstream response has no \"choices\"");
	if ((o = cJSON_Duplicate(resp, 1)) == NULL)
		return adapter_fail(err, errlen, ERR_INTERNAL,
		    "out of memory");
	if (client_model) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, "model");
		cJSON_AddStringToObject(o, "model", client_model);
	}
	adapter_openai_usage(cJSON_GetObjectItemCaseSensitive(resp, "usage"), u);
	*out = o;
	return 0;
}

/* An error object inside the stream: {"error":{...}}. */
static int
adapter_openai_stream_error(struct adapter_stream *s, const char *data,
    size_t len)
{
	char		 msg[ADAPTER_MAX_MSG];
	enum err_category cat;

	cat = adapter_parse_error(ADAPTER_OPENAI, 500, data, len, msg,
	    sizeof(msg));
	return adapter_stream_fail(s, ADAPTER_STREAM_ERROR, cat, msg);
}

/* An event whose JSON spanned several data: lines: written back as one line
 * from what was parsed, so no line of it reaches the client verbatim. */
static int
adapter_openai_reserialise(struct adapter_stream *s, const cJSON *o,
    const char *content, int usage_only)
{
	char	*text = json_print(o);
	int	 rc;

	if (text == NULL)
		return adapter_stream_fail(s, ADAPTER_STREAM_MALFORMED, ERR_INTERNAL,
		    "out of memory");
	rc = adapter_emit_raw(s, text, strlen(text), content,
	    content ? strlen(content) : 0, usage_only);
	free(text);
	return rc;
}

static int
adapter_openai_event(struct adapter_stream *s, const struct sse_event *ev)
{
	cJSON		*o;
	const cJSON	*choices, *c0, *usage;
	const char	*fr, *content;
	int		 rc = ADAPTER_STREAM_OK, usage_only;

	if (ev->data_len == 6 && memcmp(ev->data, "[DONE]", 6) == 0) {
		s->clean = 1;
		return ADAPTER_STREAM_OK;
	}
	/* Strict: nothing may follow the object (cJSON's plain parse would
	 * ignore a second, uncounted event joined from more data: lines). */
	o = cJSON_ParseWithLengthOpts(ev->data, ev->data_len + 1, NULL, 1);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return adapter_stream_fail(s, ADAPTER_STREAM_MALFORMED,
		    ERR_UPSTREAM,
		    "the upstream sent a stream event that is not valid JSON");
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "error") != NULL) {
		rc = adapter_openai_stream_error(s, ev->data, ev->data_len);
		goto out;
	}
	usage = cJSON_GetObjectItemCaseSensitive(o, "usage");
	if (cJSON_IsObject(usage))
		adapter_openai_usage(usage, &s->usage);
	choices = cJSON_GetObjectItemCaseSensitive(o, "choices");
	usage_only = cJSON_IsObject(usage) && cJSON_IsArray(choices) &&
	    cJSON_GetArraySize(choices) == 0;
	if (usage_only && !s->include_usage)
		goto out;
	c0 = cJSON_GetArrayItem(choices, 0);
	if ((fr = adapter_jstr(c0, "finish_reason")) != NULL)
		adapter_copy(s->finish, sizeof(s->finish), fr);
	content = adapter_jstr(cJSON_GetObjectItemCaseSensitive(c0, "delta"),
	    "content");
	if (memchr(ev->data, '\n', ev->data_len) != NULL ||
	    memchr(ev->data, '\r', ev->data_len) != NULL)
		rc = adapter_openai_reserialise(s, o, content, usage_only);
	else	/* one line: relayed as it came, the common and cheap case */
		rc = adapter_emit_raw(s, ev->data, ev->data_len, content,
		    content ? strlen(content) : 0, usage_only);
out:
	cJSON_Delete(o);
	return rc;
}

/* /embeddings: the request as sent, with the upstream model name. */
static enum err_category
adapter_openai_embeddings(const struct adapter_params *p, const cJSON *req,
    cJSON **body, struct buf *url, char *err, size_t errlen)
{
	cJSON	*b = cJSON_Duplicate(req, 1);

	if (b == NULL)
		return adapter_fail(err, errlen, ERR_INTERNAL, "out of memory");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "model");
	cJSON_AddStringToObject(b, "model", p->model);
	adapter_openai_strip_cache(p, b);
	*body = b;
	if (buf_puts(url, "/embeddings") != BUF_OK)
		return adapter_fail(err, errlen, ERR_INTERNAL,
		    "the provider's base URL is too long");
	return ERR_NONE;
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

const struct adapter_ops adapter_openai_ops = {
	.auth_headers = adapter_openai_auth,
	.build = adapter_openai_build,
	.build_embeddings = adapter_openai_embeddings,
	.parse = adapter_openai_parse,
	.event = adapter_openai_event,
};
