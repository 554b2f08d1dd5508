/* account.fcgi: first-run setup, login/logout/me, users (admin), gateway
 * keys, and the liveness check. Thin handlers over the account, auth and db
 * modules; every input is validated before it reaches SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "account.h"
#include "alerts.h"
#include "audit.h"
#include "auth.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "quota.h"
#include "report.h"
#include "server.h"
#include "stamp.h"
#include "vault.h"

#define KEYS_MAX_ALLOWED_MODELS	100

static const char SQL_LOGIN_FIND[] =
    "SELECT id, password_hash, is_active FROM users WHERE username = ?";
static const char SQL_SCHEMA_VERSION[] =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
static const char SQL_USERS_LIST[] =
    "SELECT id FROM users ORDER BY created_at, username";
static const char SQL_USER_SET_ROLE[] =
    "UPDATE users SET role = ? WHERE id = ?";
static const char SQL_USER_SET_ACTIVE[] =
    "UPDATE users SET is_active = ? WHERE id = ?";
static const char SQL_USER_SET_PASSWORD[] =
    "UPDATE users SET password_hash = ? WHERE id = ?";
static const char SQL_USER_DELETE[] =
    "DELETE FROM users WHERE id = ?";
/* Deleting a user takes everything of theirs but the usage history (whose
 * rows keep their own copies of names): keys, sealed provider keys, models,
 * budgets, limits, sessions. One transaction; each statement binds the id. */
static const char *const SQL_USER_PURGE[] = {
	"DELETE FROM budget_periods WHERE scope = 'key' AND scope_id IN"
	" (SELECT id FROM gateway_keys WHERE user_id = ?)",
	"DELETE FROM budget_periods WHERE scope = 'user' AND scope_id = ?",
	"DELETE FROM circuit_state WHERE config_id IN"
	" (SELECT id FROM user_api_providers WHERE user_id = ?)",
	"DELETE FROM provider_probes WHERE user_id = ?",
	"DELETE FROM aggregator_models WHERE user_id = ?",
	"DELETE FROM model_aliases WHERE user_id = ?",
	"DELETE FROM model_favorites WHERE user_id = ?",
	"DELETE FROM sync_runs WHERE user_id = ?",
	"DELETE FROM user_api_providers WHERE user_id = ?",
	"DELETE FROM gateway_keys WHERE user_id = ?",
	"DELETE FROM user_budgets WHERE user_id = ?",
	"DELETE FROM user_rate_limits WHERE user_id = ?",
	"DELETE FROM sessions WHERE user_id = ?",
	"DELETE FROM stored_responses WHERE user_id = ?",
	"DELETE FROM user_routing WHERE user_id = ?",
	"DELETE FROM model_fallbacks WHERE user_id = ?",
	SQL_USER_DELETE,
};
static const char SQL_ADMINS_OTHER[] =
    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active = 1 AND id <> ?";
static const char SQL_KEYS_LIST[] =
    "SELECT k.id, k.name, k.prefix, k.monthly_budget_micros, k.rpm_limit, k.tpm_limit, k.allowed_models,"
    " DATE_FORMAT(k.expires_at, '%Y-%m-%dT%H:%i:%sZ'), DATE_FORMAT(k.revoked_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(k.last_used_at, '%Y-%m-%dT%H:%i:%sZ'), DATE_FORMAT(k.created_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " k.budget_alert_pct, k.budget_hard_stop, COALESCE(s.cost, 0), k.max_concurrent, k.budget_window"
    " FROM gateway_keys k LEFT JOIN (SELECT gateway_key_id, SUM(cost_micros) AS cost"
    "  FROM aggregator_usage_logs WHERE user_id = ? AND created_at >= DATE_FORMAT(NOW(), '%Y-%m-01')"
    "  GROUP BY gateway_key_id) s ON s.gateway_key_id = k.id"
    " WHERE k.user_id = ? AND (? = 0 OR k.id = ?) ORDER BY k.created_at DESC";
static const char SQL_KEY_INSERT[] =
    "INSERT INTO gateway_keys (user_id, name, prefix, key_hash, monthly_budget_micros,"
    " rpm_limit, tpm_limit, allowed_models, expires_at, max_concurrent, budget_window)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* The secret changes; the previous one works until the overlap ends. */
static const char SQL_KEY_ROTATE[] =
    "UPDATE gateway_keys SET prev_key_hash = IF(? > 0, key_hash, NULL),"
    " prev_expires_at = IF(? > 0, NOW(6) + INTERVAL ? HOUR, NULL),"
    " key_hash = ?, prefix = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL";
static const char SQL_KEY_PREV_UNTIL[] =
    "SELECT DATE_FORMAT(prev_expires_at, '%Y-%m-%dT%H:%i:%sZ') FROM gateway_keys WHERE id = ?";
static const char SQL_KEY_REVOKE[] =
    "UPDATE gateway_keys SET revoked_at = COALESCE(revoked_at, NOW(6)) WHERE id = ? AND user_id = ?";

static int
send_user_and_csrf(struct req *r, int status)
{
	cJSON	*root = cJSON_CreateObject(), *u = account_user_json(r->who.user_id, 0);
	int	 rc;

	if (root == NULL || u == NULL) {
		cJSON_Delete(root);
		cJSON_Delete(u);
		return err_db_unavailable(&r->err);
	}
	cJSON_AddBoolToObject(root, "authenticated", 1);
	cJSON_AddItemToObject(root, "user", u);
	cJSON_AddStringToObject(root, "csrf_token", r->who.csrf_token);
	rc = http_send_json(r, status, root);
	cJSON_Delete(root);
	(void)rc;
	return 0;
}

/* Login CSRF: a cross-site page can POST a text/plain "form" whose body is
 * JSON, without a preflight. Account bodies must say they are JSON, and
 * the /api/auth/ routes (before any session, so no CSRF token yet) must come from this
 * site: Sec-Fetch-Site and Origin, when the browser sends them. */
static int
same_site_json(struct req *r, int auth)
{
	const char	*ct = http_header(r, "CONTENT_TYPE");
	const char	*site = http_header(r, "HTTP_SEC_FETCH_SITE");
	const char	*origin = http_header(r, "HTTP_ORIGIN");
	const char	*host = http_header(r, "HTTP_HOST"), *o;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
		return http_fail(r, ERR_VALIDATION, 415, "unsupported_media_type",
		    "Send the body as JSON with 'Content-Type: application/json'.");
	if (!auth)
		return 0;
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return http_fail(r, ERR_AUTH, 403, "cross_site",
		    "Logging in is only possible from this site's own pages.");
	if (origin && (o = strstr(origin, "://")) != NULL && host && strcasecmp(o + 3, host) != 0)
		return http_fail(r, ERR_AUTH, 403, "cross_site",
		    "Logging in is only possible from this site's own pages.");
	return 0;
}

