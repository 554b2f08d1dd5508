/* quota: rate-limit windows and budget periods (see quota.h). Every limit is
 * enforced by a single-row atomic statement checked by affected rows or by
 * a sum read after an atomic increment; no SELECT … FOR UPDATE, no locks, so
 * it stays correct on a multi-node (Galera) database. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "quota.h"

const char *const quota_window_names[QUOTA_WINDOW__MAX] = { "month", "week", "day" };

const char *const quota_scope_names[QUOTA_SCOPE__MAX] = {
	"global", "user", "key",
};

/* One round trip: the user's and (when key_id != 0) the key's limits. */
static const char SQL_LIMITS[] =
    "SELECT r.rpm_limit, r.tpm_limit, b.monthly_budget_micros,"
    " b.budget_alert_pct, b.budget_hard_stop,"
    " k.id, k.rpm_limit, k.tpm_limit, k.monthly_budget_micros,"
    " k.budget_alert_pct, k.budget_hard_stop, r.max_concurrent, k.max_concurrent,"
    " b.budget_window, k.budget_window"
    " FROM (SELECT ? AS uid, ? AS kid) x"
    " LEFT JOIN user_rate_limits r ON r.user_id = x.uid"
    " LEFT JOIN user_budgets b ON b.user_id = x.uid"
    " LEFT JOIN gateway_keys k ON k.id = x.kid AND k.user_id = x.uid";
static const char SQL_RATE_INC[] =
    "INSERT INTO rate_windows (scope, scope_id, win, shard, requests, tokens)"
    " VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
    " requests = requests + VALUES(requests), tokens = tokens + VALUES(tokens)";
static const char SQL_RATE_UNDO[] =
    "UPDATE rate_windows SET requests = requests - 1"
    " WHERE scope = ? AND scope_id = ? AND win = ? AND shard = ? AND requests > 0";
static const char SQL_RATE_SUM[] =
    "SELECT COALESCE(SUM(requests), 0), COALESCE(SUM(tokens), 0)"
    " FROM rate_windows WHERE scope = ? AND scope_id = ? AND win = ?";
static const char SQL_RATE_PRUNE[] =
    "DELETE FROM rate_windows WHERE win < ? LIMIT 500";
/* spent < cap too: a request of unknown (or zero) worst case, reserving
 * nothing, is still refused once the budget is used up. */
static const char SQL_BUDGET_RESERVE[] =
    "UPDATE budget_periods SET reserved_micros = reserved_micros + ?,"
    " limit_micros = ?, updated_at = NOW(6)"
    " WHERE scope = ? AND scope_id = ? AND period = ?"
    " AND spent_micros + reserved_micros + ? <= ? AND spent_micros < ?";
/* A new period row starts from what the usage log already holds for the
 * period (spend made before the budget was set), in one atomic statement;
 * the period's start and end are bound in seconds since 1970. */
#define QUOTA_CREATE_FROM_LOG(who) \
    "INSERT IGNORE INTO budget_periods (scope, scope_id, period, limit_micros," \
    " spent_micros) SELECT ?, ?, ?, ?, COALESCE(SUM(l.cost_micros), 0)" \
    " FROM aggregator_usage_logs l WHERE l.user_id = ?" who \
    " AND l.created_at >= FROM_UNIXTIME(?) AND l.created_at < FROM_UNIXTIME(?)"
static const char SQL_BUDGET_CREATE_USER[] =
    QUOTA_CREATE_FROM_LOG(" AND ? = 0");
static const char SQL_BUDGET_CREATE_KEY[] =
    QUOTA_CREATE_FROM_LOG(" AND l.gateway_key_id = ?");
static const char SQL_BUDGET_SETTLE[] =
    "UPDATE budget_periods SET"
    " reserved_micros = GREATEST(reserved_micros - ?, 0),"
    " spent_micros = spent_micros + ?,"
    " alert_at = IF(alert_at IS NULL AND limit_micros IS NOT NULL"
    "   AND spent_micros * 100 >= limit_micros * ?, NOW(6), alert_at),"
    " exhausted_at = IF(exhausted_at IS NULL AND limit_micros IS NOT NULL"
    "   AND spent_micros >= limit_micros, NOW(6), exhausted_at)"
    " WHERE scope = ? AND scope_id = ? AND period = ?";

/* A huge limit for budgets that only track (no hard stop). */
#define QUOTA_UNBOUNDED	(INT64_C(1) << 60)

