/* usage.fcgi: usage reports (summary, time series, per model, logs, CSV
 * export), budgets and Prometheus metrics. Thin handlers: the scope comes
 * from usageapi, the figures from usagerep (roll-ups plus the raw tail), the
 * budget from budget.c and /metrics from metrics.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "csv.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "usageapi.h"
#include "usagerep.h"

#define USAGE_PER_PAGE_DEFAULT	50
#define USAGE_PER_PAGE_MAX	200
#define USAGE_OFFSET_MAX	100000	/* deeper pages use the cursor */
#define USAGE_EXPORT_CHUNK	1000	/* rows per query while exporting */

static int
send_and_free(struct req *r, cJSON *root)
{
	if (root == NULL)
		return http_fail(r, ERR_INTERNAL, 500, "out_of_memory", "Out of memory.");
	http_send_json(r, 200, root);
	cJSON_Delete(root);
	return 0;
}

/* GET /api/usage/summary */
static int
handle_summary(struct req *r)
{
	struct usage_scope	 s;
	struct usagerep_result	 res;
	struct report_agg	 tot;
	cJSON			*root;
	size_t			 i, active = 0;
	int			 rc;

	if (usageapi_scope(r, "month", &s) != 0)
		return -1;
	usageapi_roll_on_read();
	if ((rc = usagerep_aggregate(&s.f, &res)) != DB_OK)
		return usageapi_db_fail(r, rc);
	memset(&tot, 0, sizeof(tot));
	for (i = 0; i < res.n; i++) {
		report_agg_merge(&tot, &res.v[i].agg);
		active += res.v[i].agg.requests > 0;
	}
	usagerep_free(&res);
	root = cJSON_CreateObject();
	usageapi_scope_json(root, &s);
	usageapi_agg_json(root, &tot);
	cJSON_AddNumberToObject(root, "active_models", (double)active);
	return send_and_free(r, root);
}

/* Bit h set when UTC hour h of some whole UTC day in [from, to) falls in a
 * different local bucket than that day's noon (where its DAY row goes). */
static uint32_t
series_fix_mask(const struct tzb_list *bl, int64_t from, int64_t to)
{
	uint32_t	 mask = 0;
	int64_t		 d;
	long		 k0, k1;
	int		 h;

	for (d = from - ((from % 86400) + 86400) % 86400; d < to; d += 86400) {
		k0 = tzb_find(bl, d + 43200);
		for (h = 0; h < 24; h++) {
			k1 = tzb_find(bl, d + h * 3600);
			if (k1 != k0)
				mask |= 1u << h;
		}
	}
	return mask;
}

/* Bucket of a time; before the first bucket (a :30/:45 edge hour) is 0. */
static long
series_bucket(const struct tzb_list *bl, int64_t t)
{
	long	 k = tzb_find(bl, t);

	if (k < 0 && bl->n > 0 && t < bl->v[0].start)
		k = 0;
	return k;
}

static void
series_place(struct report_agg *acc, const struct tzb_list *bl,
    const struct usagerep_row *row)
{
	long	 k0, k1;

	switch (row->kind) {
	case USAGEREP_DAY:
		if ((k0 = series_bucket(bl, row->t + 43200)) >= 0)
			report_agg_merge(&acc[k0], &row->agg);
		break;
	case USAGEREP_FIX:
		k0 = series_bucket(bl, row->t - ((row->t % 86400) + 86400) % 86400 + 43200);
		k1 = series_bucket(bl, row->t);
		if (k0 != k1 && k0 >= 0 && k1 >= 0) {
			report_agg_sub(&acc[k0], &row->agg);
			report_agg_merge(&acc[k1], &row->agg);
		}
		break;
	default:
		if ((k1 = series_bucket(bl, row->t)) >= 0)
			report_agg_merge(&acc[k1], &row->agg);
		break;
	}
}

