/* messages: the Anthropic Messages API as an ingress (/v1/messages).
 * Requests (system, text/image/tool_use/tool_result blocks, tools,
 * tool_choice, stop_sequences) become the canonical request; answers,
 * stream events (message_start, content_block_*, message_delta,
 * message_stop) and errors are rendered in Anthropic's shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define MESSAGES_MAX_BLOCKS	100000

/* "stop" → end_turn and so on: Anthropic's stop_reason. */
static const char *
msg_stop_reason(const char *finish)
{
	if (finish == NULL || finish[0] == '\0')
		return "end_turn";
	if (!strcmp(finish, "length"))
		return "max_tokens";
	if (!strcmp(finish, "tool_calls"))
		return "tool_use";
	if (!strcmp(finish, "content_filter"))
		return "refusal";
	return "end_turn";
}

/* Anthropic's error type for an HTTP status. */
static const char *
msg_error_type(int status)
{
	switch (status) {
	case 400: case 415: case 422:
		return "invalid_request_error";
	case 401:
		return "authentication_error";
	case 402:
		return "billing_error";
	case 403:
		return "permission_error";
	case 404:
		return "not_found_error";
	case 413:
		return "request_too_large";
	case 429:
		return "rate_limit_error";
	case 503: case 529:
		return "overloaded_error";
	case 504:
		return "timeout_error";
	default:
		return "api_error";
	}
}

/* --- request ------------------------------------------------------------- */

/* An image block's source as a canonical image_url part. */
static int
msg_image(const cJSON *b, cJSON *parts, char *err, size_t errlen)
{
	const cJSON	*src = cJSON_GetObjectItemCaseSensitive(b, "source");
	const char	*type = ingress_str(src, "type");
	const char	*mime = ingress_str(src, "media_type"), *data = ingress_str(src, "data");
	struct buf	 url;
	cJSON		*p;
	int		 rc = 0;

	buf_init(&url, SB_MAX_UPSTREAM_BODY);
	if (type && !strcmp(type, "base64") && mime && data)
		rc = buf_printf(&url, "data:%s;base64,", mime) != BUF_OK ||
		    buf_puts(&url, data) != BUF_OK;
	else if (type && !strcmp(type, "url") && ingress_str(src, "url"))
		rc = buf_puts(&url, ingress_str(src, "url")) != BUF_OK;
	else
		rc = 1;
	if (rc) {
		buf_free(&url);
		return ingress_fail(err, errlen, "an image block needs a source "
		    "of type base64 (media_type, data) or url");
	}
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "type", "image_url");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "image_url"), "url",
	    url.data);
	cJSON_AddItemToArray(parts, p);
	buf_free(&url);
	return 0;
}

/* A text part; a block's cache_control (breakpoint and TTL) goes with it,
 * as OpenRouter and LiteLLM accept it in Chat Completions. */
static void
msg_text_part(cJSON *parts, const char *text, const cJSON *block)
{
	cJSON	*p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "type", "text");
	cJSON_AddStringToObject(p, "text", text);
	ingress_copy_item(block, "cache_control", p, "cache_control");
	cJSON_AddItemToArray(parts, p);
}

/* The last block of blocks that is a cache breakpoint, or NULL. */
static const cJSON *
msg_has_cache(const cJSON *blocks)
{
	const cJSON	*b, *last = NULL;

	cJSON_ArrayForEach(b, blocks)
		if (cJSON_GetObjectItemCaseSensitive(b, "cache_control"))
			last = b;
	return last;
}

/* A tool_result's content (a string, or text blocks) as text. */
static int
msg_result_text(const cJSON *content, struct buf *out, char *err, size_t errlen)
{
	const cJSON	*b;
	const char	*t;

	if (content == NULL)
		return 0;
	if (cJSON_IsString(content))
		return buf_puts(out, content->valuestring) == BUF_OK ? 0 :
		    ingress_fail(err, errlen, "a tool result is too large");
	if (!cJSON_IsArray(content))
		return ingress_fail(err, errlen, "a tool_result's content must be "
		    "a string or an array of blocks");
	cJSON_ArrayForEach(b, content) {
		t = ingress_str(b, "type");
		if (t == NULL || strcmp(t, "text") != 0 || ingress_str(b, "text") == NULL)
			return ingress_fail(err, errlen, "only text blocks can be "
			    "carried in a tool_result through Switchboard");
		if ((out->len && buf_puts(out, "\n") != BUF_OK) ||
		    buf_puts(out, ingress_str(b, "text")) != BUF_OK)
			return ingress_fail(err, errlen, "a tool result is too large");
	}
	return 0;
}

