/* prom: Prometheus text format writer (prom.h). Knows nothing of HTTP or of
 * which metrics exist; the metrics handler decides that. Names are checked
 * against the format's grammar so a bad name is an error, never bad output. */
#include <string.h>

#include "fixed.h"
#include "prom.h"

static int
prom_fail(struct prom *p, int rc)
{
	if (p->err == PROM_OK)
		p->err = rc;
	return p->err;
}

static int
prom_put(struct prom *p, const char *s, size_t n)
{
	if (p->err != PROM_OK)
		return p->err;
	if (buf_append(p->out, s, n) != BUF_OK)
		return prom_fail(p, PROM_FULL);
	return PROM_OK;
}

static int
prom_puts(struct prom *p, const char *s)
{
	return prom_put(p, s, strlen(s));
}

void
prom_init(struct prom *p, struct buf *out)
{
	p->out = out;
	p->err = PROM_OK;
}

int
prom_status(const struct prom *p)
{
	return p->err;
}

static int
prom_name_char(int c, int first, int colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	if (colon && c == ':')
		return 1;
	return !first && c >= '0' && c <= '9';
}

static int
prom_valid(const char *s, int colon)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 200)
		return 0;
	for (i = 0; s[i]; i++)
		if (!prom_name_char((unsigned char)s[i], i == 0, colon))
			return 0;
	return 1;
}

int
prom_valid_metric_name(const char *s)
{
	return prom_valid(s, 1);
}

int
prom_valid_label_name(const char *s)
{
	return prom_valid(s, 0) && strncmp(s, "__", 2) != 0;
}

int
prom_escape_label(struct buf *b, const char *s)
{
	size_t	 i, start = 0;
	const char *rep;
	int	 rc = BUF_OK;

	if (s == NULL)
		return BUF_OK;
	for (i = 0; rc == BUF_OK && s[i]; i++) {
		if (s[i] == '\\')
			rep = "\\\\";
		else if (s[i] == '"')
			rep = "\\\"";
		else if (s[i] == '\n')
			rep = "\\n";
		else
			continue;
		rc = buf_append(b, s + start, i - start);
		if (rc == BUF_OK)
			rc = buf_puts(b, rep);
		start = i + 1;
	}
	if (rc == BUF_OK)
		rc = buf_append(b, s + start, i - start);
	return rc;
}

/* HELP text escapes only backslash and newline. */
static int
prom_escape_help(struct prom *p, const char *s)
{
	size_t	 i;

	for (i = 0; p->err == PROM_OK && s[i]; i++) {
		if (s[i] == '\\')
			prom_puts(p, "\\\\");
		else if (s[i] == '\n')
			prom_puts(p, "\\n");
		else
			prom_put(p, s + i, 1);
	}
	return p->err;
}

int
prom_family(struct prom *p, const char *name, const char *type,
    const char *help)
{
	if (!prom_valid_metric_name(name) || (strcmp(type, "counter") != 0 &&
	    strcmp(type, "gauge") != 0 && strcmp(type, "histogram") != 0))
		return prom_fail(p, PROM_BAD_NAME);
	prom_puts(p, "# HELP ");
	prom_puts(p, name);
	prom_puts(p, " ");
	prom_escape_help(p, help ? help : "");
	prom_puts(p, "\n# TYPE ");
	prom_puts(p, name);
	prom_puts(p, " ");
	prom_puts(p, type);
	return prom_puts(p, "\n");
}

/* {a="x",b="y"[,le="…"]} or nothing when there are no labels at all. */
static int
prom_labels(struct prom *p, const struct prom_label *labels, int nlabels,
    const char *le)
{
	int	 i;

	if (nlabels < 0 || nlabels > PROM_MAX_LABELS)
		return prom_fail(p, PROM_BAD_NAME);
	if (nlabels == 0 && le == NULL)
		return p->err;
	prom_puts(p, "{");
	for (i = 0; i < nlabels; i++) {
		if (!prom_valid_label_name(labels[i].name))
			return prom_fail(p, PROM_BAD_NAME);
		if (i > 0)
			prom_puts(p, ",");
		prom_puts(p, labels[i].name);
		prom_puts(p, "=\"");
		if (p->err == PROM_OK &&
		    prom_escape_label(p->out, labels[i].value) != BUF_OK)
			prom_fail(p, PROM_FULL);
		prom_puts(p, "\"");
	}
	if (le != NULL) {
		prom_puts(p, nlabels > 0 ? ",le=\"" : "le=\"");
		prom_puts(p, le);
		prom_puts(p, "\"");
	}
	return prom_puts(p, "}");
}

static int
prom_value(struct prom *p, int64_t v, int scale)
{
	char	 tmp[FIXED_MAX];
	int	 n;

	if ((n = fixed_format(tmp, sizeof(tmp), v, scale)) < 0)
		return prom_fail(p, PROM_FULL);
	prom_puts(p, " ");
	prom_put(p, tmp, (size_t)n);
	return prom_puts(p, "\n");
}

static int
prom_line(struct prom *p, const char *name, const char *suffix,
    const struct prom_label *labels, int nlabels, const char *le,
    int64_t v, int scale)
{
	if (!prom_valid_metric_name(name))
		return prom_fail(p, PROM_BAD_NAME);
	prom_puts(p, name);
	prom_puts(p, suffix);
	prom_labels(p, labels, nlabels, le);
	return prom_value(p, v, scale);
}

int
prom_sample(struct prom *p, const char *name,
    const struct prom_label *labels, int nlabels, int64_t v, int scale)
{
	return prom_line(p, name, "", labels, nlabels, NULL, v, scale);
}

int
prom_histogram(struct prom *p, const char *name,
    const struct prom_label *labels, int nlabels, const int64_t *bounds,
    const int64_t *counts, int nb, int64_t sum, int scale)
{
	char	 le[FIXED_MAX];
	int64_t	 cum = 0;
	int	 i;

	if (nb < 1)
		return prom_fail(p, PROM_BAD_NAME);
	for (i = 0; i < nb; i++) {
		cum += counts[i];
		if (i == nb - 1)
			memcpy(le, "+Inf", sizeof("+Inf"));
		else if (fixed_format(le, sizeof(le), bounds[i], scale) < 0)
			return prom_fail(p, PROM_FULL);
		prom_line(p, name, "_bucket", labels, nlabels, le, cum, 0);
	}
	prom_line(p, name, "_sum", labels, nlabels, NULL, sum, scale);
	return prom_line(p, name, "_count", labels, nlabels, NULL, cum, 0);
}
