/* ingress: the dispatcher over the ingress formats (messages.c,
 * responses.c) and what they share: the SSE event writer, the canonical
 * chunk walk and the token estimate. Owns no state beyond a stream's; does
 * no I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const struct ingress_ops *const ingress_ops_of[INGRESS_FORMAT__MAX] = {
	[INGRESS_MESSAGES] = &ingress_messages_ops,
	[INGRESS_RESPONSES] = &ingress_responses_ops,
};

const char *
ingress_str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

enum err_category
ingress_fail(char *err, size_t errlen, const char *msg)
{
	if (errlen)
		snprintf(err, errlen, "%s", msg);
	return ERR_VALIDATION;
}

int
ingress_sse(struct buf *out, const char *name, cJSON *o)
{
	char	*s = o ? json_print(o) : NULL;
	int	 rc = -1;

	if (s && buf_printf(out, "event: %s\ndata: ", name) == BUF_OK &&
	    buf_puts(out, s) == BUF_OK && buf_puts(out, "\n\n") == BUF_OK)
		rc = 0;
	free(s);
	cJSON_Delete(o);
	return rc;
}

void
ingress_copy_number(const cJSON *in, const char *key, cJSON *out, const char *as)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(in, key);

	if (cJSON_IsNumber(v))
		cJSON_AddNumberToObject(out, as, v->valuedouble);
}

void
ingress_copy_item(const cJSON *in, const char *key, cJSON *out, const char *as)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(in, key);

	if (v != NULL)
		cJSON_AddItemToObject(out, as, cJSON_Duplicate(v, 1));
}

const cJSON *
ingress_choice(const cJSON *completion, const char **text, const char **finish)
{
	const cJSON	*ch = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	    completion, "choices"), 0);
	const cJSON	*msg = cJSON_GetObjectItemCaseSensitive(ch, "message");

	*text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "content"));
	*finish = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ch,
	    "finish_reason"));
	return cJSON_GetObjectItemCaseSensitive(msg, "tool_calls");
}

enum err_category
ingress_request(enum ingress_format f, const cJSON *in, cJSON **out, char *err,
    size_t errlen)
{
	enum err_category	 rc;

	*out = NULL;
	if (f < 0 || f >= INGRESS_FORMAT__MAX || !cJSON_IsObject(in))
		return ingress_fail(err, errlen, "the body must be a JSON object");
	rc = ingress_ops_of[f]->request(in, out, err, errlen);
	/* Our fallback list ("models") works the same in every format. */
	if (rc == ERR_NONE && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(in, "models")))
		ingress_copy_item(in, "models", *out, "models");
	return rc;
}

cJSON *
ingress_response(enum ingress_format f, const cJSON *completion,
    const struct adapter_usage *u, const char *id, const char *model,
    const cJSON *req)
{
	return ingress_ops_of[f]->response(completion, u, id, model, req);
}

cJSON *
ingress_conversation(enum ingress_format f, const cJSON *canonical,
    const cJSON *response)
{
	const struct ingress_ops	*ops = ingress_ops_of[f];

	return ops->conversation ? ops->conversation(canonical, response) : NULL;
}

cJSON *
ingress_error(enum ingress_format f, int status, const char *code,
    const char *message, const char *request_id)
{
	const struct ingress_ops	*ops = ingress_ops_of[f];

	return ops->error ? ops->error(status, code, message, request_id) : NULL;
}

cJSON *
ingress_messages_error(const struct req *r)
{
	return ingress_error(INGRESS_MESSAGES, r->err.status ? r->err.status : 500,
	    r->err.code[0] ? r->err.code : "internal_error", r->err.message[0] ?
	    r->err.message : "Something went wrong inside Switchboard; the request "
	    "id helps the operator find it in the log.", r->request_id);
}

struct ingress_stream *
ingress_stream_new(enum ingress_format f, const char *id, const char *model,
    const cJSON *req)
{
	struct ingress_stream	*s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->format = f;
	snprintf(s->id, sizeof(s->id), "%s", id);
	snprintf(s->model, sizeof(s->model), "%s", model);
	buf_init(&s->acc, SB_MAX_UPSTREAM_BODY);
	s->output = cJSON_CreateArray();
	s->req = req;
	return s;
}

int
ingress_stream_chunk(struct ingress_stream *s, const char *json, size_t len,
    struct buf *out)
{
	cJSON		*o = cJSON_ParseWithLength(json, len);
	const cJSON	*ch, *fin;
	int		 rc = -1;

	if (o == NULL)
		return -1;
	ch = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "choices"), 0);
	if (ch == NULL) {
		rc = 0;		/* the usage-only chunk: usage comes at the end */
		goto out;
	}
	fin = cJSON_GetObjectItemCaseSensitive(ch, "finish_reason");
	if (cJSON_IsString(fin))
		snprintf(s->finish, sizeof(s->finish), "%s", fin->valuestring);
	rc = ingress_ops_of[s->format]->delta(s,
	    cJSON_GetObjectItemCaseSensitive(ch, "delta"), out);
out:
	cJSON_Delete(o);
	return rc;
}

int
ingress_stream_end(struct ingress_stream *s, const struct adapter_usage *u,
    struct buf *out)
{
	return ingress_ops_of[s->format]->end(s, u, out);
}

int
ingress_stream_fail(struct ingress_stream *s, int status, const char *code,
    const char *message, struct buf *out)
{
	return ingress_ops_of[s->format]->fail(s, status, code, message, out);
}

const cJSON *
ingress_stream_final(const struct ingress_stream *s)
{
	return s ? s->final : NULL;
}

void
ingress_stream_free(struct ingress_stream *s)
{
	if (s == NULL)
		return;
	buf_free(&s->acc);
	cJSON_Delete(s->output);
	cJSON_Delete(s->final);
	free(s);
}

int
ingress_native_format(enum ingress_format f)
{
	return f == INGRESS_MESSAGES ? ADAPTER_ANTHROPIC :
	    f == INGRESS_RESPONSES ? ADAPTER_OPENAI_RESPONSES : -1;
}

/* About four bytes a token over everything the model reads. */
long long
ingress_estimate_tokens(const cJSON *canonical)
{
	static const char *const parts[] = { "messages", "tools" };
	long long	 bytes = 0;
	size_t		 i;
	char		*s;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		s = json_print(cJSON_GetObjectItemCaseSensitive(
		    canonical, parts[i]));
		if (s != NULL)
			bytes += (long long)strlen(s);
		free(s);
	}
	return bytes > 0 ? (bytes + 3) / 4 : 1;
}
