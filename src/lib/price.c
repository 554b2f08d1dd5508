/* price: exact decimal text -> integer micro-USD per 1M tokens, and the
 * shipped price table for well-known models (see price.h).  The table's
 * source is sql/prices.tsv, embedded into the binary with .incbin so the
 * FastCGI programs need no data file at run time; no floating point anywhere. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "price.h"

/* The TSV, NUL-terminated, straight from the repository (make runs in the
 * repository root; the Makefile lists the TSV as a dependency of price.o). */
__asm__(
	".section .rodata\n"
	".balign 16\n"
	"price_tsv_data:\n"
	".incbin \"sql/prices.tsv\"\n"
	".byte 0\n"
	".previous\n");
extern const char price_tsv_data[];

#define PRICE_DIGITS_MAX	40	/* significant digits kept while parsing */
#define PRICE_VALUE_DIGITS	13	/* PRICE_MAX has 13 digits */
#define PRICE_TABLE_MAX		65536	/* rows */
#define PRICE_LINE_MAX		512

struct price_table {
	struct price_entry	*rows;
	size_t			 len;
	int			 loaded;
};

static struct price_table price_table;

/* Parse an optional exponent "e[+-]ddd" at s[*i]; 0 or -1 when malformed. */
static int
price_parse_exponent(const char *s, size_t len, size_t *i, int *exp)
{
	int	 neg = 0, v = 0, nd = 0;

	if (*i >= len || (s[*i] != 'e' && s[*i] != 'E'))
		return 0;
	(*i)++;
	if (*i < len && (s[*i] == '+' || s[*i] == '-'))
		neg = s[(*i)++] == '-';
	while (*i < len && isdigit((unsigned char)s[*i])) {
		if (++nd > 3)
			return -1;
		v = v * 10 + (s[(*i)++] - '0');
	}
	if (nd == 0)
		return -1;
	*exp = neg ? -v : v;
	return 0;
}

/* Split s into significant digits d[0..*nd) and a power of ten *scale so
 * that value = d * 10^scale; digits past PRICE_DIGITS_MAX are dropped (they
 * lie far below the rounding digit of any accepted value). */
static int
price_split(const char *s, size_t len, char *d, int *nd, int *scale)
{
	size_t	 i = 0;
	int	 seen_dot = 0, any = 0, exp = 0, frac = 0, dropped = 0;

	*nd = 0;
	for (; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (seen_dot)
				return PRICE_EINVAL;
			seen_dot = 1;
			continue;
		}
		if (!isdigit((unsigned char)c))
			break;
		any = 1;
		if (seen_dot)
			frac++;
		if (*nd == 0 && c == '0')
			continue;
		if (*nd < PRICE_DIGITS_MAX)
			d[(*nd)++] = c;
		else
			dropped++;
	}
	if (!any || price_parse_exponent(s, len, &i, &exp) != 0 || i != len)
		return PRICE_EINVAL;
	*scale = exp - frac + dropped;
	return PRICE_OK;
}

/* d * 10^scale, rounded half up, into *out; ERANGE above PRICE_MAX. */
static int
price_combine(const char *d, int nd, int scale, int64_t *out)
{
	int64_t	 v = 0;
	int	 keep, k;

	if (nd == 0) {
		*out = 0;
		return PRICE_OK;
	}
	if (nd + scale > PRICE_VALUE_DIGITS)
		return PRICE_ERANGE;
	keep = scale >= 0 ? nd : nd + scale;
	for (k = 0; k < keep; k++)
		v = v * 10 + (d[k] - '0');
	for (k = 0; k < scale; k++)
		v *= 10;
	if (keep >= 0 && keep < nd && d[keep] >= '5')
		v++;
	if (v > PRICE_MAX)
		return PRICE_ERANGE;
	*out = v;
	return PRICE_OK;
}

int
price_parse(const char *s, size_t len, int exp10, int64_t *out)
{
	char	 d[PRICE_DIGITS_MAX];
	int	 nd, scale, rc, neg = 0;
	int64_t	 v;

	*out = PRICE_UNKNOWN;
	if (s == NULL || len == 0)
		return PRICE_EINVAL;
	if (len > PRICE_TEXT_MAX)
		return PRICE_ERANGE;
	if (s[0] == '-') {
		neg = 1;
		s++;
		len--;
	}
	if ((rc = price_split(s, len, d, &nd, &scale)) != PRICE_OK)
		return rc;
	if (neg)
		return PRICE_NEGATIVE;
	if (scale > 100 || scale < -100)
		scale = scale > 0 ? 100 : -100;
	if ((rc = price_combine(d, nd, scale + exp10, &v)) != PRICE_OK)
		return rc;
	*out = v;
	return PRICE_OK;
}

