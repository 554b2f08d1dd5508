/* anthropic adapter: the Messages API. Maps the canonical OpenAI request
 * (system messages, roles, text and image parts, tools and tool results) to
 * /v1/messages, and maps responses and stream events (message_start,
 * content_block_*, message_delta, message_stop) back to OpenAI shapes. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define ANTHROPIC_MAX_SYSTEM	(4u * 1024 * 1024)
#define ANTHROPIC_MAX_BREAKPOINTS 4	/* cache_control blocks per request */
#define ANTHROPIC_MIN_THINKING	1024	/* thinking.budget_tokens minimum */

/* Chat Completions fields the Messages API has no equivalent for. */
static const char *const anthropic_unsupported[] = {
	"presence_penalty", "frequency_penalty", "logit_bias", "seed",
	"logprobs", "top_logprobs", NULL
};

/* The cache_control of a content part, or the last one among an array of
 * parts (OpenRouter's and LiteLLM's way to mark Anthropic cache
 * breakpoints in Chat Completions); NULL when none. */
static const cJSON *
anthropic_cache_of(const cJSON *part_or_parts)
{
	const cJSON	*p, *cc = NULL;

	if (cJSON_IsArray(part_or_parts)) {
		cJSON_ArrayForEach(p, part_or_parts)
			if (cJSON_GetObjectItemCaseSensitive(p, "cache_control"))
				cc = cJSON_GetObjectItemCaseSensitive(p, "cache_control");
		return cc;
	}
	return cJSON_GetObjectItemCaseSensitive(part_or_parts, "cache_control");
}

/* Copy a cache_control (TTL and all) onto the last block of blocks. */
static void
anthropic_mark_last(cJSON *blocks, const cJSON *cc)
{
	cJSON	*last = cJSON_GetArrayItem(blocks, cJSON_GetArraySize(blocks) - 1);

	if (cc == NULL || !cJSON_IsObject(cc) || last == NULL)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(last, "cache_control");
	cJSON_AddItemToObject(last, "cache_control", cJSON_Duplicate(cc, 1));
}

static const char *
anthropic_finish(const char *stop_reason)
{
	if (stop_reason == NULL)
		return NULL;
	if (!strcmp(stop_reason, "max_tokens"))
		return "length";
	if (!strcmp(stop_reason, "tool_use"))
		return "tool_calls";
	if (!strcmp(stop_reason, "refusal"))
		return "content_filter";
	return "stop";	/* end_turn, stop_sequence, pause_turn */
}

static void
anthropic_text_block(cJSON *blocks, const char *text, const cJSON *part)
{
	cJSON	*b;

	if (text == NULL || text[0] == '\0')
		return;
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "text");
	cJSON_AddStringToObject(b, "text", text);
	cJSON_AddItemToArray(blocks, b);
	anthropic_mark_last(blocks, anthropic_cache_of(part));
}

static int
anthropic_image_block(cJSON *blocks, const char *url)
{
	const char	*data;
	char		 mime[64];
	cJSON		*b, *src;

	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "image");
	src = cJSON_AddObjectToObject(b, "source");
	if (adapter_data_url(url, mime, sizeof(mime), &data) == 0) {
		cJSON_AddStringToObject(src, "type", "base64");
		cJSON_AddStringToObject(src, "media_type", mime);
		cJSON_AddStringToObject(src, "data", data);
	} else if (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7)) {
		cJSON_AddStringToObject(src, "type", "url");
		cJSON_AddStringToObject(src, "url", url);
	} else {
		cJSON_Delete(b);
		return -1;
	}
	cJSON_AddItemToArray(blocks, b);
	return 0;
}