static int
body_or_fail(struct req *r)
{
	long	 max = strncmp(r->path, "/api/auth/", 10) == 0 ? SB_AUTH_MAX_BODY :
	    SB_ACCOUNT_MAX_BODY;

	if (same_site_json(r, max == SB_AUTH_MAX_BODY) != 0)
		return -1;
	/* Small bodies only: login and setup are read before anyone is known. */
	return http_json_body(r, max, server_config()->max_json_depth);
}

static int
get_credentials(struct req *r, const char **user, const char **pass)
{
	if (body_or_fail(r) == -1 ||
	    json_field_str(r->json, "username", 1, 1, SB_MAX_USERNAME, user, NULL, &r->err) == -1 ||
	    json_field_str(r->json, "password", 1, 1, SB_MAX_PASSWORD, pass, NULL, &r->err) == -1)
		return -1;
	return 0;
}

static int
handle_setup_status(struct req *r)
{
	cJSON	*root;
	int	 none = account_no_users();

	if (none == -1)
		return err_db_unavailable(&r->err);
	root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "setup_required", none);
	http_send_json(r, 200, root);
	cJSON_Delete(root);
	return 0;
}

/* The first admin. The unique username and the "no users" check race only
 * between two first-run requests; the loser's user is removed again. */
static int
handle_setup(struct req *r)
{
	static const char SQL_COUNT[] = "SELECT COUNT(*) FROM users";
	struct db_rows	 rows;
	const char	*user, *pass;
	long long	 id, n;

	if (get_credentials(r, &user, &pass) == -1)
		return -1;
	if (account_no_users() != 1)
		return http_fail(r, ERR_VALIDATION, 409, "already_set_up",
		    "Switchboard is already set up; log in instead.");
	if (account_user_create(user, pass, 1, server_config()->password_iterations, &id, &r->err) == -1)
		return -1;
	if (db_query(SQL_COUNT, NULL, 0, &rows) == DB_OK && (n = db_ll(&rows, 0, 0, 0)) > 1) {
		struct db_param p[1] = { db_int(id) };

		db_rows_free(&rows);
		db_exec(SQL_USER_DELETE, p, 1, NULL, NULL);
		return http_fail(r, ERR_VALIDATION, 409, "already_set_up",
		    "Switchboard is already set up; log in instead.");
	}
	db_rows_free(&rows);
	log_info("first administrator created");
	if (auth_session_create(r, id, server_config()->session_lifetime, server_secure_cookies(r)) == -1)
		return -1;
	return send_user_and_csrf(r, 201);
}

/* A hash of nothing, at the configured cost, made once per process. */
static const char *
login_dummy_hash(void)
{
	static char	 hash[160];

	if (hash[0] == '\0' && vault_password_hash("no such user",
	    server_config()->password_iterations, hash, sizeof(hash)) == -1)
		hash[0] = '\0';
	return hash;
}

static int
handle_login(struct req *r)
{
	struct db_rows	 rows;
	struct db_param	 p[1];
	const char	*user, *pass, *addr = http_param(r, "REMOTE_ADDR");
	long long	 id;
	int		 wait, ok;

	if (get_credentials(r, &user, &pass) == -1)
		return -1;
	if ((wait = auth_throttle_check(user, addr)) > 0) {
		r->err.retry_after = wait;
		return http_fail(r, ERR_RATE_LIMIT, 429, "too_many_attempts",
		    "Too many failed logins; try again in %d seconds.", wait);
	}
	p[0] = db_str(user);
	if (db_query(SQL_LOGIN_FIND, p, 1, &rows) != DB_OK) {
		db_rows_free(&rows);
		return err_db_unavailable(&r->err);
	}
	/* An unknown or inactive name costs the same hash as a known one, so
	 * the answer's timing does not tell which names exist. */
	ok = vault_password_verify(pass, rows.nrows == 1 ? db_val(&rows, 0, 1) :
	    login_dummy_hash()) == 1 && rows.nrows == 1 && db_ll(&rows, 0, 2, 0) == 1;
	id = db_ll(&rows, 0, 0, 0);
	db_rows_free(&rows);
	if (!ok) {
		auth_throttle_fail(user, addr, server_config()->login_max_failures,
		    server_config()->login_max_per_address);
		return http_fail(r, ERR_AUTH, 401, "invalid_credentials", "Wrong username or password.");
	}
	auth_throttle_reset(user, addr);
	if (auth_session_create(r, id, server_config()->session_lifetime, server_secure_cookies(r)) == -1)
		return -1;
	return send_user_and_csrf(r, 200);
}

/* GET /api/auth/session: who is logged in, without failing when nobody is
 * (the first page load asks this, so a logged-out visit makes no failing
 * request): {"authenticated":false}, or /api/auth/me's answer plus true. */
static int
handle_session(struct req *r)
{
	cJSON	*root;
	int	 rc;

	if (r->who.via != AUTH_VIA_SESSION) {
		root = cJSON_CreateObject();
		cJSON_AddBoolToObject(root, "authenticated", 0);
		rc = http_send_json(r, 200, root);
		cJSON_Delete(root);
		return rc;
	}
	return send_user_and_csrf(r, 200);
}

static int
handle_logout(struct req *r)
{
	if (auth_session_destroy(r, server_secure_cookies(r)) == -1)
		return -1;
	http_send_empty(r, 204);
	return 0;
}

static int
handle_me(struct req *r)
{
	return send_user_and_csrf(r, 200);
}

static int
handle_health(struct req *r)
{
	struct db_rows	 rows;
	cJSON		*root = cJSON_CreateObject();
	int		 up;

	up = db_query(SQL_SCHEMA_VERSION, NULL, 0, &rows) == DB_OK;
	cJSON_AddStringToObject(root, "status", up ? "ok" : "error");
	cJSON_AddStringToObject(root, "db", up ? "ok" : "down");
	if (up)
		cJSON_AddNumberToObject(root, "schema_version", (double)db_ll(&rows, 0, 0, 0));
	else
		cJSON_AddStringToObject(root, "message",
		    "The database is not reachable; check that MariaDB is running and the [database] settings.");
	cJSON_AddStringToObject(root, "version", SB_VERSION);
	db_rows_free(&rows);
	http_send_json(r, up ? 200 : 503, root);
	cJSON_Delete(root);
	return 0;
}