int
price_parse_str(const char *s, int exp10, int64_t *out)
{
	if (s == NULL) {
		*out = PRICE_UNKNOWN;
		return PRICE_EINVAL;
	}
	return price_parse(s, strnlen(s, PRICE_TEXT_MAX + 1), exp10, out);
}

int
price_parse_double(double v, int exp10, int64_t *out)
{
	char	 text[PRICE_TEXT_MAX + 1];
	int	 digits;

	/* The shortest text that reads back as v: for a number written in a
	 * JSON file with up to 15 significant digits, the text it was. */
	for (digits = 15; digits <= 17; digits++) {
		snprintf(text, sizeof(text), "%.*g", digits, v);
		if (strtod(text, NULL) == v)
			break;
	}
	return price_parse_str(text, exp10, out);
}

char *
price_format_usd(int64_t micros, char *buf, size_t size)
{
	uint64_t	 a;

	a = micros < 0 ? (uint64_t)0 - (uint64_t)micros : (uint64_t)micros;
	snprintf(buf, size, "%s%llu.%06llu", micros < 0 ? "-" : "",
	    (unsigned long long)(a / 1000000), (unsigned long long)(a % 1000000));
	return buf;
}

int
price_normalise(const char *model_id, char *out, size_t size)
{
	const char	*p, *slash;
	size_t		 n = 0;

	if ((slash = strrchr(model_id, '/')) != NULL)
		model_id = slash + 1;
	for (p = model_id; *p != '\0' && *p != ':'; p++) {
		char c = (char)tolower((unsigned char)*p);

		if (c == '.' || c == '_')
			c = '-';
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	if (size == 0)
		return -1;
	out[n] = '\0';
	return n ? 0 : -1;
}

/* Count the trailing digits of s[0..len) before a '-'; 0 if none or no dash. */
static size_t
price_digit_suffix(const char *s, size_t len)
{
	size_t	 n = 0;

	while (n < len && isdigit((unsigned char)s[len - 1 - n]))
		n++;
	if (n == 0 || n >= len || s[len - 1 - n] != '-')
		return 0;
	return n;
}

/* Strip one date/version suffix from the normalised id; 1 if stripped. */
static int
price_strip_suffix(char *s)
{
	size_t	 len = strlen(s), n;
	char	*at;

	if ((at = strchr(s, '@')) != NULL && at != s) {
		*at = '\0';
		return 1;
	}
	if (len > 7 && strcmp(s + len - 7, "-latest") == 0) {
		s[len - 7] = '\0';
		return 1;
	}
	/* -YYYY-MM-DD */
	if (len > 11 && price_digit_suffix(s, len) == 2 &&
	    price_digit_suffix(s, len - 3) == 2 &&
	    price_digit_suffix(s, len - 6) == 4) {
		s[len - 11] = '\0';
		return 1;
	}
	n = price_digit_suffix(s, len);
	if (n == 8 || n == 4 || n == 3) {
		s[len - n - 1] = '\0';
		return 1;
	}
	return 0;
}

/* Parse one price column ("2.50" USD per 1M, or "-" for unknown). */
static int
price_column_price(const char *f, int64_t *out)
{
	if (strcmp(f, "-") == 0) {
		*out = PRICE_UNKNOWN;
		return 0;
	}
	return price_parse_str(f, PRICE_EXP_PER_1M, out) == PRICE_OK ? 0 : -1;
}

/* Parse one count column (decimal integer, or "-" for unknown = 0). */
static int
price_column_count(const char *f, int64_t *out)
{
	char		*end;
	long long	 v;

	*out = 0;
	if (strcmp(f, "-") == 0)
		return 0;
	if (!isdigit((unsigned char)f[0]))
		return -1;
	errno = 0;
	v = strtoll(f, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 100000000)
		return -1;
	*out = v;
	return 0;
}

/* Split line (modified in place) on tabs into exactly n fields. */
static int
price_split_fields(char *line, char **f, int n)
{
	int	 i = 0;
	char	*p = line, *tab;

	for (;;) {
		if (i == n)
			return -1;
		f[i++] = p;
		if ((tab = strchr(p, '\t')) == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return i == n ? 0 : -1;
}

/* Parse one TSV row into e; -1 when malformed. */
static int
price_parse_row(char *line, struct price_entry *e)
{
	char	*f[8];

	if (price_split_fields(line, f, 8) != 0)
		return -1;
	if (price_normalise(f[0], e->model, sizeof(e->model)) != 0)
		return -1;
	if (price_column_price(f[1], &e->input) || price_column_price(f[2], &e->output) ||
	    price_column_price(f[3], &e->cache_read) ||
	    price_column_price(f[4], &e->cache_write) ||
	    price_column_count(f[5], &e->context_window) ||
	    price_column_count(f[6], &e->max_output))
		return -1;
	if (strcmp(f[7], "-") == 0)
		f[7][0] = '\0';
	if (strlen(f[7]) >= sizeof(e->caps))
		return -1;
	memcpy(e->caps, f[7], strlen(f[7]) + 1);
	return 0;
}

/* Copy the next line of tsv (from *pos) into line; 0 at the end, -1 too long. */
static int
price_next_line(const char *tsv, size_t len, size_t *pos, char *line)
{
	size_t	 n = 0;

	if (*pos >= len)
		return 0;
	while (*pos < len && tsv[*pos] != '\n') {
		if (n + 1 >= PRICE_LINE_MAX)
			return -1;
		line[n++] = tsv[(*pos)++];
	}
	(*pos)++;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return 1;
}

int
price_tsv_parse(const char *tsv, size_t len, struct price_entry **out, size_t *nout)
{
	struct price_entry	*rows = NULL, *grown;
	char			 line[PRICE_LINE_MAX];
	size_t			 pos = 0, n = 0, cap = 0;
	int			 rc;

	*out = NULL;
	*nout = 0;
	while ((rc = price_next_line(tsv, len, &pos, line)) == 1) {
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (cap > PRICE_TABLE_MAX ||
			    (grown = realloc(rows, cap * sizeof(*rows))) == NULL) {
				rc = -1;
				break;
			}
			rows = grown;
		}
		memset(&rows[n], 0, sizeof(rows[n]));
		if (price_parse_row(line, &rows[n]) != 0) {
			rc = -1;
			break;
		}
		n++;
	}
	if (rc != 0) {
		free(rows);
		return -1;
	}
	*out = rows;
	*nout = n;
	return 0;
}

int
price_shipped(struct price_entry **rows, size_t *n)
{
	return price_tsv_parse(price_tsv_data, strlen(price_tsv_data), rows, n);
}

static int
price_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct price_entry *)a)->model, ((const struct price_entry *)b)->model);
}

