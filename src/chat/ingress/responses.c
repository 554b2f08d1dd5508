/* responses: the OpenAI Responses API as an ingress (/v1/responses).
 * Requests (input as a string or items, instructions, function tools,
 * tool_choice, text.format, reasoning.effort, max_output_tokens) become the
 * canonical request; answers, stream events (response.created …
 * response.completed) and errors are rendered in Responses' shapes. Nothing
 * is stored: previous_response_id is refused with a clear 400. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

#define RESPONSES_MAX_ITEMS	100000

/* --- request ------------------------------------------------------------- */

/* A content part of an input message into parts (user) or text (others). */
static int
rsp_part(const cJSON *p, cJSON *parts, struct buf *text, char *err, size_t errlen)
{
	const char	*type = ingress_str(p, "type"), *t = ingress_str(p, "text");
	const cJSON	*img;
	cJSON		*o;

	if (type && (!strcmp(type, "input_text") || !strcmp(type, "output_text") ||
	    !strcmp(type, "text") || !strcmp(type, "refusal"))) {
		if (t == NULL)
			t = ingress_str(p, "refusal");
		if (t == NULL)
			return ingress_fail(err, errlen, "input: a text part needs \"text\"");
		if (parts == NULL)
			return buf_puts(text, t) == BUF_OK ? 0 :
			    ingress_fail(err, errlen, "input: a message is too large");
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "text");
		cJSON_AddStringToObject(o, "text", t);
		cJSON_AddItemToArray(parts, o);
		return 0;
	}
	if (type && !strcmp(type, "input_image") && parts != NULL &&
	    ingress_str(p, "image_url") != NULL) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "image_url");
		img = cJSON_AddObjectToObject(o, "image_url");
		cJSON_AddStringToObject((cJSON *)img, "url", ingress_str(p, "image_url"));
		if (ingress_str(p, "detail"))
			cJSON_AddStringToObject((cJSON *)img, "detail", ingress_str(p, "detail"));
		cJSON_AddItemToArray(parts, o);
		return 0;
	}
	return ingress_fail(err, errlen, "input: message content parts must be "
	    "input_text, output_text or (from the user) input_image with an "
	    "image_url; files and file ids cannot be carried through Switchboard");
}

static cJSON *
rsp_message(const char *role, cJSON *content)
{
	cJSON	*m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "role", role);
	cJSON_AddItemToObject(m, "content", content);
	return m;
}

/* A message item; system and developer messages are text. */
static int
rsp_input_message(const cJSON *it, cJSON *msgs, char *err, size_t errlen)
{
	const char	*role = ingress_str(it, "role");
	const cJSON	*content = cJSON_GetObjectItemCaseSensitive(it, "content"), *p;
	int		 user, rc = 0;
	struct buf	 text;
	cJSON		*parts;

	if (role == NULL || (strcmp(role, "user") && strcmp(role, "assistant") &&
	    strcmp(role, "system") && strcmp(role, "developer")))
		return ingress_fail(err, errlen, "input: a message role must be "
		    "user, assistant, system or developer");
	if (!strcmp(role, "developer"))
		role = "system";
	if (cJSON_IsString(content)) {
		cJSON_AddItemToArray(msgs, rsp_message(role,
		    cJSON_CreateString(content->valuestring)));
		return 0;
	}
	if (!cJSON_IsArray(content))
		return ingress_fail(err, errlen, "input: message content must be a "
		    "string or an array of parts");
	user = !strcmp(role, "user");
	parts = user ? cJSON_CreateArray() : NULL;
	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	cJSON_ArrayForEach(p, content)
		if ((rc = rsp_part(p, parts, &text, err, errlen)) != 0)
			break;
	if (rc == 0)
		cJSON_AddItemToArray(msgs, rsp_message(role, user ? parts :
		    cJSON_CreateString(text.data ? text.data : "")));
	else
		cJSON_Delete(parts);
	buf_free(&text);
	return rc;
}

/* A function_call item: a tool call on the assistant message before it
 * when that is the last one, else on a new assistant message. */
