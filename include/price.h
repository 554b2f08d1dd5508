/* price: exact decimal-string prices to integers, and the shipped price table.
 * Upstreams report prices as decimal text in various units (USD per token,
 * per 1K, per 1M); price_parse turns them into integer micro-USD per 1M tokens
 * by string arithmetic only, never through floating point.  The price table
 * fills in prices, limits and capabilities for well-known models when an
 * upstream reports none: the shipped one (sql/prices.tsv, compiled into the
 * binary) until the database's model_prices replaces it (prices.h). */
#ifndef SB_PRICE_H
#define SB_PRICE_H

#include <stddef.h>
#include <stdint.h>

/* A price no one knows: never pretend it is zero. */
#define PRICE_UNKNOWN		((int64_t)-1)
/* Largest accepted price: 1,000,000 USD per 1M tokens, in micro-USD. */
#define PRICE_MAX		((int64_t)1000000000000LL)
/* Longest decimal text accepted by price_parse. */
#define PRICE_TEXT_MAX		64

/* Scale factors (powers of ten) from an upstream unit to micro-USD per 1M. */
#define PRICE_EXP_PER_TOKEN	12	/* USD per token (OpenRouter) */
#define PRICE_EXP_PER_1K	9	/* USD per 1K tokens */
#define PRICE_EXP_PER_1M	6	/* USD per 1M tokens */

enum price_status {
	PRICE_OK = 0,
	PRICE_NEGATIVE,		/* "-1" and friends: variable price, treat as unknown */
	PRICE_EINVAL,		/* not a plain decimal number */
	PRICE_ERANGE,		/* above PRICE_MAX or too long */
	PRICE__MAX
};

/* Parse the decimal text s (len bytes, not necessarily NUL-terminated):
 * digits with an optional '.', an optional leading '-' and an optional
 * exponent ("1.5e-07").  Stores value * 10^exp10 in *out, rounded half up
 * below one unit.  Returns a price_status; *out is PRICE_UNKNOWN unless OK. */
int	price_parse(const char *s, size_t len, int exp10, int64_t *out);
/* The same for a NUL-terminated string. */
int	price_parse_str(const char *s, int exp10, int64_t *out);
/* The same for a number that arrived as a double (a JSON number): parsed
 * from its shortest round-trip decimal text, so "2.5e-06" stays exact. */
int	price_parse_double(double v, int exp10, int64_t *out);
/* Write the USD amount of micros (micro-USD) as exact decimal text with six
 * decimals ("3.000000", "-0.000001") into buf; returns buf. */
char	*price_format_usd(int64_t micros, char *buf, size_t size);

/* One row of the shipped table; prices in micro-USD per 1M tokens or
 * PRICE_UNKNOWN, limits 0 when unknown, caps a comma list ("vision,tools"). */
struct price_entry {
	char	 model[96];
	int64_t	 input;
	int64_t	 output;
	int64_t	 cache_read;
	int64_t	 cache_write;
	int64_t	 context_window;
	int64_t	 max_output;
	char	 caps[96];
};

/* Look a model id up in the shipped table after normalisation: lower case,
 * provider prefix ("openrouter/anthropic/", "models/") and ":free"-style
 * tags dropped, '.' and '-' treated alike, then date/version suffixes
 * ("-20241022", "-2024-08-06", "-0613", "-001", "@20240620", "-latest")
 * stripped if the exact name is absent.  Returns NULL when unknown.
 * The returned entry lives for the whole process. */
const struct price_entry *price_lookup(const char *model_id);
/* Normalise a model id for lookups into out (see price_lookup, without the
 * suffix stripping); returns 0, or -1 when it does not fit. */
int	price_normalise(const char *model_id, char *out, size_t size);
/* The "underlying model" key used to compare offers across providers:
 * price_normalise plus every date/version suffix stripped
 * ("openrouter/anthropic/claude-3.5-sonnet" and "claude-3-5-sonnet-20241022"
 * both give "claude-3-5-sonnet"). 0, or -1 when it does not fit. */
int	price_model_key(const char *model_id, char *out, size_t size);
/* Parse TSV text (the sql/prices.tsv format) into a new array the caller
 * frees; 0, or -1 on a malformed line or more than 65536 rows. */
int	price_tsv_parse(const char *tsv, size_t len, struct price_entry **rows,
	    size_t *n);
/* The shipped table (sql/prices.tsv as compiled in), parsed the same way. */
int	price_shipped(struct price_entry **rows, size_t *n);
/* Sort rows by model name, then find the row named key (already normalised)
 * in them; NULL when absent. */
void	price_entries_sort(struct price_entry *rows, size_t n);
const struct price_entry *price_entries_find(const struct price_entry *rows, size_t n,
	    const char *key);
/* Replace the table by rows (taken over, freed by the next replace). The
 * database's model_prices reach lookups this way (see prices.h). */
void	price_table_replace(struct price_entry *rows, size_t n);
/* Replace the table by the TSV text (tests, or an override file); returns the
 * number of rows loaded or -1 on a malformed line (table unchanged then). */
int	price_table_load(const char *tsv, size_t len);
/* Rows currently in the table (loads the shipped one on first use). */
size_t	price_table_size(void);
/* Free the table (at exit, for leak checkers). */
void	price_table_free(void);

#endif