void
price_entries_sort(struct price_entry *rows, size_t n)
{
	if (n > 1)	/* an empty table may be NULL, which qsort must not get */
		qsort(rows, n, sizeof(*rows), price_entry_cmp);
}

const struct price_entry *
price_entries_find(const struct price_entry *rows, size_t n, const char *key)
{
	struct price_entry	 k;

	if (strlen(key) >= sizeof(k.model) || n == 0)
		return NULL;
	memcpy(k.model, key, strlen(key) + 1);
	return bsearch(&k, rows, n, sizeof(k), price_entry_cmp);
}

void
price_table_replace(struct price_entry *rows, size_t n)
{
	/* Sorted, so a lookup is a binary search: an imported list holds
	 * thousands of rows, and the chat path asks for unpriced models. */
	price_entries_sort(rows, n);
	free(price_table.rows);
	price_table.rows = rows;
	price_table.len = n;
	price_table.loaded = 1;
}

int
price_table_load(const char *tsv, size_t len)
{
	struct price_entry	*rows;
	size_t			 n;

	if (price_tsv_parse(tsv, len, &rows, &n) != 0)
		return -1;
	price_table_replace(rows, n);
	return (int)n;
}

static void
price_table_ensure(void)
{
	if (price_table.loaded)
		return;
	if (price_table_load(price_tsv_data, strlen(price_tsv_data)) < 0) {
		fprintf(stderr, "price: the shipped sql/prices.tsv is malformed\n");
		price_table.loaded = 1;
	}
}

size_t
price_table_size(void)
{
	price_table_ensure();
	return price_table.len;
}

void
price_table_free(void)
{
	free(price_table.rows);
	memset(&price_table, 0, sizeof(price_table));
}

static const struct price_entry *
price_find(const char *key)
{
	return price_entries_find(price_table.rows, price_table.len, key);
}

const struct price_entry *
price_lookup(const char *model_id)
{
	const struct price_entry	*e;
	char				 key[256];
	int				 tries;

	if (model_id == NULL)
		return NULL;
	price_table_ensure();
	if (price_normalise(model_id, key, sizeof(key)) != 0)
		return NULL;
	for (tries = 0; tries < 4; tries++) {
		if ((e = price_find(key)) != NULL)
			return e;
		if (!price_strip_suffix(key))
			break;
	}
	return NULL;
}

int
price_model_key(const char *model_id, char *out, size_t size)
{
	int	 i;

	if (model_id == NULL || price_normalise(model_id, out, size) != 0)
		return -1;
	for (i = 0; i < 4 && price_strip_suffix(out); i++)
		;
	return 0;
}
