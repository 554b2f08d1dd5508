/* budget: GET/PUT /api/budget (budget.h). Owns the user_budgets table and
 * the budget columns of gateway_keys as settings; it never moves spent or
 * reserved money (the chat path's limits module does, with guarded
 * UPDATEs). Every query is bound to the target user id. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "budget.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "quota.h"
#include "report.h"
#include "server.h"
#include "stamp.h"
#include "usageapi.h"
#include "usagerep.h"

const char *const budget_state_names[BUDGET_STATE__MAX] = {
	"ok", "alert", "exceeded"
};

static const char SQL_USER_EXISTS[] =
    "SELECT id FROM users WHERE id = ?";
static const char SQL_USER_BUDGET_GET[] =
    "SELECT monthly_budget_micros, budget_alert_pct, budget_hard_stop,"
    " own_budget_micros, admin_budget_micros, budget_window"
    " FROM user_budgets WHERE user_id = ?";
static const char SQL_KEY_BUDGET_GET[] =
    "SELECT monthly_budget_micros, budget_alert_pct, budget_hard_stop, name, budget_window"
    " FROM gateway_keys WHERE id = ? AND user_id = ?";
/* monthly_budget_micros is the limit of the budget's window (its name is
 * from when every budget was monthly). */
static const char SQL_USER_BUDGET_PUT[] =
    "INSERT INTO user_budgets (user_id, monthly_budget_micros, budget_alert_pct,"
    " budget_hard_stop, budget_window, own_budget_micros, admin_budget_micros)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
    " monthly_budget_micros = VALUES(monthly_budget_micros),"
    " budget_alert_pct = VALUES(budget_alert_pct),"
    " budget_hard_stop = VALUES(budget_hard_stop),"
    " budget_window = VALUES(budget_window),"
    " own_budget_micros = VALUES(own_budget_micros),"
    " admin_budget_micros = VALUES(admin_budget_micros)";
static const char SQL_KEY_BUDGET_PUT[] =
    "UPDATE gateway_keys SET monthly_budget_micros = ?, budget_alert_pct = ?,"
    " budget_hard_stop = ?, budget_window = ? WHERE id = ? AND user_id = ?";

static const char SQL_PERIOD_GET[] =
    "SELECT spent_micros, reserved_micros FROM budget_periods"
    " WHERE scope = ? AND scope_id = ? AND period = ?";
/* A changed limit applies to the running period at once. */
static const char SQL_PERIOD_LIMIT[] =
    "UPDATE budget_periods SET limit_micros = ?"
    " WHERE scope = ? AND scope_id = ? AND period = ?";

struct budget_target {
	long long	 user_id;
	long long	 key_id;	/* 0: the user's own budget */
	int64_t		 limit;		/* micro-USD, -1 none: what is enforced */
	int64_t		 own;		/* user scope: the user's own cap, -1 none */
	int64_t		 admin;		/* user scope: an admin's cap, -1 none */
	int		 alert_pct;
	int		 hard_stop;
	enum quota_window window;
	char		 key_name[101];
};

enum budget_state
budget_status(int64_t limit, int alert_pct, int64_t spent)
{
	if (limit < 0)
		return BUDGET_OK;
	if (spent >= limit)
		return BUDGET_EXCEEDED;
	if ((__int128)spent * 100 >= (__int128)limit * alert_pct)
		return BUDGET_ALERT;
	return BUDGET_OK;
}

static int
budget_id(const char *s, long long *out)
{
	char	*end;

	if (!isdigit((unsigned char)s[0]) || strlen(s) > 18)
		return -1;
	*out = strtoll(s, &end, 10);
	return *end == '\0' && *out > 0 ? 0 : -1;
}

