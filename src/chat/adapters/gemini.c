/* gemini adapter: Google's generateContent / streamGenerateContent?alt=sse.
 * Maps the canonical OpenAI request to contents/parts, systemInstruction,
 * generationConfig and function declarations, and maps candidates,
 * functionCall parts, finishReason and usageMetadata back to OpenAI shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char *
gemini_finish(const char *reason, int has_tools)
{
	if (reason == NULL)
		return NULL;
	if (!strcmp(reason, "MAX_TOKENS"))
		return "length";
	if (!strcmp(reason, "SAFETY") || !strcmp(reason, "RECITATION") ||
	    !strcmp(reason, "BLOCKLIST") || !strcmp(reason,
	    "PROHIBITED_CONTENT") || !strcmp(reason, "SPII") ||
	    !strcmp(reason, "IMAGE_SAFETY"))
		return "content_filter";
	return has_tools ? "tool_calls" : "stop";
}

static int
gemini_model_ok(const char *m)
{
	for (; *m; m++)
		if (!((*m >= 'a' && *m <= 'z') || (*m >= 'A' && *m <= 'Z') ||
		    (*m >= '0' && *m <= '9') || *m == '.' || *m == '-' ||
		    *m == '_'))
			return 0;
	return 1;
}

static const char *
gemini_guess_mime(const char *url)
{
	static const char *const map[][2] = {
		{ ".png", "image/png" }, { ".gif", "image/gif" },
		{ ".webp", "image/webp" }, { ".jpeg", "image/jpeg" },
	};
	size_t	 i, n = strlen(url), k;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		k = strlen(map[i][0]);
		if (n > k && strcasecmp(url + n - k, map[i][0]) == 0)
			return map[i][1];
	}
	return "image/jpeg";
}

static void
gemini_text_part(cJSON *parts, const char *text, const cJSON *part)
{
	cJSON	*p;

	(void)part;	/* Gemini caches implicitly: no breakpoints */
	if (text == NULL || text[0] == '\0')
		return;
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "text", text);
	cJSON_AddItemToArray(parts, p);
}

static int
gemini_image_part(cJSON *parts, const char *url)
{
	const char	*data;
	char		 mime[64];
	cJSON		*p, *d;

	p = cJSON_CreateObject();
	if (adapter_data_url(url, mime, sizeof(mime), &data) == 0) {
		d = cJSON_AddObjectToObject(p, "inlineData");
		cJSON_AddStringToObject(d, "mimeType", mime);
		cJSON_AddStringToObject(d, "data", data);
	} else if (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7)) {
		d = cJSON_AddObjectToObject(p, "fileData");
		cJSON_AddStringToObject(d, "mimeType", gemini_guess_mime(url));
		cJSON_AddStringToObject(d, "fileUri", url);
	} else {
		cJSON_Delete(p);
		return -1;
	}
	cJSON_AddItemToArray(parts, p);
	return 0;
}

static int
gemini_model_parts(const cJSON *m, cJSON *parts, char *err, size_t errlen)
{
	const cJSON	*tc, *fn;
	struct buf	 text;
	const char	*name, *args;
	cJSON		*p, *a, *call;
	int		 rc = 0;

	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	if (adapter_content_text(cJSON_GetObjectItem(m, "content"), &text))
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "assistant content must be a string or text parts");
	else
		gemini_text_part(parts, text.data, NULL);
	buf_free(&text);
	cJSON_ArrayForEach(tc, cJSON_GetObjectItem(m, "tool_calls")) {
		if (rc)
			break;
		fn = cJSON_GetObjectItem(tc, "function");
		name = adapter_jstr(fn, "name");
		args = adapter_jstr(fn, "arguments");
		a = args && args[0] ? cJSON_Parse(args) : cJSON_CreateObject();
		if (name == NULL || !cJSON_IsObject(a)) {
			cJSON_Delete(a);
			rc = adapter_fail(err, errlen, ERR_VALIDATION,
			    "a tool call needs a function name and arguments "
			    "that are a JSON object");
			break;
		}
		p = cJSON_CreateObject();
		call = cJSON_AddObjectToObject(p, "functionCall");
		cJSON_AddStringToObject(call, "name", name);
		cJSON_AddItemToObject(call, "args", a);
		cJSON_AddItemToArray(parts, p);
	}
	return rc;
}