static long long	quota_user_concurrent;	/* [limits] user_max_concurrent */

void
quota_configure(int user_max_concurrent)
{
	quota_user_concurrent = user_max_concurrent > 0 ? user_max_concurrent : 0;
}

void
quota_limits_init(struct quota_limits *l, int global_rpm)
{
	int	 s;

	memset(l, 0, sizeof(*l));
	for (s = 0; s < QUOTA_SCOPE__MAX; s++) {
		l->budget[s] = QUOTA_NO_LIMIT;
		l->alert_pct[s] = 80;
	}
	l->rpm[QUOTA_GLOBAL] = global_rpm > 0 ? global_rpm : 0;
	l->concurrent[QUOTA_USER] = quota_user_concurrent;
}

void
quota_limits_row(const struct db_rows *rows, int off, struct quota_limits *l,
    enum quota_scope s)
{
	l->rpm[s] = db_ll(rows, 0, off, 0);
	l->tpm[s] = db_ll(rows, 0, off + 1, 0);
	l->budget[s] = db_val(rows, 0, off + 2) ? db_ll(rows, 0, off + 2, 0) :
	    QUOTA_NO_LIMIT;
	l->alert_pct[s] = (int)db_ll(rows, 0, off + 3, 80);
	l->hard_stop[s] = db_ll(rows, 0, off + 4, 1) != 0;
}

void
quota_concurrency_row(const struct db_rows *rows, int cu, int ck,
    struct quota_limits *l)
{
	if (db_val(rows, 0, cu) != NULL)
		l->concurrent[QUOTA_USER] = db_ll(rows, 0, cu, 0);
	l->concurrent[QUOTA_KEY] = db_ll(rows, 0, ck, 0);
}

enum quota_window
quota_window_parse(const char *s)
{
	int	 w;

	for (w = 0; s != NULL && w < QUOTA_WINDOW__MAX; w++)
		if (strcmp(s, quota_window_names[w]) == 0)
			return (enum quota_window)w;
	return QUOTA_MONTH;
}

int
quota_window_known(const char *s)
{
	return s != NULL && strcmp(s, quota_window_names[quota_window_parse(s)]) == 0;
}

void
quota_window_row(const struct db_rows *rows, int wu, int wk, struct quota_limits *l)
{
	l->window[QUOTA_USER] = quota_window_parse(db_val(rows, 0, wu));
	l->window[QUOTA_KEY] = quota_window_parse(db_val(rows, 0, wk));
}

int
quota_load(long long user_id, long long key_id, int global_rpm,
    struct quota_limits *l, struct sb_error *e)
{
	struct db_rows	 rows;
	struct db_param	 p[2] = { db_int(user_id), db_int(key_id) };

	quota_limits_init(l, global_rpm);
	if (db_query(SQL_LIMITS, p, 2, &rows) != DB_OK) {
		db_rows_free(&rows);
		err_db_unavailable(e);
		return -1;
	}
	if (rows.nrows > 0) {
		quota_limits_row(&rows, 0, l, QUOTA_USER);
		if (key_id != 0 && db_val(&rows, 0, 5) != NULL)
			quota_limits_row(&rows, 6, l, QUOTA_KEY);
		quota_concurrency_row(&rows, 11, 12, l);
		quota_window_row(&rows, 13, 14, l);
	}
	db_rows_free(&rows);
	return 0;
}

static long long
quota_scope_id(int s, long long user_id, long long key_id)
{
	return s == QUOTA_GLOBAL ? 0 : s == QUOTA_USER ? user_id : key_id;
}

static int
quota_shard(void)
{
	static int	 shard = -1;

	if (shard < 0)
		shard = (int)(getpid() % QUOTA_SHARDS);
	return shard;
}

static void
quota_undo(int s, long long id, long long win)
{
	struct db_param	 p[4] = { db_str(quota_scope_names[s]), db_int(id),
	    db_int(win), db_int(quota_shard()) };

	(void)db_exec(SQL_RATE_UNDO, p, 4, NULL, NULL);
}

/* Count one request in scope s and read the window's sums. */
static int
quota_count(int s, long long id, long long win, long long *reqs,
    long long *toks)
{
	struct db_param	 p[6] = { db_str(quota_scope_names[s]), db_int(id),
	    db_int(win), db_int(quota_shard()), db_int(1), db_int(0) };
	struct db_rows	 rows;
	int		 rc;

	if (db_exec(SQL_RATE_INC, p, 6, NULL, NULL) != DB_OK)
		return -1;
	rc = db_query(SQL_RATE_SUM, p, 3, &rows);
	*reqs = rc == DB_OK ? db_ll(&rows, 0, 0, 0) : 0;
	*toks = rc == DB_OK ? db_ll(&rows, 0, 1, 0) : 0;
	db_rows_free(&rows);
	return rc == DB_OK ? 0 : -1;
}