/* ?user= (admin, or oneself) and ?key= (a key of that user). */
static int
budget_target_or_reply(struct req *r, struct budget_target *t)
{
	struct db_param	 p[2];
	struct db_rows	 rows;
	char		 v[32];
	int		 rc;

	memset(t, 0, sizeof(*t));
	t->user_id = r->who.user_id;
	t->limit = t->own = t->admin = -1;
	t->alert_pct = 80;
	t->hard_stop = 1;
	if ((rc = usageapi_query(r, "user", v, sizeof(v))) < 0)
		return -1;
	if (rc == 0 && (budget_id(v, &t->user_id) != 0))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
		    "'user' must be a user id.");
	if (t->user_id != r->who.user_id && !r->who.is_admin)
		return http_fail(r, ERR_AUTH, 403, "forbidden",
		    "Only an administrator can see other users' budgets.");
	if ((rc = usageapi_query(r, "key", v, sizeof(v))) < 0)
		return -1;
	if (rc == 0 && budget_id(v, &t->key_id) != 0)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
		    "'key' must be a gateway key id.");
	memset(&rows, 0, sizeof(rows));
	p[0] = db_int(t->key_id ? t->key_id : t->user_id);
	p[1] = db_int(t->user_id);
	rc = t->key_id ? db_query(SQL_KEY_BUDGET_GET, p, 2, &rows) :
	    db_query(SQL_USER_EXISTS, p, 1, &rows);
	if (rc != DB_OK) {
		db_rows_free(&rows);
		return usageapi_db_fail(r, rc);
	}
	if (rows.nrows == 0) {
		db_rows_free(&rows);
		return http_fail(r, ERR_VALIDATION, 404, "not_found",
		    t->key_id ? "No such gateway key." : "No such user.");
	}
	if (t->key_id) {
		t->limit = db_ll(&rows, 0, 0, -1);
		t->alert_pct = (int)db_ll(&rows, 0, 1, 80);
		t->hard_stop = (int)db_ll(&rows, 0, 2, 1);
		snprintf(t->key_name, sizeof(t->key_name), "%s",
		    db_val(&rows, 0, 3) ? db_val(&rows, 0, 3) : "");
		t->window = quota_window_parse(db_val(&rows, 0, 4));
	}
	db_rows_free(&rows);
	if (t->key_id)
		return 0;
	if ((rc = db_query(SQL_USER_BUDGET_GET, p + 1, 1, &rows)) != DB_OK) {
		db_rows_free(&rows);
		return usageapi_db_fail(r, rc);
	}
	if (rows.nrows == 1) {
		t->limit = db_ll(&rows, 0, 0, -1);
		t->alert_pct = (int)db_ll(&rows, 0, 1, 80);
		t->hard_stop = (int)db_ll(&rows, 0, 2, 1);
		t->own = db_ll(&rows, 0, 3, -1);
		t->admin = db_ll(&rows, 0, 4, -1);
		t->window = quota_window_parse(db_val(&rows, 0, 5));
	}
	db_rows_free(&rows);
	return 0;
}

/* Spent and reserved in the period [from, to): the chat path's
 * budget_periods row (what it enforces) when there is one, else the usage
 * log (roll-ups plus raw). */
static int
budget_figures(const struct budget_target *t, const char *period, int64_t from, int64_t to,
    int64_t *spent, int64_t *reserved)
{
	struct usage_filter	 f;
	struct usagerep_result	 res;
	struct db_param		 p[3];
	struct db_rows		 rows;
	size_t			 i;
	int			 rc;

	*spent = *reserved = 0;
	p[0] = db_str(t->key_id ? "key" : "user");
	p[1] = db_int(t->key_id ? t->key_id : t->user_id);
	p[2] = db_str(period);
	memset(&rows, 0, sizeof(rows));
	rc = db_query(SQL_PERIOD_GET, p, 3, &rows);
	if (rc == DB_OK && rows.nrows == 1) {
		*spent = db_ll(&rows, 0, 0, 0);
		*reserved = db_ll(&rows, 0, 1, 0);
		db_rows_free(&rows);
		return DB_OK;
	}
	db_rows_free(&rows);
	if (rc != DB_OK)
		return rc;
	memset(&f, 0, sizeof(f));
	f.user_id = t->user_id;
	f.key_id = t->key_id;
	f.from = from;
	f.to = to;
	if ((rc = usagerep_aggregate(&f, &res)) != DB_OK)
		return rc;
	for (i = 0; i < res.n; i++)
		*spent += res.v[i].agg.cost_micros;
	usagerep_free(&res);
	return DB_OK;
}