/* Parse tool-call arguments (a JSON string) into an object. */
static cJSON *
anthropic_args(const char *args)
{
	cJSON	*o;

	if (args == NULL || args[0] == '\0')
		return cJSON_CreateObject();
	o = cJSON_Parse(args);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int
anthropic_assistant_blocks(const cJSON *m, cJSON *blocks, char *err,
    size_t errlen)
{
	const cJSON	*tc, *fn;
	struct buf	 text;
	cJSON		*b, *input;
	const char	*id, *name;
	int		 rc = 0;

	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	if (adapter_content_text(cJSON_GetObjectItem(m, "content"), &text) != 0)
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "assistant content must be a string or text parts");
	else
		anthropic_text_block(blocks, text.data, cJSON_GetObjectItem(m,
		    "content"));
	buf_free(&text);
	cJSON_ArrayForEach(tc, cJSON_GetObjectItem(m, "tool_calls")) {
		if (rc)
			break;
		fn = cJSON_GetObjectItem(tc, "function");
		id = adapter_jstr(tc, "id");
		name = adapter_jstr(fn, "name");
		input = anthropic_args(adapter_jstr(fn, "arguments"));
		if (id == NULL || name == NULL || input == NULL) {
			cJSON_Delete(input);
			rc = adapter_fail(err, errlen, ERR_VALIDATION,
			    "a tool call needs an id, a function name and "
			    "arguments that are a JSON object");
			break;
		}
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "type", "tool_use");
		cJSON_AddStringToObject(b, "id", id);
		cJSON_AddStringToObject(b, "name", name);
		cJSON_AddItemToObject(b, "input", input);
		cJSON_AddItemToArray(blocks, b);
	}
	return rc;
}

static int
anthropic_tool_block(const cJSON *m, cJSON *blocks, char *err, size_t errlen)
{
	const char	*id = adapter_jstr(m, "tool_call_id");
	struct buf	 text;
	cJSON		*b;
	int		 rc = 0;

	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	if (id == NULL || adapter_content_text(cJSON_GetObjectItem(m,
	    "content"), &text) != 0) {
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "a tool message needs \"tool_call_id\" and text content");
		goto out;
	}
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "tool_result");
	cJSON_AddStringToObject(b, "tool_use_id", id);
	cJSON_AddStringToObject(b, "content", text.data ? text.data : "");
	cJSON_AddItemToArray(blocks, b);
	anthropic_mark_last(blocks, anthropic_cache_of(cJSON_GetObjectItem(m,
	    "content")));
out:
	buf_free(&text);
	return rc;
}

/* A system message's text into sys, as text blocks (one per part, so
 * that each keeps its cache_control). */
static int
anthropic_system(const cJSON *m, cJSON *sys, char *err, size_t errlen)
{
	const cJSON	*content = cJSON_GetObjectItem(m, "content"), *p;

	if (cJSON_IsString(content)) {
		anthropic_text_block(sys, content->valuestring, NULL);
		return 0;
	}
	if (!cJSON_IsArray(content))
		return adapter_fail(err, errlen, ERR_VALIDATION,
		    "system messages must be text");
	cJSON_ArrayForEach(p, content) {
		if (adapter_jstr(p, "text") == NULL)
			return adapter_fail(err, errlen, ERR_VALIDATION,
			    "system messages must be text");
		anthropic_text_block(sys, adapter_jstr(p, "text"), p);
	}
	return 0;
}

/* "system": the blocks joined into one string, or the blocks themselves
 * when one carries a cache breakpoint. */
static int
anthropic_add_system(cJSON *b, cJSON *sys, char *err, size_t errlen)
{
	const cJSON	*bl;
	struct buf	 text;
	int		 rc = 0;

	if (cJSON_GetArraySize(sys) == 0)
		return 0;
	cJSON_ArrayForEach(bl, sys)
		if (cJSON_GetObjectItemCaseSensitive(bl, "cache_control")) {
			cJSON_AddItemToObject(b, "system", cJSON_Duplicate(sys, 1));
			return 0;
		}
	buf_init(&text, ANTHROPIC_MAX_SYSTEM);
	cJSON_ArrayForEach(bl, sys)
		if ((text.len && buf_puts(&text, "\n\n") != BUF_OK) ||
		    buf_puts(&text, adapter_jstr(bl, "text")) != BUF_OK)
			rc = adapter_fail(err, errlen, ERR_VALIDATION,
			    "the system messages are larger than the size limit");
	if (rc == 0)
		cJSON_AddStringToObject(b, "system", text.data);
	buf_free(&text);
	return rc;
}

