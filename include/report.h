/* report: the arithmetic of usage reports, apart from HTTP and SQL.
 * An aggregate (struct report_agg) sums a set of usage rows: counts, tokens,
 * micro-USD, latency sums and fixed-bucket latency / TTFT histograms. The same
 * aggregate comes from raw rows or from hourly roll-ups, so quantiles are
 * estimated from the histogram in both cases and the two always agree. */
#ifndef SB_REPORT_H
#define SB_REPORT_H

#include <stddef.h>
#include <stdint.h>

/* Histogram upper bounds in ms (a value v falls in the first bucket with
 * v <= bound, Prometheus "le" semantics); the last bucket is +Inf. The SQL in
 * report_sql.h spells out the same bounds: keep them in step. */
#define REPORT_NB	15
#define REPORT_BOUNDS_MS \
	25, 50, 100, 250, 500, 1000, 2000, 3000, 5000, 10000, 20000, 30000, \
	60000, 120000
extern const int64_t report_bounds_ms[REPORT_NB - 1];

enum report_status { REPORT_SUCCESS = 0, REPORT_ERROR, REPORT_CANCELLED,
	REPORT_STATUS__MAX };
extern const char *const report_status_names[REPORT_STATUS__MAX];

/* Error categories counted separately (the last one catches the rest). */
#define REPORT_NCAT	10
extern const char *const report_cat_names[REPORT_NCAT];

/* Number of counters in an aggregate, in the order of ROLLUP_COLS. */
#define REPORT_NCOUNTERS	50

struct report_agg {
	int64_t	 requests;
	int64_t	 errors;		/* status error */
	int64_t	 cancelled;		/* status cancelled */
	int64_t	 err_cat[REPORT_NCAT];	/* errors by category */
	int64_t	 prompt_tokens;
	int64_t	 completion_tokens;
	int64_t	 total_tokens;
	int64_t	 cost_micros;
	int64_t	 latency_sum_ms;	/* over all requests */
	int64_t	 ttft_sum_ms;		/* over rows with a TTFT */
	int64_t	 ttft_count;
	int64_t	 lat_hist[REPORT_NB];	/* per bucket, not cumulative */
	int64_t	 ttft_hist[REPORT_NB];
};

/* One raw row into the aggregate; ttft_ms < 0 means none; category may
 * be NULL (counted as "other" for errors). */
void	report_agg_add_row(struct report_agg *a, enum report_status st,
	    const char *category, int64_t prompt, int64_t completion,
	    int64_t total, int64_t cost_micros, int64_t latency_ms, int64_t ttft_ms);
void	report_agg_merge(struct report_agg *dst, const struct report_agg *src);
/* dst -= src (to move hours between buckets). */
void	report_agg_sub(struct report_agg *dst, const struct report_agg *src);
/* Fill from REPORT_NCOUNTERS integers in ROLLUP_COLS order. */
void	report_agg_from_counters(struct report_agg *a, const int64_t *v);
/* Index of an error category name (unknown or NULL: the "other" slot). */
int	report_cat_index(const char *name);
int	report_agg_is_empty(const struct report_agg *a);

/* Bucket index for a duration in ms (negative counts as 0). */
int	report_bucket(int64_t ms);
/* Quantile q = permille/1000 from a histogram: rank = ceil(total*q); within
 * the bucket holding that rank, interpolate linearly between its lower and
 * upper bound (integer ms, truncated). The +Inf bucket answers its lower
 * bound. Returns -1 for an empty histogram. */
int64_t	report_quantile_ms(const int64_t hist[REPORT_NB], int permille);
/* Rounded integer average (half up); 0 when n == 0. */
int64_t	report_avg(int64_t sum, int64_t n);
/* Ratio num/den in parts per million, rounded; 0 when den == 0. */
int64_t	report_ppm(int64_t num, int64_t den);
/* Status name → enum, -1 if unknown. */
int	report_status_from_name(const char *s);

#define REPORT_TIME_MAX	32
/* UTC epoch seconds → "2026-03-29 01:00:00" (SQL DATETIME) or
 * "2026-03-29T01:00:00Z" (ISO-8601, JSON); -1 on failure. */
int	report_sqltime(char *out, size_t n, int64_t t);
int	report_isotime(char *out, size_t n, int64_t t);
/* Parse "YYYY-MM-DD HH:MM:SS[.ffffff]" or "YYYY-MM-DDTHH:MM:SS[.fff]Z" (UTC)
 * or a bare "YYYY-MM-DD" (UTC midnight); strict, 2000..2099. 0 on success. */
int	report_parse_time(const char *s, int64_t *out);
/* Parse a bare civil date "YYYY-MM-DD" into its parts; 0 on success. */
int	report_parse_date(const char *s, int *y, int *m, int *d);

#endif
