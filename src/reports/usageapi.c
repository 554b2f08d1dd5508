/* usageapi: the scope and range of a usage request, and aggregate JSON
 * (usageapi.h). Every query value is length-checked and validated here, so
 * handlers see only checked values; a user may only name themselves, an
 * admin anyone or "all". A gateway-key caller is pinned to that key. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "json.h"
#include "log.h"
#include "rollup.h"
#include "server.h"
#include "usageapi.h"

int
usageapi_query(struct req *r, const char *name, char *out, size_t n)
{
	const char	*q = r->query;
	size_t		 nlen = strlen(name);

	if (http_query(r, name, out, n) == 0)
		return 0;
	out[0] = '\0';
	/* absent, or present but too long / badly encoded? */
	while (q && *q) {
		if (strncmp(q, name, nlen) == 0 && q[nlen] == '=') {
			http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
			    "Query parameter '%s' is too long or badly encoded.", name);
			return -1;
		}
		q = strchr(q, '&');
		if (q)
			q++;
	}
	return 1;
}

static int
usageapi_id(const char *s, long long *out)
{
	char		*end;
	long long	 v;

	if (!isdigit((unsigned char)s[0]) || strlen(s) > 18)
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* user= and key=: who is being reported on. */
static int
usageapi_who(struct req *r, struct usage_scope *s)
{
	char		 v[32];
	long long	 id;
	int		 rc;

	s->f.user_id = r->who.user_id;
	s->f.key_id = 0;
	if ((rc = usageapi_query(r, "user", v, sizeof(v))) < 0)
		return -1;
	if (rc == 0) {
		if (strcmp(v, "all") == 0)
			id = 0;
		else if (usageapi_id(v, &id) != 0)
			return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
			    "'user' must be a user id or 'all'.");
		if (id != r->who.user_id && !r->who.is_admin)
			return http_fail(r, ERR_AUTH, 403, "forbidden",
			    "Only an administrator can see other users' usage.");
		s->f.user_id = id;
	}
	if ((rc = usageapi_query(r, "key", v, sizeof(v))) < 0)
		return -1;
	if (rc == 0 && usageapi_id(v, &s->f.key_id) != 0)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
		    "'key' must be a gateway key id.");
	if (r->who.via == AUTH_VIA_KEY) {
		s->f.user_id = r->who.user_id;
		s->f.key_id = r->who.key_id;
	}
	return 0;
}

static int
usageapi_text(struct req *r, const char *name, char *out, size_t n,
    const char **dst)
{
	int	 rc;
	size_t	 i;

	if ((rc = usageapi_query(r, name, out, n)) < 0)
		return -1;
	if (rc == 1 || out[0] == '\0')
		return 0;
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
			    "'%s' contains control characters.", name);
	*dst = out;
	return 0;
}

/* A bound: "YYYY-MM-DD" is local midnight in tz; else an ISO UTC time. */
static int
usageapi_time(struct req *r, const char *name, const char *tz, int64_t *out,
    int *given)
{
	char	 v[40];
	int	 y, m, d, rc;

	*given = 0;
	if ((rc = usageapi_query(r, name, v, sizeof(v))) < 0)
		return -1;
	if (rc == 1 || v[0] == '\0')
		return 0;
	*given = 1;
	if (strlen(v) == 10 && report_parse_date(v, &y, &m, &d) == 0 &&
	    tzb_date_start(tz, y, m, d, out) == TZB_OK)
		return 0;
	if (strlen(v) > 10 && report_parse_time(v, out) == 0 &&
	    (v[10] == 'T' && v[strlen(v) - 1] == 'Z'))
		return 0;
	return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
	    "'%s' must be a date YYYY-MM-DD (in tz) or a UTC time "
	    "YYYY-MM-DDTHH:MM:SSZ, in 2000..2099.", name);
}