static int
rsp_function_call(const cJSON *it, cJSON *msgs, char *err, size_t errlen)
{
	cJSON		*last = cJSON_GetArrayItem(msgs, cJSON_GetArraySize(msgs) - 1);
	cJSON		*calls;
	const char	*id = ingress_str(it, "call_id"), *name = ingress_str(it, "name");

	if (id == NULL || name == NULL)
		return ingress_fail(err, errlen, "input: a function_call needs "
		    "call_id and name");
	if (last == NULL || strcmp(ingress_str(last, "role") ? ingress_str(last, "role") :
	    "", "assistant") != 0) {
		last = rsp_message("assistant", cJSON_CreateNull());
		cJSON_AddItemToArray(msgs, last);
	}
	if ((calls = cJSON_GetObjectItemCaseSensitive(last, "tool_calls")) == NULL)
		calls = cJSON_AddArrayToObject(last, "tool_calls");
	cJSON_AddItemToArray(calls, adapter_tool_call(id, name,
	    ingress_str(it, "arguments")));
	return 0;
}

static int
rsp_function_output(const cJSON *it, cJSON *msgs, char *err, size_t errlen)
{
	const cJSON	*out = cJSON_GetObjectItemCaseSensitive(it, "output"), *p;
	struct buf	 text;
	cJSON		*m;
	int		 rc = 0;

	if (ingress_str(it, "call_id") == NULL)
		return ingress_fail(err, errlen, "input: a function_call_output "
		    "needs call_id");
	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	if (cJSON_IsString(out))
		rc = buf_puts(&text, out->valuestring) != BUF_OK;
	else if (cJSON_IsArray(out)) {
		cJSON_ArrayForEach(p, out)
			if ((rc = rsp_part(p, NULL, &text, err, errlen)) != 0)
				break;
	} else
		rc = 1;
	if (rc == 0) {
		m = rsp_message("tool", cJSON_CreateString(text.data ? text.data : ""));
		cJSON_AddStringToObject(m, "tool_call_id", ingress_str(it, "call_id"));
		cJSON_AddItemToArray(msgs, m);
	}
	buf_free(&text);
	return rc ? ingress_fail(err, errlen, "input: a function_call_output's "
	    "output must be a string or text parts") : 0;
}

/* Input items (or a response's output items, which are valid input) as
 * canonical messages appended to msgs. */
static int
rsp_items(const cJSON *items, cJSON *msgs, char *err, size_t errlen)
{
	const cJSON	*it;
	const char	*type;
	int		 rc = 0;

	cJSON_ArrayForEach(it, items) {
		type = ingress_str(it, "type");
		if (type == NULL || !strcmp(type, "message"))
			rc = rsp_input_message(it, msgs, err, errlen);
		else if (!strcmp(type, "function_call"))
			rc = rsp_function_call(it, msgs, err, errlen);
		else if (!strcmp(type, "function_call_output"))
			rc = rsp_function_output(it, msgs, err, errlen);
		else if (!strcmp(type, "reasoning"))
			continue;	/* the upstream sees answers, not reasoning */
		else
			rc = ingress_fail(err, errlen, "input: items must be "
			    "messages, function_call, function_call_output or "
			    "reasoning (stored items and hosted tool calls cannot "
			    "be carried through Switchboard)");
		if (rc)
			return rc;
	}
	return 0;
}

static int
rsp_input(const cJSON *in, cJSON *msgs, char *err, size_t errlen)
{
	const cJSON	*input = cJSON_GetObjectItemCaseSensitive(in, "input");

	if (cJSON_IsString(input)) {
		cJSON_AddItemToArray(msgs, rsp_message("user",
		    cJSON_CreateString(input->valuestring)));
		return 0;
	}
	if (!cJSON_IsArray(input) || cJSON_GetArraySize(input) == 0 ||
	    cJSON_GetArraySize(input) > RESPONSES_MAX_ITEMS)
		return ingress_fail(err, errlen, "input: a string or a non-empty "
		    "array of items is required");
	return rsp_items(input, msgs, err, errlen);
}

/* Function tools; hosted tools (web_search, file_search, …) have nothing to
 * run them behind a Chat Completions upstream and are left out. */