static int
msg_tool_result(const cJSON *b, cJSON *msgs, char *err, size_t errlen)
{
	const char	*id = ingress_str(b, "tool_use_id");
	struct buf	 text;
	cJSON		*m;
	int		 rc;

	if (id == NULL)
		return ingress_fail(err, errlen, "a tool_result needs tool_use_id");
	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "is_error")))
		buf_puts(&text, "Error: ");
	rc = msg_result_text(cJSON_GetObjectItemCaseSensitive(b, "content"),
	    &text, err, errlen);
	if (rc == 0) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", "tool");
		cJSON_AddStringToObject(m, "tool_call_id", id);
		if (cJSON_GetObjectItemCaseSensitive(b, "cache_control")) {
			cJSON *parts = cJSON_AddArrayToObject(m, "content");

			msg_text_part(parts, text.data ? text.data : "", b);
		} else
			cJSON_AddStringToObject(m, "content", text.data ? text.data : "");
		cJSON_AddItemToArray(msgs, m);
	}
	buf_free(&text);
	return rc;
}

/* A user turn: tool results first (each a tool message, which must follow
 * the assistant's calls), then one user message with the other blocks. */
static int
msg_user(const cJSON *content, cJSON *msgs, char *err, size_t errlen)
{
	const cJSON	*b;
	const char	*t;
	cJSON		*parts = cJSON_CreateArray(), *m;
	int		 rc = 0;

	cJSON_ArrayForEach(b, content) {
		t = ingress_str(b, "type");
		if (t && !strcmp(t, "text") && ingress_str(b, "text"))
			msg_text_part(parts, ingress_str(b, "text"), b);
		else if (t && !strcmp(t, "image"))
			rc = msg_image(b, parts, err, errlen);
		else if (t && !strcmp(t, "tool_result"))
			rc = msg_tool_result(b, msgs, err, errlen);
		else
			rc = ingress_fail(err, errlen, "a user block must be text, "
			    "image or tool_result (documents and other blocks "
			    "cannot be carried through Switchboard)");
		if (rc)
			break;
	}
	if (rc || cJSON_GetArraySize(parts) == 0) {
		cJSON_Delete(parts);
		return rc;
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddItemToObject(m, "content", parts);
	cJSON_AddItemToArray(msgs, m);
	return 0;
}

/* An assistant turn: its text joined, tool_use blocks as tool_calls;
 * thinking blocks are not carried (the upstream sees the answer only). */
static int
msg_assistant(const cJSON *content, cJSON *msgs, char *err, size_t errlen)
{
	const cJSON	*b;
	const char	*t;
	struct buf	 text;
	cJSON		*m, *calls = cJSON_CreateArray();
	char		*args;
	int		 rc = 0;

	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	cJSON_ArrayForEach(b, content) {
		t = ingress_str(b, "type");
		if (t && !strcmp(t, "text") && ingress_str(b, "text")) {
			if (buf_puts(&text, ingress_str(b, "text")) != BUF_OK)
				rc = ingress_fail(err, errlen, "an assistant turn is too large");
		} else if (t && !strcmp(t, "tool_use") && ingress_str(b, "id") &&
		    ingress_str(b, "name")) {
			args = json_print(cJSON_GetObjectItemCaseSensitive(b, "input"));
			cJSON_AddItemToArray(calls, adapter_tool_call(ingress_str(b, "id"),
			    ingress_str(b, "name"), args));
			free(args);
		} else if (t && (!strcmp(t, "thinking") || !strcmp(t, "redacted_thinking")))
			continue;
		else
			rc = ingress_fail(err, errlen, "an assistant block must be "
			    "text, tool_use (with id and name) or thinking");
		if (rc)
			break;
	}
	if (rc == 0) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", "assistant");
		if (text.len && msg_has_cache(content))
			msg_text_part(cJSON_AddArrayToObject(m, "content"), text.data,
			    msg_has_cache(content));
		else if (text.len || cJSON_GetArraySize(calls) == 0)
			cJSON_AddStringToObject(m, "content", text.data ? text.data : "");
		else
			cJSON_AddNullToObject(m, "content");
		if (cJSON_GetArraySize(calls) > 0) {
			cJSON_AddItemToObject(m, "tool_calls", calls);
			calls = NULL;
		}
		cJSON_AddItemToArray(msgs, m);
	}
	cJSON_Delete(calls);
	buf_free(&text);
	return rc;
}