/* ---- users (admin) ---- */

static int
handle_users_list(struct req *r)
{
	struct db_rows	 rows;
	cJSON		*root, *arr, *u;
	int		 i;

	if (db_query(SQL_USERS_LIST, NULL, 0, &rows) != DB_OK) {
		db_rows_free(&rows);
		return err_db_unavailable(&r->err);
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "users");
	for (i = 0; i < rows.nrows; i++)
		if ((u = account_user_json(db_ll(&rows, i, 0, 0), 1)) != NULL)
			cJSON_AddItemToArray(arr, u);
	db_rows_free(&rows);
	http_send_json(r, 200, root);
	cJSON_Delete(root);
	return 0;
}

static int
role_field(struct req *r, int required, int *is_admin, int *present)
{
	const char	*role = NULL;

	if (json_field_str(r->json, "role", required, 1, 16, &role, present, &r->err) == -1)
		return -1;
	if (role == NULL)
		return 0;
	if (strcmp(role, "admin") && strcmp(role, "user"))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_value", "The role must be 'admin' or 'user'.");
	*is_admin = strcmp(role, "admin") == 0;
	return 0;
}

static int
handle_users_create(struct req *r)
{
	const char	*user, *pass;
	long long	 id;
	int		 is_admin = 0;
	cJSON		*root, *u;

	if (get_credentials(r, &user, &pass) == -1 || role_field(r, 0, &is_admin, NULL) == -1)
		return -1;
	if (account_user_create(user, pass, is_admin, server_config()->password_iterations, &id, &r->err) == -1)
		return -1;
	root = cJSON_CreateObject();
	if ((u = account_user_json(id, 1)) != NULL)
		cJSON_AddItemToObject(root, "user", u);
	http_send_json(r, 201, root);
	cJSON_Delete(root);
	return 0;
}

static int
user_id_param(struct req *r, long long *id)
{
	cJSON	*u;

	if (http_parse_id(http_route_param(r, 0), id) == -1 || (u = account_user_json(*id, 0)) == NULL)
		return http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no such user.");
	cJSON_Delete(u);
	return 0;
}

/* Refuse changes that would leave no active administrator. */
static int
keeps_an_admin(struct req *r, long long id)
{
	struct db_rows	 rows;
	struct db_param	 p[1] = { db_int(id) };
	long long	 n = 0;

	if (db_query(SQL_ADMINS_OTHER, p, 1, &rows) == DB_OK)
		n = db_ll(&rows, 0, 0, 0);
	db_rows_free(&rows);
	if (n == 0)
		return http_fail(r, ERR_VALIDATION, 409, "last_admin",
		    "This is the last active administrator; make someone else admin first.");
	return 0;
}

static int
update_user_fields(struct req *r, long long id)
{
	struct db_param	 p[2];
	const char	*pass = NULL;
	char		 hash[160];
	int		 is_admin = 0, has_role, active = 1, has_active;

	if (role_field(r, 0, &is_admin, &has_role) == -1 ||
	    json_field_bool(r->json, "is_active", 0, &active, &has_active, &r->err) == -1 ||
	    json_field_str(r->json, "password", 0, SB_MIN_PASSWORD, SB_MAX_PASSWORD, &pass, NULL, &r->err) == -1)
		return -1;
	if (((has_role && !is_admin) || (has_active && !active)) && keeps_an_admin(r, id) == -1)
		return -1;
	p[1] = db_int(id);
	if (has_role) {
		p[0] = db_str(is_admin ? "admin" : "user");
		if (db_exec(SQL_USER_SET_ROLE, p, 2, NULL, NULL) != DB_OK)
			return err_db_unavailable(&r->err);
	}
	if (has_active) {
		p[0] = db_int(active);
		if (db_exec(SQL_USER_SET_ACTIVE, p, 2, NULL, NULL) != DB_OK ||
		    (!active && auth_sessions_drop_user(id) != 0))
			return err_db_unavailable(&r->err);
	}
	if (pass) {
		if (vault_password_hash(pass, server_config()->password_iterations, hash, sizeof(hash)) == -1)
			return http_fail(r, ERR_INTERNAL, 500, "hash_failed", "Could not hash the password.");
		p[0] = db_str(hash);
		/* A new password ends every session of the user: whoever knew the
		 * old one is logged out (the admin's own is kept when it is theirs). */
		if (db_exec(SQL_USER_SET_PASSWORD, p, 2, NULL, NULL) != DB_OK ||
		    auth_sessions_drop_user(id) != 0)
			return err_db_unavailable(&r->err);
		if (id == r->who.user_id && auth_session_create(r, id,
		    server_config()->session_lifetime, server_secure_cookies(r)) != 0)
			return err_db_unavailable(&r->err);
	}
	(void)stamp_user(id);	/* the chat path's cached identity (chatcache.h) */
	return 0;
}

static int
handle_users_update(struct req *r)
{
	long long	 id;
	cJSON		*root, *u;

	if (user_id_param(r, &id) == -1 || body_or_fail(r) == -1 || update_user_fields(r, id) == -1)
		return -1;
	root = cJSON_CreateObject();
	if ((u = account_user_json(id, 1)) != NULL)
		cJSON_AddItemToObject(root, "user", u);
	/* One's own new password came with a new session: its CSRF token. */
	if (id == r->who.user_id && cJSON_GetObjectItem(r->json, "password"))
		cJSON_AddStringToObject(root, "csrf_token", r->who.csrf_token);
	http_send_json(r, 200, root);
	cJSON_Delete(root);
	return 0;
}

static int
handle_users_delete(struct req *r)
{
	struct db_param	 p[1];
	long long	 id;
	size_t		 i;

	if (user_id_param(r, &id) == -1)
		return -1;
	if (id == r->who.user_id)
		return http_fail(r, ERR_VALIDATION, 409, "conflict", "You cannot delete your own account.");
	if (keeps_an_admin(r, id) == -1)
		return -1;
	p[0] = db_int(id);
	if (db_begin() != DB_OK)
		return err_db_unavailable(&r->err);
	for (i = 0; i < sizeof(SQL_USER_PURGE) / sizeof(SQL_USER_PURGE[0]); i++)
		if (db_exec(SQL_USER_PURGE[i], p, 1, NULL, NULL) != DB_OK) {
			db_rollback();
			return err_db_unavailable(&r->err);
		}
	if (db_commit() != DB_OK)
		return err_db_unavailable(&r->err);
	(void)stamp_user(id);
	log_info("user %lld deleted with their keys, providers and budgets", id);
	http_send_empty(r, 204);
	return 0;
}