/* One canonical message into msgs (or into the system blocks). */
static int
anthropic_message(const cJSON *m, cJSON *msgs, cJSON *sys, char *err,
    size_t errlen)
{
	const char	*role = adapter_jstr(m, "role");
	cJSON		*blocks;
	int		 rc = 0;

	if (role && (!strcmp(role, "system") || !strcmp(role, "developer")))
		return anthropic_system(m, sys, err, errlen);
	blocks = cJSON_CreateArray();
	if (role && !strcmp(role, "user"))
		rc = adapter_user_content(cJSON_GetObjectItem(m, "content"),
		    blocks, anthropic_text_block, anthropic_image_block, err, errlen);
	else if (role && !strcmp(role, "assistant"))
		rc = anthropic_assistant_blocks(m, blocks, err, errlen);
	else if (role && !strcmp(role, "tool"))
		rc = anthropic_tool_block(m, blocks, err, errlen);
	else
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "a message role must be system, user, assistant or tool");
	if (rc) {
		cJSON_Delete(blocks);
		return rc;
	}
	adapter_append_turn(msgs, !strcmp(role, "assistant") ? "assistant" :
	    "user", "content", blocks);
	return 0;
}

static int
anthropic_tools(const cJSON *req, cJSON *b, char *err, size_t errlen)
{
	const cJSON	*t, *fn, *params, *tc;
	cJSON		*tools, *o, *choice = NULL;
	const char	*name, *s;

	if ((t = cJSON_GetObjectItem(req, "tools")) != NULL &&
	    cJSON_GetArraySize(t) > 0) {
		tools = cJSON_AddArrayToObject(b, "tools");
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(req, "tools")) {
			fn = cJSON_GetObjectItem(t, "function");
			if ((name = adapter_jstr(fn, "name")) == NULL)
				return adapter_fail(err, errlen,
				    ERR_VALIDATION,
				    "every tool needs function.name");
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", name);
			if ((s = adapter_jstr(fn, "description")) != NULL)
				cJSON_AddStringToObject(o, "description", s);
			params = cJSON_GetObjectItem(fn, "parameters");
			if (cJSON_IsObject(params))
				cJSON_AddItemToObject(o, "input_schema",
				    cJSON_Duplicate(params, 1));
			else
				cJSON_AddItemToObject(o, "input_schema",
				    cJSON_Parse("{\"type\":\"object\","
				    "\"properties\":{}}"));
			if (cJSON_IsObject(cJSON_GetObjectItem(t, "cache_control")))
				cJSON_AddItemToObject(o, "cache_control", cJSON_Duplicate(
				    cJSON_GetObjectItem(t, "cache_control"), 1));
			cJSON_AddItemToArray(tools, o);
		}
	}
	tc = cJSON_GetObjectItem(req, "tool_choice");
	if (cJSON_IsString(tc)) {
		choice = cJSON_CreateObject();
		cJSON_AddStringToObject(choice, "type",
		    !strcmp(tc->valuestring, "required") ? "any" :
		    !strcmp(tc->valuestring, "none") ? "none" : "auto");
	} else if (cJSON_IsObject(tc) && (name = adapter_jstr(
	    cJSON_GetObjectItem(tc, "function"), "name")) != NULL) {
		choice = cJSON_CreateObject();
		cJSON_AddStringToObject(choice, "type", "tool");
		cJSON_AddStringToObject(choice, "name", name);
	}
	if (cJSON_IsFalse(cJSON_GetObjectItem(req, "parallel_tool_calls")) &&
	    cJSON_GetObjectItem(b, "tools")) {
		if (choice == NULL) {
			choice = cJSON_CreateObject();
			cJSON_AddStringToObject(choice, "type", "auto");
		}
		cJSON_AddTrueToObject(choice, "disable_parallel_tool_use");
	}
	if (choice)
		cJSON_AddItemToObject(b, "tool_choice", choice);
	return 0;
}