static void
rsp_tools(const cJSON *in, cJSON *out)
{
	const cJSON	*t, *tc = cJSON_GetObjectItemCaseSensitive(in, "tool_choice");
	const char	*type;
	cJSON		*tools = NULL, *o, *fn;

	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(in, "tools")) {
		type = ingress_str(t, "type");
		if (type == NULL || strcmp(type, "function") || ingress_str(t, "name") == NULL)
			continue;
		if (tools == NULL)
			tools = cJSON_AddArrayToObject(out, "tools");
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "function");
		fn = cJSON_AddObjectToObject(o, "function");
		cJSON_AddStringToObject(fn, "name", ingress_str(t, "name"));
		if (ingress_str(t, "description"))
			cJSON_AddStringToObject(fn, "description", ingress_str(t, "description"));
		ingress_copy_item(t, "parameters", fn, "parameters");
		if (cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(t, "strict")))
			ingress_copy_item(t, "strict", fn, "strict");
		cJSON_AddItemToArray(tools, o);
	}
	if (tools == NULL)
		return;
	if (cJSON_IsString(tc))
		cJSON_AddStringToObject(out, "tool_choice", tc->valuestring);
	else if ((type = ingress_str(tc, "type")) && !strcmp(type, "function") &&
	    ingress_str(tc, "name")) {
		o = cJSON_AddObjectToObject(out, "tool_choice");
		cJSON_AddStringToObject(o, "type", "function");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "function"), "name",
		    ingress_str(tc, "name"));
	}
	if (cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(in, "parallel_tool_calls")))
		ingress_copy_item(in, "parallel_tool_calls", out, "parallel_tool_calls");
}

/* text.format → response_format. */
static int
rsp_format(const cJSON *in, cJSON *out, char *err, size_t errlen)
{
	const cJSON	*f = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(in, "text"), "format");
	const char	*type = ingress_str(f, "type");
	cJSON		*rf, *js;

	if (type == NULL || !strcmp(type, "text"))
		return 0;
	rf = cJSON_AddObjectToObject(out, "response_format");
	cJSON_AddStringToObject(rf, "type", type);
	if (!strcmp(type, "json_object"))
		return 0;
	if (strcmp(type, "json_schema") || ingress_str(f, "name") == NULL ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(f, "schema")))
		return ingress_fail(err, errlen, "text.format must be text, "
		    "json_object, or json_schema with name and schema");
	js = cJSON_AddObjectToObject(rf, "json_schema");
	cJSON_AddStringToObject(js, "name", ingress_str(f, "name"));
	ingress_copy_item(f, "description", js, "description");
	ingress_copy_item(f, "schema", js, "schema");
	ingress_copy_item(f, "strict", js, "strict");
	return 0;
}

/* The request; previous_response_id is the caller's to resolve (chat.c
 * puts the stored conversation before these messages). */
static enum err_category
rsp_request(const cJSON *in, cJSON **out, char *err, size_t errlen)
{
	const cJSON	*prev = cJSON_GetObjectItemCaseSensitive(in, "previous_response_id");
	const char	*s;
	cJSON		*o, *msgs;

	if (ingress_str(in, "model") == NULL)
		return ingress_fail(err, errlen, "model: a string is required");
	if (prev != NULL && !cJSON_IsNull(prev) && !cJSON_IsString(prev))
		return ingress_fail(err, errlen, "previous_response_id must be a string");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "model", ingress_str(in, "model"));
	msgs = cJSON_AddArrayToObject(o, "messages");
	if ((s = ingress_str(in, "instructions")) != NULL && s[0])
		cJSON_AddItemToArray(msgs, rsp_message("system", cJSON_CreateString(s)));
	if (rsp_input(in, msgs, err, errlen) != 0 || rsp_format(in, o, err, errlen) != 0) {
		cJSON_Delete(o);
		return ERR_VALIDATION;
	}
	rsp_tools(in, o);
	ingress_copy_number(in, "max_output_tokens", o, "max_completion_tokens");
	ingress_copy_number(in, "temperature", o, "temperature");
	ingress_copy_number(in, "top_p", o, "top_p");
	if ((s = ingress_str(cJSON_GetObjectItemCaseSensitive(in, "reasoning"), "effort")))
		cJSON_AddStringToObject(o, "reasoning_effort", s);
	if ((s = ingress_str(in, "user")) != NULL)
		cJSON_AddStringToObject(o, "user", s);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "stream"))) {
		cJSON_AddTrueToObject(o, "stream");
		cJSON_AddTrueToObject(cJSON_AddObjectToObject(o, "stream_options"),
		    "include_usage");
	}
	*out = o;
	return ERR_NONE;
}

