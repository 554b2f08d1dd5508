/* health: provider states from the last 15 minutes and 24 hours of the
 * usage log, the shared circuit_state and the latest probe (health.h).
 * A failure here means the upstream failed (network, timeout, upstream);
 * the gateway's own refusals (budget, rate limit, validation) do not count
 * against a provider. Every per-user query is bound to the user id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "catalog.h"
#include "db.h"
#include "health.h"
#include "json.h"
#include "log.h"
#include "report.h"
#include "rollup.h"
#include "sbconst.h"
#include "sync.h"
#include "usageapi.h"

const char *const health_state_names[HEALTH_STATE__MAX] = {
	"healthy", "degraded", "down", "circuit_open", "unknown"
};

#define HEALTH_FAIL_COND \
	"status = 'error' AND error_category IN ('network','timeout','upstream')"

static const char SQL_CONFIGS[] =
    "SELECT c.id, c.name, p.name, c.is_active,"
    " DATE_FORMAT(c.last_sync_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " IFNULL(cs.open_until > NOW(6), 0), IFNULL(cs.failures, 0),"
    " pr.ok, pr.probed_at > NOW(6) - INTERVAL 1 HOUR,"
    " DATE_FORMAT(pr.probed_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(pr.last_success_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " pr.error_category, pr.error_message"
    " FROM user_api_providers c JOIN api_providers p ON p.id = c.provider_id"
    " LEFT JOIN circuit_state cs ON cs.config_id = c.id AND cs.model_id = ''"
    " LEFT JOIN provider_probes pr ON pr.config_id = c.id"
    " WHERE c.user_id = ? ORDER BY c.priority, c.name LIMIT 200";
enum { HC_ID, HC_NAME, HC_PROVIDER, HC_ACTIVE, HC_SYNC, HC_OPEN, HC_FAILS,
	HC_PROBE_OK, HC_PROBE_FRESH, HC_PROBE_AT, HC_PROBE_SUCCESS,
	HC_PROBE_CAT, HC_PROBE_MSG };

/* Per config since ?: successes, failures, success-latency histogram, last success. */
static const char SQL_STATS[] =
    "SELECT config_id, SUM(status = 'success'), SUM(" HEALTH_FAIL_COND "), "
    ROLLUP_HIST_RAW_SUM("IF(status = 'success', latency_ms, NULL)") ","
    " DATE_FORMAT(MAX(IF(status = 'success', created_at, NULL)),"
    " '%Y-%m-%dT%H:%i:%sZ')"
    " FROM aggregator_usage_logs"
    " WHERE user_id = ? AND created_at >= ? AND config_id IS NOT NULL"
    " GROUP BY config_id";

static const char SQL_LAST_ERRORS[] =
    "SELECT config_id, error_category, error_message,"
    " DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM aggregator_usage_logs"
    " WHERE user_id = ? AND created_at >= ? AND config_id IS NOT NULL"
    " AND " HEALTH_FAIL_COND " ORDER BY created_at DESC LIMIT 500";

/* Probes: see health_probe_all(). */
static int	health_probe_all(long long user);

static const char SQL_CIRCUITS[] =
    "SELECT c.name, SUM(IFNULL(cs.open_until > NOW(6), 0))"
    " FROM user_api_providers c"
    " LEFT JOIN circuit_state cs ON cs.config_id = c.id"
    " WHERE c.is_active = 1 GROUP BY c.name ORDER BY c.name";

struct health_win {
	long long	 config_id;
	long		 ok, fail;
	int64_t		 hist[REPORT_NB];
	char		 last_ok[24];
};

struct health_cfg {
	struct health_win	 w15, w24;
	const char		*err_cat, *err_msg, *err_at;
};