int
quota_rate_check(const struct quota_limits *l, long long user_id,
    long long key_id, struct quota_rate_info *info, struct sb_error *e)
{
	long long	 now = (long long)time(NULL), win = now / 60, reqs, toks;
	int		 s, k, done[QUOTA_SCOPE__MAX] = { 0 };

	memset(info, 0, sizeof(*info));
	info->reset_s = (int)(60 - now % 60);
	if (now % 97 == 0) {
		struct db_param p[1] = { db_int(win - 5) };
		(void)db_exec(SQL_RATE_PRUNE, p, 1, NULL, NULL);
	}
	for (s = 0; s < QUOTA_SCOPE__MAX; s++) {
		if (l->rpm[s] <= 0 && l->tpm[s] <= 0)
			continue;
		if (s == QUOTA_KEY && key_id == 0)
			continue;
		if (quota_count(s, quota_scope_id(s, user_id, key_id), win, &reqs,
		    &toks) != 0) {
			log_warn("rate window unavailable: %s", db_error());
			continue;	/* fail open on a DB hiccup, logged */
		}
		done[s] = 1;
		if ((l->rpm[s] > 0 && reqs > l->rpm[s]) ||
		    (l->tpm[s] > 0 && toks >= l->tpm[s]))
			goto refuse;
		if (l->rpm[s] > 0 && (info->limit == 0 ||
		    l->rpm[s] - reqs < info->remaining)) {
			info->limit = l->rpm[s];
			info->remaining = l->rpm[s] - reqs;
		}
	}
	return 0;
refuse:
	for (k = 0; k <= s; k++)
		if (done[k])
			quota_undo(k, quota_scope_id(k, user_id, key_id), win);
	info->limit = l->rpm[s];
	info->remaining = 0;
	err_set(e, ERR_RATE_LIMIT, 429, "rate_limit_exceeded",
	    "Rate limit reached for this %s (%lld requests%s per minute); "
	    "retry after %d s.", s == QUOTA_GLOBAL ? "gateway" :
	    quota_scope_names[s], l->rpm[s] > 0 ? l->rpm[s] : l->tpm[s],
	    l->rpm[s] > 0 ? "" : " worth of tokens", info->reset_s);
	e->retry_after = info->reset_s;
	return -1;
}

void
quota_rate_tokens(const struct quota_limits *l, long long user_id,
    long long key_id, long long tokens)
{
	long long	 win = (long long)time(NULL) / 60;
	struct db_param	 p[6];
	int		 s;

	if (tokens <= 0)
		return;
	for (s = QUOTA_USER; s < QUOTA_SCOPE__MAX; s++) {
		if (l->tpm[s] <= 0 || (s == QUOTA_KEY && key_id == 0))
			continue;
		p[0] = db_str(quota_scope_names[s]);
		p[1] = db_int(quota_scope_id(s, user_id, key_id));
		p[2] = db_int(win);
		p[3] = db_int(quota_shard());
		p[4] = db_int(0);
		p[5] = db_int(tokens);
		(void)db_exec(SQL_RATE_INC, p, 6, NULL, NULL);
	}
}

void
quota_period_of(enum quota_window w, long long now, char out[QUOTA_PERIOD_MAX],
    long long *start, long long *end)
{
	time_t		 t = (time_t)now, first;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (w == QUOTA_MONTH)
		tm.tm_mday = 1;
	else if (w == QUOTA_WEEK)
		tm.tm_mday -= (tm.tm_wday + 6) % 7;	/* back to Monday */
	first = timegm(&tm);
	gmtime_r(&first, &tm);
	strftime(out, QUOTA_PERIOD_MAX, w == QUOTA_MONTH ? "%Y-%m" : w == QUOTA_WEEK ?
	    "%G-W%V" : "%Y-%m-%d", &tm);
	if (start)
		*start = (long long)first;
	if (end) {
		if (w == QUOTA_MONTH)
			tm.tm_mon++;
		else
			tm.tm_mday += w == QUOTA_WEEK ? 7 : 1;
		*end = (long long)timegm(&tm);
	}
}