/* temperature, top_p, stop, user, n. */
static int
anthropic_options(const cJSON *req, cJSON *b, char *err, size_t errlen)
{
	static const char *const nums[] = { "temperature", "top_p", "top_k" };
	const cJSON	*v, *s;
	cJSON		*arr;
	long long	 n;
	size_t		 i;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (cJSON_IsNumber(v = cJSON_GetObjectItem(req, nums[i])))
			cJSON_AddNumberToObject(b, nums[i], v->valuedouble);
	if (adapter_jint(req, "n", &n) == 0 && n > 1)
		return adapter_fail(err, errlen, ERR_VALIDATION,
		    "this provider returns one choice per request: use n=1");
	v = cJSON_GetObjectItem(req, "stop");
	if (cJSON_IsString(v) || cJSON_IsArray(v)) {
		arr = cJSON_AddArrayToObject(b, "stop_sequences");
		if (cJSON_IsString(v))
			cJSON_AddItemToArray(arr, cJSON_CreateString(
			    v->valuestring));
		else
			cJSON_ArrayForEach(s, v)
				if (cJSON_IsString(s))
					cJSON_AddItemToArray(arr,
					    cJSON_CreateString(s->valuestring));
	}
	if ((v = cJSON_GetObjectItem(req, "user")) && cJSON_IsString(v))
		cJSON_AddStringToObject(cJSON_AddObjectToObject(b, "metadata"),
		    "user_id", v->valuestring);
	return 0;
}

/* Anthropic takes at most four cache breakpoints: keep the last four (in
 * its order: tools, system, messages), which cover the longest prefixes. */
static void
anthropic_limit_breakpoints(cJSON *b)
{
	static const char *const lists[] = { "tools", "system", "messages" };
	cJSON		*marked[256], *it, *bl;
	size_t		 i, n = 0, k;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(b, lists[i])) {
			if (cJSON_GetObjectItemCaseSensitive(it, "cache_control") &&
			    n < sizeof(marked) / sizeof(marked[0]))
				marked[n++] = it;
			cJSON_ArrayForEach(bl, cJSON_GetObjectItemCaseSensitive(it, "content"))
				if (cJSON_GetObjectItemCaseSensitive(bl, "cache_control") &&
				    n < sizeof(marked) / sizeof(marked[0]))
					marked[n++] = bl;
		}
	for (k = 0; n > ANTHROPIC_MAX_BREAKPOINTS && k < n - ANTHROPIC_MAX_BREAKPOINTS; k++)
		cJSON_DeleteItemFromObjectCaseSensitive(marked[k], "cache_control");
}

/* response_format → output_config.format: a JSON schema as given, JSON
 * mode as the schema of any object. */
static int
anthropic_format(const cJSON *req, cJSON *b, char *err, size_t errlen)
{
	const cJSON	*rf = cJSON_GetObjectItem(req, "response_format");
	const cJSON	*schema = cJSON_GetObjectItem(cJSON_GetObjectItem(rf,
	    "json_schema"), "schema");
	const char	*type = adapter_jstr(rf, "type");
	cJSON		*f;

	if (type == NULL || !strcmp(type, "text"))
		return 0;
	if (strcmp(type, "json_object") && (strcmp(type, "json_schema") ||
	    !cJSON_IsObject(schema)))
		return adapter_fail(err, errlen, ERR_VALIDATION, "response_format "
		    "must be text, json_object, or json_schema with a schema object");
	f = cJSON_AddObjectToObject(cJSON_AddObjectToObject(b, "output_config"),
	    "format");
	cJSON_AddStringToObject(f, "type", "json_schema");
	if (!strcmp(type, "json_object"))
		cJSON_AddItemToObject(f, "schema", cJSON_Parse("{\"type\":\"object\"}"));
	else
		cJSON_AddItemToObject(f, "schema", cJSON_Duplicate(schema, 1));
	return 0;
}

/* reasoning_effort → extended thinking with a budget (low 1024, medium
 * 4096, high 16384 tokens), kept below max_tokens as Anthropic requires;
 * "none" / "minimal" leave thinking off. */