/* GET /api/usage/timeseries */
static int
handle_timeseries(struct req *r)
{
	struct usage_scope	 s;
	struct usagerep_result	 res;
	struct tzb_list		 bl;
	struct report_agg	*acc = NULL;
	char			 b[8], t[REPORT_TIME_MAX];
	cJSON			*root = NULL, *arr, *o;
	int			 unit, rc;
	size_t			 i;

	if (usageapi_scope(r, "month", &s) != 0)
		return -1;
	if ((rc = usageapi_query(r, "bucket", b, sizeof(b))) < 0)
		return -1;
	if (rc == 1 || b[0] == '\0')
		snprintf(b, sizeof(b), "%s", strcmp(s.range, "day") == 0 ? "hour" : "day");
	if ((unit = tzb_unit_from_name(b)) < 0 || unit == TZB_MONTH)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
		    "'bucket' must be hour or day.");
	if ((rc = tzb_make(s.tz, s.local_from, s.local_to, unit, 0, &bl)) != TZB_OK)
		return http_fail(r, ERR_VALIDATION, 400, "too_many_buckets",
		    "Too many %s buckets: ask for a shorter range or bucket=day "
		    "(at most %d buckets).", b, TZB_MAX_BUCKETS);
	usageapi_roll_on_read();
	rc = usagerep_series(&s.f, unit == TZB_DAY,
	    unit == TZB_DAY ? series_fix_mask(&bl, s.f.from, s.f.to) : 0, &res);
	if (rc != DB_OK) {
		tzb_free(&bl);
		return usageapi_db_fail(r, rc);
	}
	if ((acc = calloc(bl.n ? bl.n : 1, sizeof(*acc))) == NULL)
		goto out;
	for (i = 0; i < res.n; i++)
		series_place(acc, &bl, &res.v[i]);
	root = cJSON_CreateObject();
	usageapi_scope_json(root, &s);
	cJSON_AddStringToObject(root, "bucket", b);
	arr = cJSON_AddArrayToObject(root, "buckets");
	for (i = 0; i < bl.n; i++) {
		o = cJSON_CreateObject();
		report_isotime(t, sizeof(t), bl.v[i].start);
		cJSON_AddStringToObject(o, "start", t);
		cJSON_AddStringToObject(o, "label", bl.v[i].label);
		usageapi_agg_json(o, &acc[i]);
		cJSON_AddItemToArray(arr, o);
	}
out:
	free(acc);
	tzb_free(&bl);
	usagerep_free(&res);
	return send_and_free(r, root);
}

static int
cmp_cost_desc(const void *a, const void *b)
{
	const struct usagerep_row *x = a, *y = b;

	if (x->agg.cost_micros != y->agg.cost_micros)
		return x->agg.cost_micros < y->agg.cost_micros ? 1 : -1;
	if (x->agg.requests != y->agg.requests)
		return x->agg.requests < y->agg.requests ? 1 : -1;
	return strcmp(x->model, y->model);
}

/* GET /api/usage/models */
static int
handle_models(struct req *r)
{
	struct usage_scope	 s;
	struct usagerep_result	 res;
	int64_t			 total = 0;
	cJSON			*root, *arr, *o;
	size_t			 i;
	int			 rc;

	if (usageapi_scope(r, "month", &s) != 0)
		return -1;
	usageapi_roll_on_read();
	if ((rc = usagerep_aggregate(&s.f, &res)) != DB_OK)
		return usageapi_db_fail(r, rc);
	if (res.n > 1)
		qsort(res.v, res.n, sizeof(res.v[0]), cmp_cost_desc);
	for (i = 0; i < res.n; i++)
		total += res.v[i].agg.cost_micros;
	root = cJSON_CreateObject();
	usageapi_scope_json(root, &s);
	json_add_usd(root, "total_cost_usd", total);
	arr = cJSON_AddArrayToObject(root, "models");
	for (i = 0; i < res.n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "provider", res.v[i].provider);
		cJSON_AddStringToObject(o, "model", res.v[i].model);
		usageapi_agg_json(o, &res.v[i].agg);
		cJSON_AddNumberToObject(o, "cost_share",
		    (double)report_ppm(res.v[i].agg.cost_micros, total) / 1e6);
		cJSON_AddItemToArray(arr, o);
	}
	usagerep_free(&res);
	return send_and_free(r, root);
}

/* "2026-03-29 01:02:03.123456" → "2026-03-29T01:02:03Z" */
static void
iso_from_db(const char *db, char *out, size_t n)
{
	if (db == NULL || strlen(db) < 19 || n < 21) {
		if (n)
			out[0] = '\0';
		return;
	}
	memcpy(out, db, 19);
	out[10] = 'T';
	out[19] = 'Z';
	out[20] = '\0';
}

static void
add_int_or_null(cJSON *o, const char *name, const char *v)
{
	if (v)
		cJSON_AddNumberToObject(o, name, (double)strtoll(v, NULL, 10));
	else
		cJSON_AddNullToObject(o, name);
}