/* --- answers ------------------------------------------------------------- */

static cJSON *
rsp_usage(const struct adapter_usage *u)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "input_tokens", (double)u->prompt);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "input_tokens_details"),
	    "cached_tokens", (double)u->cache_read);
	cJSON_AddNumberToObject(o, "output_tokens", (double)u->completion);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "output_tokens_details"),
	    "reasoning_tokens", (double)u->reasoning);
	cJSON_AddNumberToObject(o, "total_tokens", (double)(u->total ? u->total :
	    u->prompt + u->completion));
	return o;
}

/* The response object; status "in_progress", "completed", "incomplete" or
 * "failed". output (consumed) may be NULL for an empty list; req is the
 * client's request (instructions, store, previous_response_id, metadata,
 * tool settings are echoed as the API does). */
static cJSON *
rsp_object(const char *id, const char *model, const char *status, cJSON *output,
    const struct adapter_usage *u, const cJSON *req)
{
	static const char *const echo[] = { "instructions", "previous_response_id",
	    "tool_choice", "tools", "temperature", "top_p", "max_output_tokens",
	    "parallel_tool_calls", "text", "reasoning", "user" };
	const cJSON	*v;
	size_t		 i;
	cJSON	*o = cJSON_CreateObject();
	char	 rid[INGRESS_MAX_ID + 8];

	snprintf(rid, sizeof(rid), "resp_%s", id);
	cJSON_AddStringToObject(o, "id", rid);
	cJSON_AddStringToObject(o, "object", "response");
	cJSON_AddNumberToObject(o, "created_at", (double)time(NULL));
	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddStringToObject(o, "model", model);
	cJSON_AddItemToObject(o, "output", output ? output : cJSON_CreateArray());
	cJSON_AddNullToObject(o, "error");
	if (!strcmp(status, "incomplete"))
		cJSON_AddStringToObject(cJSON_AddObjectToObject(o,
		    "incomplete_details"), "reason", "max_output_tokens");
	else
		cJSON_AddNullToObject(o, "incomplete_details");
	cJSON_AddBoolToObject(o, "store", cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(req, "store")));
	for (i = 0; i < sizeof(echo) / sizeof(echo[0]); i++)
		if ((v = cJSON_GetObjectItemCaseSensitive(req, echo[i])) != NULL)
			cJSON_AddItemToObject(o, echo[i], cJSON_Duplicate(v, 1));
	if (cJSON_IsObject(v = cJSON_GetObjectItemCaseSensitive(req, "metadata")))
		cJSON_AddItemToObject(o, "metadata", cJSON_Duplicate(v, 1));
	else
		cJSON_AddObjectToObject(o, "metadata");
	if (u != NULL)
		cJSON_AddItemToObject(o, "usage", rsp_usage(u));
	else
		cJSON_AddNullToObject(o, "usage");
	return o;
}

static cJSON *
rsp_text_part(const char *text)
{
	cJSON	*p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "type", "output_text");
	cJSON_AddStringToObject(p, "text", text);
	cJSON_AddArrayToObject(p, "annotations");
	return p;
}

static cJSON *
rsp_message_item(const char *item_id, const char *status, const char *text)
{
	cJSON	*m = cJSON_CreateObject(), *content;

	cJSON_AddStringToObject(m, "id", item_id);
	cJSON_AddStringToObject(m, "type", "message");
	cJSON_AddStringToObject(m, "status", status);
	cJSON_AddStringToObject(m, "role", "assistant");
	content = cJSON_AddArrayToObject(m, "content");
	if (text != NULL)
		cJSON_AddItemToArray(content, rsp_text_part(text));
	return m;
}

static cJSON *
rsp_call_item(const char *call_id, const char *name, const char *args,
    const char *status)
{
	cJSON	*f = cJSON_CreateObject();
	char	 id[INGRESS_MAX_ID + 8];

	snprintf(id, sizeof(id), "fc_%s", call_id);
	cJSON_AddStringToObject(f, "id", id);
	cJSON_AddStringToObject(f, "type", "function_call");
	cJSON_AddStringToObject(f, "status", status);
	cJSON_AddStringToObject(f, "call_id", call_id);
	cJSON_AddStringToObject(f, "name", name);
	cJSON_AddStringToObject(f, "arguments", args);
	return f;
}