static int
anthropic_thinking(const cJSON *req, cJSON *b, long long max, char *err,
    size_t errlen)
{
	const char	*e = adapter_jstr(req, "reasoning_effort");
	long long	 budget;
	cJSON		*t;

	if (e == NULL || !strcmp(e, "none") || !strcmp(e, "minimal"))
		return 0;
	budget = !strcmp(e, "low") ? 1024 : !strcmp(e, "medium") ? 4096 :
	    !strcmp(e, "high") ? 16384 : -1;
	if (budget < 0)
		return adapter_fail(err, errlen, ERR_VALIDATION, "reasoning_effort "
		    "must be none, minimal, low, medium or high");
	if (budget >= max)
		budget = max - 1;
	if (budget < ANTHROPIC_MIN_THINKING)
		return adapter_fail(err, errlen, ERR_VALIDATION, "reasoning on "
		    "this provider needs max_tokens above 1024 (its thinking "
		    "budget is at least 1024 tokens and below max_tokens)");
	t = cJSON_AddObjectToObject(b, "thinking");
	cJSON_AddStringToObject(t, "type", "enabled");
	cJSON_AddNumberToObject(t, "budget_tokens", (double)budget);
	cJSON_DeleteItemFromObjectCaseSensitive(b, "temperature");	/* refused with thinking */
	cJSON_DeleteItemFromObjectCaseSensitive(b, "top_k");
	return 0;
}

/* A client's anthropic-version / anthropic-beta value: short, and only
 * the characters such values use (no header injection, no spaces). */
static int
anthropic_header_ok(const char *v)
{
	size_t	 n = v ? strlen(v) : 0;

	if (n == 0 || n > 512)
		return 0;
	return strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.,") == n;
}

static int
adapter_anthropic_auth(const struct adapter_params *p, struct adapter_call *c)
{
	if (adapter_add_header(c, "x-api-key", p->api_key) ||
	    adapter_add_header(c, "anthropic-version", anthropic_header_ok(
	    p->version) ? p->version : "2023-06-01"))
		return -1;
	if (anthropic_header_ok(p->beta) &&
	    adapter_add_header(c, "anthropic-beta", p->beta))
		return -1;
	return 0;
}

/* A count_tokens request: the Messages request's fields that count
 * (messages, system, tools, tool_choice, thinking), with our model name. */
static enum err_category
adapter_anthropic_build_count(const struct adapter_params *p, const cJSON *req,
    cJSON **body, struct buf *url, char *err, size_t errlen)
{
	static const char *const keep[] = { "messages", "system", "tools",
	    "tool_choice", "thinking" };
	const cJSON	*v;
	cJSON		*b = cJSON_CreateObject();
	size_t		 i;

	cJSON_AddStringToObject(b, "model", p->model);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if ((v = cJSON_GetObjectItemCaseSensitive(req, keep[i])) != NULL)
			cJSON_AddItemToObject(b, keep[i], cJSON_Duplicate(v, 1));
	*body = b;
	if (buf_puts(url, "/v1/messages/count_tokens") != BUF_OK)
		return adapter_fail(err, errlen, ERR_INTERNAL,
		    "the provider's base URL is too long");
	return ERR_NONE;
}

/* A Messages request from a Messages client: as it came, with our model
 * name and stream flag. */
static enum err_category
adapter_anthropic_build_native(const struct adapter_params *p, const cJSON *req,
    cJSON **body, struct buf *url, char *err, size_t errlen)
{
	return adapter_native_body(p, req, "/v1/messages", body, url, err, errlen);
}