/* ---- gateway keys ---- */

static void
key_add_limit(cJSON *k, const char *name, const char *v)
{
	if (v)
		cJSON_AddNumberToObject(k, name, (double)strtoll(v, NULL, 10));
	else
		cJSON_AddNullToObject(k, name);
}

static cJSON *
key_json(const struct db_rows *rows, int i)
{
	cJSON		*k = cJSON_CreateObject(), *models;
	const char	*am = db_val(rows, i, 6);

	cJSON_AddNumberToObject(k, "id", (double)db_ll(rows, i, 0, 0));
	cJSON_AddStringToObject(k, "name", db_val(rows, i, 1));
	cJSON_AddStringToObject(k, "prefix", db_val(rows, i, 2));
	if (db_val(rows, i, 3))
		json_add_usd(k, "monthly_budget_usd", db_ll(rows, i, 3, 0));
	else
		cJSON_AddNullToObject(k, "monthly_budget_usd");
	key_add_limit(k, "rpm_limit", db_val(rows, i, 4));
	key_add_limit(k, "tpm_limit", db_val(rows, i, 5));
	if (am && (models = cJSON_Parse(am)) != NULL)
		cJSON_AddItemToObject(k, "allowed_models", models);
	else
		cJSON_AddNullToObject(k, "allowed_models");
	json_add_str_or_null(k, "expires_at", db_val(rows, i, 7));
	json_add_str_or_null(k, "revoked_at", db_val(rows, i, 8));
	json_add_str_or_null(k, "last_used_at", db_val(rows, i, 9));
	json_add_str_or_null(k, "created_at", db_val(rows, i, 10));
	cJSON_AddNumberToObject(k, "budget_alert_pct", (double)db_ll(rows, i, 11, 80));
	cJSON_AddBoolToObject(k, "budget_hard_stop", db_ll(rows, i, 12, 1) != 0);
	json_add_usd(k, "month_cost_usd", db_ll(rows, i, 13, 0));
	key_add_limit(k, "max_concurrent", db_val(rows, i, 14));
	cJSON_AddStringToObject(k, "budget_window", db_val(rows, i, 15) ? db_val(rows, i, 15) : "month");
	return k;
}

static int
keys_query(struct req *r, long long only_id, struct db_rows *rows)
{
	struct db_param	 p[4];

	p[0] = db_int(r->who.user_id);
	p[1] = db_int(r->who.user_id);
	p[2] = db_int(only_id);
	p[3] = db_int(only_id);
	if (db_query(SQL_KEYS_LIST, p, 4, rows) != DB_OK)
		return err_db_unavailable(&r->err);
	return 0;
}

static int
handle_keys_list(struct req *r)
{
	struct db_rows	 rows;
	cJSON		*root, *arr;
	int		 i;

	if (keys_query(r, 0, &rows) == -1) {
		db_rows_free(&rows);
		return -1;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "keys");
	for (i = 0; i < rows.nrows; i++)
		cJSON_AddItemToArray(arr, key_json(&rows, i));
	db_rows_free(&rows);
	http_send_json(r, 200, root);
	cJSON_Delete(root);
	return 0;
}

/* allowed_models: an array of 1–100 model references, stored as JSON text. */
static int
allowed_models_field(struct req *r, char **out)
{
	const cJSON	*f = cJSON_GetObjectItemCaseSensitive(r->json, "allowed_models"), *m;
	int		 n = 0;

	*out = NULL;
	if (f == NULL || cJSON_IsNull(f))
		return 0;
	if (!cJSON_IsArray(f))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_type",
		    "The field 'allowed_models' must be an array of model names.");
	cJSON_ArrayForEach(m, f) {
		if (!cJSON_IsString(m) || *m->valuestring == '\0' ||
		    strlen(m->valuestring) > SB_MAX_MODEL_REF || ++n > KEYS_MAX_ALLOWED_MODELS)
			return http_fail(r, ERR_VALIDATION, 400, "invalid_value",
			    "'allowed_models' holds at most %d model names of up to %d characters.",
			    KEYS_MAX_ALLOWED_MODELS, SB_MAX_MODEL_REF);
	}
	if (n == 0)
		return 0;
	if ((*out = json_print(f)) == NULL)
		return http_fail(r, ERR_INTERNAL, 500, "out_of_memory", "Out of memory.");
	return 0;
}

/* expires_at: "YYYY-MM-DD" (the end of that UTC day) or a UTC time such as
 * "YYYY-MM-DDTHH:MM:SSZ", parsed by the reports' strict parser, in the
 * future → "YYYY-MM-DD HH:MM:SS" for SQL. */
static int
expires_field(struct req *r, char out[REPORT_TIME_MAX], int *present)
{
	const char	*s = NULL;
	int64_t		 t;

	if (json_field_str(r->json, "expires_at", 0, 10, 32, &s, present, &r->err) == -1)
		return -1;
	if (s == NULL)
		return 0;
	if (report_parse_time(s, &t) != 0)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_value",
		    "'expires_at' must be a real date like 2027-01-31 or 2027-01-31T12:00:00Z (UTC).");
	if (strlen(s) == 10)
		t += 86400 - 1;
	if (t <= (int64_t)time(NULL))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_value",
		    "'expires_at' is in the past; give a future date (UTC) or leave it out.");
	if (report_sqltime(out, REPORT_TIME_MAX, t) != 0)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_value", "'expires_at' is not a valid date.");
	return 0;
}

/* A new key's limits; each absent one is none (the budget's window: a
 * month). monthly_budget_usd is the budget of budget_window, whichever. */
struct key_limits {
	long long	 budget, rpm, tpm, conc;
	int		 has_budget, has_rpm, has_tpm, has_conc;
	const char	*window;
	int		 has_window;
};

static int
key_limits(struct req *r, struct key_limits *k)
{
	if (json_field_usd(r->json, "monthly_budget_usd", 0, &k->budget, &k->has_budget, &r->err) == -1 ||
	    json_field_int(r->json, "rpm_limit", 0, 1, 1000000, &k->rpm, &k->has_rpm, &r->err) == -1 ||
	    json_field_int(r->json, "tpm_limit", 0, 1, 1000000000, &k->tpm, &k->has_tpm, &r->err) == -1 ||
	    json_field_int(r->json, "max_concurrent", 0, 1, 100000, &k->conc, &k->has_conc, &r->err) == -1 ||
	    json_field_str(r->json, "budget_window", 0, 3, 5, &k->window, &k->has_window, &r->err) == -1)
		return -1;
	if (!k->has_window)
		k->window = "month";
	if (!quota_window_known(k->window))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_value",
		    "'budget_window' must be \"month\", \"week\" or \"day\".");
	return 0;
}