/* The function name of an earlier assistant tool call with this id. */
static const char *
gemini_tool_name(const cJSON *msgs, const cJSON *upto, const char *id)
{
	const cJSON	*m, *tc;

	cJSON_ArrayForEach(m, msgs) {
		if (m == upto)
			break;
		cJSON_ArrayForEach(tc, cJSON_GetObjectItem(m, "tool_calls"))
			if (adapter_jstr(tc, "id") && id &&
			    !strcmp(adapter_jstr(tc, "id"), id))
				return adapter_jstr(cJSON_GetObjectItem(tc,
				    "function"), "name");
	}
	return NULL;
}

static int
gemini_tool_part(const cJSON *msgs, const cJSON *m, cJSON *parts, char *err,
    size_t errlen)
{
	const char	*name = gemini_tool_name(msgs, m,
	    adapter_jstr(m, "tool_call_id"));
	struct buf	 text;
	cJSON		*p, *fr, *resp;
	int		 rc = 0;

	if (name == NULL)
		name = adapter_jstr(m, "name");
	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	if (name == NULL || adapter_content_text(cJSON_GetObjectItem(m,
	    "content"), &text) != 0) {
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "a tool message needs a \"tool_call_id\" that matches an "
		    "earlier assistant tool call, and text content");
		goto out;
	}
	resp = text.data ? cJSON_Parse(text.data) : NULL;
	if (!cJSON_IsObject(resp)) {
		cJSON_Delete(resp);
		resp = cJSON_CreateObject();
		cJSON_AddStringToObject(resp, "content", text.data ? text.data :
		    "");
	}
	p = cJSON_CreateObject();
	fr = cJSON_AddObjectToObject(p, "functionResponse");
	cJSON_AddStringToObject(fr, "name", name);
	cJSON_AddItemToObject(fr, "response", resp);
	cJSON_AddItemToArray(parts, p);
out:
	buf_free(&text);
	return rc;
}

static int
gemini_message(const cJSON *msgs, const cJSON *m, cJSON *contents,
    struct buf *sys, char *err, size_t errlen)
{
	const char	*role = adapter_jstr(m, "role");
	cJSON		*parts = cJSON_CreateArray();
	int		 rc;

	if (role && (!strcmp(role, "system") || !strcmp(role, "developer"))) {
		cJSON_Delete(parts);
		if ((sys->len && buf_puts(sys, "\n\n") != BUF_OK) ||
		    adapter_content_text(cJSON_GetObjectItem(m, "content"),
		    sys) != 0)
			return adapter_fail(err, errlen, ERR_VALIDATION,
			    "system messages must be text and within the size "
			    "limit");
		return 0;
	}
	if (role && !strcmp(role, "user"))
		rc = adapter_user_content(cJSON_GetObjectItem(m, "content"),
		    parts, gemini_text_part, gemini_image_part, err, errlen);
	else if (role && !strcmp(role, "assistant"))
		rc = gemini_model_parts(m, parts, err, errlen);
	else if (role && !strcmp(role, "tool"))
		rc = gemini_tool_part(msgs, m, parts, err, errlen);
	else
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "a message role must be system, user, assistant or tool");
	if (rc) {
		cJSON_Delete(parts);
		return rc;
	}
	adapter_append_turn(contents, !strcmp(role, "assistant") ? "model" : "user",
	    "parts", parts);
	return 0;
}

/* Drop JSON-schema keywords Gemini rejects, recursively. */
static void
gemini_clean_schema(cJSON *s)
{
	cJSON	*c;

	if (!cJSON_IsObject(s) && !cJSON_IsArray(s))
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(s, "additionalProperties");
	cJSON_DeleteItemFromObjectCaseSensitive(s, "$schema");
	cJSON_DeleteItemFromObjectCaseSensitive(s, "strict");
	cJSON_ArrayForEach(c, s)
		gemini_clean_schema(c);
}

/* Chat Completions fields this adapter does not translate back. */
static const char *const gemini_unsupported[] = {
	"logit_bias", "logprobs", "top_logprobs", NULL
};

/* reasoning_effort → thinkingConfig.thinkingBudget: none/minimal 0 (off
 * where the model allows), low 1024, medium 8192, high 24576. */
