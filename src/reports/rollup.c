/* rollup: hourly and daily roll-ups, the watermark, and pruning of the
 * usage log (rollup.h). Owns usage_rollup_hourly, usage_rollup_daily (per
 * user), usage_rollup_daily_all (everyone) and usage_rollup_state; reads
 * aggregator_usage_logs and deletes from it only below the watermark. No
 * locks: replace-on-duplicate inserts and a guarded watermark UPDATE make
 * concurrent runs on several nodes harmless. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "report.h"
#include "respstore.h"
#include "rollup.h"
#include "sbconst.h"

#define ROLLUP_RETRIES	5

static const char SQL_STATE_GET[] =
    "SELECT rolled_until, pruned_before FROM usage_rollup_state WHERE id = 1";

static const char SQL_STATE_ADVANCE[] =
    "UPDATE usage_rollup_state SET rolled_until = ? "
    "WHERE id = 1 AND rolled_until = ?";

static const char SQL_STATE_PRUNED[] =
    "UPDATE usage_rollup_state SET pruned_before = GREATEST(pruned_before, ?) "
    "WHERE id = 1";

static const char SQL_STATE_SEED[] =
    "INSERT IGNORE INTO usage_rollup_state (id, rolled_until, pruned_before) "
    "VALUES (1, '2000-01-01 00:00:00', '2000-01-01 00:00:00')";

static const char SQL_FIRST_RAW[] =
    "SELECT MIN(created_at) FROM aggregator_usage_logs "
    "WHERE created_at >= ? AND created_at < ?";

static const char SQL_DELETE_RANGE[] =
    "DELETE FROM usage_rollup_hourly WHERE hour_start >= ? AND hour_start < ?";

static const char SQL_ROLL_RANGE[] =
    "INSERT INTO usage_rollup_hourly (user_id, hour_start, gateway_key_id,"
    " provider, model, " ROLLUP_COLS ") "
    "SELECT user_id, " ROLLUP_HOUR_EXPR " AS h, IFNULL(gateway_key_id, 0) AS k,"
    " IFNULL(provider, '') AS p, " ROLLUP_MODEL_EXPR " AS m, " ROLLUP_RAW_SUMS
    " FROM aggregator_usage_logs"
    " WHERE created_at >= ? AND created_at < ?"
    " AND status IN ('success','error','cancelled')"
    " GROUP BY user_id, h, k, p, m "
    "ON DUPLICATE KEY UPDATE " ROLLUP_REPLACE;

static const char SQL_DAILY_CLEAR[] =
    "DELETE FROM usage_rollup_daily WHERE day >= ? AND day < ?";

/* One UTC day's totals from its hourly rows (the day's hours are all rolled
 * or being rolled in this transaction). */
static const char SQL_DAILY_FROM_HOURLY[] =
    "INSERT INTO usage_rollup_daily (user_id, day, gateway_key_id, provider,"
    " model, " ROLLUP_COLS ") "
    "SELECT user_id, DATE(hour_start) AS d, gateway_key_id, provider, model, "
    ROLLUP_SUMS " FROM usage_rollup_hourly"
    " WHERE hour_start >= ? AND hour_start < ?"
    " GROUP BY user_id, d, gateway_key_id, provider, model";

static const char SQL_DAILY_ALL_CLEAR[] =
    "DELETE FROM usage_rollup_daily_all WHERE day >= ? AND day < ?";

/* The same days summed over users and keys, for the all-users reports. */
static const char SQL_DAILY_ALL_FROM_DAILY[] =
    "INSERT INTO usage_rollup_daily_all (day, provider, model, " ROLLUP_COLS ") "
    "SELECT day, provider, model, " ROLLUP_SUMS " FROM usage_rollup_daily"
    " WHERE day >= ? AND day < ? GROUP BY day, provider, model";

static const char SQL_PRUNE_BATCH[] =
    "DELETE FROM aggregator_usage_logs WHERE created_at < ? "
    "ORDER BY created_at LIMIT 5000";

int
rollup_lag_s(const struct config *cfg)
{
	return 60 * (cfg ? cfg->rollup_lag_minutes : SB_ROLLUP_LAG_DEFAULT_MIN);
}

int
rollup_retention_days(const struct config *cfg)
{
	return cfg ? cfg->retention_days : SB_RETENTION_DEFAULT_D;
}

static int64_t
rollup_hour(int64_t t)
{
	return t - ((t % 3600) + 3600) % 3600;
}