static int
handle_keys_create(struct req *r)
{
	struct db_param		 p[11];
	struct db_rows		 rows;
	const char		*name;
	char			*models = NULL, secret[80], prefix[AUTH_KEY_VISIBLE + 1], expires[REPORT_TIME_MAX];
	unsigned char		 hash[32];
	struct key_limits	 kl;
	int			 has_exp, rc = -1;
	unsigned long long	 id;
	cJSON			*root;

	memset(&kl, 0, sizeof(kl));
	if (body_or_fail(r) == -1 ||
	    json_field_str(r->json, "name", 1, 1, SB_MAX_NAME, &name, NULL, &r->err) == -1 ||
	    key_limits(r, &kl) == -1 ||
	    expires_field(r, expires, &has_exp) == -1 || allowed_models_field(r, &models) == -1)
		goto out;
	if (auth_key_generate(secret, sizeof(secret), hash, prefix) == -1) {
		http_fail(r, ERR_INTERNAL, 500, "random_failed", "Could not create a key.");
		goto out;
	}
	p[0] = db_int(r->who.user_id);
	p[1] = db_str(name);
	p[2] = db_str(prefix);
	p[3] = db_bytes(hash, sizeof(hash));
	p[4] = kl.has_budget ? db_int(kl.budget) : db_null();
	p[5] = kl.has_rpm ? db_int(kl.rpm) : db_null();
	p[6] = kl.has_tpm ? db_int(kl.tpm) : db_null();
	p[7] = db_str(models);
	p[8] = has_exp ? db_str(expires) : db_null();
	p[9] = kl.has_conc ? db_int(kl.conc) : db_null();
	p[10] = db_str(kl.window);
	if (db_exec(SQL_KEY_INSERT, p, 11, NULL, &id) != DB_OK) {
		err_db_unavailable(&r->err);
		goto out;
	}
	if (keys_query(r, (long long)id, &rows) == 0 && rows.nrows == 1) {
		root = cJSON_CreateObject();
		cJSON_AddItemToObject(root, "key", key_json(&rows, 0));
		cJSON_AddStringToObject(root, "secret", secret);
		http_send_json(r, 201, root);
		cJSON_Delete(root);
		rc = 0;
	}
	db_rows_free(&rows);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	free(models);
	return rc;
}

/* POST /api/keys/{id}/rotate {overlap_hours}: a new secret for the same
 * key (its limits, budget and usage stay); the old secret keeps working for
 * overlap_hours (0-168, default 24), then stops. */
static int
handle_keys_rotate(struct req *r)
{
	struct db_param		 p[7];
	struct db_rows		 rows;
	unsigned long long	 n = 0;
	long long		 id, hours = 24;
	char			 secret[80], prefix[AUTH_KEY_VISIBLE + 1];
	unsigned char		 hash[32];
	cJSON			*root;
	int			 rc = -1;

	if (http_parse_id(http_route_param(r, 0), &id) == -1)
		return http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no such key.");
	if (body_or_fail(r) == -1 ||
	    json_field_int(r->json, "overlap_hours", 0, 0, 168, &hours, NULL, &r->err) == -1)
		return -1;
	if (auth_key_generate(secret, sizeof(secret), hash, prefix) == -1)
		return http_fail(r, ERR_INTERNAL, 500, "random_failed", "Could not create a key.");
	p[0] = db_int(hours);
	p[1] = db_int(hours);
	p[2] = db_int(hours);
	p[3] = db_bytes(hash, sizeof(hash));
	p[4] = db_str(prefix);
	p[5] = db_int(id);
	p[6] = db_int(r->who.user_id);
	if (db_exec(SQL_KEY_ROTATE, p, 7, &n, NULL) != DB_OK) {
		err_db_unavailable(&r->err);
		goto out;
	}
	(void)stamp_user(r->who.user_id);
	if (n == 0) {
		http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no such key (or it is revoked).");
		goto out;
	}
	if (keys_query(r, id, &rows) == 0 && rows.nrows == 1) {
		root = cJSON_CreateObject();
		cJSON_AddItemToObject(root, "key", key_json(&rows, 0));
		cJSON_AddStringToObject(root, "secret", secret);
		db_rows_free(&rows);
		p[0] = db_int(id);
		if (db_query(SQL_KEY_PREV_UNTIL, p, 1, &rows) == DB_OK && rows.nrows == 1)
			json_add_str_or_null(root, "previous_valid_until", db_val(&rows, 0, 0));
		http_send_json(r, 200, root);
		cJSON_Delete(root);
		rc = 0;
	}
	db_rows_free(&rows);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

/* Per-user rate limits (user_rate_limits), set by an admin: requests and
 * tokens per minute and requests in flight, over all of the user's keys
 * and the browser. NULL: none (max_concurrent: [limits] user_max_concurrent). */
static const char SQL_USER_LIMITS_GET[] =
    "SELECT rpm_limit, tpm_limit, max_concurrent FROM user_rate_limits WHERE user_id = ?";
static const char SQL_USER_LIMITS_SET[] =
    "INSERT INTO user_rate_limits (user_id, rpm_limit, tpm_limit, max_concurrent)"
    " VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE rpm_limit = VALUES(rpm_limit),"
    " tpm_limit = VALUES(tpm_limit), max_concurrent = VALUES(max_concurrent)";

static int
user_limits_send(struct req *r, long long id)
{
	struct db_param	 p = db_int(id);
	struct db_rows	 rows;
	cJSON		*o;

	if (db_query(SQL_USER_LIMITS_GET, &p, 1, &rows) != DB_OK) {
		db_rows_free(&rows);
		return err_db_unavailable(&r->err);
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "user_id", (double)id);
	key_add_limit(o, "rpm_limit", rows.nrows ? db_val(&rows, 0, 0) : NULL);
	key_add_limit(o, "tpm_limit", rows.nrows ? db_val(&rows, 0, 1) : NULL);
	key_add_limit(o, "max_concurrent", rows.nrows ? db_val(&rows, 0, 2) : NULL);
	db_rows_free(&rows);
	http_send_json(r, 200, o);
	cJSON_Delete(o);
	return 0;
}

static int
handle_user_limits_get(struct req *r)
{
	long long	 id;

	if (user_id_param(r, &id) == -1)
		return -1;
	return user_limits_send(r, id);
}

/* PUT /api/users/{id}/limits {rpm_limit, tpm_limit, max_concurrent}: each
 * a number, or null (or absent) for none. */
static int
handle_user_limits_put(struct req *r)
{
	struct db_param	 p[4];
	long long	 id, rpm = 0, tpm = 0, conc = 0;
	int		 has_rpm, has_tpm, has_conc;

	if (user_id_param(r, &id) == -1 || body_or_fail(r) == -1 ||
	    json_field_int(r->json, "rpm_limit", 0, 1, 1000000, &rpm, &has_rpm, &r->err) == -1 ||
	    json_field_int(r->json, "tpm_limit", 0, 1, 1000000000, &tpm, &has_tpm, &r->err) == -1 ||
	    json_field_int(r->json, "max_concurrent", 0, 1, 100000, &conc, &has_conc, &r->err) == -1)
		return -1;
	p[0] = db_int(id);
	p[1] = has_rpm ? db_int(rpm) : db_null();
	p[2] = has_tpm ? db_int(tpm) : db_null();
	p[3] = has_conc ? db_int(conc) : db_null();
	if (db_exec(SQL_USER_LIMITS_SET, p, 4, NULL, NULL) != DB_OK)
		return err_db_unavailable(&r->err);
	(void)stamp_user(id);
	return user_limits_send(r, id);
}

/* ---- maintenance: the admin's switch for the gateway ------------------------ */

static const char SQL_MAINT_GET[] =
    "SELECT maintenance, maintenance_message,"
    " DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%sZ') FROM site_settings WHERE id = 1";
static const char SQL_MAINT_SET[] =
    "UPDATE site_settings SET maintenance = ?, maintenance_message = IF(?, ?, maintenance_message)"
    " WHERE id = 1";

static int
maintenance_send(struct req *r)
{
	struct db_rows	 rows;
	cJSON		*o;

	if (db_query(SQL_MAINT_GET, NULL, 0, &rows) != DB_OK || rows.nrows != 1) {
		db_rows_free(&rows);
		return err_db_unavailable(&r->err);
	}
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "enabled", db_ll(&rows, 0, 0, 0) != 0);
	json_add_str_or_null(o, "message", db_val(&rows, 0, 1));
	json_add_str_or_null(o, "updated_at", db_val(&rows, 0, 2));
	db_rows_free(&rows);
	http_send_json(r, 200, o);
	cJSON_Delete(o);
	return 0;
}

