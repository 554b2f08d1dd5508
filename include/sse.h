/* sse: an incremental Server-Sent Events parser (text/event-stream).
 * Feed it arbitrary byte splits of an upstream stream; it calls back once per
 * complete event with its `event:` type and joined `data:` lines. Handles \n,
 * \r\n and lone \r line ends, comments and a leading BOM; every line and event
 * is capped, and exceeding the cap is a sticky error, never a realloc. */
#ifndef SB_SSE_H
#define SB_SSE_H

#include <stddef.h>

#include "buf.h"

/* Default cap on one event (its data) and on one line, in bytes. */
#define SSE_MAX_EVENT	(4u * 1024 * 1024)
#define SSE_MAX_TYPE	128u

enum sse_status {
	SSE_OK = 0,
	SSE_TOO_BIG,	/* a line or an event exceeded the cap */
	SSE_ABORTED,	/* the callback returned non-zero */
	SSE_NOMEM,
	SSE_TRUNCATED,	/* sse_finish: input ended inside an event */
	SSE__MAX
};

struct sse_event {
	const char	*type;		/* the `event:` value, "" when none */
	size_t		 type_len;
	const char	*data;		/* data lines joined with \n, NUL-terminated */
	size_t		 data_len;
};

/* Return 0 to go on, non-zero to stop parsing (sse_feed returns SSE_ABORTED). */
typedef int (*sse_event_fn)(void *ctx, const struct sse_event *ev);

struct sse_parser {
	struct buf	 line;		/* the current, incomplete line */
	struct buf	 data;		/* data of the current event */
	struct buf	 type;		/* event type of the current event */
	sse_event_fn	 fn;
	void		*ctx;
	int		 have_data;	/* a data: field was seen in this event */
	int		 skip_lf;	/* the last byte was \r: drop one \n */
	int		 started;	/* past the optional BOM */
	int		 status;	/* sticky error */
};

extern const char *const sse_status_names[SSE__MAX];

/* Prepare p; max_event caps one line and one event's data (0 = SSE_MAX_EVENT). */
void	sse_init(struct sse_parser *p, size_t max_event, sse_event_fn fn,
	    void *ctx);
/* Parse n more bytes, calling fn for each complete event. Returns an
 * sse_status; after an error every further call returns the same error. */
int	sse_feed(struct sse_parser *p, const char *bytes, size_t n);
/* End of input: SSE_OK when nothing was pending, SSE_TRUNCATED when a
 * partial line or an undispatched event was left (it is discarded). */
int	sse_finish(struct sse_parser *p);
/* Free the buffers; p may be sse_init'ed again. */
void	sse_free(struct sse_parser *p);

#endif