static int
budget_reply(struct req *r, const struct budget_target *t)
{
	long long	 start, end;
	int64_t		 spent, reserved;
	char		 ts[REPORT_TIME_MAX], period[QUOTA_PERIOD_MAX];
	cJSON		*o;
	int		 rc;

	quota_period_of(t->window, (long long)time(NULL), period, &start, &end);
	if ((rc = budget_figures(t, period, start, end, &spent, &reserved)) != DB_OK)
		return usageapi_db_fail(r, rc);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "scope", t->key_id ? "key" : "user");
	cJSON_AddNumberToObject(o, "user_id", (double)t->user_id);
	if (t->key_id) {
		cJSON_AddNumberToObject(o, "key_id", (double)t->key_id);
		cJSON_AddStringToObject(o, "key_name", t->key_name);
	} else
		cJSON_AddNullToObject(o, "key_id");
	cJSON_AddStringToObject(o, "window", quota_window_names[t->window]);
	cJSON_AddStringToObject(o, "period", period);
	json_add_usd_or_null(o, "limit_usd", t->limit);
	json_add_usd_or_null(o, "monthly_limit_usd", t->limit);	/* the same, by its first name */
	if (!t->key_id) {
		json_add_usd_or_null(o, "own_limit_usd", t->own);
		json_add_usd_or_null(o, "admin_limit_usd", t->admin);
	}
	cJSON_AddNumberToObject(o, "alert_threshold_pct", t->alert_pct);
	cJSON_AddBoolToObject(o, "hard_stop", t->hard_stop);
	report_isotime(ts, sizeof(ts), start);
	ts[7] = '\0';
	cJSON_AddStringToObject(o, "month", ts);
	report_isotime(ts, sizeof(ts), start);
	cJSON_AddStringToObject(o, "period_start", ts);
	report_isotime(ts, sizeof(ts), end);
	cJSON_AddStringToObject(o, "period_end", ts);
	json_add_usd(o, "spent_usd", spent);
	json_add_usd(o, "reserved_usd", reserved);
	if (t->limit >= 0) {
		json_add_usd(o, "remaining_usd",
		    t->limit - spent - reserved > 0 ? t->limit - spent - reserved : 0);
		cJSON_AddNumberToObject(o, "used_pct",
		    t->limit > 0 ? (double)report_ppm(spent * 100, t->limit) / 1e6 :
		    (spent > 0 ? 100.0 : 0.0));
	} else {
		cJSON_AddNullToObject(o, "remaining_usd");
		cJSON_AddNullToObject(o, "used_pct");
	}
	cJSON_AddStringToObject(o, "status",
	    budget_state_names[budget_status(t->limit, t->alert_pct, spent)]);
	http_send_json(r, 200, o);
	cJSON_Delete(o);
	return 0;
}

int
budget_handle_get(struct req *r)
{
	struct budget_target	 t;

	if (budget_target_or_reply(r, &t) != 0)
		return -1;
	return budget_reply(r, &t);
}

/* A user's budget keeps two caps: an admin setting another user's limit
 * sets the admin cap, anyone else their own; the lower one is enforced, and
 * an admin cap is always a hard stop. t->limit holds the value just set. */
static void
budget_split_caps(const struct req *r, struct budget_target *t, int limit_set)
{
	if (t->key_id)
		return;
	if (limit_set && r->who.is_admin && t->user_id != r->who.user_id)
		t->admin = t->limit;
	else if (limit_set)
		t->own = t->limit;
	if (t->own < 0)
		t->limit = t->admin;
	else if (t->admin < 0)
		t->limit = t->own;
	else
		t->limit = t->own < t->admin ? t->own : t->admin;
	if (t->admin >= 0)
		t->hard_stop = 1;
}

