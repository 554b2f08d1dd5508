/* common: what the ingress formats share, and the ops table each exports
 * for the dispatcher (ingress.c). Private to src/chat/ingress/; callers use
 * ingress.h. */
#ifndef SB_INGRESS_COMMON_H
#define SB_INGRESS_COMMON_H

#include "ingress.h"
#include "json.h"

#define INGRESS_MAX_ID		160
#define INGRESS_MAX_MODEL	256

enum ingress_block { BLOCK_NONE, BLOCK_TEXT, BLOCK_TOOL, BLOCK_THINKING };

/* The state of one rendered stream; each format uses what it needs. */
struct ingress_stream {
	enum ingress_format	 format;
	char			 id[INGRESS_MAX_ID];
	char			 model[INGRESS_MAX_MODEL];
	int			 started;	/* the opening event went out */
	enum ingress_block	 open;		/* the block / output item open now */
	int			 index;		/* its index (block, output item) */
	int			 nitems;	/* blocks / output items opened */
	long long		 seq;		/* responses: sequence_number */
	char			 finish[24];	/* the canonical finish_reason */
	char			 item_id[INGRESS_MAX_ID];	/* responses: open item */
	char			 call_id[INGRESS_MAX_ID];
	char			 name[INGRESS_MAX_ID];
	struct buf		 acc;		/* responses: open item's text/args */
	cJSON			*output;	/* responses: the finished items */
	cJSON			*final;		/* responses: the object the end sent */
	const cJSON		*req;		/* the client's request */
};

struct ingress_ops {
	enum err_category (*request)(const cJSON *in, cJSON **out, char *err,
			    size_t errlen);
	cJSON		*(*response)(const cJSON *completion,
			    const struct adapter_usage *u, const char *id,
			    const char *model, const cJSON *req);
	/* Stored conversation (NULL: none for this format). */
	cJSON		*(*conversation)(const cJSON *canonical, const cJSON *response);
	cJSON		*(*error)(int status, const char *code, const char *message,
			    const char *request_id);
	/* One canonical chunk's delta (choice 0) and finish_reason. */
	int		 (*delta)(struct ingress_stream *s, const cJSON *delta,
			    struct buf *out);
	int		 (*end)(struct ingress_stream *s, const struct adapter_usage *u,
			    struct buf *out);
	int		 (*fail)(struct ingress_stream *s, int status, const char *code,
			    const char *message, struct buf *out);
};

extern const struct ingress_ops ingress_messages_ops;
extern const struct ingress_ops ingress_responses_ops;

/* Shared helpers (ingress.c). */
/* o[key] when it is a string, else NULL. */
const char *ingress_str(const cJSON *o, const char *key);
enum err_category ingress_fail(char *err, size_t errlen, const char *msg);
/* Append "event: <name>\ndata: <o>\n\n" to out; consumes o. 0 or -1. */
int	ingress_sse(struct buf *out, const char *name, cJSON *o);
/* Copy the number in[key] to out[as] when it is one. */
void	ingress_copy_number(const cJSON *in, const char *key, cJSON *out,
	    const char *as);
/* Copy in[key] to out[as] (any JSON value) when present. */
void	ingress_copy_item(const cJSON *in, const char *key, cJSON *out,
	    const char *as);
/* Text of choice 0's message and its tool_calls (either may be NULL). */
const cJSON *ingress_choice(const cJSON *completion, const char **text,
	    const char **finish);

#endif