/* One guarded UPDATE in period [start, end); creates the period row on
 * first use. 1 reserved, 0 over budget, -1 DB error. */
static int
quota_reserve_one(int s, long long user_id, long long id, const char *period,
    long long start, long long end, long long limit, long long cap, long long micros)
{
	const char		*scope = quota_scope_names[s];
	struct db_param		 p[8] = { db_int(micros), db_int(limit),
	    db_str(scope), db_int(id), db_str(period), db_int(micros),
	    db_int(cap), db_int(cap) };
	struct db_param		 c[8] = { db_str(scope), db_int(id),
	    db_str(period), db_int(limit), db_int(user_id),
	    db_int(s == QUOTA_KEY ? id : 0), db_int(start), db_int(end) };
	unsigned long long	 n = 0;
	int			 tries;

	for (tries = 0; tries < 2; tries++) {
		if (db_exec(SQL_BUDGET_RESERVE, p, 8, &n, NULL) != DB_OK)
			return -1;
		if (n == 1)
			return 1;
		if (tries == 0 && db_exec(s == QUOTA_KEY ?
		    SQL_BUDGET_CREATE_KEY : SQL_BUDGET_CREATE_USER, c, 8, &n,
		    NULL) != DB_OK)
			return -1;
		if (n == 0)	/* the row existed: really over budget */
			return 0;
	}
	return 0;
}

/* A db_status (a failure is logged). */
static int
quota_settle_one(const char *scope, long long id, const char *period,
    long long reserved, long long actual, int alert_pct)
{
	struct db_param	 p[6] = { db_int(reserved), db_int(actual),
	    db_int(alert_pct), db_str(scope), db_int(id), db_str(period) };
	int		 rc = db_exec(SQL_BUDGET_SETTLE, p, 6, NULL, NULL);

	if (rc != DB_OK)
		log_err("budget settlement failed for %s %lld: %s", scope, id,
		    db_error());
	return rc;
}

int
quota_budget_reserve(const struct quota_limits *l, long long user_id,
    long long key_id, long long micros, struct quota_reservation *res,
    struct sb_error *e)
{
	long long	 id, cap, start, end, now = (long long)time(NULL);
	int		 s, k, rc;

	memset(res, 0, sizeof(*res));
	res->micros = micros < 0 ? 0 : micros;
	for (s = QUOTA_USER; s < QUOTA_SCOPE__MAX; s++) {
		id = quota_scope_id(s, user_id, key_id);
		if (l->budget[s] == QUOTA_NO_LIMIT || id == 0)
			continue;
		cap = l->hard_stop[s] ? l->budget[s] : QUOTA_UNBOUNDED;
		quota_period_of(l->window[s], now, res->period[s], &start, &end);
		rc = quota_reserve_one(s, user_id, id, res->period[s], start, end,
		    l->budget[s], cap, res->micros);
		if (rc == 1) {
			res->scope_id[s] = id;
			res->active = 1;
			res->alert_pct[s] = l->alert_pct[s];
			continue;
		}
		for (k = QUOTA_USER; k < s; k++)
			if (res->scope_id[k])
				quota_settle_one(quota_scope_names[k],
				    res->scope_id[k], res->period[k], res->micros,
				    0, res->alert_pct[k]);
		res->active = 0;
		if (rc == -1) {
			err_db_unavailable(e);
			return -1;
		}
		err_set(e, ERR_BUDGET, 402, "budget_exceeded",
		    "The %s budget of this %s is used up (or too little is "
		    "left for this request's worst case); raise the budget or "
		    "lower max_tokens.", l->window[s] == QUOTA_DAY ? "daily" :
		    l->window[s] == QUOTA_WEEK ? "weekly" : "monthly",
		    s == QUOTA_KEY ? "API key" : "account");
		return -1;
	}
	return 0;
}

int
quota_budget_settle(struct quota_reservation *res, long long actual)
{
	int	 s, one, rc = DB_OK;

	if (!res->active)
		return DB_OK;
	for (s = QUOTA_USER; s < QUOTA_SCOPE__MAX; s++) {
		if (res->scope_id[s] == 0)
			continue;
		one = quota_settle_one(quota_scope_names[s], res->scope_id[s],
		    res->period[s], res->micros, actual < 0 ? 0 : actual,
		    res->alert_pct[s]);
		rc = rc != DB_OK ? rc : one;
	}
	res->active = 0;
	return rc;
}