static void
gemini_thinking(const cJSON *req, cJSON *gc)
{
	const char	*e = adapter_jstr(req, "reasoning_effort");
	long long	 budget;

	if (e == NULL)
		return;
	budget = !strcmp(e, "low") ? 1024 : !strcmp(e, "medium") ? 8192 :
	    !strcmp(e, "high") ? 24576 : 0;
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(gc, "thinkingConfig"),
	    "thinkingBudget", (double)budget);
}

static void
gemini_config(const cJSON *req, cJSON *b)
{
	static const char *const map[][2] = {
		{ "temperature", "temperature" }, { "top_p", "topP" },
		{ "top_k", "topK" }, { "n", "candidateCount" },
		{ "presence_penalty", "presencePenalty" },
		{ "frequency_penalty", "frequencyPenalty" },
		{ "seed", "seed" },
	};
	cJSON		*gc = cJSON_CreateObject(), *arr;
	const cJSON	*v, *s;
	const char	*rf;
	long long	 max = adapter_req_max_tokens(req);
	size_t		 i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (cJSON_IsNumber(v = cJSON_GetObjectItem(req, map[i][0])))
			cJSON_AddNumberToObject(gc, map[i][1], v->valuedouble);
	if (max > 0)
		cJSON_AddNumberToObject(gc, "maxOutputTokens", (double)max);
	v = cJSON_GetObjectItem(req, "stop");
	if (cJSON_IsString(v) || cJSON_IsArray(v)) {
		arr = cJSON_AddArrayToObject(gc, "stopSequences");
		if (cJSON_IsString(v))
			cJSON_AddItemToArray(arr, cJSON_CreateString(
			    v->valuestring));
		else
			cJSON_ArrayForEach(s, v)
				if (cJSON_IsString(s))
					cJSON_AddItemToArray(arr,
					    cJSON_CreateString(s->valuestring));
	}
	rf = adapter_jstr(cJSON_GetObjectItem(req, "response_format"), "type");
	if (rf && (!strcmp(rf, "json_object") || !strcmp(rf, "json_schema")))
		cJSON_AddStringToObject(gc, "responseMimeType",
		    "application/json");
	/* The schema as JSON Schema (Gemini's responseJsonSchema), never dropped. */
	v = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(req,
	    "response_format"), "json_schema"), "schema");
	if (rf && !strcmp(rf, "json_schema") && cJSON_IsObject(v))
		cJSON_AddItemToObject(gc, "responseJsonSchema", cJSON_Duplicate(v, 1));
	gemini_thinking(req, gc);
	if (cJSON_GetArraySize(gc) > 0)
		cJSON_AddItemToObject(b, "generationConfig", gc);
	else
		cJSON_Delete(gc);
}

