/* csv: streaming RFC 4180 writer with spreadsheet formula-injection guard.
 * Owns quoting and row framing only; what the columns mean is the caller's.
 * Output leaves through the sink in chunks of about CSV_FLUSH_AT bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "fixed.h"

#define CSV_BUF_MAX	(CSV_FLUSH_AT + 2 * CSV_MAX_CELL + 64)

static int
csv_fail(struct csv *c, int rc)
{
	if (c->err == CSV_OK)
		c->err = rc;
	return c->err;
}

static int
csv_from_buf(int rc)
{
	if (rc == BUF_OK)
		return CSV_OK;
	return rc == BUF_FULL ? CSV_TOO_LONG : CSV_NOMEM;
}

void
csv_init(struct csv *c, csv_sink_fn sink, void *ctx)
{
	c->sink = sink;
	c->ctx = ctx;
	buf_init(&c->out, CSV_BUF_MAX);
	c->ncell = 0;
	c->err = CSV_OK;
}

/* A cell a spreadsheet might evaluate: starts with = + - @ or TAB/CR. */
static int
csv_is_formula(const char *s, size_t n)
{
	return n > 0 && strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
}

static int
csv_needs_quotes(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			return 1;
	return 0;
}

int
csv_escape(struct buf *b, const char *s, size_t n)
{
	size_t	 i, start;
	int	 quote, rc = BUF_OK;

	if (s == NULL || n == 0)
		return CSV_OK;
	if (n > CSV_MAX_CELL)
		return CSV_TOO_LONG;
	quote = csv_needs_quotes(s, n);
	if (quote)
		rc = buf_append(b, "\"", 1);
	if (rc == BUF_OK && csv_is_formula(s, n))
		rc = buf_append(b, "'", 1);
	for (start = i = 0; rc == BUF_OK && i < n; i++) {
		if (s[i] != '"')
			continue;
		/* copy through this quote, then add its double */
		rc = buf_append(b, s + start, i + 1 - start);
		if (rc == BUF_OK)
			rc = buf_append(b, "\"", 1);
		start = i + 1;
	}
	if (rc == BUF_OK)
		rc = buf_append(b, s + start, n - start);
	if (rc == BUF_OK && quote)
		rc = buf_append(b, "\"", 1);
	return csv_from_buf(rc);
}

static int
csv_sep(struct csv *c)
{
	int	 rc;

	if (c->err != CSV_OK)
		return c->err;
	if (c->ncell++ == 0)
		return CSV_OK;
	if ((rc = buf_append(&c->out, ",", 1)) != BUF_OK)
		return csv_fail(c, csv_from_buf(rc));
	return CSV_OK;
}

int
csv_cell(struct csv *c, const char *s, size_t n)
{
	int	 rc;

	if ((rc = csv_sep(c)) != CSV_OK)
		return rc;
	if ((rc = csv_escape(&c->out, s, n)) != CSV_OK)
		return csv_fail(c, rc);
	return CSV_OK;
}

int
csv_cell_str(struct csv *c, const char *s)
{
	return csv_cell(c, s, s ? strlen(s) : 0);
}

static int
csv_cell_raw(struct csv *c, const char *s, int n)
{
	int	 rc;

	if (n < 0)
		return csv_fail(c, CSV_TOO_LONG);
	if ((rc = csv_sep(c)) != CSV_OK)
		return rc;
	if ((rc = buf_append(&c->out, s, (size_t)n)) != BUF_OK)
		return csv_fail(c, csv_from_buf(rc));
	return CSV_OK;
}

int
csv_cell_int(struct csv *c, int64_t v)
{
	char	 tmp[FIXED_MAX];

	return csv_cell_raw(c, tmp, fixed_format(tmp, sizeof(tmp), v, 0));
}

int
csv_cell_fixed(struct csv *c, int64_t v, int scale)
{
	char	 tmp[FIXED_MAX];

	return csv_cell_raw(c, tmp, fixed_format(tmp, sizeof(tmp), v, scale));
}

int
csv_row_end(struct csv *c)
{
	int	 rc;

	if (c->err != CSV_OK)
		return c->err;
	if ((rc = buf_append(&c->out, "\r\n", 2)) != BUF_OK)
		return csv_fail(c, csv_from_buf(rc));
	c->ncell = 0;
	if (c->out.len >= CSV_FLUSH_AT)
		return csv_flush(c);
	return CSV_OK;
}

int
csv_flush(struct csv *c)
{
	if (c->err != CSV_OK)
		return c->err;
	if (c->out.len == 0)
		return CSV_OK;
	if (c->sink(c->ctx, c->out.data, c->out.len) != 0)
		return csv_fail(c, CSV_SINK);
	buf_reset(&c->out);
	return CSV_OK;
}

void
csv_free(struct csv *c)
{
	buf_free(&c->out);
}