static int
usageapi_range(struct req *r, const char *def_range, struct usage_scope *s)
{
	int64_t	 now = (int64_t)time(NULL), day;
	int	 rc, gf, gt;

	if ((rc = usageapi_query(r, "range", s->range, sizeof(s->range))) < 0)
		return -1;
	if (usageapi_time(r, "from", s->tz, &s->local_from, &gf) != 0 ||
	    usageapi_time(r, "to", s->tz, &s->local_to, &gt) != 0)
		return -1;
	if (rc == 1 || s->range[0] == '\0')
		snprintf(s->range, sizeof(s->range), "%s",
		    gf || gt ? "custom" : def_range);
	if (strcmp(s->range, "custom") == 0 || strcmp(s->range, "all") == 0) {
		if (!gf)
			s->local_from = 946684800;	/* 2000-01-01 */
		if (!gt)
			s->local_to = now + 3600;
	} else if (strcmp(s->range, "day") == 0 || strcmp(s->range, "week") == 0) {
		if (tzb_floor(s->tz, now, TZB_DAY, &day) != TZB_OK ||
		    tzb_step(s->tz, day, TZB_DAY, 1, &s->local_to) != TZB_OK ||
		    tzb_step(s->tz, s->local_to, TZB_DAY,
		    s->range[0] == 'd' ? -1 : -7, &s->local_from) != TZB_OK)
			return http_fail(r, ERR_INTERNAL, 500, "time_zone",
			    "Could not compute the range in this time zone.");
	} else if (strcmp(s->range, "month") == 0) {
		if (tzb_floor(s->tz, now, TZB_MONTH, &s->local_from) != TZB_OK ||
		    tzb_step(s->tz, s->local_from, TZB_MONTH, 1, &s->local_to) != TZB_OK)
			return http_fail(r, ERR_INTERNAL, 500, "time_zone",
			    "Could not compute the range in this time zone.");
	} else
		return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
		    "'range' must be day, week, month, custom or all.");
	if (s->local_to <= s->local_from)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_range",
		    "'from' must be before 'to'.");
	if (strcmp(s->range, "all") != 0 && s->local_to - s->local_from >
	    (int64_t)USAGEAPI_MAX_RANGE_DAYS * 86400)
		return http_fail(r, ERR_VALIDATION, 400, "range_too_long",
		    "A report covers at most %d days.", USAGEAPI_MAX_RANGE_DAYS);
	/* roll-ups are hourly: widen to whole UTC hours */
	s->f.from = s->local_from - ((s->local_from % 3600) + 3600) % 3600;
	s->f.to = s->local_to + (3600 - ((s->local_to % 3600) + 3600) % 3600) % 3600;
	return 0;
}

int
usageapi_scope(struct req *r, const char *def_range, struct usage_scope *s)
{
	int	 rc;

	memset(s, 0, sizeof(*s));
	if (usageapi_who(r, s) != 0)
		return -1;
	if (usageapi_text(r, "provider", s->provider, sizeof(s->provider),
	    &s->f.provider) != 0 ||
	    usageapi_text(r, "model", s->model, sizeof(s->model),
	    &s->f.model) != 0 ||
	    usageapi_text(r, "status", s->status, sizeof(s->status),
	    &s->f.status) != 0)
		return -1;
	if (s->f.status && report_status_from_name(s->f.status) < 0)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
		    "'status' must be success, error or cancelled.");
	if ((rc = usageapi_query(r, "tz", s->tz, sizeof(s->tz))) < 0)
		return -1;
	if (rc == 1 || s->tz[0] == '\0')
		snprintf(s->tz, sizeof(s->tz), "UTC");
	if (!tzb_valid_name(s->tz))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_time_zone",
		    "'tz' must be an IANA time zone name such as Europe/Berlin.");
	return usageapi_range(r, def_range, s);
}

static void
usageapi_ms_or_null(cJSON *o, const char *name, int64_t v, int has)
{
	if (has && v >= 0)
		cJSON_AddNumberToObject(o, name, (double)v);
	else
		cJSON_AddNullToObject(o, name);
}

