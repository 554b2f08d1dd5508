/* adapter: translation between our canonical request (OpenAI chat.completions
 * JSON) and each upstream API format: openai (every OpenAI-compatible server),
 * anthropic (Messages API) and gemini (generateContent). Builds the upstream
 * call, turns responses, errors and stream bytes back into OpenAI shapes and
 * tracks exact usage. Pure translation: no I/O, no HTTP, no database. */
#ifndef SB_ADAPTER_H
#define SB_ADAPTER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "sbconst.h"

#define ADAPTER_MAX_HEADERS	6
#define ADAPTER_MAX_EVENT	(4u * 1024 * 1024)	/* one upstream SSE event */
#define ADAPTER_MAX_MSG		300	/* error message kept from upstream */

enum adapter_format {
	ADAPTER_OPENAI = 0,
	ADAPTER_ANTHROPIC,
	ADAPTER_GEMINI,
	ADAPTER_OPENAI_RESPONSES,	/* OpenAI's /responses: pass-through only */
	ADAPTER_FORMAT__MAX
};
extern const char *const adapter_format_names[ADAPTER_FORMAT__MAX];

/* Token usage with OpenAI semantics for every format:
 * prompt includes cache_read and cache_write (both are parts of it), and
 * completion includes reasoning. Anthropic's input_tokens (which excludes
 * cache tokens) is therefore stored as prompt = input + cache_read +
 * cache_write; Gemini's output = candidates + thoughts. */
struct adapter_usage {
	long long	 prompt;
	long long	 completion;
	long long	 total;
	long long	 cache_read;
	long long	 cache_write;
	long long	 reasoning;
	int		 known;		/* the upstream reported usage */
	int		 cost_known;	/* the upstream said what it charged (OpenRouter's usage.cost) */
	long long	 cost_micros;	/* that charge, micro-USD */
};

/* What to call upstream. All strings malloc'd; headers hold the provider
 * key, so adapter_call_free wipes them. */
struct adapter_call {
	char	*url;
	char	*headers[ADAPTER_MAX_HEADERS];	/* "Name: value" */
	size_t	 nheaders;
	char	*body;
	size_t	 body_len;
};

struct adapter_params {
	enum adapter_format	 format;
	const char		*base_url;	/* e.g. https://api.openai.com/v1 */
	const char		*api_key;	/* provider key (plaintext, wiped by caller) */
	const char		*model;		/* upstream model name */
	int			 stream;
	long long		 default_max_tokens; /* <= 0: SB_DEFAULT_MAX_OUTPUT */
	const char		*version;	/* the client's API version header, or NULL */
	const char		*beta;		/* the client's beta flags header, or NULL */
};

/* Build the upstream chat call from the canonical request. Returns ERR_NONE,
 * or a category (validation, auth, model, internal) with a message in err
 * (a fixed text a client can act on). out is zeroed first. */
enum err_category adapter_build(const struct adapter_params *p, const cJSON *req,
	    struct adapter_call *out, char *err, size_t errlen);
/* Build an embeddings call (openai format only; others: validation). */
enum err_category adapter_build_embeddings(const struct adapter_params *p,
	    const cJSON *req, struct adapter_call *out, char *err, size_t errlen);
/* Build the call from a request already in the upstream's own format (an
 * Anthropic Messages request for an Anthropic upstream): passed through
 * with the model and stream set, and the client's version and beta headers
 * (checked) forwarded. ERR_VALIDATION when the format has no such form. */
enum err_category adapter_build_native(const struct adapter_params *p,
	    const cJSON *req, struct adapter_call *out, char *err, size_t errlen);
/* The upstream's own token count for a native request (Anthropic's
 * /v1/messages/count_tokens); ERR_VALIDATION when the format has none. */
enum err_category adapter_build_count(const struct adapter_params *p,
	    const cJSON *req, struct adapter_call *out, char *err, size_t errlen);
int	adapter_has_count(enum adapter_format f);
/* Whether the format takes its own requests (adapter_build_native). */
int	adapter_has_native(enum adapter_format f);
void	adapter_call_free(struct adapter_call *c);