enum health_state
health_decide(const struct health_inputs *in)
{
	long	 ok, fail;

	if (in->circuit_open)
		return HEALTH_CIRCUIT_OPEN;
	ok = in->ok_15m;
	fail = in->fail_15m;
	if (ok + fail == 0) {
		/* idle lately: a fresh probe decides, else the last day */
		if (in->probe == 1)
			return HEALTH_HEALTHY;
		if (in->probe == 0)
			return HEALTH_DOWN;
		ok = in->ok_24h;
		fail = in->fail_24h;
		if (ok + fail == 0)
			return HEALTH_UNKNOWN;
	}
	if (ok * 100 < (ok + fail) * HEALTH_DOWN_PCT && fail >= HEALTH_DOWN_MIN_FAIL)
		return HEALTH_DOWN;
	if (ok * 100 < (ok + fail) * HEALTH_DEGRADED_PCT)
		return HEALTH_DEGRADED;
	return HEALTH_HEALTHY;
}

static int
health_load_win(long long user_id, int64_t since, struct health_win **out,
    int *n)
{
	struct db_param	 p[2];
	struct db_rows	 rows;
	char		 s[REPORT_TIME_MAX];
	int		 rc, i, k;

	*out = NULL;
	*n = 0;
	report_sqltime(s, sizeof(s), since);
	p[0] = db_int(user_id);
	p[1] = db_str(s);
	memset(&rows, 0, sizeof(rows));
	if ((rc = db_query(SQL_STATS, p, 2, &rows)) != DB_OK)
		goto out;
	if (rows.nrows > 0 && (*out = calloc((size_t)rows.nrows, sizeof(**out))) == NULL) {
		rc = DB_ERROR;
		goto out;
	}
	for (i = 0; i < rows.nrows; i++) {
		(*out)[i].config_id = db_ll(&rows, i, 0, 0);
		(*out)[i].ok = (long)db_ll(&rows, i, 1, 0);
		(*out)[i].fail = (long)db_ll(&rows, i, 2, 0);
		for (k = 0; k < REPORT_NB; k++)
			(*out)[i].hist[k] = db_ll(&rows, i, 3 + k, 0);
		snprintf((*out)[i].last_ok, sizeof((*out)[i].last_ok), "%s",
		    db_val(&rows, i, 3 + REPORT_NB) ? db_val(&rows, i, 3 + REPORT_NB) : "");
	}
	*n = rows.nrows;
out:
	db_rows_free(&rows);
	return rc;
}

static const struct health_win *
health_find(const struct health_win *v, int n, long long id)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (v[i].config_id == id)
			return &v[i];
	return NULL;
}

static void
health_rate(cJSON *o, const char *name, long ok, long fail)
{
	if (ok + fail == 0)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddNumberToObject(o, name,
		    (double)report_ppm(ok, ok + fail) / 1e6);
}

static void
health_ms(cJSON *o, const char *name, const struct health_win *w, int permille)
{
	int64_t	 v = w ? report_quantile_ms(w->hist, permille) : -1;

	if (v < 0)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddNumberToObject(o, name, (double)v);
}