int
rollup_state_get(struct rollup_state *st)
{
	struct db_rows	 r;
	int		 rc;

	memset(&r, 0, sizeof(r));
	if ((rc = db_query(SQL_STATE_GET, NULL, 0, &r)) != DB_OK)
		goto out;
	if (r.nrows == 0) {
		db_rows_free(&r);
		if ((rc = db_exec(SQL_STATE_SEED, NULL, 0, NULL, NULL)) != DB_OK)
			return rc;
		if ((rc = db_query(SQL_STATE_GET, NULL, 0, &r)) != DB_OK)
			goto out;
	}
	if (r.nrows != 1 ||
	    report_parse_time(db_val(&r, 0, 0), &st->rolled_until) != 0 ||
	    report_parse_time(db_val(&r, 0, 1), &st->pruned_before) != 0)
		rc = DB_ERROR;
out:
	db_rows_free(&r);
	return rc;
}

/* Backoff for a transaction that hit a deadlock or certification failure. */
static void
rollup_backoff(int attempt)
{
	struct timespec	 ts = { 0, (long)(2000000L << (attempt > 5 ? 5 : attempt)) };

	nanosleep(&ts, NULL);
}

static int64_t
rollup_day(int64_t t)
{
	return t - ((t % 86400) + 86400) % 86400;
}

/* Recompute the daily rows (per user, then everyone's) of the UTC days
 * that [a, b) touches. */
static int
rollup_days(int64_t a, int64_t b)
{
	char		 sa[REPORT_TIME_MAX], sb[REPORT_TIME_MAX];
	struct db_param	 p[2];
	int		 rc;

	a = rollup_day(a);
	b = rollup_day(b - 1) + 86400;
	report_sqltime(sa, sizeof(sa), a);
	report_sqltime(sb, sizeof(sb), b);
	p[0] = db_str(sa);
	p[1] = db_str(sb);
	if ((rc = db_exec(SQL_DAILY_CLEAR, p, 2, NULL, NULL)) != DB_OK ||
	    (rc = db_exec(SQL_DAILY_FROM_HOURLY, p, 2, NULL, NULL)) != DB_OK ||
	    (rc = db_exec(SQL_DAILY_ALL_CLEAR, p, 2, NULL, NULL)) != DB_OK)
		return rc;
	return db_exec(SQL_DAILY_ALL_FROM_DAILY, p, 2, NULL, NULL);
}

/* One transaction: optionally clear [a, b) first, roll raw rows of [a, b)
 * into hours, redo the touched days, and when advance is set move the
 * watermark old -> b (guarded). Returns DB_OK, DB_RETRY (lost the race:
 * someone else moved the watermark) or an error. */
static int
rollup_chunk_once(int64_t a, int64_t b, int clear, int64_t old, int advance,
    int64_t *rows)
{
	char			 sa[REPORT_TIME_MAX], sb[REPORT_TIME_MAX];
	char			 so[REPORT_TIME_MAX];
	struct db_param		 p[2];
	unsigned long long	 aff = 0;
	int			 rc;

	report_sqltime(sa, sizeof(sa), a);
	report_sqltime(sb, sizeof(sb), b);
	report_sqltime(so, sizeof(so), old);
	if ((rc = db_begin()) != DB_OK)
		return rc;
	p[0] = db_str(sa);
	p[1] = db_str(sb);
	if (clear && (rc = db_exec(SQL_DELETE_RANGE, p, 2, NULL, NULL)) != DB_OK)
		goto fail;
	if ((rc = db_exec(SQL_ROLL_RANGE, p, 2, &aff, NULL)) != DB_OK)
		goto fail;
	*rows += (int64_t)aff;
	if ((rc = rollup_days(a, b)) != DB_OK)
		goto fail;
	if (advance) {
		p[0] = db_str(sb);
		p[1] = db_str(so);
		if ((rc = db_exec(SQL_STATE_ADVANCE, p, 2, &aff, NULL)) != DB_OK)
			goto fail;
		if (aff != 1) {
			rc = DB_RETRY;
			goto fail;
		}
	}
	return db_commit();
fail:
	db_rollback();
	return rc;
}

static int
rollup_chunk(int64_t a, int64_t b, int clear, int64_t old, int advance,
    int64_t *rows)
{
	int	 attempt, rc = DB_ERROR;

	for (attempt = 0; attempt < ROLLUP_RETRIES; attempt++) {
		rc = rollup_chunk_once(a, b, clear, old, advance, rows);
		if (rc != DB_RETRY || advance)
			break;
		rollup_backoff(attempt);
	}
	return rc;
}