static int
handle_maintenance_get(struct req *r)
{
	return maintenance_send(r);
}

/* PUT /api/admin/maintenance {enabled, message?}: while enabled, every
 * request that would go upstream gets 503 with the message (docs/api.md). */
static int
handle_maintenance_put(struct req *r)
{
	struct db_param	 p[3];
	const char	*msg = NULL;
	int		 on = 0, has_on = 0, has_msg = 0;

	if (body_or_fail(r) == -1 ||
	    json_field_bool(r->json, "enabled", 1, &on, &has_on, &r->err) == -1 ||
	    json_field_str(r->json, "message", 0, 0, 500, &msg, &has_msg, &r->err) == -1)
		return -1;
	p[0] = db_int(on);
	p[1] = db_int(has_msg);
	p[2] = db_str(msg && msg[0] ? msg : NULL);
	if (db_exec(SQL_MAINT_SET, p, 3, NULL, NULL) != DB_OK)
		return err_db_unavailable(&r->err);
	(void)stamp_global();
	log_warn("maintenance %s by %s", on ? "switched on" : "switched off", r->who.username);
	return maintenance_send(r);
}

/* ---- admin API tokens and the audit log --------------------------------------- */

static const char SQL_TOKEN_INSERT[] =
    "INSERT INTO admin_tokens (user_id, name, prefix, token_hash, scopes) VALUES (?, ?, ?, ?, ?)";
static const char SQL_TOKENS_LIST[] =
    "SELECT t.id, t.name, t.prefix, t.scopes, u.username,"
    " DATE_FORMAT(t.created_at, '%Y-%m-%dT%H:%i:%sZ'), DATE_FORMAT(t.last_used_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(t.revoked_at, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM admin_tokens t JOIN users u ON u.id = t.user_id WHERE (? = 0 OR t.id = ?)"
    " ORDER BY t.created_at DESC, t.id DESC LIMIT 200";
static const char SQL_TOKEN_REVOKE[] =
    "UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, NOW(6)) WHERE id = ?";

static const char *const token_scopes[] = { "reports", "keys", "providers", "users" };

static cJSON *
token_json(const struct db_rows *rows, int i)
{
	static const char *const names[] = { "id", "name", "prefix", "scopes", "created_by",
	    "created_at", "last_used_at", "revoked_at" };
	cJSON	*o = cJSON_CreateObject(), *sc;
	char	 list[64], *save = NULL, *one;
	int	 c;

	cJSON_AddNumberToObject(o, "id", (double)db_ll(rows, i, 0, 0));
	for (c = 1; c < 8; c++) {
		if (c == 3) {
			sc = cJSON_AddArrayToObject(o, "scopes");
			snprintf(list, sizeof(list), "%s", db_val(rows, i, 3) ? db_val(rows, i, 3) : "");
			for (one = strtok_r(list, ",", &save); one; one = strtok_r(NULL, ",", &save))
				cJSON_AddItemToArray(sc, cJSON_CreateString(one));
		} else {
			json_add_str_or_null(o, names[c], db_val(rows, i, c));
		}
	}
	return o;
}

static int
tokens_send(struct req *r, int status, long long only, const char *secret)
{
	struct db_param	 p[2] = { db_int(only), db_int(only) };
	struct db_rows	 rows;
	cJSON		*root, *arr;
	int		 i;

	if (db_query(SQL_TOKENS_LIST, p, 2, &rows) != DB_OK) {
		db_rows_free(&rows);
		return err_db_unavailable(&r->err);
	}
	root = cJSON_CreateObject();
	if (secret != NULL && rows.nrows == 1) {
		cJSON_AddItemToObject(root, "token", token_json(&rows, 0));
		cJSON_AddStringToObject(root, "secret", secret);
	} else {
		arr = cJSON_AddArrayToObject(root, "tokens");
		for (i = 0; i < rows.nrows; i++)
			cJSON_AddItemToArray(arr, token_json(&rows, i));
	}
	db_rows_free(&rows);
	http_send_json(r, status, root);
	cJSON_Delete(root);
	return 0;
}

static int
handle_tokens_list(struct req *r)
{
	return tokens_send(r, 200, 0, NULL);
}