/* One provider object; returns its state. */
static enum health_state
health_config_json(cJSON *arr, const struct db_rows *c, int i,
    const struct health_win *w15, const struct health_win *w24,
    const struct db_rows *errs)
{
	struct health_inputs	 in;
	enum health_state	 st;
	cJSON			*o = cJSON_CreateObject(), *e, *pr;
	long long		 id = db_ll(c, i, HC_ID, 0);
	const char		*last_ok;
	int			 k;

	memset(&in, 0, sizeof(in));
	in.circuit_open = db_ll(c, i, HC_OPEN, 0) != 0;
	in.ok_15m = w15 ? w15->ok : 0;
	in.fail_15m = w15 ? w15->fail : 0;
	in.ok_24h = w24 ? w24->ok : 0;
	in.fail_24h = w24 ? w24->fail : 0;
	in.probe = db_val(c, i, HC_PROBE_OK) && db_ll(c, i, HC_PROBE_FRESH, 0) ?
	    (int)db_ll(c, i, HC_PROBE_OK, 0) : -1;
	st = health_decide(&in);
	cJSON_AddStringToObject(o, "config", db_val(c, i, HC_NAME));
	cJSON_AddNumberToObject(o, "config_id", (double)id);
	cJSON_AddStringToObject(o, "provider", db_val(c, i, HC_PROVIDER));
	cJSON_AddBoolToObject(o, "is_active", db_ll(c, i, HC_ACTIVE, 0) != 0);
	cJSON_AddStringToObject(o, "state", health_state_names[st]);
	cJSON_AddBoolToObject(o, "circuit_open", in.circuit_open);
	cJSON_AddNumberToObject(o, "consecutive_failures", (double)db_ll(c, i, HC_FAILS, 0));
	cJSON_AddNumberToObject(o, "requests_15m", (double)(in.ok_15m + in.fail_15m));
	cJSON_AddNumberToObject(o, "requests_24h", (double)(in.ok_24h + in.fail_24h));
	health_rate(o, "success_rate_15m", in.ok_15m, in.fail_15m);
	health_rate(o, "success_rate_24h", in.ok_24h, in.fail_24h);
	health_ms(o, "p50_latency_ms", w24, 500);
	health_ms(o, "p95_latency_ms", w24, 950);
	health_ms(o, "p50_latency_ms_15m", w15, 500);
	health_ms(o, "p95_latency_ms_15m", w15, 950);
	e = NULL;
	for (k = 0; k < errs->nrows; k++) {
		if (db_ll(errs, k, 0, 0) != id)
			continue;
		e = cJSON_AddObjectToObject(o, "last_error");
		json_add_str_or_null(e, "type", db_val(errs, k, 1));
		json_add_str_or_null(e, "message", db_val(errs, k, 2));
		json_add_str_or_null(e, "at", db_val(errs, k, 3));
		break;
	}
	if (e == NULL && db_val(c, i, HC_PROBE_OK) && db_ll(c, i, HC_PROBE_OK, 1) == 0) {
		e = cJSON_AddObjectToObject(o, "last_error");
		json_add_str_or_null(e, "type", db_val(c, i, HC_PROBE_CAT));
		json_add_str_or_null(e, "message", db_val(c, i, HC_PROBE_MSG));
		json_add_str_or_null(e, "at", db_val(c, i, HC_PROBE_AT));
	}
	if (e == NULL)
		cJSON_AddNullToObject(o, "last_error");
	last_ok = w24 && w24->last_ok[0] ? w24->last_ok : db_val(c, i, HC_PROBE_SUCCESS);
	json_add_str_or_null(o, "last_success_at", last_ok);
	json_add_str_or_null(o, "last_sync_at", db_val(c, i, HC_SYNC));
	if (db_val(c, i, HC_PROBE_OK)) {
		pr = cJSON_AddObjectToObject(o, "probe");
		cJSON_AddBoolToObject(pr, "ok", db_ll(c, i, HC_PROBE_OK, 0) != 0);
		json_add_str_or_null(pr, "at", db_val(c, i, HC_PROBE_AT));
	} else
		cJSON_AddNullToObject(o, "probe");
	cJSON_AddItemToArray(arr, o);
	return st;
}

static const char *
health_overall(const int *count, int active)
{
	int	 bad = count[HEALTH_DOWN] + count[HEALTH_CIRCUIT_OPEN];

	if (active == 0 || count[HEALTH_UNKNOWN] == active)
		return "unknown";
	if (bad == active - count[HEALTH_UNKNOWN])
		return "down";
	if (bad > 0 || count[HEALTH_DEGRADED] > 0)
		return "degraded";
	return "healthy";
}

/* Build the status object for a user; NULL on a database failure. */
static cJSON *
health_status_json(long long user_id, int *dbrc)
{
	struct health_win	*w15 = NULL, *w24 = NULL;
	struct db_rows		 cfgs, errs;
	struct db_param		 p[2];
	char			 s[REPORT_TIME_MAX];
	int			 n15 = 0, n24 = 0, i, active = 0;
	int			 count[HEALTH_STATE__MAX] = { 0 };
	int64_t			 now = (int64_t)time(NULL);
	enum health_state	 st;
	cJSON			*root = NULL, *arr;

	memset(&cfgs, 0, sizeof(cfgs));
	memset(&errs, 0, sizeof(errs));
	p[0] = db_int(user_id);
	report_sqltime(s, sizeof(s), now - 86400);
	p[1] = db_str(s);
	if ((*dbrc = db_query(SQL_CONFIGS, p, 1, &cfgs)) != DB_OK ||
	    (*dbrc = health_load_win(user_id, now - 900, &w15, &n15)) != DB_OK ||
	    (*dbrc = health_load_win(user_id, now - 86400, &w24, &n24)) != DB_OK ||
	    (*dbrc = db_query(SQL_LAST_ERRORS, p, 2, &errs)) != DB_OK)
		goto out;
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "overall", "unknown");
	arr = cJSON_AddArrayToObject(root, "providers");
	for (i = 0; i < cfgs.nrows; i++) {
		long long id = db_ll(&cfgs, i, HC_ID, 0);

		st = health_config_json(arr, &cfgs, i, health_find(w15, n15, id),
		    health_find(w24, n24, id), &errs);
		if (db_ll(&cfgs, i, HC_ACTIVE, 0)) {
			count[st]++;
			active++;
		}
	}
	cJSON_ReplaceItemInObject(root, "overall",
	    cJSON_CreateString(health_overall(count, active)));
	report_isotime(s, sizeof(s), now);
	cJSON_AddStringToObject(root, "generated_at", s);