/* The first raw row at or after from (floored to its hour), or to if none. */
static int
rollup_first_raw(int64_t from, int64_t to, int64_t *first)
{
	char		 sa[REPORT_TIME_MAX], sb[REPORT_TIME_MAX];
	struct db_param	 p[2];
	struct db_rows	 r;
	int		 rc;

	report_sqltime(sa, sizeof(sa), from);
	report_sqltime(sb, sizeof(sb), to);
	p[0] = db_str(sa);
	p[1] = db_str(sb);
	memset(&r, 0, sizeof(r));
	*first = to;
	if ((rc = db_query(SQL_FIRST_RAW, p, 2, &r)) == DB_OK && r.nrows == 1 &&
	    db_val(&r, 0, 0) != NULL &&
	    report_parse_time(db_val(&r, 0, 0), first) == 0)
		*first = rollup_hour(*first);
	db_rows_free(&r);
	if (*first < from)
		*first = from;
	return rc;
}

int
rollup_forward(int64_t now, int lag_s, int max_chunks, struct rollup_result *res)
{
	struct rollup_state	 st;
	int64_t			 target, a, b, first;
	int			 rc, races = 0;

	memset(res, 0, sizeof(*res));
	target = rollup_hour(now - lag_s);
again:
	if ((rc = rollup_state_get(&st)) != DB_OK)
		return rc;
	a = st.rolled_until;
	while (a < target && (max_chunks == 0 || res->chunks < max_chunks)) {
		if ((rc = rollup_first_raw(a, target, &first)) != DB_OK)
			return rc;
		/* an empty stretch is skipped inside the first chunk */
		b = rollup_day(first) + ROLLUP_CHUNK_S;
		if (b > target)
			b = target;
		rc = rollup_chunk(first, b, 0, a, 1, &res->rows);
		if (rc == DB_RETRY && races++ < ROLLUP_RETRIES) {
			rollup_backoff(races);
			goto again;	/* another roller moved on: follow it */
		}
		if (rc != DB_OK)
			return rc;
		res->chunks++;
		a = b;
	}
	res->rolled_until = a;
	return DB_OK;
}

static int
rollup_clear(int64_t a, int64_t b)
{
	char		 sa[REPORT_TIME_MAX], sb[REPORT_TIME_MAX];
	struct db_param	 p[2];

	int		 rc;

	report_sqltime(sa, sizeof(sa), a);
	report_sqltime(sb, sizeof(sb), b);
	p[0] = db_str(sa);
	p[1] = db_str(sb);
	if ((rc = db_begin()) != DB_OK)
		return rc;
	if ((rc = db_exec(SQL_DELETE_RANGE, p, 2, NULL, NULL)) != DB_OK ||
	    (rc = rollup_days(a, b)) != DB_OK) {
		db_rollback();
		return rc;
	}
	return db_commit();
}

int
rollup_rebuild(int64_t from, struct rollup_result *res)
{
	struct rollup_state	 st;
	int64_t			 a, b, first;
	int			 rc;

	memset(res, 0, sizeof(*res));
	if ((rc = rollup_state_get(&st)) != DB_OK)
		return rc;
	a = rollup_hour(from);
	if (a < st.pruned_before)
		a = rollup_hour(st.pruned_before + 3599);
	for (; a < st.rolled_until; a = b) {
		/* a stretch without raw rows has no roll-ups either */
		if ((rc = rollup_first_raw(a, st.rolled_until, &first)) != DB_OK)
			return rc;
		if (first > a &&
		    (rc = rollup_clear(a, first)) != DB_OK)
			return rc;
		if ((a = first) >= st.rolled_until)
			break;
		b = rollup_day(a) + ROLLUP_CHUNK_S;
		if (b > st.rolled_until)
			b = st.rolled_until;
		if ((rc = rollup_chunk(a, b, 1, 0, 0, &res->rows)) != DB_OK)
			return rc;
		res->chunks++;
	}
	res->rolled_until = st.rolled_until;
	return DB_OK;
}