static enum err_category
adapter_anthropic_build(const struct adapter_params *p, const cJSON *req,
    cJSON **body, struct buf *url, char *err, size_t errlen)
{
	const cJSON	*msgs = cJSON_GetObjectItemCaseSensitive(req, "messages");
	const cJSON	*m;
	cJSON		*b = cJSON_CreateObject(), *out, *sys = cJSON_CreateArray();
	long long	 max = adapter_req_max_tokens(req);
	int		 rc = 0;

	if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) == 0) {
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "\"messages\" must be a non-empty array");
		goto out;
	}
	if (max <= 0)
		max = p->default_max_tokens > 0 ? p->default_max_tokens :
		    SB_DEFAULT_MAX_OUTPUT;
	cJSON_AddStringToObject(b, "model", p->model);
	cJSON_AddNumberToObject(b, "max_tokens", (double)max);
	out = cJSON_AddArrayToObject(b, "messages");
	cJSON_ArrayForEach(m, msgs)
		if ((rc = anthropic_message(m, out, sys, err, errlen)) != 0)
			goto out;
	if (cJSON_GetArraySize(out) == 0) {
		rc = adapter_fail(err, errlen, ERR_VALIDATION,
		    "at least one user message is needed");
		goto out;
	}
	if ((rc = adapter_refuse_fields(req, anthropic_unsupported, "Anthropic",
	    err, errlen)) != 0 ||
	    (rc = anthropic_add_system(b, sys, err, errlen)) != 0 ||
	    (rc = anthropic_options(req, b, err, errlen)) != 0 ||
	    (rc = anthropic_tools(req, b, err, errlen)) != 0 ||
	    (rc = anthropic_format(req, b, err, errlen)) != 0 ||
	    (rc = anthropic_thinking(req, b, max, err, errlen)) != 0)
		goto out;
	anthropic_limit_breakpoints(b);
	if (p->stream)
		cJSON_AddTrueToObject(b, "stream");
	if (buf_puts(url, "/v1/messages") != BUF_OK)
		rc = adapter_fail(err, errlen, ERR_INTERNAL,
		    "the provider's base URL is too long");
out:
	cJSON_Delete(sys);
	if (rc) {
		cJSON_Delete(b);
		b = NULL;
	}
	*body = b;
	return rc;
}

/* Merge the fields present in an Anthropic usage object into u. The API's
 * input_tokens excludes cache tokens; u->prompt includes them. */
static void
anthropic_usage(const cJSON *usage, struct adapter_usage *u)
{
	long long	 input = u->prompt - u->cache_read - u->cache_write, v;

	if (!cJSON_IsObject(usage))
		return;
	if (adapter_jint(usage, "input_tokens", &v) == 0) {
		input = v;
		u->known = 1;
	}
	if (adapter_jint(usage, "cache_read_input_tokens", &v) == 0)
		u->cache_read = v;
	if (adapter_jint(usage, "cache_creation_input_tokens", &v) == 0)
		u->cache_write = v;
	if (adapter_jint(usage, "output_tokens", &v) == 0)
		u->completion = v;
	u->prompt = input + u->cache_read + u->cache_write;
	u->total = u->prompt + u->completion;
}

static cJSON *
anthropic_tool_call(const cJSON *block)
{
	char	*args = json_print(cJSON_GetObjectItem(block, "input"));
	cJSON	*tc = adapter_tool_call(adapter_jstr(block, "id"),
	    adapter_jstr(block, "name"), args);

	free(args);
	return tc;
}

