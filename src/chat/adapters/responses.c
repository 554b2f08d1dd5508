/* responses adapter: OpenAI's own Responses API, used only to pass a
 * /v1/responses client's request through to OpenAI as it came (the
 * build_native op). Its answers and stream events are read into the
 * canonical shapes for what the gateway itself needs (content for the first
 * token, tool calls, the finish, exact usage); the client gets the upstream's
 * own bytes. No canonical request is ever built into this format. */
#include <string.h>

#include "common.h"

static enum err_category
adapter_responses_build_native(const struct adapter_params *p, const cJSON *req,
    cJSON **body, struct buf *url, char *err, size_t errlen)
{
	return adapter_native_body(p, req, "/responses", body, url, err, errlen);
}

static void
responses_usage(const cJSON *usage, struct adapter_usage *u)
{
	if (!cJSON_IsObject(usage) || adapter_jint(usage, "input_tokens", &u->prompt) != 0)
		return;
	u->known = 1;
	if (adapter_jint(usage, "output_tokens", &u->completion) != 0)
		u->completion = 0;
	if (adapter_jint(usage, "total_tokens", &u->total) != 0)
		u->total = u->prompt + u->completion;
	if (adapter_jint(cJSON_GetObjectItemCaseSensitive(usage, "input_tokens_details"),
	    "cached_tokens", &u->cache_read) != 0)
		u->cache_read = 0;
	if (adapter_jint(cJSON_GetObjectItemCaseSensitive(usage, "output_tokens_details"),
	    "reasoning_tokens", &u->reasoning) != 0)
		u->reasoning = 0;
}

static const char *
responses_finish(const cJSON *resp, int calls)
{
	const char	*status = adapter_jstr(resp, "status");

	if (status && !strcmp(status, "incomplete"))
		return "length";
	return calls ? "tool_calls" : "stop";
}

/* A response object's output: its text, and function calls as tool calls. */
static enum err_category
adapter_responses_parse(const cJSON *resp, const char *client_model,
    cJSON **out, struct adapter_usage *u, char *err, size_t errlen)
{
	const cJSON	*output = cJSON_GetObjectItemCaseSensitive(resp, "output"), *it, *c;
	const char	*type;
	struct buf	 text;
	cJSON		*o, *choice, *msg, *calls = NULL;

	if (!cJSON_IsArray(output))
		return adapter_fail(err, errlen, ERR_UPSTREAM,
		    "the upstream response has no \"output\"");
	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	cJSON_ArrayForEach(it, output) {
		type = adapter_jstr(it, "type");
		if (type && !strcmp(type, "message")) {
			cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(it, "content"))
				if (adapter_jstr(c, "text"))
					buf_puts(&text, adapter_jstr(c, "text"));
		} else if (type && !strcmp(type, "function_call")) {
			if (calls == NULL)
				calls = cJSON_CreateArray();
			cJSON_AddItemToArray(calls, adapter_tool_call(adapter_jstr(it,
			    "call_id"), adapter_jstr(it, "name"), adapter_jstr(it, "arguments")));
		}
	}
	o = adapter_completion_new(adapter_jstr(resp, "id"), client_model ?
	    client_model : adapter_jstr(resp, "model"));
	choice = cJSON_CreateObject();
	cJSON_AddNumberToObject(choice, "index", 0);
	msg = cJSON_AddObjectToObject(choice, "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	cJSON_AddStringToObject(msg, "content", text.data ? text.data : "");
	cJSON_AddStringToObject(choice, "finish_reason", responses_finish(resp, calls != NULL));
	if (calls)
		cJSON_AddItemToObject(msg, "tool_calls", calls);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "choices"), choice);
	responses_usage(cJSON_GetObjectItemCaseSensitive(resp, "usage"), u);
	cJSON_AddItemToObject(o, "usage", adapter_usage_json(u));
	buf_free(&text);
	*out = o;
	return ERR_NONE;
}

