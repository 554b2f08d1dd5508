/* report: aggregates, histograms and quantiles for usage reports (report.h).
 * Pure arithmetic on integers; SQL and HTTP live elsewhere. Everything here
 * must give the same answer whether rows come raw or from hourly roll-ups. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report.h"

const int64_t report_bounds_ms[REPORT_NB - 1] = { REPORT_BOUNDS_MS };

const char *const report_cat_names[REPORT_NCAT] = {
	"auth", "rate_limit", "budget", "model", "validation", "network",
	"timeout", "upstream", "internal", "other"
};

const char *const report_status_names[REPORT_STATUS__MAX] = {
	"success", "error", "cancelled"
};

int
report_bucket(int64_t ms)
{
	int	 i;

	for (i = 0; i < REPORT_NB - 1; i++)
		if (ms <= report_bounds_ms[i])
			return i;
	return REPORT_NB - 1;
}

int
report_cat_index(const char *name)
{
	int	 i;

	for (i = 0; name != NULL && i < REPORT_NCAT - 1; i++)
		if (strcmp(name, report_cat_names[i]) == 0)
			return i;
	return REPORT_NCAT - 1;
}

void
report_agg_add_row(struct report_agg *a, enum report_status st,
    const char *category, int64_t prompt, int64_t completion, int64_t total,
    int64_t cost_micros, int64_t latency_ms, int64_t ttft_ms)
{
	a->requests++;
	if (st == REPORT_ERROR) {
		a->errors++;
		a->err_cat[report_cat_index(category)]++;
	} else if (st == REPORT_CANCELLED)
		a->cancelled++;
	a->prompt_tokens += prompt;
	a->completion_tokens += completion;
	a->total_tokens += total;
	a->cost_micros += cost_micros;
	a->latency_sum_ms += latency_ms;
	a->lat_hist[report_bucket(latency_ms)]++;
	if (ttft_ms >= 0) {
		a->ttft_sum_ms += ttft_ms;
		a->ttft_count++;
		a->ttft_hist[report_bucket(ttft_ms)]++;
	}
}

/* The counters of an aggregate as an array, in ROLLUP_COLS order. */
static void
report_agg_ptrs(struct report_agg *a, int64_t **p)
{
	int	 i, k = 0;

	p[k++] = &a->requests;
	p[k++] = &a->errors;
	p[k++] = &a->cancelled;
	for (i = 0; i < REPORT_NCAT; i++)
		p[k++] = &a->err_cat[i];
	p[k++] = &a->prompt_tokens;
	p[k++] = &a->completion_tokens;
	p[k++] = &a->total_tokens;
	p[k++] = &a->cost_micros;
	p[k++] = &a->latency_sum_ms;
	p[k++] = &a->ttft_sum_ms;
	p[k++] = &a->ttft_count;
	for (i = 0; i < REPORT_NB; i++)
		p[k++] = &a->lat_hist[i];
	for (i = 0; i < REPORT_NB; i++)
		p[k++] = &a->ttft_hist[i];
}

void
report_agg_from_counters(struct report_agg *a, const int64_t *v)
{
	int64_t	*p[REPORT_NCOUNTERS];
	int	 i;

	report_agg_ptrs(a, p);
	for (i = 0; i < REPORT_NCOUNTERS; i++)
		*p[i] = v[i];
}

void
report_agg_merge(struct report_agg *dst, const struct report_agg *src)
{
	int64_t	*d[REPORT_NCOUNTERS], *s[REPORT_NCOUNTERS];
	int	 i;

	report_agg_ptrs(dst, d);
	report_agg_ptrs((struct report_agg *)src, s);
	for (i = 0; i < REPORT_NCOUNTERS; i++)
		*d[i] += *s[i];
}

void
report_agg_sub(struct report_agg *dst, const struct report_agg *src)
{
	int64_t	*d[REPORT_NCOUNTERS], *s[REPORT_NCOUNTERS];
	int	 i;

	report_agg_ptrs(dst, d);
	report_agg_ptrs((struct report_agg *)src, s);
	for (i = 0; i < REPORT_NCOUNTERS; i++)
		*d[i] -= *s[i];
}

