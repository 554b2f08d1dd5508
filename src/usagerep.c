/* usagerep: report queries over roll-ups plus the raw tail, and log paging
 * (usagerep.h). Queries are named constants with bound parameters; the only
 * thing chosen at run time is which constant (the GROUP BY). Knows nothing
 * of HTTP. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "report.h"
#include "rollup.h"
#include "usagerep.h"

/* Both halves yield: h, p, m, s, c, requests, errors, cancelled, tokens x3,
 * cost, latency sum, ttft sum, ttft count, 15 latency and 15 TTFT buckets. */
#define UR_ROLLUP_PART \
	"SELECT hour_start AS h, provider AS p, model AS m, status AS s," \
	" error_category AS c, requests AS n," \
	" IF(status = 'error', requests, 0) AS ne," \
	" IF(status = 'cancelled', requests, 0) AS nc," \
	" prompt_tokens AS tp, completion_tokens AS tc, total_tokens AS tt," \
	" cost_micros AS cost, latency_sum_ms AS ls, ttft_sum_ms AS fs," \
	" ttft_count AS fc," \
	" lat_b0, lat_b1, lat_b2, lat_b3, lat_b4, lat_b5, lat_b6, lat_b7," \
	" lat_b8, lat_b9, lat_b10, lat_b11, lat_b12, lat_b13, lat_b14," \
	" ttft_b0, ttft_b1, ttft_b2, ttft_b3, ttft_b4, ttft_b5, ttft_b6," \
	" ttft_b7, ttft_b8, ttft_b9, ttft_b10, ttft_b11, ttft_b12, ttft_b13," \
	" ttft_b14 FROM usage_rollup_hourly" \
	" WHERE (? = 0 OR user_id = ?) AND hour_start >= ? AND hour_start < ?" \
	" AND (? = 0 OR gateway_key_id = ?) AND (? IS NULL OR provider = ?)" \
	" AND (? IS NULL OR model = ?)"

#define UR_RAW_PART \
	"SELECT " ROLLUP_HOUR_EXPR ", IFNULL(provider, ''), " ROLLUP_MODEL_EXPR \
	", status, IFNULL(error_category, ''), 1, status = 'error'," \
	" status = 'cancelled', prompt_tokens, completion_tokens, total_tokens," \
	" cost_micros, latency_ms, IFNULL(ttft_ms, 0), ttft_ms IS NOT NULL, " \
	ROLLUP_HIST_RAW("latency_ms") ", " ROLLUP_HIST_RAW("ttft_ms") \
	" FROM aggregator_usage_logs" \
	" WHERE (? = 0 OR user_id = ?) AND created_at >= ? AND created_at < ?" \
	" AND status IN ('success','error','cancelled')" \
	" AND (? = 0 OR gateway_key_id = ?)" \
	" AND (? IS NULL OR IFNULL(provider, '') = ?)" \
	" AND (? IS NULL OR " ROLLUP_MODEL_EXPR " = ?)"

#define UR_SUMS \
	"SUM(n), SUM(ne), SUM(nc), SUM(tp), SUM(tc), SUM(tt), SUM(cost)," \
	" SUM(ls), SUM(fs), SUM(fc), " ROLLUP_SUM15("lat_b") ", " \
	ROLLUP_SUM15("ttft_b")

#define UR_AGG(keys) \
	"SELECT " keys ", " UR_SUMS " FROM (" UR_ROLLUP_PART " UNION ALL " \
	UR_RAW_PART ") u GROUP BY " keys

static const char *const ur_sql[USAGEREP_GROUP__MAX] = {
	UR_AGG("p, m"),
	UR_AGG("h"),
	UR_AGG("p, m, s, c"),
};
static const int ur_nkeys[USAGEREP_GROUP__MAX] = { 2, 1, 4 };