/* A reasoning item: the upstream's reasoning text as its summary. */
static cJSON *
rsp_reasoning_item(const char *item_id, const char *text)
{
	cJSON	*r = cJSON_CreateObject(), *sum, *p;

	cJSON_AddStringToObject(r, "id", item_id);
	cJSON_AddStringToObject(r, "type", "reasoning");
	sum = cJSON_AddArrayToObject(r, "summary");
	if (text != NULL) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "type", "summary_text");
		cJSON_AddStringToObject(p, "text", text);
		cJSON_AddItemToArray(sum, p);
	}
	return r;
}

static const char *
rsp_status(const char *finish)
{
	return finish && !strcmp(finish, "length") ? "incomplete" : "completed";
}

static cJSON *
rsp_response(const cJSON *completion, const struct adapter_usage *u,
    const char *id, const char *model, const cJSON *req)
{
	const char	*text, *finish, *cid;
	const cJSON	*calls = ingress_choice(completion, &text, &finish), *tc, *fn;
	cJSON		*output = cJSON_CreateArray();
	char		 mid[INGRESS_MAX_ID + 8];
	const char	*think = ingress_str(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(completion, "choices"), 0), "message"),
	    "reasoning_content");

	if (think && think[0]) {
		snprintf(mid, sizeof(mid), "rs_%s", id);
		cJSON_AddItemToArray(output, rsp_reasoning_item(mid, think));
	}
	if (text && text[0]) {
		snprintf(mid, sizeof(mid), "msg_%s", id);
		cJSON_AddItemToArray(output, rsp_message_item(mid, "completed", text));
	}
	cJSON_ArrayForEach(tc, calls) {
		fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
		cid = ingress_str(tc, "id");
		cJSON_AddItemToArray(output, rsp_call_item(cid ? cid : "call",
		    ingress_str(fn, "name") ? ingress_str(fn, "name") : "",
		    ingress_str(fn, "arguments") ? ingress_str(fn, "arguments") : "{}",
		    "completed"));
	}
	return rsp_object(id, model, rsp_status(finish), output, u, req);
}

static cJSON *
rsp_conversation(const cJSON *canonical, const cJSON *response)
{
	const cJSON	*m;
	cJSON		*msgs = cJSON_CreateArray();
	char		 err[8];

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(canonical, "messages")) {
		const char *role = ingress_str(m, "role");

		if (role == NULL || strcmp(role, "system") != 0)
			cJSON_AddItemToArray(msgs, cJSON_Duplicate(m, 1));
	}
	if (rsp_items(cJSON_GetObjectItemCaseSensitive(response, "output"), msgs,
	    err, sizeof(err)) != 0) {
		cJSON_Delete(msgs);
		return NULL;
	}
	return msgs;
}

/* --- stream -------------------------------------------------------------- */

/* One event {type, sequence_number, …o}; o is consumed. */
static int
rsp_event(struct ingress_stream *s, const char *type, cJSON *o, struct buf *out)
{
	cJSON	*e = cJSON_CreateObject(), *it;

	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddNumberToObject(e, "sequence_number", (double)s->seq++);
	while (o && o->child) {
		it = cJSON_DetachItemViaPointer(o, o->child);
		cJSON_AddItemToObject(e, it->string, it);
	}
	cJSON_Delete(o);
	return ingress_sse(out, type, e);
}

static int
rsp_event_response(struct ingress_stream *s, const char *type, cJSON *resp,
    struct buf *out)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "response", resp);
	return rsp_event(s, type, o, out);
}

static cJSON *
rsp_item_ref(const struct ingress_stream *s)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "item_id", s->item_id);
	cJSON_AddNumberToObject(o, "output_index", s->index);
	return o;
}

static int
rsp_start(struct ingress_stream *s, struct buf *out)
{
	if (s->started)
		return 0;
	s->started = 1;
	return rsp_event_response(s, "response.created",
	    rsp_object(s->id, s->model, "in_progress", NULL, NULL, s->req), out) ||
	    rsp_event_response(s, "response.in_progress",
	    rsp_object(s->id, s->model, "in_progress", NULL, NULL, s->req), out);
}