/* The scopes array as "a,b" in token_scopes order; -1 with r->err. */
static int
token_scopes_field(struct req *r, char *out, size_t size)
{
	const cJSON	*arr = cJSON_GetObjectItemCaseSensitive(r->json, "scopes"), *v;
	size_t		 i;
	int		 want[4] = { 0 }, found;

	out[0] = '\0';
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_scopes",
		    "scopes: a list of one or more of reports, keys, providers, users.");
	cJSON_ArrayForEach(v, arr) {
		found = 0;
		for (i = 0; i < 4; i++)
			if (cJSON_IsString(v) && strcmp(v->valuestring, token_scopes[i]) == 0)
				want[i] = found = 1;
		if (!found)
			return http_fail(r, ERR_VALIDATION, 400, "invalid_scopes",
			    "scopes: each is one of reports, keys, providers, users.");
	}
	for (i = 0; i < 4; i++)
		if (want[i])
			snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? "," : "", token_scopes[i]);
	return 0;
}

/* POST /api/admin/tokens {name, scopes}: the secret is in this answer only. */
static int
handle_tokens_create(struct req *r)
{
	struct db_param		 p[5];
	const char		*name = NULL;
	char			 secret[80], prefix[AUTH_KEY_VISIBLE + 1], scopes[64];
	unsigned char		 hash[32];
	unsigned long long	 id = 0;
	int			 rc;

	if (body_or_fail(r) == -1 ||
	    json_field_str(r->json, "name", 1, 1, SB_MAX_NAME, &name, NULL, &r->err) == -1 ||
	    token_scopes_field(r, scopes, sizeof(scopes)) == -1)
		return -1;
	if (auth_secret_generate(AUTH_TOKEN_PREFIX, secret, sizeof(secret), hash, prefix) == -1)
		return http_fail(r, ERR_INTERNAL, 500, "random_failed", "Could not create a token.");
	p[0] = db_int(r->who.user_id);
	p[1] = db_str(name);
	p[2] = db_str(prefix);
	p[3] = db_bytes(hash, sizeof(hash));
	p[4] = db_str(scopes);
	rc = db_exec(SQL_TOKEN_INSERT, p, 5, NULL, &id) != DB_OK ?
	    err_db_unavailable(&r->err) : tokens_send(r, 201, (long long)id, secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

static int
handle_tokens_revoke(struct req *r)
{
	struct db_param		 p[1];
	unsigned long long	 n = 0;
	long long		 id;

	if (http_parse_id(http_route_param(r, 0), &id) == -1)
		return http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no such token.");
	p[0] = db_int(id);
	if (db_exec(SQL_TOKEN_REVOKE, p, 1, &n, NULL) != DB_OK)
		return err_db_unavailable(&r->err);
	if (n == 0)
		return http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no such token.");
	http_send_empty(r, 204);
	return 0;
}

/* GET /api/admin/audit?limit=N (default 100). */
static int
handle_audit_list(struct req *r)
{
	char	 v[16];
	long	 limit = 100;
	cJSON	*root;

	if (http_query(r, "limit", v, sizeof(v)) == 0 &&
	    ((limit = strtol(v, NULL, 10)) < 1 || limit > AUDIT_LIST_MAX))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_parameter",
		    "limit: a number from 1 to %d.", AUDIT_LIST_MAX);
	if ((root = audit_list_json((int)limit)) == NULL)
		return err_db_unavailable(&r->err);
	http_send_json(r, 200, root);
	cJSON_Delete(root);
	return 0;
}

/* ---- notifications and alert channels (alerts.h) ---------------------------- */

static int
send_or_fail(struct req *r, int status, cJSON *o)
{
	if (o == NULL)
		return -1;
	http_send_json(r, status, o);
	cJSON_Delete(o);
	return 0;
}

static int
handle_notifications(struct req *r)
{
	return send_or_fail(r, 200, alerts_notifications_json(r->who.user_id, 50, &r->err));
}

static int
handle_notifications_read(struct req *r)
{
	if (alerts_mark_read(r->who.user_id, &r->err) != 0)
		return -1;
	http_send_empty(r, 204);
	return 0;
}

static int
handle_channels_list(struct req *r)
{
	return send_or_fail(r, 200, alerts_channels_json(r->who.user_id, &r->err));
}

/* POST /api/alert-channels {url, format?: json|slack|discord} */
static int
handle_channels_add(struct req *r)
{
	const char	*url = NULL, *format = "json";

	if (body_or_fail(r) == -1 ||
	    json_field_str(r->json, "url", 1, 1, 4096, &url, NULL, &r->err) == -1 ||
	    json_field_str(r->json, "format", 0, 1, 16, &format, NULL, &r->err) == -1 ||
	    alerts_channel_add(r->who.user_id, url, format, &r->err) < 0)
		return -1;
	return send_or_fail(r, 201, alerts_channels_json(r->who.user_id, &r->err));
}

static int
handle_channels_delete(struct req *r)
{
	long long	 id;

	if (http_parse_id(http_route_param(r, 0), &id) == -1)
		return http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no such alert channel.");
	if (alerts_channel_delete(r->who.user_id, id, &r->err) != 0)
		return -1;
	http_send_empty(r, 204);
	return 0;
}

static const char SQL_KEY_UPDATE[] =
    "UPDATE gateway_keys SET name = IF(?, ?, name),"
    " monthly_budget_micros = IF(?, ?, monthly_budget_micros),"
    " rpm_limit = IF(?, ?, rpm_limit), tpm_limit = IF(?, ?, tpm_limit),"
    " max_concurrent = IF(?, ?, max_concurrent), allowed_models = IF(?, ?, allowed_models),"
    " expires_at = IF(?, ?, expires_at), budget_window = IF(?, ?, budget_window)"
    " WHERE id = ? AND user_id = ? AND revoked_at IS NULL";

/* p[*i] = whether the field was sent, p[*i + 1] its value (set, or NULL
 * for a JSON null: the limit is lifted). */
static void
key_update_param(struct req *r, const char *name, struct db_param v, int set,
    struct db_param *p, int *i)
{
	int	 given = cJSON_GetObjectItemCaseSensitive(r->json, name) != NULL;

	p[(*i)++] = db_int(given);
	p[(*i)++] = given && set ? v : db_null();
}

/* PUT /api/keys/{id}: change a key's name, limits, allowed models or
 * expiry (a field sent as null lifts it); the secret stays. */
static int
handle_keys_update(struct req *r)
{
	struct db_param		 p[18];
	struct key_limits	 kl;
	struct db_rows		 rows;
	const char		*name = NULL;
	char			*models = NULL, expires[REPORT_TIME_MAX];
	long long		 id;
	int			 has_name = 0, has_exp = 0, i = 0, rc = -1;
	cJSON			*root;

	memset(&kl, 0, sizeof(kl));
	if (http_parse_id(http_route_param(r, 0), &id) == -1)
		return http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no such key.");
	if (body_or_fail(r) == -1 ||
	    json_field_str(r->json, "name", 0, 1, SB_MAX_NAME, &name, &has_name, &r->err) == -1 ||
	    key_limits(r, &kl) == -1 || expires_field(r, expires, &has_exp) == -1 ||
	    allowed_models_field(r, &models) == -1)
		goto out;
	if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r->json, "name"))) {
		http_fail(r, ERR_VALIDATION, 400, "invalid_value", "A key keeps a name.");
		goto out;
	}
	key_update_param(r, "name", db_str(name), has_name, p, &i);
	key_update_param(r, "monthly_budget_usd", db_int(kl.budget), kl.has_budget, p, &i);
	key_update_param(r, "rpm_limit", db_int(kl.rpm), kl.has_rpm, p, &i);
	key_update_param(r, "tpm_limit", db_int(kl.tpm), kl.has_tpm, p, &i);
	key_update_param(r, "max_concurrent", db_int(kl.conc), kl.has_conc, p, &i);
	key_update_param(r, "allowed_models", db_str(models), models != NULL, p, &i);
	key_update_param(r, "expires_at", db_str(expires), has_exp, p, &i);
	key_update_param(r, "budget_window", db_str(kl.window), 1, p, &i);	/* null: a month */
	p[i++] = db_int(id);
	p[i++] = db_int(r->who.user_id);
	if (db_exec(SQL_KEY_UPDATE, p, i, NULL, NULL) != DB_OK) {
		err_db_unavailable(&r->err);
		goto out;
	}
	(void)stamp_user(r->who.user_id);
	if (keys_query(r, id, &rows) == 0 && rows.nrows == 1 && db_val(&rows, 0, 8) == NULL) {
		root = cJSON_CreateObject();
		cJSON_AddItemToObject(root, "key", key_json(&rows, 0));
		http_send_json(r, 200, root);
		cJSON_Delete(root);
		rc = 0;
	} else if (r->err.category == ERR_NONE)
		http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no such key (or it is revoked).");
	db_rows_free(&rows);
