/* common: what the format adapters share, and the ops table each exports for
 * the dispatcher (adapter.c). Private to src/chat/adapters/; callers use
 * adapter.h. */
#ifndef SB_ADAPTER_COMMON_H
#define SB_ADAPTER_COMMON_H

#include <stddef.h>

#include "adapter.h"
#include "buf.h"
#include "json.h"
#include "sse.h"

#define ADAPTER_MAX_URL		2048
#define ADAPTER_MAX_ID		128
#define ADAPTER_MAX_MODEL	256

struct adapter_stream {
	enum adapter_format	 format;
	struct sse_parser	 sse;
	adapter_emit_fn		 emit;
	void			*ctx;
	char			*client_model;
	int			 include_usage;
	int			 status;
	int			 clean;		/* [DONE] / message_stop / finishReason */
	int			 emitted;
	int			 role_sent;
	struct adapter_usage	 usage;
	char			 finish[24];
	enum err_category	 err_cat;
	char			 err_msg[ADAPTER_MAX_MSG];
	char			 id[ADAPTER_MAX_ID];
	char			 model[ADAPTER_MAX_MODEL];
	long long		 created;
	int			 cur_tool;	/* anthropic: tool index of the open block, -1 */
	int			 ntools;	/* tool calls started so far */
};

/* One upstream format: what adapter.c calls. build_* get url holding the
 * base URL without a trailing '/', append the path, and fill *body; they
 * return ERR_NONE or a category with err set. */
typedef enum err_category (*adapter_build_fn)(const struct adapter_params *p,
    const cJSON *req, cJSON **body, struct buf *url, char *err, size_t errlen);

struct adapter_ops {
	/* The key (and version) headers. 0, or -1 when they do not fit. */
	int			(*auth_headers)(const struct adapter_params *p,
				    struct adapter_call *c);
	adapter_build_fn	 build;
	adapter_build_fn	 build_embeddings;	/* NULL: no embeddings */
	/* The client's own request in this format, passed through with the
	 * model (and stream) set; NULL: the format has no ingress. */
	adapter_build_fn	 build_native;
	/* Its token-counting call for a native request; NULL: none. */
	adapter_build_fn	 build_count;
	/* A 2xx non-stream body, parsed, into an OpenAI chat.completion. */
	enum err_category	(*parse)(const cJSON *resp, const char *client_model,
				    cJSON **out, struct adapter_usage *u, char *err,
				    size_t errlen);
	/* One upstream SSE event; returns the stream status. */
	int			(*event)(struct adapter_stream *s,
				    const struct sse_event *ev);
	/* At upstream EOF, before the clean-end check; NULL when nothing is
	 * pending. Non-zero when it failed the stream. */
	int			(*finish)(struct adapter_stream *s);
};

extern const struct adapter_ops adapter_openai_ops;
extern const struct adapter_ops adapter_anthropic_ops;
extern const struct adapter_ops adapter_gemini_ops;
extern const struct adapter_ops adapter_responses_ops;

/* Shared helpers (common.c). */
/* A clear 400 when req sets one of fields (NULL-terminated) to anything but
 * its default (absent, null, false, 0, empty): what the upstream cannot do
 * is refused, never silently dropped. provider names it in err. */
enum err_category adapter_refuse_fields(const cJSON *req,
	    const char *const *fields, const char *provider, char *err,
	    size_t errlen);
/* Copy msg to err; returns cat. */
enum err_category adapter_fail(char *err, size_t errlen, enum err_category cat,
	    const char *msg);
/* Add "Name: value" to the call (wiped by adapter_call_free). 0 or -1. */
int	adapter_add_header(struct adapter_call *c, const char *name, const char *val);
const char *adapter_jstr(const cJSON *o, const char *key);
int	adapter_jint(const cJSON *o, const char *key, long long *v);
/* Text of a message's content: a string, or the text parts joined. */
int	adapter_content_text(const cJSON *content, struct buf *out);
/* Split "data:<mime>;base64,<data>"; returns 0 when url is such a URL. */
int	adapter_data_url(const char *url, char *mime, size_t mimelen,
	    const char **data);
/* Append items to the last turn of list when it has the same role (both
 * APIs want alternating roles), else start a turn {role, <items_key>: items}.
 * Consumes items. */
void	adapter_append_turn(cJSON *list, const char *role, const char *items_key,
	    cJSON *items);
/* Walk an OpenAI user content (a string, or text / image_url parts), calling
 * add_text(out, text, part) (part NULL for a string) and add_image(out, url) (which returns -1 for a URL it
 * cannot carry). 0, or -1 with err filled (validation). */
int	adapter_user_content(const cJSON *content, cJSON *out,
	    void (*add_text)(cJSON *, const char *, const cJSON *),
	    int (*add_image)(cJSON *, const char *),
	    char *err, size_t errlen);
/* A new chat.completion / chunk skeleton with id, created, model. */
cJSON	*adapter_completion_new(const char *id, const char *model);
/* Emit one chunk with the given delta (owned, consumed) for choice 0. */
int	adapter_emit_delta(struct adapter_stream *s, int index, cJSON *delta,
	    const char *finish_reason);
/* Emit the final usage-only chunk (only when include_usage). */
int	adapter_emit_usage(struct adapter_stream *s);
/* Emit an already-serialised chunk (openai pass-through). */
int	adapter_emit_raw(struct adapter_stream *s, const char *json, size_t len,
	    const char *content, size_t content_len, int usage_only);
/* Record an error on the stream; returns ADAPTER_STREAM_ERROR. */
int	adapter_stream_fail(struct adapter_stream *s, int status,
	    enum err_category cat, const char *msg);
/* A native request (the client's own, in this upstream's format) as the
 * body: req with model set to ours and stream as the call streams; path is
 * appended to url. ERR_NONE or ERR_INTERNAL with err. */
enum err_category adapter_native_body(const struct adapter_params *p,
	    const cJSON *req, const char *path, cJSON **body, struct buf *url,
	    char *err, size_t errlen);
/* An OpenAI "usage" object from u (with cached/reasoning details). */
cJSON	*adapter_usage_json(const struct adapter_usage *u);
void	adapter_copy(char *dst, size_t dstlen, const char *src);

#endif