static int
rsp_close_item(struct ingress_stream *s, struct buf *out)
{
	const char	*acc = s->acc.data ? s->acc.data : "";
	cJSON		*o, *item;
	int		 rc;

	if (s->open == BLOCK_NONE)
		return 0;
	if (s->open == BLOCK_THINKING) {
		o = rsp_item_ref(s);
		cJSON_AddNumberToObject(o, "summary_index", 0);
		cJSON_AddStringToObject(o, "text", acc);
		rc = rsp_event(s, "response.reasoning_summary_text.done", o, out);
		item = rsp_reasoning_item(s->item_id, acc);
		o = rsp_item_ref(s);
		cJSON_AddNumberToObject(o, "summary_index", 0);
		cJSON_AddItemToObject(o, "part", cJSON_Duplicate(cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(item, "summary"), 0), 1));
		rc |= rsp_event(s, "response.reasoning_summary_part.done", o, out);
	} else if (s->open == BLOCK_TEXT) {
		o = rsp_item_ref(s);
		cJSON_AddNumberToObject(o, "content_index", 0);
		cJSON_AddStringToObject(o, "text", acc);
		cJSON_AddArrayToObject(o, "logprobs");
		rc = rsp_event(s, "response.output_text.done", o, out);
		o = rsp_item_ref(s);
		cJSON_AddNumberToObject(o, "content_index", 0);
		cJSON_AddItemToObject(o, "part", rsp_text_part(acc));
		rc |= rsp_event(s, "response.content_part.done", o, out);
		item = rsp_message_item(s->item_id, "completed", acc);
	} else {
		o = rsp_item_ref(s);
		cJSON_AddStringToObject(o, "name", s->name);
		cJSON_AddStringToObject(o, "arguments", acc);
		rc = rsp_event(s, "response.function_call_arguments.done", o, out);
		item = rsp_call_item(s->call_id, s->name, acc, "completed");
	}
	cJSON_AddItemToArray(s->output, cJSON_Duplicate(item, 1));
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "output_index", s->index);
	cJSON_AddItemToObject(o, "item", item);
	rc |= rsp_event(s, "response.output_item.done", o, out);
	s->open = BLOCK_NONE;
	buf_free(&s->acc);
	buf_init(&s->acc, SB_MAX_UPSTREAM_BODY);
	return rc ? -1 : 0;
}

/* Open an output item (closing the one open); item is consumed. */
static int
rsp_open_item(struct ingress_stream *s, enum ingress_block kind, cJSON *item,
    struct buf *out)
{
	cJSON	*o;

	if (rsp_close_item(s, out) != 0) {
		cJSON_Delete(item);
		return -1;
	}
	s->open = kind;
	s->index = s->nitems++;
	snprintf(s->item_id, sizeof(s->item_id), "%s", ingress_str(item, "id"));
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "output_index", s->index);
	cJSON_AddItemToObject(o, "item", item);
	return rsp_event(s, "response.output_item.added", o, out);
}

static int
rsp_text_delta(struct ingress_stream *s, const char *text, struct buf *out)
{
	char	 mid[INGRESS_MAX_ID + 32];
	cJSON	*o;

	if (s->open != BLOCK_TEXT) {
		snprintf(mid, sizeof(mid), "msg_%s_%d", s->id, s->nitems);
		if (rsp_open_item(s, BLOCK_TEXT, rsp_message_item(mid,
		    "in_progress", NULL), out) != 0)
			return -1;
		o = rsp_item_ref(s);
		cJSON_AddNumberToObject(o, "content_index", 0);
		cJSON_AddItemToObject(o, "part", rsp_text_part(""));
		if (rsp_event(s, "response.content_part.added", o, out) != 0)
			return -1;
	}
	if (buf_puts(&s->acc, text) != BUF_OK)
		return -1;
	o = rsp_item_ref(s);
	cJSON_AddNumberToObject(o, "content_index", 0);
	cJSON_AddStringToObject(o, "delta", text);
	cJSON_AddArrayToObject(o, "logprobs");
	return rsp_event(s, "response.output_text.delta", o, out);
}