void
usageapi_agg_json(cJSON *o, const struct report_agg *a)
{
	int64_t	 ok = a->requests - a->errors - a->cancelled;

	cJSON_AddNumberToObject(o, "requests", (double)a->requests);
	cJSON_AddNumberToObject(o, "success", (double)ok);
	cJSON_AddNumberToObject(o, "errors", (double)a->errors);
	cJSON_AddNumberToObject(o, "cancelled", (double)a->cancelled);
	cJSON_AddNumberToObject(o, "error_rate",
	    (double)report_ppm(a->errors, a->requests) / 1e6);
	cJSON_AddNumberToObject(o, "prompt_tokens", (double)a->prompt_tokens);
	cJSON_AddNumberToObject(o, "completion_tokens", (double)a->completion_tokens);
	cJSON_AddNumberToObject(o, "total_tokens", (double)a->total_tokens);
	json_add_usd(o, "cost_usd", a->cost_micros);
	cJSON_AddNumberToObject(o, "cost_micros", (double)a->cost_micros);
	usageapi_ms_or_null(o, "avg_latency_ms",
	    report_avg(a->latency_sum_ms, a->requests), a->requests > 0);
	usageapi_ms_or_null(o, "p95_latency_ms",
	    report_quantile_ms(a->lat_hist, 950), a->requests > 0);
	usageapi_ms_or_null(o, "avg_ttft_ms",
	    report_avg(a->ttft_sum_ms, a->ttft_count), a->ttft_count > 0);
}

void
usageapi_scope_json(cJSON *o, const struct usage_scope *s)
{
	char	 t[REPORT_TIME_MAX];

	report_isotime(t, sizeof(t), s->f.from);
	cJSON_AddStringToObject(o, "from", t);
	report_isotime(t, sizeof(t), s->f.to);
	cJSON_AddStringToObject(o, "to", t);
	cJSON_AddStringToObject(o, "tz", s->tz);
	cJSON_AddStringToObject(o, "range", s->range);
	if (s->f.user_id)
		cJSON_AddNumberToObject(o, "user_id", (double)s->f.user_id);
	else
		cJSON_AddNullToObject(o, "user_id");
	if (s->f.key_id)
		cJSON_AddNumberToObject(o, "key_id", (double)s->f.key_id);
	else
		cJSON_AddNullToObject(o, "key_id");
}

void
usageapi_roll_on_read(void)
{
	struct rollup_result	 res;
	int			 rc;

	rc = rollup_forward((int64_t)time(NULL), rollup_lag_s(server_config()),
	    ROLLUP_READ_CHUNKS, &res);
	if (rc != DB_OK)
		log_warn("roll-up on read failed (%d): %s", rc, db_error());
}

int
usageapi_db_fail(struct req *r, int rc)
{
	log_err("usage query failed (%d): %s", rc, db_error());
	return err_db_unavailable(&r->err);
}

/* Cursor "YYYYMMDDHHMMSSffffff-ID" ↔ DB time "YYYY-MM-DD HH:MM:SS.ffffff". */
int
usageapi_cursor_parse(const char *c, char *dbtime, size_t n, long long *id)
{
	char	*end;
	int	 i;

	if (strlen(c) < 22 || c[20] != '-' || n < 27)
		return -1;
	for (i = 0; i < 20; i++)
		if (c[i] < '0' || c[i] > '9')
			return -1;
	snprintf(dbtime, n, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s.%.6s", c, c + 4,
	    c + 6, c + 8, c + 10, c + 12, c + 14);
	if (c[21] < '0' || c[21] > '9')
		return -1;
	*id = strtoll(c + 21, &end, 10);
	return *end == '\0' && *id > 0 && strlen(c + 21) <= 18 ? 0 : -1;
}

void
usageapi_cursor_make(const char *dbtime, const char *id, char *out, size_t n)
{
	char	 d[21];
	size_t	 i, k = 0;

	for (i = 0; dbtime && dbtime[i] && k < 20; i++)
		if (dbtime[i] >= '0' && dbtime[i] <= '9')
			d[k++] = dbtime[i];
	while (k < 20)
		d[k++] = '0';
	d[20] = '\0';
	snprintf(out, n, "%s-%s", d, id ? id : "0");
}