out:
	free(models);
	return rc;
}

static int
handle_keys_delete(struct req *r)
{
	struct db_param		 p[2];
	unsigned long long	 n = 0;
	long long		 id;

	if (http_parse_id(http_route_param(r, 0), &id) == -1)
		return http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no such key.");
	p[0] = db_int(id);
	p[1] = db_int(r->who.user_id);
	if (db_exec(SQL_KEY_REVOKE, p, 2, &n, NULL) != DB_OK)
		return err_db_unavailable(&r->err);
	(void)stamp_user(r->who.user_id);
	if (n == 0) {
		struct db_rows rows;

		/* Already revoked keys report 0 changed rows too. */
		if (keys_query(r, id, &rows) == 0 && rows.nrows == 0) {
			db_rows_free(&rows);
			return http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no such key.");
		}
		db_rows_free(&rows);
	}
	http_send_empty(r, 204);
	return 0;
}

static const struct route account_routes[] = {
	{ "GET",    "/api/health",          handle_health,       ROUTE_PUBLIC },
	{ "GET",    "/api/auth/setup",      handle_setup_status, ROUTE_PUBLIC },
	{ "POST",   "/api/auth/setup",      handle_setup,        ROUTE_PUBLIC },
	{ "POST",   "/api/auth/login",      handle_login,        ROUTE_PUBLIC },
	{ "POST",   "/api/auth/logout",     handle_logout,       ROUTE_SESSION },
	{ "GET",    "/api/auth/me",         handle_me,           ROUTE_SESSION },
	{ "GET",    "/api/auth/session",    handle_session,      ROUTE_PUBLIC },
	{ "GET",    "/api/users",           handle_users_list,   ROUTE_ADMIN },
	{ "POST",   "/api/users",           handle_users_create, ROUTE_ADMIN },
	{ "PUT",    "/api/users/{id}",      handle_users_update, ROUTE_ADMIN },
	{ "GET",    "/api/users/{id}/limits", handle_user_limits_get, ROUTE_ADMIN },
	{ "PUT",    "/api/users/{id}/limits", handle_user_limits_put, ROUTE_ADMIN },
	{ "DELETE", "/api/users/{id}",      handle_users_delete, ROUTE_ADMIN },
	{ "GET",    "/api/admin/maintenance", handle_maintenance_get, ROUTE_ADMIN },
	{ "GET",    "/api/admin/tokens",    handle_tokens_list,  ROUTE_ADMIN },
	{ "POST",   "/api/admin/tokens",    handle_tokens_create, ROUTE_ADMIN },
	{ "DELETE", "/api/admin/tokens/{id}", handle_tokens_revoke, ROUTE_ADMIN },
	{ "GET",    "/api/admin/audit",     handle_audit_list,   ROUTE_ADMIN },
	{ "GET",    "/api/notifications",   handle_notifications, ROUTE_SESSION },
	{ "POST",   "/api/notifications/read", handle_notifications_read, ROUTE_SESSION },
	{ "GET",    "/api/alert-channels",  handle_channels_list, ROUTE_SESSION },
	{ "POST",   "/api/alert-channels",  handle_channels_add,  ROUTE_SESSION },
	{ "DELETE", "/api/alert-channels/{id}", handle_channels_delete, ROUTE_SESSION },
	{ "PUT",    "/api/admin/maintenance", handle_maintenance_put, ROUTE_ADMIN },
	{ "GET",    "/api/keys",            handle_keys_list,    ROUTE_SESSION },
	{ "POST",   "/api/keys",            handle_keys_create,  ROUTE_SESSION },
	{ "PUT",    "/api/keys/{id}",       handle_keys_update,  ROUTE_SESSION },
	{ "DELETE", "/api/keys/{id}",       handle_keys_delete,  ROUTE_SESSION },
	{ "POST",   "/api/keys/{id}/rotate", handle_keys_rotate, ROUTE_SESSION },
};

int
main(void)
{
	static const struct program prog = {
		.name = "account", .routes = account_routes,
		.nroutes = sizeof(account_routes) / sizeof(account_routes[0]),
		.installer = 1	/* serves the web installer while no config exists */
	};

	return server_run(&prog);
}