static int
msg_turn(const cJSON *m, cJSON *msgs, char *err, size_t errlen)
{
	const char	*role = ingress_str(m, "role");
	const cJSON	*content = cJSON_GetObjectItemCaseSensitive(m, "content");
	cJSON		*one;
	int		 rc;

	if (role == NULL || (strcmp(role, "user") && strcmp(role, "assistant")))
		return ingress_fail(err, errlen, "messages: each role must be "
		    "\"user\" or \"assistant\" (system goes in \"system\")");
	if (cJSON_IsString(content)) {
		one = cJSON_CreateArray();
		msg_text_part(one, content->valuestring, NULL);
		rc = !strcmp(role, "user") ? msg_user(one, msgs, err, errlen) :
		    msg_assistant(one, msgs, err, errlen);
		cJSON_Delete(one);
		return rc;
	}
	if (!cJSON_IsArray(content) || cJSON_GetArraySize(content) > MESSAGES_MAX_BLOCKS)
		return ingress_fail(err, errlen, "messages: content must be a "
		    "string or an array of content blocks");
	return !strcmp(role, "user") ? msg_user(content, msgs, err, errlen) :
	    msg_assistant(content, msgs, err, errlen);
}

/* "system": a string or text blocks, as the first canonical message. */
static int
msg_system(const cJSON *sys, cJSON *msgs, char *err, size_t errlen)
{
	struct buf	 text;
	const cJSON	*b;
	cJSON		*m;
	int		 rc = 0;

	if (sys == NULL)
		return 0;
	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	if (cJSON_IsString(sys))
		rc = buf_puts(&text, sys->valuestring) != BUF_OK;
	else if (cJSON_IsArray(sys)) {
		cJSON_ArrayForEach(b, sys) {
			if (ingress_str(b, "text") == NULL || (text.len &&
			    buf_puts(&text, "\n\n") != BUF_OK) ||
			    buf_puts(&text, ingress_str(b, "text")) != BUF_OK) {
				rc = 1;
				break;
			}
		}
	} else
		rc = 1;
	if (rc == 0 && text.len) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", "system");
		if (msg_has_cache(sys)) {
			cJSON *parts = cJSON_AddArrayToObject(m, "content");

			cJSON_ArrayForEach(b, sys)
				msg_text_part(parts, ingress_str(b, "text"), b);
		} else
			cJSON_AddStringToObject(m, "content", text.data);
		cJSON_AddItemToArray(msgs, m);
	}
	buf_free(&text);
	return rc ? ingress_fail(err, errlen, "\"system\" must be a string or "
	    "an array of text blocks") : 0;
}

static int
msg_tools(const cJSON *in, cJSON *out, char *err, size_t errlen)
{
	const cJSON	*t, *tc = cJSON_GetObjectItemCaseSensitive(in, "tool_choice");
	const char	*type;
	cJSON		*tools, *o, *fn;

	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(in, "tools")) > 0) {
		tools = cJSON_AddArrayToObject(out, "tools");
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(in, "tools")) {
			type = ingress_str(t, "type");
			if (ingress_str(t, "name") == NULL || (type && strcmp(type, "custom")) ||
			    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(t, "input_schema")))
				return ingress_fail(err, errlen, "tools: only client tools "
				    "(name, input_schema) can be carried through "
				    "Switchboard, not Anthropic's server tools");
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "type", "function");
			fn = cJSON_AddObjectToObject(o, "function");
			cJSON_AddStringToObject(fn, "name", ingress_str(t, "name"));
			if (ingress_str(t, "description"))
				cJSON_AddStringToObject(fn, "description", ingress_str(t, "description"));
			ingress_copy_item(t, "input_schema", fn, "parameters");
			ingress_copy_item(t, "cache_control", o, "cache_control");
			cJSON_AddItemToArray(tools, o);
		}
	}
	if ((type = ingress_str(tc, "type")) == NULL)
		return 0;
	if (!strcmp(type, "auto") || !strcmp(type, "none"))
		cJSON_AddStringToObject(out, "tool_choice", type);
	else if (!strcmp(type, "any"))
		cJSON_AddStringToObject(out, "tool_choice", "required");
	else if (!strcmp(type, "tool") && ingress_str(tc, "name")) {
		o = cJSON_AddObjectToObject(out, "tool_choice");
		cJSON_AddStringToObject(o, "type", "function");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "function"), "name",
		    ingress_str(tc, "name"));
	} else
		return ingress_fail(err, errlen, "tool_choice.type must be auto, "
		    "any, tool (with name) or none");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tc, "disable_parallel_tool_use")) &&
	    cJSON_GetObjectItemCaseSensitive(out, "tools"))
		cJSON_AddFalseToObject(out, "parallel_tool_calls");
	return 0;
}