int
rollup_prune(int64_t now, int days, int64_t *deleted, int64_t *cutoff)
{
	struct rollup_state	 st;
	char			 sc[REPORT_TIME_MAX];
	struct db_param		 p;
	unsigned long long	 aff;
	int			 rc, retries = 0;

	*deleted = 0;
	if (days < SB_RETENTION_MIN_D)
		days = SB_RETENTION_MIN_D;
	if ((rc = rollup_state_get(&st)) != DB_OK)
		return rc;
	*cutoff = rollup_hour(now - (int64_t)days * 86400);
	if (*cutoff > st.rolled_until)
		*cutoff = st.rolled_until;	/* never delete un-rolled rows */
	report_sqltime(sc, sizeof(sc), *cutoff);
	p = db_str(sc);
	/* mark first, so no rebuild ever reads a half-pruned range */
	if ((rc = db_exec(SQL_STATE_PRUNED, &p, 1, NULL, NULL)) != DB_OK)
		return rc;
	do {
		aff = 0;
		rc = db_exec(SQL_PRUNE_BATCH, &p, 1, &aff, NULL);
		if (rc == DB_RETRY && retries++ < ROLLUP_RETRIES) {
			rollup_backoff(retries);
			aff = ROLLUP_PRUNE_BATCH;
			continue;
		}
		if (rc != DB_OK)
			return rc;
		*deleted += (int64_t)aff;
	} while (aff >= ROLLUP_PRUNE_BATCH);
	return DB_OK;
}

/* --- CLI ---------------------------------------------------------------- */

static int
rollup_cli_num(const char *s, long lo, long hi, long *out)
{
	char	*end;

	*out = strtol(s, &end, 10);
	return end != s && *end == '\0' && *out >= lo && *out <= hi ? 0 : -1;
}

int
rollup_cli(const struct config *cfg, int argc, char **argv)
{
	struct rollup_result	 res;
	char			 wm[REPORT_TIME_MAX];
	int64_t			 from = -1;
	long			 lag = rollup_lag_s(cfg) / 60;
	int			 i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rebuild") == 0)
			from = 0;
		else if (strcmp(argv[i], "--rebuild-from") == 0 && i + 1 < argc) {
			if (report_parse_time(argv[++i], &from) != 0) {
				fprintf(stderr, "rollup: --rebuild-from wants YYYY-MM-DD\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--lag-minutes") == 0 && i + 1 < argc) {
			if (rollup_cli_num(argv[++i], 0, 1440, &lag) != 0) {
				fprintf(stderr, "rollup: --lag-minutes wants 0..1440\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: switchboard rollup [--lag-minutes N] "
			    "[--rebuild | --rebuild-from YYYY-MM-DD]\n");
			return 2;
		}
	}
	if (db_connect() != DB_OK) {
		fprintf(stderr, "rollup: database unavailable: %s\n", db_error());
		return 1;
	}
	rc = from >= 0 ? rollup_rebuild(from, &res) :
	    rollup_forward((int64_t)time(NULL), (int)lag * 60, 0, &res);
	if (rc != DB_OK) {
		fprintf(stderr, "rollup: failed: %s\n", db_error());
		return 1;
	}
	report_sqltime(wm, sizeof(wm), res.rolled_until);
	printf("rollup: %s %lld chunk(s), %lld row(s) written; rolled up until %s UTC\n",
	    from >= 0 ? "rebuilt" : "rolled", (long long)res.chunks,
	    (long long)res.rows, wm);
	return 0;
}

int
rollup_prune_cli(const struct config *cfg, int argc, char **argv)
{
	char	 cs[REPORT_TIME_MAX];
	long	 days = rollup_retention_days(cfg);
	int64_t	 deleted, cutoff;
	int	 i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--days") == 0 && i + 1 < argc &&
		    rollup_cli_num(argv[i + 1], SB_RETENTION_MIN_D, 36500, &days) == 0) {
			i++;
			continue;
		}
		fprintf(stderr, "usage: switchboard prune [--days N]   (N >= %d; "
		    "default [usage] retention_days)\n", SB_RETENTION_MIN_D);
		return 2;
	}
	if (db_connect() != DB_OK) {
		fprintf(stderr, "prune: database unavailable: %s\n", db_error());
		return 1;
	}
	if ((rc = rollup_prune((int64_t)time(NULL), (int)days, &deleted, &cutoff)) != DB_OK) {
		fprintf(stderr, "prune: failed: %s\n", db_error());
		return 1;
	}
	report_sqltime(cs, sizeof(cs), cutoff);
	printf("prune: deleted %lld raw usage row(s) older than %s UTC "
	    "(retention %ld days, never past the roll-up watermark)\n",
	    (long long)deleted, cs, days);
	/* Stored responses (store: true) follow the same retention. */
	report_sqltime(cs, sizeof(cs), (int64_t)time(NULL) - (int64_t)days * 86400);
	if (respstore_prune(cs, &deleted) != 0) {
		fprintf(stderr, "prune: stored responses failed: %s\n", db_error());
		return 1;
	}
	printf("prune: deleted %lld stored response(s) older than %s UTC\n",
	    (long long)deleted, cs);
	return 0;
}