static enum err_category
adapter_anthropic_parse(const cJSON *resp, const char *client_model,
    cJSON **out, struct adapter_usage *u, char *err, size_t errlen)
{
	const cJSON	*content = cJSON_GetObjectItem(resp, "content"), *bl;
	const char	*type, *fr;
	struct buf	 text, thinking;
	cJSON		*o, *choice, *msg, *calls = NULL;

	if (!cJSON_IsArray(content))
		return adapter_fail(err, errlen, ERR_UPSTREAM,
		    "the upstream response has no \"content\"");
	buf_init(&text, SB_MAX_UPSTREAM_BODY);
	buf_init(&thinking, SB_MAX_UPSTREAM_BODY);
	cJSON_ArrayForEach(bl, content) {
		type = adapter_jstr(bl, "type");
		if (type && !strcmp(type, "text") && adapter_jstr(bl, "text"))
			buf_puts(&text, adapter_jstr(bl, "text"));
		else if (type && !strcmp(type, "thinking") && adapter_jstr(bl, "thinking"))
			buf_puts(&thinking, adapter_jstr(bl, "thinking"));
		else if (type && !strcmp(type, "tool_use")) {
			if (calls == NULL)
				calls = cJSON_CreateArray();
			cJSON_AddItemToArray(calls, anthropic_tool_call(bl));
		}
	}
	o = adapter_completion_new(adapter_jstr(resp, "id"), client_model ?
	    client_model : adapter_jstr(resp, "model"));
	choice = cJSON_CreateObject();
	cJSON_AddNumberToObject(choice, "index", 0);
	msg = cJSON_AddObjectToObject(choice, "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	if (text.len || calls == NULL)
		cJSON_AddStringToObject(msg, "content", text.data ? text.data :
		    "");
	else
		cJSON_AddNullToObject(msg, "content");
	if (calls)
		cJSON_AddItemToObject(msg, "tool_calls", calls);
	if (thinking.len)
		cJSON_AddStringToObject(msg, "reasoning_content", thinking.data);
	buf_free(&thinking);
	fr = anthropic_finish(adapter_jstr(resp, "stop_reason"));
	cJSON_AddStringToObject(choice, "finish_reason", fr ? fr : "stop");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "choices"), choice);
	anthropic_usage(cJSON_GetObjectItem(resp, "usage"), u);
	cJSON_AddItemToObject(o, "usage", adapter_usage_json(u));
	buf_free(&text);
	*out = o;
	return 0;
}

/* --- streaming ----------------------------------------------------------- */

static int
anthropic_ev_message_start(struct adapter_stream *s, const cJSON *o)
{
	const cJSON	*m = cJSON_GetObjectItem(o, "message");
	cJSON		*delta;

	adapter_copy(s->id, sizeof(s->id), adapter_jstr(m, "id"));
	adapter_copy(s->model, sizeof(s->model), adapter_jstr(m, "model"));
	anthropic_usage(cJSON_GetObjectItem(m, "usage"), &s->usage);
	if (s->role_sent)
		return ADAPTER_STREAM_OK;
	s->role_sent = 1;
	delta = cJSON_CreateObject();
	cJSON_AddStringToObject(delta, "role", "assistant");
	cJSON_AddStringToObject(delta, "content", "");
	return adapter_emit_delta(s, 0, delta, NULL);
}

/* A tool_calls delta for tool index i; id/name only on the first one. */
static int
anthropic_emit_tool(struct adapter_stream *s, int i, const char *id,
    const char *name, const char *args)
{
	cJSON	*delta = cJSON_CreateObject(), *tc, *fn;

	tc = cJSON_CreateObject();
	cJSON_AddNumberToObject(tc, "index", i);
	if (id) {
		cJSON_AddStringToObject(tc, "id", id);
		cJSON_AddStringToObject(tc, "type", "function");
	}
	fn = cJSON_AddObjectToObject(tc, "function");
	if (name)
		cJSON_AddStringToObject(fn, "name", name);
	cJSON_AddStringToObject(fn, "arguments", args);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(delta, "tool_calls"), tc);
	return adapter_emit_delta(s, 0, delta, NULL);
}

static int
anthropic_emit_text(struct adapter_stream *s, const char *text)
{
	cJSON	*delta;

	if (text == NULL || text[0] == '\0')
		return ADAPTER_STREAM_OK;
	delta = cJSON_CreateObject();
	cJSON_AddStringToObject(delta, "content", text);
	return adapter_emit_delta(s, 0, delta, NULL);
}

static int
anthropic_ev_block_start(struct adapter_stream *s, const cJSON *o)
{
	const cJSON	*b = cJSON_GetObjectItem(o, "content_block");
	const char	*type = adapter_jstr(b, "type");

	s->cur_tool = -1;
	if (type && !strcmp(type, "tool_use")) {
		s->cur_tool = s->ntools++;
		return anthropic_emit_tool(s, s->cur_tool,
		    adapter_jstr(b, "id") ? adapter_jstr(b, "id") : "",
		    adapter_jstr(b, "name") ? adapter_jstr(b, "name") : "", "");
	}
	if (type && !strcmp(type, "text"))
		return anthropic_emit_text(s, adapter_jstr(b, "text"));
	return ADAPTER_STREAM_OK;
}

