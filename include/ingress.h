/* ingress: the client-facing formats other than Chat Completions, for
 * chat.c. Anthropic Messages (/v1/messages) and OpenAI Responses
 * (/v1/responses) requests are translated to the canonical request (OpenAI
 * chat.completions JSON) so that they reach every upstream through the
 * adapters, and the canonical answer, stream chunks and errors are rendered
 * back in the client's format. Pure translation: no I/O, no database. */
#ifndef SB_INGRESS_H
#define SB_INGRESS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "adapter.h"
#include "buf.h"
#include "error.h"
#include "http.h"

enum ingress_format {
	INGRESS_MESSAGES = 0,	/* Anthropic Messages */
	INGRESS_RESPONSES,	/* OpenAI Responses */
	INGRESS_FORMAT__MAX
};

/* The client's request body in, the canonical request out (caller owns
 * *out). ERR_NONE, or ERR_VALIDATION with a message in err that names the
 * field (a 400 for the client). */
enum err_category ingress_request(enum ingress_format f, const cJSON *in,
	    cJSON **out, char *err, size_t errlen);

/* A canonical chat.completion (choice 0) as the client's response object;
 * id is ours (the request id), model what the client asked for, req the
 * client's own request (fields the format echoes back). */
cJSON	*ingress_response(enum ingress_format f, const cJSON *completion,
	    const struct adapter_usage *u, const char *id, const char *model,
	    const cJSON *req);

/* The client's error body for an error with this HTTP status; NULL when
 * the format's errors are OpenAI's (the caller's own shape). */
cJSON	*ingress_error(enum ingress_format f, int status, const char *code,
	    const char *message, const char *request_id);

/* A request's error (r->err) in Anthropic's shape: the error_body hook of
 * the Messages routes (http.h). */
cJSON	*ingress_messages_error(const struct req *r);

struct ingress_stream;

/* req (the client's own request) must outlive the stream. */
struct ingress_stream *ingress_stream_new(enum ingress_format f, const char *id,
	    const char *model, const cJSON *req);
/* One canonical chat.completion.chunk (JSON text): appends the client's SSE
 * events to out. 0, or -1 (malformed chunk, or out full). */
int	ingress_stream_chunk(struct ingress_stream *s, const char *json, size_t len,
	    struct buf *out);
/* The clean end: closing events with the final usage. 0 or -1. */
int	ingress_stream_end(struct ingress_stream *s, const struct adapter_usage *u,
	    struct buf *out);
/* The end by an error: the format's error event. 0 or -1. */
int	ingress_stream_fail(struct ingress_stream *s, int status, const char *code,
	    const char *message, struct buf *out);
/* The response object the clean end sent (Responses), or NULL. */
const cJSON *ingress_stream_final(const struct ingress_stream *s);
void	ingress_stream_free(struct ingress_stream *s);

/* The conversation to store for a later turn: the canonical request's
 * messages without its system ones (instructions are per request), then the
 * answer in response (a rendered response object) as canonical messages.
 * NULL when the format has no stored conversations. */
cJSON	*ingress_conversation(enum ingress_format f, const cJSON *canonical,
	    const cJSON *response);

/* The upstream format that speaks this ingress natively (its requests are
 * passed through, its answers and streams forwarded as they come), or -1.
 * Whether a given provider speaks it is the caller's rule (chat.c). */
int	ingress_native_format(enum ingress_format f);

/* A request's size in tokens, estimated from its text (count_tokens). */
long long ingress_estimate_tokens(const cJSON *canonical);

#endif