#define UR_LOG_COLS \
	"l.id, l.request_id, l.created_at, l.user_id, u.username," \
	" l.gateway_key_id, l.provider, l.requested_model, l.resolved_model," \
	" l.endpoint, l.is_stream, l.prompt_tokens, l.completion_tokens," \
	" l.total_tokens, l.cost_micros, l.price_known, l.tokens_estimated," \
	" l.latency_ms, l.ttft_ms, l.http_status, l.status, l.error_category," \
	" l.error_message, l.attempts"

#define UR_LOG_WHERE \
	" WHERE (? = 0 OR l.user_id = ?) AND l.created_at >= ?" \
	" AND l.created_at < ? AND (? = 0 OR l.gateway_key_id = ?)" \
	" AND (? IS NULL OR IFNULL(l.provider, '') = ?)" \
	" AND (? IS NULL OR LEFT(COALESCE(l.resolved_model, l.requested_model," \
	" ''), 320) = ?) AND (? IS NULL OR l.status = ?)"

static const char SQL_LOGS[] =
    "SELECT " UR_LOG_COLS " FROM aggregator_usage_logs l"
    " LEFT JOIN users u ON u.id = l.user_id" UR_LOG_WHERE
    " AND (? IS NULL OR l.created_at < ? OR (l.created_at = ? AND l.id < ?))"
    " ORDER BY l.created_at DESC, l.id DESC LIMIT ? OFFSET ?";

static const char SQL_COUNT[] =
    "SELECT COUNT(*) FROM aggregator_usage_logs l" UR_LOG_WHERE;

/* Filter params for one half: user x2, from, to, key x2, provider x2, model x2. */
static int
ur_filter_params(struct db_param *p, const struct usage_filter *f,
    const char *from, const char *to)
{
	p[0] = db_int(f->user_id);
	p[1] = db_int(f->user_id);
	p[2] = db_str(from);
	p[3] = db_str(to);
	p[4] = db_int(f->key_id);
	p[5] = db_int(f->key_id);
	p[6] = db_str(f->provider);
	p[7] = db_str(f->provider);
	p[8] = db_str(f->model);
	p[9] = db_str(f->model);
	return 10;
}

static void
ur_copy(char *dst, size_t n, const char *s)
{
	size_t	 len = s ? strlen(s) : 0;

	if (len >= n)
		len = n - 1;
	if (len)
		memcpy(dst, s, len);
	dst[len] = '\0';
}

static void
ur_fill_agg(struct report_agg *a, const struct db_rows *r, int row, int c)
{
	int	 i;

	a->requests = db_ll(r, row, c++, 0);
	a->errors = db_ll(r, row, c++, 0);
	a->cancelled = db_ll(r, row, c++, 0);
	a->prompt_tokens = db_ll(r, row, c++, 0);
	a->completion_tokens = db_ll(r, row, c++, 0);
	a->total_tokens = db_ll(r, row, c++, 0);
	a->cost_micros = db_ll(r, row, c++, 0);
	a->latency_sum_ms = db_ll(r, row, c++, 0);
	a->ttft_sum_ms = db_ll(r, row, c++, 0);
	a->ttft_count = db_ll(r, row, c++, 0);
	for (i = 0; i < REPORT_NB; i++)
		a->lat_hist[i] = db_ll(r, row, c++, 0);
	for (i = 0; i < REPORT_NB; i++)
		a->ttft_hist[i] = db_ll(r, row, c++, 0);
}

static void
ur_fill_row(struct usagerep_row *o, enum usagerep_group g,
    const struct db_rows *r, int row)
{
	memset(o, 0, sizeof(*o));
	if (g == USAGEREP_BY_HOUR) {
		if (report_parse_time(db_val(r, row, 0), &o->hour) != 0)
			o->hour = 0;
	} else {
		ur_copy(o->provider, sizeof(o->provider), db_val(r, row, 0));
		ur_copy(o->model, sizeof(o->model), db_val(r, row, 1));
	}
	if (g == USAGEREP_BY_METRIC) {
		ur_copy(o->status, sizeof(o->status), db_val(r, row, 2));
		ur_copy(o->category, sizeof(o->category), db_val(r, row, 3));
	}
	ur_fill_agg(&o->agg, r, row, ur_nkeys[g]);
}