/* thinking {type: enabled, budget_tokens} → reasoning_effort (up to 2048
 * low, up to 8192 medium, above high), which each adapter maps back to its
 * upstream's own budget. */
static void
msg_thinking(const cJSON *in, cJSON *out)
{
	const cJSON	*t = cJSON_GetObjectItemCaseSensitive(in, "thinking");
	const cJSON	*b = cJSON_GetObjectItemCaseSensitive(t, "budget_tokens");
	const char	*type = ingress_str(t, "type");

	if (type == NULL || strcmp(type, "enabled") != 0 || !cJSON_IsNumber(b))
		return;
	cJSON_AddStringToObject(out, "reasoning_effort", b->valuedouble <= 2048 ?
	    "low" : b->valuedouble <= 8192 ? "medium" : "high");
}

static enum err_category
msg_request(const cJSON *in, cJSON **out, char *err, size_t errlen)
{
	const cJSON	*msgs = cJSON_GetObjectItemCaseSensitive(in, "messages");
	const cJSON	*mt = cJSON_GetObjectItemCaseSensitive(in, "max_tokens");
	const cJSON	*m;
	cJSON		*o, *list;

	if (ingress_str(in, "model") == NULL)
		return ingress_fail(err, errlen, "model: a string is required");
	if (!cJSON_IsNumber(mt) || mt->valuedouble < 1 || mt->valuedouble > 1e9)
		return ingress_fail(err, errlen, "max_tokens: a positive integer is required");
	if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) == 0)
		return ingress_fail(err, errlen, "messages: a non-empty array is required");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "model", ingress_str(in, "model"));
	list = cJSON_AddArrayToObject(o, "messages");
	if (msg_system(cJSON_GetObjectItemCaseSensitive(in, "system"), list, err,
	    errlen) != 0)
		goto bad;
	cJSON_ArrayForEach(m, msgs)
		if (msg_turn(m, list, err, errlen) != 0)
			goto bad;
	cJSON_AddNumberToObject(o, "max_tokens", mt->valuedouble);
	ingress_copy_number(in, "temperature", o, "temperature");
	ingress_copy_number(in, "top_p", o, "top_p");
	if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(in, "stop_sequences")))
		ingress_copy_item(in, "stop_sequences", o, "stop");
	if (ingress_str(cJSON_GetObjectItemCaseSensitive(in, "metadata"), "user_id"))
		cJSON_AddStringToObject(o, "user", ingress_str(
		    cJSON_GetObjectItemCaseSensitive(in, "metadata"), "user_id"));
	if (msg_tools(in, o, err, errlen) != 0)
		goto bad;
	msg_thinking(in, o);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "stream"))) {
		cJSON_AddTrueToObject(o, "stream");
		cJSON_AddTrueToObject(cJSON_AddObjectToObject(o, "stream_options"),
		    "include_usage");
	}
	*out = o;
	return ERR_NONE;
bad:
	cJSON_Delete(o);
	return ERR_VALIDATION;
}

/* --- answers ------------------------------------------------------------- */

static cJSON *
msg_usage(const struct adapter_usage *u)
{
	cJSON		*o = cJSON_CreateObject();
	long long	 in = u->prompt - u->cache_read - u->cache_write;

	cJSON_AddNumberToObject(o, "input_tokens", (double)(in > 0 ? in : 0));
	cJSON_AddNumberToObject(o, "cache_creation_input_tokens", (double)u->cache_write);
	cJSON_AddNumberToObject(o, "cache_read_input_tokens", (double)u->cache_read);
	cJSON_AddNumberToObject(o, "output_tokens", (double)u->completion);
	return o;
}