/* Apply the body's fields (all optional) to t; -1 with r->err on bad input. */
static int
budget_apply_body(struct req *r, struct budget_target *t)
{
	const struct config	*cfg = server_config();
	const cJSON		*lim;
	const char		*name, *window;
	long long		 v;
	int			 b, present, limit_set;

	if (http_json_body(r, cfg->max_body_bytes, cfg->max_json_depth) != 0)
		return -1;
	name = cJSON_GetObjectItemCaseSensitive(r->json, "limit_usd") ? "limit_usd" : "monthly_limit_usd";
	lim = cJSON_GetObjectItemCaseSensitive(r->json, name);
	limit_set = lim != NULL;
	if (cJSON_IsNull(lim))
		t->limit = -1;
	else {
		if (json_field_usd(r->json, name, 0, &v, &present, &r->err) != 0)
			return -1;
		if (present && (v < 0 || v > BUDGET_MAX_MICROS))
			return http_fail(r, ERR_VALIDATION, 400, "invalid_field",
			    "'%s' must be from 0 to 1000000000, or null for no limit.", name);
		if (present)
			t->limit = v;
	}
	if (json_field_int(r->json, "alert_threshold_pct", 0, 1, 100, &v,
	    &present, &r->err) != 0)
		return -1;
	if (present)
		t->alert_pct = (int)v;
	if (json_field_bool(r->json, "hard_stop", 0, &b, &present, &r->err) != 0)
		return -1;
	if (present)
		t->hard_stop = b;
	if (json_field_str(r->json, "window", 0, 3, 5, &window, &present, &r->err) != 0)
		return -1;
	if (present) {
		if (!quota_window_known(window))
			return http_fail(r, ERR_VALIDATION, 400, "invalid_field",
			    "'window' must be \"month\", \"week\" or \"day\".");
		t->window = quota_window_parse(window);
	}
	budget_split_caps(r, t, limit_set);
	return 0;
}

static int
budget_period_limit(const struct budget_target *t)
{
	struct db_param	 p[4];
	char		 period[QUOTA_PERIOD_MAX];

	quota_period_of(t->window, (long long)time(NULL), period, NULL, NULL);
	p[0] = t->limit >= 0 ? db_int(t->limit) : db_null();
	p[1] = db_str(t->key_id ? "key" : "user");
	p[2] = db_int(t->key_id ? t->key_id : t->user_id);
	p[3] = db_str(period);
	return db_exec(SQL_PERIOD_LIMIT, p, 4, NULL, NULL);
}

int
budget_handle_put(struct req *r)
{
	struct budget_target	 t;
	struct db_param		 p[6];
	int			 rc;

	if (budget_target_or_reply(r, &t) != 0 || budget_apply_body(r, &t) != 0)
		return -1;
	p[0] = t.limit >= 0 ? db_int(t.limit) : db_null();
	p[1] = db_int(t.alert_pct);
	p[2] = db_int(t.hard_stop);
	p[3] = db_str(quota_window_names[t.window]);
	if (t.key_id) {
		p[4] = db_int(t.key_id);
		p[5] = db_int(t.user_id);
		rc = db_exec(SQL_KEY_BUDGET_PUT, p, 6, NULL, NULL);
	} else {
		struct db_param	 u[7] = { db_int(t.user_id), p[0], p[1], p[2], p[3],
		    t.own >= 0 ? db_int(t.own) : db_null(),
		    t.admin >= 0 ? db_int(t.admin) : db_null() };

		rc = db_exec(SQL_USER_BUDGET_PUT, u, 7, NULL, NULL);
	}
	if (rc == DB_OK)
		rc = budget_period_limit(&t);
	if (rc != DB_OK)
		return usageapi_db_fail(r, rc);
	(void)stamp_user(t.user_id);	/* the chat path's cached limits */
	log_info("budget of user %lld key %lld set", t.user_id, t.key_id);
	return budget_reply(r, &t);
}