/* The usage-log columns the logs API (JSON) and the CSV export show, in
 * the export's column order: one table drives both. */
enum log_kind { LOG_STR, LOG_INT, LOG_BOOL, LOG_TIME, LOG_USD };
enum { LOG_JSON = 1, LOG_CSV = 2, LOG_JSON_ADMIN = 4 };
struct log_col {
	const char	*name;	/* JSON field and CSV header */
	int		 col;	/* ULC_* */
	enum log_kind	 kind;
	unsigned	 in;	/* LOG_JSON | LOG_CSV | LOG_JSON_ADMIN */
	int		 def;	/* a NULL boolean */
};
static const struct log_col log_cols[] = {
	{ "created_at", ULC_CREATED_AT, LOG_TIME, LOG_JSON | LOG_CSV, 0 },
	{ "request_id", ULC_REQUEST_ID, LOG_STR, LOG_JSON | LOG_CSV, 0 },
	{ "user_id", ULC_USER_ID, LOG_INT, LOG_JSON | LOG_CSV, 0 },
	{ "username", ULC_USERNAME, LOG_STR, LOG_JSON_ADMIN | LOG_CSV, 0 },
	{ "key_id", ULC_KEY_ID, LOG_INT, LOG_JSON | LOG_CSV, 0 },
	{ "provider", ULC_PROVIDER, LOG_STR, LOG_JSON | LOG_CSV, 0 },
	{ "model", ULC_REQUESTED_MODEL, LOG_STR, LOG_JSON | LOG_CSV, 0 },
	{ "resolved_model", ULC_RESOLVED_MODEL, LOG_STR, LOG_JSON | LOG_CSV, 0 },
	{ "endpoint", ULC_ENDPOINT, LOG_STR, LOG_JSON | LOG_CSV, 0 },
	{ "stream", ULC_IS_STREAM, LOG_BOOL, LOG_JSON | LOG_CSV, 0 },
	{ "status", ULC_STATUS, LOG_STR, LOG_JSON | LOG_CSV, 0 },
	{ "http_status", ULC_HTTP_STATUS, LOG_INT, LOG_JSON | LOG_CSV, 0 },
	{ "error_category", ULC_ERR_CATEGORY, LOG_STR, LOG_CSV, 0 },	/* JSON: "error" */
	{ "error_message", ULC_ERR_MESSAGE, LOG_STR, LOG_CSV, 0 },
	{ "prompt_tokens", ULC_PROMPT, LOG_INT, LOG_JSON | LOG_CSV, 0 },
	{ "completion_tokens", ULC_COMPLETION, LOG_INT, LOG_JSON | LOG_CSV, 0 },
	{ "total_tokens", ULC_TOTAL, LOG_INT, LOG_JSON | LOG_CSV, 0 },
	{ "tokens_estimated", ULC_ESTIMATED, LOG_BOOL, LOG_JSON | LOG_CSV, 0 },
	{ "cost_usd", ULC_COST, LOG_USD, LOG_JSON | LOG_CSV, 0 },
	{ "cost_micros", ULC_COST, LOG_INT, LOG_JSON, 0 },
	{ "price_known", ULC_PRICE_KNOWN, LOG_BOOL, LOG_JSON | LOG_CSV, 1 },
	{ "latency_ms", ULC_LATENCY, LOG_INT, LOG_JSON | LOG_CSV, 0 },
	{ "ttft_ms", ULC_TTFT, LOG_INT, LOG_JSON | LOG_CSV, 0 },
	{ "attempts", ULC_ATTEMPTS, LOG_INT, LOG_JSON | LOG_CSV, 0 },
	{ "route", ULC_ROUTE, LOG_STR, LOG_JSON | LOG_CSV, 0 },
};
#define LOG_NCOLS (sizeof(log_cols) / sizeof(log_cols[0]))

static void
log_cell_json(cJSON *o, const struct log_col *k, const struct db_rows *rows, int i)
{
	const char	*v = db_val(rows, i, k->col);
	char		 t[32];

	switch (k->kind) {
	case LOG_INT:
		add_int_or_null(o, k->name, v);
		break;
	case LOG_BOOL:
		cJSON_AddBoolToObject(o, k->name, db_ll(rows, i, k->col, k->def) != 0);
		break;
	case LOG_TIME:
		iso_from_db(v, t, sizeof(t));
		cJSON_AddStringToObject(o, k->name, t);
		break;
	case LOG_USD:
		json_add_usd(o, k->name, db_ll(rows, i, k->col, 0));
		break;
	default:
		json_add_str_or_null(o, k->name, v);
		break;
	}
}