static int
gemini_tools(const cJSON *req, cJSON *b, char *err, size_t errlen)
{
	const cJSON	*t, *fn, *tc;
	cJSON		*decls = NULL, *o, *fcc, *params;
	const char	*name, *mode = NULL;

	cJSON_ArrayForEach(t, cJSON_GetObjectItem(req, "tools")) {
		fn = cJSON_GetObjectItem(t, "function");
		if ((name = adapter_jstr(fn, "name")) == NULL)
			return adapter_fail(err, errlen, ERR_VALIDATION,
			    "every tool needs function.name");
		if (decls == NULL) {
			o = cJSON_CreateObject();
			decls = cJSON_AddArrayToObject(o, "functionDeclarations");
			cJSON_AddItemToArray(cJSON_AddArrayToObject(b, "tools"),
			    o);
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", name);
		if (adapter_jstr(fn, "description"))
			cJSON_AddStringToObject(o, "description",
			    adapter_jstr(fn, "description"));
		if (cJSON_IsObject(cJSON_GetObjectItem(fn, "parameters"))) {
			params = cJSON_Duplicate(cJSON_GetObjectItem(fn,
			    "parameters"), 1);
			gemini_clean_schema(params);
			cJSON_AddItemToObject(o, "parameters", params);
		}
		cJSON_AddItemToArray(decls, o);
	}
	tc = cJSON_GetObjectItem(req, "tool_choice");
	name = adapter_jstr(cJSON_GetObjectItem(tc, "function"), "name");
	if (cJSON_IsString(tc))
		mode = !strcmp(tc->valuestring, "required") ? "ANY" :
		    !strcmp(tc->valuestring, "none") ? "NONE" : "AUTO";
	else if (name)
		mode = "ANY";
	if (mode) {
		fcc = cJSON_AddObjectToObject(cJSON_AddObjectToObject(b,
		    "toolConfig"), "functionCallingConfig");
		cJSON_AddStringToObject(fcc, "mode", mode);
		if (name)
			cJSON_AddItemToArray(cJSON_AddArrayToObject(fcc,
			    "allowedFunctionNames"), cJSON_CreateString(name));
	}
	return 0;
}

static int
adapter_gemini_auth(const struct adapter_params *p, struct adapter_call *c)
{
	return adapter_add_header(c, "x-goog-api-key", p->api_key);
}

static enum err_category
adapter_gemini_build(const struct adapter_params *p, const cJSON *req,
    cJSON **body, struct buf *url, char *err, size_t errlen)
{
	const cJSON	*msgs = cJSON_GetObjectItemCaseSensitive(req, "messages");
	const cJSON	*m;
	const char	*model = p->model;
	struct buf	 sys;
	cJSON		*b = cJSON_CreateObject(), *contents, *si;
	int		 rc = 0;

	buf_init(&sys, SB_MAX_UPSTREAM_BODY);
	if (!strncmp(model, "models/", 7))
		model += 7;
	if (!gemini_model_ok(model)) {
		rc = adapter_fail(err, errlen, ERR_MODEL,
		    "the model name has characters Gemini does not allow");
		goto out;
	}
	if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) == 0) {
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "\"messages\" must be a non-empty array");
		goto out;
	}
	contents = cJSON_AddArrayToObject(b, "contents");
	cJSON_ArrayForEach(m, msgs)
		if ((rc = gemini_message(msgs, m, contents, &sys, err,
		    errlen)) != 0)
			goto out;
	if (cJSON_GetArraySize(contents) == 0) {
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "at least one user message is needed");
		goto out;
	}
	if (sys.len) {
		si = cJSON_AddObjectToObject(b, "systemInstruction");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(si, "parts"),
		    cJSON_CreateObject());
		cJSON_AddStringToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(
		    si, "parts"), 0), "text", sys.data);
	}
	if ((rc = adapter_refuse_fields(req, gemini_unsupported, "Gemini", err,
	    errlen)) != 0)
		goto out;
	gemini_config(req, b);
	if ((rc = gemini_tools(req, b, err, errlen)) != 0)
		goto out;
	if (buf_printf(url, "/v1beta/models/%s:%s", model, p->stream ?
	    "streamGenerateContent?alt=sse" : "generateContent") != BUF_OK)
		rc = adapter_fail(err, errlen, ERR_INTERNAL,
		    "the provider's base URL is too long");
out:
	buf_free(&sys);
	if (rc) {
		cJSON_Delete(b);
		b = NULL;
	}
	*body = b;
	return rc;
}

static void
gemini_usage(const cJSON *um, struct adapter_usage *u)
{
	long long	 cand = 0, thoughts = 0;

	if (!cJSON_IsObject(um))
		return;
	memset(u, 0, sizeof(*u));
	u->known = 1;
	if (adapter_jint(um, "promptTokenCount", &u->prompt) != 0)
		u->prompt = 0;
	if (adapter_jint(um, "candidatesTokenCount", &cand) != 0)
		cand = 0;
	if (adapter_jint(um, "thoughtsTokenCount", &thoughts) != 0)
		thoughts = 0;
	if (adapter_jint(um, "cachedContentTokenCount", &u->cache_read) != 0)
		u->cache_read = 0;
	u->completion = cand + thoughts;
	u->reasoning = thoughts;
	u->total = u->prompt + u->completion;
}