static int
anthropic_ev_block_delta(struct adapter_stream *s, const cJSON *o)
{
	const cJSON	*d = cJSON_GetObjectItem(o, "delta");
	const char	*type = adapter_jstr(d, "type"), *pj;

	if (type && !strcmp(type, "text_delta"))
		return anthropic_emit_text(s, adapter_jstr(d, "text"));
	if (type && !strcmp(type, "thinking_delta") && adapter_jstr(d, "thinking")) {
		/* reasoning_content: the common Chat Completions convention */
		cJSON *delta = cJSON_CreateObject();

		cJSON_AddStringToObject(delta, "reasoning_content",
		    adapter_jstr(d, "thinking"));
		return adapter_emit_delta(s, 0, delta, NULL);
	}
	if (type && !strcmp(type, "input_json_delta") && s->cur_tool >= 0 &&
	    (pj = adapter_jstr(d, "partial_json")) != NULL && pj[0])
		return anthropic_emit_tool(s, s->cur_tool, NULL, NULL, pj);
	return ADAPTER_STREAM_OK;
}

static int
anthropic_ev_message_delta(struct adapter_stream *s, const cJSON *o)
{
	const char	*fr = anthropic_finish(adapter_jstr(cJSON_GetObjectItem(
	    o, "delta"), "stop_reason"));

	anthropic_usage(cJSON_GetObjectItem(o, "usage"), &s->usage);
	if (fr == NULL)
		return ADAPTER_STREAM_OK;
	adapter_copy(s->finish, sizeof(s->finish), fr);
	return adapter_emit_delta(s, 0, cJSON_CreateObject(), fr);
}

static int
anthropic_ev_error(struct adapter_stream *s, const struct sse_event *ev)
{
	char		 msg[ADAPTER_MAX_MSG];
	enum err_category cat;

	cat = adapter_parse_error(ADAPTER_ANTHROPIC, 500, ev->data,
	    ev->data_len, msg, sizeof(msg));
	return adapter_stream_fail(s, ADAPTER_STREAM_ERROR, cat, msg);
}

static int
adapter_anthropic_event(struct adapter_stream *s, const struct sse_event *ev)
{
	cJSON		*o = cJSON_ParseWithLength(ev->data, ev->data_len);
	const char	*type = adapter_jstr(o, "type");
	int		 rc = ADAPTER_STREAM_OK;

	if (!cJSON_IsObject(o) || type == NULL) {
		rc = adapter_stream_fail(s, ADAPTER_STREAM_MALFORMED,
		    ERR_UPSTREAM,
		    "the upstream sent a stream event that is not valid JSON");
		goto out;
	}
	if (!strcmp(type, "message_start"))
		rc = anthropic_ev_message_start(s, o);
	else if (!strcmp(type, "content_block_start"))
		rc = anthropic_ev_block_start(s, o);
	else if (!strcmp(type, "content_block_delta"))
		rc = anthropic_ev_block_delta(s, o);
	else if (!strcmp(type, "content_block_stop"))
		s->cur_tool = -1;
	else if (!strcmp(type, "message_delta"))
		rc = anthropic_ev_message_delta(s, o);
	else if (!strcmp(type, "message_stop")) {
		s->clean = 1;
		rc = adapter_emit_usage(s);
	} else if (!strcmp(type, "error"))
		rc = anthropic_ev_error(s, ev);
out:
	cJSON_Delete(o);
	return rc;
}

const struct adapter_ops adapter_anthropic_ops = {
	.auth_headers = adapter_anthropic_auth,
	.build = adapter_anthropic_build,
	.build_native = adapter_anthropic_build_native,
	.build_count = adapter_anthropic_build_count,
	.parse = adapter_anthropic_parse,
	.event = adapter_anthropic_event,
};