static cJSON *
log_row_json(const struct db_rows *rows, int i, int admin)
{
	cJSON		*o = cJSON_CreateObject(), *e;
	const char	*v;
	size_t		 k;

	for (k = 0; k < LOG_NCOLS; k++)
		if ((log_cols[k].in & LOG_JSON) || (admin && (log_cols[k].in & LOG_JSON_ADMIN)))
			log_cell_json(o, &log_cols[k], rows, i);
	if ((v = db_val(rows, i, ULC_ERR_CATEGORY)) != NULL ||
	    strcmp(db_val(rows, i, ULC_STATUS), "error") == 0) {
		e = cJSON_AddObjectToObject(o, "error");
		json_add_str_or_null(e, "category", v);
		json_add_str_or_null(e, "message", db_val(rows, i, ULC_ERR_MESSAGE));
	} else
		cJSON_AddNullToObject(o, "error");
	return o;
}

static int
query_count(struct req *r, const char *name, long long def, long long max,
    long long *out)
{
	char		 v[24], *end;
	long long	 n;
	int		 rc;

	*out = def;
	if ((rc = usageapi_query(r, name, v, sizeof(v))) < 0)
		return -1;
	if (rc == 1 || v[0] == '\0')
		return 0;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || v[0] < '0' || v[0] > '9' || n < 1 || n > max)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
		    "'%s' must be a whole number from 1 to %lld.", name, max);
	*out = n;
	return 0;
}

/* GET /api/usage/logs */
static int
handle_logs(struct req *r)
{
	struct usage_scope	 s;
	struct db_rows		 rows;
	long long		 page, per, total = 0, cid = 0;
	char			 cur[64], ctime[32], next[64];
	const char		*ct = NULL;
	cJSON			*root, *arr;
	int			 rc, i;

	memset(&rows, 0, sizeof(rows));
	if (usageapi_scope(r, "all", &s) != 0 ||
	    query_count(r, "page", 1, USAGE_OFFSET_MAX, &page) != 0 ||
	    query_count(r, "per_page", USAGE_PER_PAGE_DEFAULT, USAGE_PER_PAGE_MAX, &per) != 0 ||
	    (rc = usageapi_query(r, "cursor", cur, sizeof(cur))) < 0)
		return -1;
	if (rc == 0 && cur[0] != '\0') {
		if (usageapi_cursor_parse(cur, ctime, sizeof(ctime), &cid) != 0)
			return http_fail(r, ERR_VALIDATION, 400, "invalid_cursor",
			    "'cursor' is not one this API gave out.");
		ct = ctime;
		page = 1;
	}
	if ((page - 1) * per > USAGE_OFFSET_MAX)
		return http_fail(r, ERR_VALIDATION, 400, "page_too_deep",
		    "Pages beyond %d rows: follow next_cursor instead.", USAGE_OFFSET_MAX);
	if ((rc = usagerep_count(&s.f, &total)) != DB_OK ||
	    (rc = usagerep_logs(&s.f, ct, cid, per, (page - 1) * per, &rows)) != DB_OK) {
		db_rows_free(&rows);
		return usageapi_db_fail(r, rc);
	}
	root = cJSON_CreateObject();
	usageapi_scope_json(root, &s);
	cJSON_AddNumberToObject(root, "page", (double)page);
	cJSON_AddNumberToObject(root, "per_page", (double)per);
	cJSON_AddNumberToObject(root, "total", (double)total);
	cJSON_AddNumberToObject(root, "pages", (double)((total + per - 1) / per));
	if (rows.nrows == per) {
		usageapi_cursor_make(db_val(&rows, rows.nrows - 1, ULC_CREATED_AT),
		    db_val(&rows, rows.nrows - 1, ULC_ID), next, sizeof(next));
		cJSON_AddStringToObject(root, "next_cursor", next);
	} else
		cJSON_AddNullToObject(root, "next_cursor");
	arr = cJSON_AddArrayToObject(root, "logs");
	for (i = 0; i < rows.nrows; i++)
		cJSON_AddItemToArray(arr, log_row_json(&rows, i, r->who.is_admin));
	db_rows_free(&rows);
	return send_and_free(r, root);
}

static int
csv_to_client(void *ctx, const char *p, size_t n)
{
	return http_write(ctx, p, n) == 0 ? 0 : -1;
}