out:
	free(w15);
	free(w24);
	db_rows_free(&cfgs);
	db_rows_free(&errs);
	return root;
}

int
health_handle_status(struct req *r)
{
	cJSON	*root;
	int	 rc;

	if ((root = health_status_json(r->who.user_id, &rc)) == NULL)
		return usageapi_db_fail(r, rc);
	http_send_json(r, 200, root);
	cJSON_Delete(root);
	return 0;
}

int
health_metrics_circuits(struct prom *p)
{
	struct db_rows		 rows;
	struct prom_label	 l;
	int			 rc, i;

	memset(&rows, 0, sizeof(rows));
	if ((rc = db_query(SQL_CIRCUITS, NULL, 0, &rows)) != DB_OK) {
		db_rows_free(&rows);
		return rc;
	}
	prom_family(p, "switchboard_circuit_open", "gauge",
	    "Open circuits (the provider-level one and per model) by config name (0 = all closed).");
	for (i = 0; i < rows.nrows; i++) {
		l = (struct prom_label){ "provider", db_val(&rows, i, 0) };
		prom_sample(p, "switchboard_circuit_open", &l, 1,
		    db_ll(&rows, i, 1, 0), 0);
	}
	db_rows_free(&rows);
	return DB_OK;
}

static const char SQL_USERS_WITH_CONFIGS[] =
    "SELECT DISTINCT user_id FROM user_api_providers ORDER BY user_id LIMIT 10000";

static int
health_print_user(long long user_id)
{
	cJSON	*root;
	char	*text;
	int	 rc;

	if ((root = health_status_json(user_id, &rc)) == NULL) {
		fprintf(stderr, "health: database error: %s\n", db_error());
		return 1;
	}
	cJSON_AddNumberToObject(root, "user_id", (double)user_id);
	text = json_print(root);
	printf("%s\n", text ? text : "{}");
	free(text);
	cJSON_Delete(root);
	return 0;
}

int
health_cli(const struct config *cfg, int argc, char **argv)
{
	struct db_rows	 rows;
	long long	 user = 0;
	int		 probe = 0, i, rc = 0;
	char		*end;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--probe") == 0)
			probe = 1;
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
			user = strtoll(argv[++i], &end, 10);
			if (*end != '\0' || user <= 0)
				goto usage;
		} else
			goto usage;
	}
	if (db_connect() != DB_OK) {
		fprintf(stderr, "health: database unavailable: %s\n", db_error());
		return 1;
	}
	if (probe) {
		sync_configure(cfg);
		if (health_probe_all(user) != 0)
			rc = 1;
	}
	if (user)
		return health_print_user(user) || rc;
	memset(&rows, 0, sizeof(rows));
	if (db_query(SQL_USERS_WITH_CONFIGS, NULL, 0, &rows) != DB_OK) {
		db_rows_free(&rows);
		fprintf(stderr, "health: database error: %s\n", db_error());
		return 1;
	}
	for (i = 0; i < rows.nrows; i++)
		rc |= health_print_user(db_ll(&rows, i, 0, 0));
	db_rows_free(&rows);
	return rc;
usage:
	fprintf(stderr, "usage: switchboard health [--probe] [--user ID]\n"
	    "  prints one JSON status line per user (as GET /api/providers/status);\n"
	    "  --probe first lists models on every active config and records it\n");
	return 2;
}