static int
responses_ev_item(struct adapter_stream *s, const cJSON *item)
{
	cJSON	*delta, *tc;

	if (!adapter_jstr(item, "type") || strcmp(adapter_jstr(item, "type"), "function_call"))
		return ADAPTER_STREAM_OK;
	delta = cJSON_CreateObject();
	tc = adapter_tool_call(adapter_jstr(item, "call_id"), adapter_jstr(item, "name"), "");
	cJSON_AddNumberToObject(tc, "index", s->ntools++);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(delta, "tool_calls"), tc);
	return adapter_emit_delta(s, 0, delta, NULL);
}

static int
responses_ev_args(struct adapter_stream *s, const char *args)
{
	cJSON	*delta = cJSON_CreateObject(), *tc;

	tc = cJSON_CreateObject();
	cJSON_AddNumberToObject(tc, "index", s->ntools > 0 ? s->ntools - 1 : 0);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(tc, "function"), "arguments", args);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(delta, "tool_calls"), tc);
	return adapter_emit_delta(s, 0, delta, NULL);
}

static int
responses_ev_end(struct adapter_stream *s, const cJSON *resp)
{
	const char	*fr = responses_finish(resp, s->ntools > 0);
	int		 rc;

	responses_usage(cJSON_GetObjectItemCaseSensitive(resp, "usage"), &s->usage);
	adapter_copy(s->finish, sizeof(s->finish), fr);
	s->clean = 1;
	if ((rc = adapter_emit_delta(s, 0, cJSON_CreateObject(), fr)) != ADAPTER_STREAM_OK)
		return rc;
	return adapter_emit_usage(s);
}

static int
adapter_responses_event(struct adapter_stream *s, const struct sse_event *ev)
{
	cJSON		*o = cJSON_ParseWithLength(ev->data, ev->data_len), *d;
	const char	*type = adapter_jstr(o, "type"), *msg;
	int		 rc = ADAPTER_STREAM_OK;

	if (!cJSON_IsObject(o) || type == NULL) {
		rc = adapter_stream_fail(s, ADAPTER_STREAM_MALFORMED, ERR_UPSTREAM,
		    "the upstream sent a stream event that is not valid JSON");
	} else if (!strcmp(type, "response.output_text.delta") && adapter_jstr(o, "delta")) {
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "content", adapter_jstr(o, "delta"));
		rc = adapter_emit_delta(s, 0, d, NULL);
	} else if (!strcmp(type, "response.output_item.added")) {
		rc = responses_ev_item(s, cJSON_GetObjectItemCaseSensitive(o, "item"));
	} else if (!strcmp(type, "response.function_call_arguments.delta") &&
	    adapter_jstr(o, "delta")) {
		rc = responses_ev_args(s, adapter_jstr(o, "delta"));
	} else if (!strcmp(type, "response.completed") || !strcmp(type, "response.incomplete")) {
		rc = responses_ev_end(s, cJSON_GetObjectItemCaseSensitive(o, "response"));
	} else if (!strcmp(type, "response.failed") || !strcmp(type, "error")) {
		msg = adapter_jstr(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    o, "response"), "error"), "message");
		if (msg == NULL)
			msg = adapter_jstr(o, "message");
		rc = adapter_stream_fail(s, ADAPTER_STREAM_ERROR, ERR_UPSTREAM,
		    msg ? msg : "the upstream reported a failure");
	}
	cJSON_Delete(o);
	return rc;
}

static int
adapter_responses_auth(const struct adapter_params *p, struct adapter_call *c)
{
	return adapter_openai_ops.auth_headers(p, c);
}

const struct adapter_ops adapter_responses_ops = {
	.auth_headers = adapter_responses_auth,
	.build = NULL,			/* only ever a pass-through */
	.build_native = adapter_responses_build_native,
	.parse = adapter_responses_parse,
	.event = adapter_responses_event,
};