/* Translate a 2xx non-stream upstream body into an OpenAI chat.completion
 * (caller owns *out, cJSON_Delete). client_model, when not NULL, becomes
 * the response's "model". Returns ERR_NONE, or a category with err set
 * (malformed upstream JSON is ERR_UPSTREAM). */
enum err_category adapter_parse_response(enum adapter_format f, const char *body,
	    size_t len, const char *client_model, cJSON **out,
	    struct adapter_usage *u, char *err, size_t errlen);
/* Usage of an OpenAI-shaped embeddings response. Returns 0 or -1. */
int	adapter_parse_embeddings_usage(const char *body, size_t len,
	    struct adapter_usage *u);

/* An OpenAI tool call {id, type: function, function: {name, arguments}};
 * NULL id or name become "", NULL args "{}". */
cJSON	*adapter_tool_call(const char *id, const char *name, const char *args);

/* The request's max output tokens: max_completion_tokens, max_tokens, or 0. */
long long adapter_req_max_tokens(const cJSON *req);

/* Classify an upstream error response (any format) by HTTP status and body;
 * msg receives the upstream's message, bounded, with key-like tokens masked. */
enum err_category adapter_parse_error(enum adapter_format f, long status,
	    const char *body, size_t len, char *msg, size_t msglen);
/* Replace in msg every run of 8 or more characters that also occurs in
 * secret (the exact provider key, or a long piece of it) by "…". Done before
 * pattern masking: a key with '.', '/', '+' or '=' is not a "token". */
void	adapter_scrub_secret(char *msg, const char *secret);
/* Whether an upstream's message (from adapter_parse_error) says the prompt
 * is longer than the model's context window (OpenAI, Anthropic, Gemini and
 * the OpenAI-compatible servers' wordings). */
int	adapter_context_exceeded(const char *msg);
/* Whether an upstream failure of this category/status is worth a retry. */
int	adapter_retryable(enum err_category cat, long status);

/* One OpenAI chat.completion.chunk produced by a stream translator. */
struct adapter_chunk {
	const char	*json;		/* the chunk, NUL-terminated */
	size_t		 len;
	const char	*content;	/* choices[0].delta.content, or NULL */
	size_t		 content_len;
	int		 usage_only;	/* the final usage chunk (choices: []) */
};
/* Return 0 to go on, non-zero to abort the stream (client gone). */
typedef int (*adapter_emit_fn)(void *ctx, const struct adapter_chunk *c);

enum adapter_stream_status {
	ADAPTER_STREAM_OK = 0,
	ADAPTER_STREAM_ABORTED,		/* the emit callback stopped it */
	ADAPTER_STREAM_MALFORMED,	/* bad SSE or JSON from upstream */
	ADAPTER_STREAM_ERROR,		/* the upstream sent an error event */
	ADAPTER_STREAM_TRUNCATED,	/* ended without a clean finish */
	ADAPTER_STREAM__MAX
};

struct adapter_stream;

/* A translator fed raw upstream SSE bytes. include_usage: the client asked
 * for stream_options.include_usage (a final usage chunk is emitted/passed). */
struct adapter_stream *adapter_stream_new(enum adapter_format f,
	    const char *client_model, int include_usage, adapter_emit_fn emit,
	    void *ctx);
/* Feed bytes; emits chunks as events complete. Returns a status; after a
 * non-OK status the stream is dead and further feeds return it again. */
int	adapter_stream_feed(struct adapter_stream *s, const char *p, size_t n);
/* Upstream EOF: returns OK when the stream ended cleanly, TRUNCATED when it
 * did not, or the earlier error. May emit the final usage chunk. */
int	adapter_stream_finish(struct adapter_stream *s);
const struct adapter_usage *adapter_stream_usage(const struct adapter_stream *s);
/* "stop", "length", "tool_calls", "content_filter", or NULL if none seen. */
const char *adapter_stream_finish_reason(const struct adapter_stream *s);
/* Whether any chunk was emitted yet. */
int	adapter_stream_emitted(const struct adapter_stream *s);
/* The error seen (category + message) when the status is ERROR/MALFORMED. */
enum err_category adapter_stream_error(const struct adapter_stream *s,
	    const char **msg);
void	adapter_stream_free(struct adapter_stream *s);

#endif