static void
export_int(struct csv *c, const char *v)
{
	if (v)
		csv_cell_int(c, strtoll(v, NULL, 10));
	else
		csv_cell(c, NULL, 0);
}

static void
export_row(struct csv *c, const struct db_rows *rows, int i)
{
	const struct log_col	*k;
	char			 t[32];
	size_t			 n;

	for (n = 0; n < LOG_NCOLS; n++) {
		k = &log_cols[n];
		if (!(k->in & LOG_CSV))
			continue;
		if (k->kind == LOG_TIME) {
			iso_from_db(db_val(rows, i, k->col), t, sizeof(t));
			csv_cell_str(c, t);
		} else if (k->kind == LOG_USD)
			csv_cell_fixed(c, db_ll(rows, i, k->col, 0), 6);
		else if (k->kind == LOG_STR)
			csv_cell_str(c, db_val(rows, i, k->col));
		else
			export_int(c, db_val(rows, i, k->col));
	}
	csv_row_end(c);
}

/* GET /api/usage/export.csv: every matching row, newest first, streamed in
 * chunks by keyset so memory stays flat however long the range. */
static int
handle_export(struct req *r)
{
	struct usage_scope	 s;
	struct db_rows		 rows;
	struct csv		 c;
	char			 ctime[32], f1[REPORT_TIME_MAX], f2[REPORT_TIME_MAX];
	const char		*ct = NULL;
	long long		 cid = 0;
	size_t			 i;
	int			 rc = DB_OK, k;

	if (usageapi_scope(r, "all", &s) != 0)
		return -1;
	report_sqltime(f1, sizeof(f1), s.f.from);
	report_sqltime(f2, sizeof(f2), s.f.to);
	f1[10] = f2[10] = '\0';
	http_add_header(r, "Content-Disposition: attachment; filename=\"usage-%s-%s.csv\"", f1, f2);
	http_add_header(r, "Cache-Control: no-store");
	if (http_begin_stream(r, 200, "text/csv; charset=utf-8") != 0)
		return 0;
	csv_init(&c, csv_to_client, r);
	for (i = 0; i < LOG_NCOLS; i++)
		if (log_cols[i].in & LOG_CSV)
			csv_cell_str(&c, log_cols[i].name);
	csv_row_end(&c);
	for (;;) {
		memset(&rows, 0, sizeof(rows));
		if ((rc = usagerep_logs(&s.f, ct, cid, USAGE_EXPORT_CHUNK, 0, &rows)) != DB_OK)
			break;
		for (k = 0; k < rows.nrows; k++)
			export_row(&c, &rows, k);
		if (rows.nrows < USAGE_EXPORT_CHUNK || c.err != CSV_OK) {
			db_rows_free(&rows);
			break;
		}
		snprintf(ctime, sizeof(ctime), "%s", db_val(&rows, rows.nrows - 1, ULC_CREATED_AT));
		cid = db_ll(&rows, rows.nrows - 1, ULC_ID, 0);
		ct = ctime;
		db_rows_free(&rows);
		if (csv_flush(&c) != CSV_OK)
			break;
	}
	if (rc != DB_OK) {
		db_rows_free(&rows);
		log_err("export stopped by a database error (%d): %s", rc, db_error());
		/* headers are gone: the truncated file ends with a marker row */
		csv_cell_str(&c, "#error: export incomplete, database unavailable");
		csv_row_end(&c);
	}
	csv_flush(&c);
	csv_free(&c);
	return 0;
}

static const struct route routes[] = {
	{ "GET", "/api/usage/summary",    handle_summary,    ROUTE_USER },
	{ "GET", "/api/usage/timeseries", handle_timeseries, ROUTE_USER },
	{ "GET", "/api/usage/models",     handle_models,     ROUTE_USER },
	{ "GET", "/api/usage/logs",       handle_logs,       ROUTE_USER },
	{ "GET", "/api/usage/export.csv", handle_export,     ROUTE_USER },
	{ "GET", "/api/budget",           budget_handle_get, ROUTE_SESSION },
	{ "PUT", "/api/budget",           budget_handle_put, ROUTE_SESSION },
	{ "GET", "/metrics",              metrics_handle,    ROUTE_PUBLIC },
};

int
main(void)
{
	static const struct program prog = {
		.name = "usage", .routes = routes, .nroutes = sizeof(routes) / sizeof(routes[0])
	};

	return server_run(&prog);
}