static cJSON *
msg_skeleton(const char *id, const char *model)
{
	cJSON	*o = cJSON_CreateObject();
	char	 mid[INGRESS_MAX_ID + 32];

	snprintf(mid, sizeof(mid), "msg_%s", id);
	cJSON_AddStringToObject(o, "id", mid);
	cJSON_AddStringToObject(o, "type", "message");
	cJSON_AddStringToObject(o, "role", "assistant");
	cJSON_AddStringToObject(o, "model", model);
	cJSON_AddArrayToObject(o, "content");
	return o;
}

static cJSON *
msg_tool_use_block(const cJSON *tc)
{
	const cJSON	*fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
	const char	*args = ingress_str(fn, "arguments");
	cJSON		*b = cJSON_CreateObject(), *input;

	cJSON_AddStringToObject(b, "type", "tool_use");
	cJSON_AddStringToObject(b, "id", ingress_str(tc, "id") ? ingress_str(tc, "id") : "");
	cJSON_AddStringToObject(b, "name", ingress_str(fn, "name") ? ingress_str(fn, "name") : "");
	input = args ? cJSON_Parse(args) : NULL;
	if (!cJSON_IsObject(input)) {
		cJSON_Delete(input);
		input = cJSON_CreateObject();
	}
	cJSON_AddItemToObject(b, "input", input);
	return b;
}

static cJSON *
msg_response(const cJSON *completion, const struct adapter_usage *u,
    const char *id, const char *model, const cJSON *req)
{
	const char	*text, *finish;
	const cJSON	*calls = ingress_choice(completion, &text, &finish), *tc;
	cJSON		*o = msg_skeleton(id, model);
	cJSON		*content = cJSON_GetObjectItemCaseSensitive(o, "content"), *b;
	const char	*think = ingress_str(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(completion, "choices"), 0), "message"),
	    "reasoning_content");

	(void)req;	/* nothing is echoed */
	if (think && think[0]) {
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "type", "thinking");
		cJSON_AddStringToObject(b, "thinking", think);
		cJSON_AddStringToObject(b, "signature", "");
		cJSON_AddItemToArray(content, b);
	}
	if (text && text[0]) {
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "type", "text");
		cJSON_AddStringToObject(b, "text", text);
		cJSON_AddItemToArray(content, b);
	}
	cJSON_ArrayForEach(tc, calls)
		cJSON_AddItemToArray(content, msg_tool_use_block(tc));
	cJSON_AddStringToObject(o, "stop_reason", msg_stop_reason(finish));
	cJSON_AddNullToObject(o, "stop_sequence");
	cJSON_AddItemToObject(o, "usage", msg_usage(u));
	return o;
}

static cJSON *
msg_error(int status, const char *code, const char *message,
    const char *request_id)
{
	cJSON	*o = cJSON_CreateObject(), *e;

	(void)code;
	cJSON_AddStringToObject(o, "type", "error");
	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "type", msg_error_type(status));
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddStringToObject(o, "request_id", request_id);
	return o;
}

/* --- stream -------------------------------------------------------------- */

static int
msg_start(struct ingress_stream *s, struct buf *out)
{
	cJSON	*o, *m;

	if (s->started)
		return 0;
	s->started = 1;
	m = msg_skeleton(s->id, s->model);
	cJSON_AddNullToObject(m, "stop_reason");
	cJSON_AddNullToObject(m, "stop_sequence");
	cJSON_AddItemToObject(m, "usage", msg_usage(&(struct adapter_usage){ 0 }));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "message_start");
	cJSON_AddItemToObject(o, "message", m);
	if (ingress_sse(out, "message_start", o) != 0)
		return -1;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "ping");
	return ingress_sse(out, "ping", o);
}

static int
msg_close_block(struct ingress_stream *s, struct buf *out)
{
	cJSON	*o;

	if (s->open == BLOCK_NONE)
		return 0;
	s->open = BLOCK_NONE;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "content_block_stop");
	cJSON_AddNumberToObject(o, "index", s->index);
	return ingress_sse(out, "content_block_stop", o);
}

/* Open a block (closing the one open); block is consumed. */
static int
msg_open_block(struct ingress_stream *s, enum ingress_block kind, cJSON *block,
    struct buf *out)
{
	cJSON	*o;

	if (msg_close_block(s, out) != 0) {
		cJSON_Delete(block);
		return -1;
	}
	s->open = kind;
	s->index = s->nitems++;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "content_block_start");
	cJSON_AddNumberToObject(o, "index", s->index);
	cJSON_AddItemToObject(o, "content_block", block);
	return ingress_sse(out, "content_block_start", o);
}

