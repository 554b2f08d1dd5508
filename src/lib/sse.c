/* sse: incremental text/event-stream parser (see sse.h).
 * Knows nothing of HTTP or JSON: bytes in, {type, data} events out. Lines end
 * at \n, \r\n or \r, even when the \r and \n arrive in separate feeds; all
 * buffering is capped by the max given to sse_init. */
#include <string.h>

#include "sse.h"

const char *const sse_status_names[SSE__MAX] = {
	"ok", "too_big", "aborted", "nomem", "truncated",
};

void
sse_init(struct sse_parser *p, size_t max_event, sse_event_fn fn, void *ctx)
{
	if (max_event == 0)
		max_event = SSE_MAX_EVENT;
	buf_init(&p->line, max_event);
	buf_init(&p->data, max_event);
	buf_init(&p->type, SSE_MAX_TYPE);
	p->fn = fn;
	p->ctx = ctx;
	p->have_data = 0;
	p->skip_lf = 0;
	p->started = 0;
	p->status = SSE_OK;
}

void
sse_free(struct sse_parser *p)
{
	buf_free(&p->line);
	buf_free(&p->data);
	buf_free(&p->type);
}

static int
buf_status_to_sse(int rc)
{
	return rc == BUF_FULL ? SSE_TOO_BIG : rc == BUF_NOMEM ? SSE_NOMEM :
	    SSE_OK;
}

/* A blank line: hand the event to the callback when it has data. */
static int
sse_dispatch(struct sse_parser *p)
{
	struct sse_event	 ev;
	int			 rc = SSE_OK;

	if (p->have_data) {
		ev.type = p->type.len ? p->type.data : "";
		ev.type_len = p->type.len;
		ev.data = p->data.len ? p->data.data : "";
		ev.data_len = p->data.len;
		if (p->fn(p->ctx, &ev) != 0)
			rc = SSE_ABORTED;
	}
	buf_reset(&p->data);
	buf_reset(&p->type);
	p->have_data = 0;
	return rc;
}

/* One complete line (without its end): a field, a comment or a blank. */
static int
sse_line(struct sse_parser *p, const char *s, size_t n)
{
	const char	*colon, *val;
	size_t		 flen, vlen;
	int		 rc;

	if (!p->started) {
		p->started = 1;
		if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			n -= 3;
		}
	}
	if (n == 0)
		return sse_dispatch(p);
	if (s[0] == ':')
		return SSE_OK;
	colon = memchr(s, ':', n);
	flen = colon ? (size_t)(colon - s) : n;
	val = colon ? colon + 1 : s + n;
	vlen = n - (size_t)(val - s);
	if (vlen > 0 && val[0] == ' ') {
		val++;
		vlen--;
	}
	if (flen == 4 && memcmp(s, "data", 4) == 0) {
		if (p->have_data && (rc = buf_append(&p->data, "\n", 1)) != 0)
			return buf_status_to_sse(rc);
		p->have_data = 1;
		return buf_status_to_sse(buf_append(&p->data, val, vlen));
	}
	if (flen == 5 && memcmp(s, "event", 5) == 0) {
		buf_reset(&p->type);
		return buf_status_to_sse(buf_append(&p->type, val, vlen));
	}
	return SSE_OK;	/* id, retry and unknown fields are ignored */
}

/* Finish the pending line: either straight from the input or from p->line. */
static int
sse_end_line(struct sse_parser *p, const char *s, size_t n)
{
	int	 rc;

	if (p->line.len == 0)
		return sse_line(p, s, n);
	if ((rc = buf_append(&p->line, s, n)) != BUF_OK)
		return buf_status_to_sse(rc);
	rc = sse_line(p, p->line.data, p->line.len);
	buf_reset(&p->line);
	return rc;
}

int
sse_feed(struct sse_parser *p, const char *bytes, size_t n)
{
	size_t	 i, start = 0;
	int	 rc;

	if (p->status != SSE_OK)
		return p->status;
	if (n > 0 && p->skip_lf) {
		p->skip_lf = 0;
		if (bytes[0] == '\n')
			start = 1;
	}
	for (i = start; i < n; i++) {
		if (bytes[i] != '\n' && bytes[i] != '\r')
			continue;
		if ((rc = sse_end_line(p, bytes + start, i - start)) != SSE_OK)
			return p->status = rc;
		if (bytes[i] == '\r') {
			if (i + 1 == n)
				p->skip_lf = 1;
			else if (bytes[i + 1] == '\n')
				i++;
		}
		start = i + 1;
	}
	if (start < n && (rc = buf_append(&p->line, bytes + start,
	    n - start)) != BUF_OK)
		return p->status = buf_status_to_sse(rc);
	return SSE_OK;
}

int
sse_finish(struct sse_parser *p)
{
	if (p->status != SSE_OK)
		return p->status;
	if (p->line.len > 0 || p->have_data)
		return SSE_TRUNCATED;
	return SSE_OK;
}