/* Reasoning text (reasoning_content) as a reasoning item's summary. */
static int
rsp_reasoning_delta(struct ingress_stream *s, const char *text, struct buf *out)
{
	char	 rid[INGRESS_MAX_ID + 32];
	cJSON	*o, *part;

	if (s->open != BLOCK_THINKING) {
		snprintf(rid, sizeof(rid), "rs_%s_%d", s->id, s->nitems);
		if (rsp_open_item(s, BLOCK_THINKING, rsp_reasoning_item(rid, NULL), out) != 0)
			return -1;
		o = rsp_item_ref(s);
		cJSON_AddNumberToObject(o, "summary_index", 0);
		part = cJSON_AddObjectToObject(o, "part");
		cJSON_AddStringToObject(part, "type", "summary_text");
		cJSON_AddStringToObject(part, "text", "");
		if (rsp_event(s, "response.reasoning_summary_part.added", o, out) != 0)
			return -1;
	}
	if (buf_puts(&s->acc, text) != BUF_OK)
		return -1;
	o = rsp_item_ref(s);
	cJSON_AddNumberToObject(o, "summary_index", 0);
	cJSON_AddStringToObject(o, "delta", text);
	return rsp_event(s, "response.reasoning_summary_text.delta", o, out);
}

static int
rsp_tool_delta(struct ingress_stream *s, const cJSON *tc, struct buf *out)
{
	const cJSON	*fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
	const char	*args = ingress_str(fn, "arguments");
	cJSON		*o;

	if (ingress_str(tc, "id") || s->open != BLOCK_TOOL) {
		snprintf(s->call_id, sizeof(s->call_id), "%s", ingress_str(tc, "id") ?
		    ingress_str(tc, "id") : "call");
		snprintf(s->name, sizeof(s->name), "%s", ingress_str(fn, "name") ?
		    ingress_str(fn, "name") : "");
		if (rsp_open_item(s, BLOCK_TOOL, rsp_call_item(s->call_id, s->name,
		    "", "in_progress"), out) != 0)
			return -1;
	}
	if (args == NULL || args[0] == '\0')
		return 0;
	if (buf_puts(&s->acc, args) != BUF_OK)
		return -1;
	o = rsp_item_ref(s);
	cJSON_AddStringToObject(o, "delta", args);
	return rsp_event(s, "response.function_call_arguments.delta", o, out);
}

static int
rsp_delta(struct ingress_stream *s, const cJSON *delta, struct buf *out)
{
	const char	*text = ingress_str(delta, "content");
	const char	*think = ingress_str(delta, "reasoning_content");
	const cJSON	*tc;

	if (rsp_start(s, out) != 0)
		return -1;
	if (think && think[0] && rsp_reasoning_delta(s, think, out) != 0)
		return -1;
	if (text && text[0] && rsp_text_delta(s, text, out) != 0)
		return -1;
	cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(delta, "tool_calls"))
		if (rsp_tool_delta(s, tc, out) != 0)
			return -1;
	return 0;
}

static int
rsp_end(struct ingress_stream *s, const struct adapter_usage *u, struct buf *out)
{
	const char	*status = rsp_status(s->finish);
	cJSON		*resp;

	if (rsp_start(s, out) != 0 || rsp_close_item(s, out) != 0)
		return -1;
	resp = rsp_object(s->id, s->model, status, s->output, u, s->req);
	s->output = NULL;
	cJSON_Delete(s->final);
	s->final = cJSON_Duplicate(resp, 1);
	return rsp_event_response(s, !strcmp(status, "completed") ?
	    "response.completed" : "response.incomplete", resp, out);
}

static int
rsp_fail(struct ingress_stream *s, int status, const char *code,
    const char *message, struct buf *out)
{
	cJSON	*resp, *e;

	(void)status;
	if (rsp_start(s, out) != 0)
		return -1;
	resp = rsp_object(s->id, s->model, "failed", s->output, NULL, s->req);
	s->output = NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(resp, "error");
	e = cJSON_AddObjectToObject(resp, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	return rsp_event_response(s, "response.failed", resp, out);
}

const struct ingress_ops ingress_responses_ops = {
	.request = rsp_request,
	.response = rsp_response,
	.conversation = rsp_conversation,
	.error = NULL,		/* OpenAI's error shape: the caller's own */
	.delta = rsp_delta,
	.end = rsp_end,
	.fail = rsp_fail,
};