static int
msg_block_delta(struct ingress_stream *s, const char *type, const char *key,
    const char *val, struct buf *out)
{
	cJSON	*o = cJSON_CreateObject(), *d;

	cJSON_AddStringToObject(o, "type", "content_block_delta");
	cJSON_AddNumberToObject(o, "index", s->index);
	d = cJSON_AddObjectToObject(o, "delta");
	cJSON_AddStringToObject(d, "type", type);
	cJSON_AddStringToObject(d, key, val);
	return ingress_sse(out, "content_block_delta", o);
}

static int
msg_text_delta(struct ingress_stream *s, const char *text, struct buf *out)
{
	cJSON	*b;

	if (s->open != BLOCK_TEXT) {
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "type", "text");
		cJSON_AddStringToObject(b, "text", "");
		if (msg_open_block(s, BLOCK_TEXT, b, out) != 0)
			return -1;
	}
	return msg_block_delta(s, "text_delta", "text", text, out);
}

/* Reasoning (reasoning_content) as a thinking block; upstreams other than
 * Anthropic sign nothing, so its signature is empty. */
static int
msg_thinking_delta(struct ingress_stream *s, const char *text, struct buf *out)
{
	cJSON	*b;

	if (s->open != BLOCK_THINKING) {
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "type", "thinking");
		cJSON_AddStringToObject(b, "thinking", "");
		cJSON_AddStringToObject(b, "signature", "");
		if (msg_open_block(s, BLOCK_THINKING, b, out) != 0)
			return -1;
	}
	return msg_block_delta(s, "thinking_delta", "thinking", text, out);
}

static int
msg_tool_delta(struct ingress_stream *s, const cJSON *tc, struct buf *out)
{
	const cJSON	*fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
	const char	*args = ingress_str(fn, "arguments");
	cJSON		*b;

	if (ingress_str(tc, "id") || s->open != BLOCK_TOOL) {
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "type", "tool_use");
		cJSON_AddStringToObject(b, "id", ingress_str(tc, "id") ? ingress_str(tc, "id") : "");
		cJSON_AddStringToObject(b, "name", ingress_str(fn, "name") ? ingress_str(fn, "name") : "");
		cJSON_AddObjectToObject(b, "input");
		if (msg_open_block(s, BLOCK_TOOL, b, out) != 0)
			return -1;
	}
	if (args == NULL || args[0] == '\0')
		return 0;
	return msg_block_delta(s, "input_json_delta", "partial_json", args, out);
}

static int
msg_delta(struct ingress_stream *s, const cJSON *delta, struct buf *out)
{
	const char	*text = ingress_str(delta, "content");
	const char	*think = ingress_str(delta, "reasoning_content");
	const cJSON	*tc;

	if (msg_start(s, out) != 0)
		return -1;
	if (think && think[0] && msg_thinking_delta(s, think, out) != 0)
		return -1;
	if (text && text[0] && msg_text_delta(s, text, out) != 0)
		return -1;
	cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(delta, "tool_calls"))
		if (msg_tool_delta(s, tc, out) != 0)
			return -1;
	return 0;
}

static int
msg_end(struct ingress_stream *s, const struct adapter_usage *u, struct buf *out)
{
	cJSON	*o, *d;

	if (msg_start(s, out) != 0 || msg_close_block(s, out) != 0)
		return -1;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "message_delta");
	d = cJSON_AddObjectToObject(o, "delta");
	cJSON_AddStringToObject(d, "stop_reason", msg_stop_reason(s->finish));
	cJSON_AddNullToObject(d, "stop_sequence");
	cJSON_AddItemToObject(o, "usage", msg_usage(u));
	if (ingress_sse(out, "message_delta", o) != 0)
		return -1;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "message_stop");
	return ingress_sse(out, "message_stop", o);
}

static int
msg_fail(struct ingress_stream *s, int status, const char *code,
    const char *message, struct buf *out)
{
	return ingress_sse(out, "error", msg_error(status, code, message, s->id));
}

const struct ingress_ops ingress_messages_ops = {
	.request = msg_request,
	.response = msg_response,
	.conversation = NULL,	/* Messages clients send the whole conversation */
	.error = msg_error,
	.delta = msg_delta,
	.end = msg_end,
	.fail = msg_fail,
};