/* A complete OpenAI tool call from a Gemini functionCall part. */
static cJSON *
gemini_tool_call(const cJSON *fc, int n, int with_index)
{
	cJSON	*tc = cJSON_CreateObject(), *fn;
	char	 id[32];
	char	*args = json_print(cJSON_GetObjectItem(fc, "args"));

	snprintf(id, sizeof(id), "call_%d", n);
	if (with_index)
		cJSON_AddNumberToObject(tc, "index", n);
	cJSON_AddStringToObject(tc, "id", adapter_jstr(fc, "id") ?
	    adapter_jstr(fc, "id") : id);
	cJSON_AddStringToObject(tc, "type", "function");
	fn = cJSON_AddObjectToObject(tc, "function");
	cJSON_AddStringToObject(fn, "name", adapter_jstr(fc, "name") ?
	    adapter_jstr(fc, "name") : "");
	cJSON_AddStringToObject(fn, "arguments", args ? args : "{}");
	free(args);
	return tc;
}

static cJSON *
gemini_choice(const cJSON *cand, int index, int *ntools)
{
	const cJSON	*part, *fc;
	struct buf	 text;
	cJSON		*choice = cJSON_CreateObject(), *msg, *calls = NULL;
	const char	*fr;

	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	cJSON_ArrayForEach(part, cJSON_GetObjectItem(cJSON_GetObjectItem(cand,
	    "content"), "parts")) {
		if (cJSON_IsTrue(cJSON_GetObjectItem(part, "thought")))
			continue;
		if (adapter_jstr(part, "text"))
			buf_puts(&text, adapter_jstr(part, "text"));
		else if (cJSON_IsObject(fc = cJSON_GetObjectItem(part,
		    "functionCall"))) {
			if (calls == NULL)
				calls = cJSON_CreateArray();
			cJSON_AddItemToArray(calls, gemini_tool_call(fc,
			    (*ntools)++, 0));
		}
	}
	cJSON_AddNumberToObject(choice, "index", index);
	msg = cJSON_AddObjectToObject(choice, "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	if (text.len || calls == NULL)
		cJSON_AddStringToObject(msg, "content", text.data ? text.data :
		    "");
	else
		cJSON_AddNullToObject(msg, "content");
	if (calls)
		cJSON_AddItemToObject(msg, "tool_calls", calls);
	fr = gemini_finish(adapter_jstr(cand, "finishReason"), calls != NULL);
	cJSON_AddStringToObject(choice, "finish_reason", fr ? fr : "stop");
	buf_free(&text);
	return choice;
}

static enum err_category
adapter_gemini_parse(const cJSON *resp, const char *client_model,
    cJSON **out, struct adapter_usage *u, char *err, size_t errlen)
{
	const cJSON	*cands = cJSON_GetObjectItem(resp, "candidates"), *c;
	cJSON		*o, *choices, *choice, *msg;
	int		 i = 0, ntools = 0;

	if (!cJSON_IsArray(cands) && !cJSON_IsObject(cJSON_GetObjectItem(resp,
	    "promptFeedback")))
		return adapter_fail(err, errlen, ERR_UPSTREAM,
		    "the upstream response has no \"candidates\"");
	o = adapter_completion_new(adapter_jstr(resp, "responseId"),
	    client_model ? client_model : adapter_jstr(resp, "modelVersion"));
	choices = cJSON_AddArrayToObject(o, "choices");
	cJSON_ArrayForEach(c, cands)
		cJSON_AddItemToArray(choices, gemini_choice(c, i++, &ntools));
	if (i == 0) {	/* the prompt was blocked */
		choice = cJSON_CreateObject();
		cJSON_AddNumberToObject(choice, "index", 0);
		msg = cJSON_AddObjectToObject(choice, "message");
		cJSON_AddStringToObject(msg, "role", "assistant");
		cJSON_AddStringToObject(msg, "content", "");
		cJSON_AddStringToObject(choice, "finish_reason",
		    "content_filter");
		cJSON_AddItemToArray(choices, choice);
	}
	gemini_usage(cJSON_GetObjectItem(resp, "usageMetadata"), u);
	cJSON_AddItemToObject(o, "usage", adapter_usage_json(u));
	*out = o;
	return 0;
}

/* --- streaming ----------------------------------------------------------- */

static int
gemini_emit_parts(struct adapter_stream *s, const cJSON *cand, int index)
{
	const cJSON	*part, *fc;
	cJSON		*delta;
	int		 rc = ADAPTER_STREAM_OK;

	cJSON_ArrayForEach(part, cJSON_GetObjectItem(cJSON_GetObjectItem(cand,
	    "content"), "parts")) {
		if (rc != ADAPTER_STREAM_OK)
			break;
		if (cJSON_IsTrue(cJSON_GetObjectItem(part, "thought")))
			continue;
		delta = NULL;
		if (adapter_jstr(part, "text") && adapter_jstr(part, "text")[0]) {
			delta = cJSON_CreateObject();
			cJSON_AddStringToObject(delta, "content",
			    adapter_jstr(part, "text"));
		} else if (cJSON_IsObject(fc = cJSON_GetObjectItem(part,
		    "functionCall"))) {
			delta = cJSON_CreateObject();
			cJSON_AddItemToArray(cJSON_AddArrayToObject(delta,
			    "tool_calls"), gemini_tool_call(fc, s->ntools++, 1));
		}
		if (delta)
			rc = adapter_emit_delta(s, index, delta, NULL);
	}
	return rc;
}

static int
gemini_ev_candidate(struct adapter_stream *s, const cJSON *cand, int pos)
{
	long long	 index = pos;
	const char	*fr;
	int		 rc;

	if (adapter_jint(cand, "index", &index) != 0 || index > 64)
		index = pos;
	if ((rc = gemini_emit_parts(s, cand, (int)index)) != ADAPTER_STREAM_OK)
		return rc;
	fr = gemini_finish(adapter_jstr(cand, "finishReason"), s->ntools > 0);
	if (fr == NULL)
		return ADAPTER_STREAM_OK;
	adapter_copy(s->finish, sizeof(s->finish), fr);
	s->clean = 1;
	return adapter_emit_delta(s, (int)index, cJSON_CreateObject(), fr);
}

static int
adapter_gemini_event(struct adapter_stream *s, const struct sse_event *ev)
{
	cJSON		*o = cJSON_ParseWithLength(ev->data, ev->data_len), *d;
	const cJSON	*c;
	char		 msg[ADAPTER_MAX_MSG];
	int		 rc = ADAPTER_STREAM_OK, pos = 0;

	if (!cJSON_IsObject(o)) {
		rc = adapter_stream_fail(s, ADAPTER_STREAM_MALFORMED,
		    ERR_UPSTREAM,
		    "the upstream sent a stream event that is not valid JSON");
		goto out;
	}
	if (cJSON_GetObjectItem(o, "error")) {
		rc = adapter_stream_fail(s, ADAPTER_STREAM_ERROR,
		    adapter_parse_error(ADAPTER_GEMINI, 500, ev->data,
		    ev->data_len, msg, sizeof(msg)), msg);
		goto out;
	}
	gemini_usage(cJSON_GetObjectItem(o, "usageMetadata"), &s->usage);
	if (!s->role_sent) {
		s->role_sent = 1;
		adapter_copy(s->id, sizeof(s->id), adapter_jstr(o, "responseId"));
		adapter_copy(s->model, sizeof(s->model), adapter_jstr(o,
		    "modelVersion"));
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "role", "assistant");
		cJSON_AddStringToObject(d, "content", "");
		if ((rc = adapter_emit_delta(s, 0, d, NULL)) != ADAPTER_STREAM_OK)
			goto out;
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(o, "candidates"))
		if ((rc = gemini_ev_candidate(s, c, pos++)) != ADAPTER_STREAM_OK)
			break;
	if (rc == ADAPTER_STREAM_OK && pos == 0 && adapter_jstr(
	    cJSON_GetObjectItem(o, "promptFeedback"), "blockReason")) {
		adapter_copy(s->finish, sizeof(s->finish), "content_filter");
		s->clean = 1;
		rc = adapter_emit_delta(s, 0, cJSON_CreateObject(),
		    "content_filter");
	}
out:
	cJSON_Delete(o);
	return rc;
}

static int
adapter_gemini_finish(struct adapter_stream *s)
{
	if (s->clean && sse_finish(&s->sse) == SSE_OK)
		adapter_emit_usage(s);
	return s->status != ADAPTER_STREAM_OK;
}

const struct adapter_ops adapter_gemini_ops = {
	.auth_headers = adapter_gemini_auth,
	.build = adapter_gemini_build,
	.parse = adapter_gemini_parse,
	.event = adapter_gemini_event,
	.finish = adapter_gemini_finish,
};