int
report_agg_is_empty(const struct report_agg *a)
{
	return a->requests == 0;
}

int64_t
report_quantile_ms(const int64_t hist[REPORT_NB], int permille)
{
	int64_t	 total = 0, rank, cum = 0, lo, hi;
	int	 i;

	for (i = 0; i < REPORT_NB; i++)
		total += hist[i];
	if (total <= 0 || permille <= 0 || permille > 1000)
		return -1;
	rank = (total * permille + 999) / 1000;
	for (i = 0; i < REPORT_NB; i++) {
		if (hist[i] > 0 && cum + hist[i] >= rank)
			break;
		cum += hist[i];
	}
	lo = i == 0 ? 0 : report_bounds_ms[i - 1];
	if (i >= REPORT_NB - 1)
		return lo;
	hi = report_bounds_ms[i];
	return lo + (hi - lo) * (rank - cum) / hist[i];
}

int64_t
report_avg(int64_t sum, int64_t n)
{
	if (n <= 0)
		return 0;
	if (sum >= 0)
		return (sum + n / 2) / n;
	return -((-sum + n / 2) / n);
}

int64_t
report_ppm(int64_t num, int64_t den)
{
	if (den == 0)
		return 0;
	/* 128-bit to keep num * 1e6 exact for any int64 */
	return (int64_t)(((__int128)num * 1000000 + den / 2) / den);
}

int
report_status_from_name(const char *s)
{
	int	 i;

	for (i = 0; i < REPORT_STATUS__MAX; i++)
		if (strcmp(s, report_status_names[i]) == 0)
			return i;
	return -1;
}

static int
report_fmt(char *out, size_t n, int64_t t, const char *fmt)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, n, fmt, &tm) == 0)
		return -1;
	return 0;
}

int
report_sqltime(char *out, size_t n, int64_t t)
{
	return report_fmt(out, n, t, "%Y-%m-%d %H:%M:%S");
}

int
report_isotime(char *out, size_t n, int64_t t)
{
	return report_fmt(out, n, t, "%Y-%m-%dT%H:%M:%SZ");
}

/* Exactly w digits at s into *v. */
static int
report_digits(const char *s, int w, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < w; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

static int
report_days_in(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int
report_parse_date(const char *s, int *y, int *m, int *d)
{
	if (strlen(s) < 10 || report_digits(s, 4, y) || s[4] != '-' ||
	    report_digits(s + 5, 2, m) || s[7] != '-' ||
	    report_digits(s + 8, 2, d))
		return -1;
	if (*y < 2000 || *y > 2099 || *m < 1 || *m > 12 || *d < 1 ||
	    *d > report_days_in(*y, *m))
		return -1;
	return s[10] == '\0' ? 0 : 1;	/* 1: more follows */
}

/* After the seconds: optional .digits (up to 6), then an optional Z when
 * iso, then the end. */
static int
report_parse_tail(const char *s, int iso)
{
	int	 i = 0;

	if (*s == '.') {
		for (s++; s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == 0 || i > 6)
			return -1;
		s += i;
	}
	if (iso && *s == 'Z')
		s++;
	return *s == '\0' ? 0 : -1;
}

int
report_parse_time(const char *s, int64_t *out)
{
	struct tm	 tm;
	int		 y, mo, d, h, mi, se, rc;

	if (s == NULL || (rc = report_parse_date(s, &y, &mo, &d)) < 0)
		return -1;
	h = mi = se = 0;
	if (rc == 1) {
		if ((s[10] != ' ' && s[10] != 'T') || strlen(s) < 19 ||
		    report_digits(s + 11, 2, &h) || s[13] != ':' ||
		    report_digits(s + 14, 2, &mi) || s[16] != ':' ||
		    report_digits(s + 17, 2, &se) || h > 23 || mi > 59 ||
		    se > 59 || report_parse_tail(s + 19, s[10] == 'T') != 0)
			return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = (int64_t)timegm(&tm);
	return 0;
}