int
usagerep_aggregate(const struct usage_filter *f, enum usagerep_group g,
    struct usagerep_result *out)
{
	struct rollup_state	 st;
	struct db_param		 p[20];
	struct db_rows		 r;
	char			 sf[REPORT_TIME_MAX], sw1[REPORT_TIME_MAX];
	char			 sw2[REPORT_TIME_MAX], st2[REPORT_TIME_MAX];
	int64_t			 w1, w2;
	int			 rc, i, np;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if (g < 0 || g >= USAGEREP_GROUP__MAX)
		return DB_ERROR;
	if ((rc = rollup_state_get(&st)) != DB_OK)
		return rc;
	out->watermark = st.rolled_until;
	/* roll-ups cover [from, min(to, W)); raw rows [max(from, W), to) */
	w1 = f->to < st.rolled_until ? f->to : st.rolled_until;
	w2 = f->from > st.rolled_until ? f->from : st.rolled_until;
	report_sqltime(sf, sizeof(sf), f->from);
	report_sqltime(sw1, sizeof(sw1), w1);
	report_sqltime(sw2, sizeof(sw2), w2);
	report_sqltime(st2, sizeof(st2), f->to);
	np = ur_filter_params(p, f, sf, sw1);
	np += ur_filter_params(p + np, f, sw2, st2);
	if ((rc = db_query(ur_sql[g], p, np, &r)) != DB_OK)
		goto out;
	if (r.nrows > USAGEREP_MAX_GROUPS) {
		rc = DB_ERROR;
		goto out;
	}
	if (r.nrows > 0 && (out->v = calloc((size_t)r.nrows, sizeof(*out->v))) == NULL) {
		rc = DB_ERROR;
		goto out;
	}
	for (i = 0; i < r.nrows; i++)
		ur_fill_row(&out->v[i], g, &r, i);
	out->n = (size_t)r.nrows;
out:
	db_rows_free(&r);
	return rc;
}

void
usagerep_free(struct usagerep_result *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* The log filter: user x2, from, to, key x2, provider x2, model x2, status x2. */
static int
ur_log_params(struct db_param *p, const struct usage_filter *f, char *sf,
    char *st)
{
	report_sqltime(sf, REPORT_TIME_MAX, f->from);
	report_sqltime(st, REPORT_TIME_MAX, f->to);
	ur_filter_params(p, f, sf, st);
	p[10] = db_str(f->status);
	p[11] = db_str(f->status);
	return 12;
}

int
usagerep_logs(const struct usage_filter *f, const char *cursor_time,
    long long cursor_id, long long limit, long long offset, struct db_rows *out)
{
	struct db_param	 p[18];
	char		 sf[REPORT_TIME_MAX], st[REPORT_TIME_MAX];
	int		 np;

	np = ur_log_params(p, f, sf, st);
	p[np++] = db_str(cursor_time);
	p[np++] = db_str(cursor_time);
	p[np++] = db_str(cursor_time);
	p[np++] = db_int(cursor_id);
	p[np++] = db_int(limit);
	p[np++] = db_int(offset);
	return db_query(SQL_LOGS, p, np, out);
}

int
usagerep_count(const struct usage_filter *f, long long *total)
{
	struct db_param	 p[12];
	struct db_rows	 r;
	char		 sf[REPORT_TIME_MAX], st[REPORT_TIME_MAX];
	int		 rc, np;

	memset(&r, 0, sizeof(r));
	np = ur_log_params(p, f, sf, st);
	*total = 0;
	if ((rc = db_query(SQL_COUNT, p, np, &r)) == DB_OK)
		*total = db_ll(&r, 0, 0, 0);
	db_rows_free(&r);
	return rc;
}