static const char SQL_PROBE_CONFIGS[] =
    "SELECT c.id, c.user_id FROM user_api_providers c JOIN api_providers p"
    " ON p.id = c.provider_id WHERE c.is_active = 1 AND p.is_active = 1"
    " AND (? = 0 OR c.user_id = ?)"
    " ORDER BY c.user_id, c.priority, c.id LIMIT 10000";

static const char SQL_PROBE_SAVE[] =
    "INSERT INTO provider_probes (config_id, user_id, probed_at, ok, latency_ms,"
    " http_status, error_category, error_message, last_success_at)"
    " VALUES (?, ?, NOW(6), ?, ?, ?, ?, ?, IF(? = 1, NOW(6), NULL))"
    " ON DUPLICATE KEY UPDATE probed_at = VALUES(probed_at), ok = VALUES(ok),"
    " latency_ms = VALUES(latency_ms), http_status = VALUES(http_status),"
    " error_category = VALUES(error_category), error_message = VALUES(error_message),"
    " last_success_at = IF(VALUES(ok) = 1, VALUES(last_success_at), last_success_at)";

int
health_check_config(long long user_id, long long config_id, struct health_check *out)
{
	struct catalog_config	 c;
	struct model_list	 l;
	struct sync_probe	 pr;
	struct db_param		 p[8];
	char			*key;

	memset(out, 0, sizeof(*out));
	memset(&pr, 0, sizeof(pr));
	err_clear(&out->err);
	modellist_init(&l);
	if ((key = calloc(1, SB_MAX_API_KEY + 1)) == NULL)
		return -1;
	if (catalog_config_get(user_id, config_id, &c, &out->err) == 0 &&
	    catalog_config_key(user_id, config_id, key, SB_MAX_API_KEY + 1, &out->err) == 0 &&
	    sync_fetch(&c, key, &l, &pr, &out->err) == 0)
		out->ok = 1;
	OPENSSL_cleanse(key, SB_MAX_API_KEY + 1);
	free(key);
	out->models = (long)l.len;
	modellist_free(&l);
	out->latency_ms = pr.latency_ms > 0 ? pr.latency_ms : 0;
	out->http_status = pr.http_status;
	p[0] = db_int(config_id);
	p[1] = db_int(user_id);
	p[2] = db_int(out->ok);
	p[3] = db_int(out->latency_ms);
	p[4] = db_int(out->http_status);
	p[5] = db_str(out->ok ? NULL : err_category_names[out->err.category]);
	p[6] = db_str(out->ok ? NULL : out->err.message);
	p[7] = db_int(out->ok);
	return db_exec(SQL_PROBE_SAVE, p, 8, NULL, NULL) == DB_OK ? 0 : -1;
}

/* Check one config for the CLI. Returns 1 ok, 0 failed, -1 database error. */
static int
health_probe_one(long long config_id, long long user_id)
{
	struct health_check	 hc;
	int			 rc = health_check_config(user_id, config_id, &hc);

	printf("probe: config %lld (user %lld): %s%s%s\n", config_id, user_id,
	    hc.ok ? "ok" : "failed", hc.ok ? "" : ": ", hc.ok ? "" : hc.err.message);
	return rc != 0 ? -1 : hc.ok;
}

/* Probe every active config (of one user, or all when user is 0); 0 when
 * all answered. */
static int
health_probe_all(long long user)
{
	struct db_param	 p[2] = { db_int(user), db_int(user) };
	struct db_rows	 rows;
	int		 i, bad = 0, rc;

	memset(&rows, 0, sizeof(rows));
	if (db_query(SQL_PROBE_CONFIGS, p, 2, &rows) != DB_OK) {
		db_rows_free(&rows);
		fprintf(stderr, "health: database error: %s\n", db_error());
		return 1;
	}
	for (i = 0; i < rows.nrows; i++) {
		rc = health_probe_one(db_ll(&rows, i, 0, 0), db_ll(&rows, i, 1, 0));
		bad += rc != 1;
	}
	db_rows_free(&rows);
	return bad ? 1 : 0;
}
