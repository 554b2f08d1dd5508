/* auth: sessions, CSRF, gateway keys and login throttling (see auth.h).
 * Tokens are compared by their SHA-256 in SQL, so no secret is ever stored
 * or logged; CSRF tokens are compared in constant time. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "db.h"
#include "log.h"
#include "vault.h"

static const char SQL_SESSION_FIND[] =
    "SELECT s.user_id, u.username, u.role, s.csrf_token FROM sessions s"
    " JOIN users u ON u.id = s.user_id"
    " WHERE s.token_hash = ? AND s.expires_at > NOW(6) AND u.is_active = 1";
static const char SQL_SESSION_INSERT[] =
    "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)"
    " VALUES (?, ?, ?, NOW(6) + INTERVAL ? SECOND)";
static const char SQL_SESSION_DELETE[] =
    "DELETE FROM sessions WHERE token_hash = ?";
static const char SQL_SESSION_DELETE_USER[] =
    "DELETE FROM sessions WHERE user_id = ?";
static const char SQL_SESSION_PURGE[] =
    "DELETE FROM sessions WHERE user_id = ? AND expires_at < NOW(6)";
#define AUTH_KEY_COLS							\
    "SELECT k.id, k.user_id, u.username, u.role, k.allowed_models,"	\
    " k.revoked_at IS NOT NULL, k.expires_at IS NOT NULL AND k.expires_at <= NOW(6)" \
    " FROM gateway_keys k JOIN users u ON u.id = k.user_id"
static const char SQL_KEY_FIND[] =
    AUTH_KEY_COLS " WHERE k.key_hash = ? AND u.is_active = 1";
static const char SQL_KEY_FIND_PREV[] =
    AUTH_KEY_COLS " WHERE " AUTH_KEY_PREV_MATCH " AND u.is_active = 1";
static const char SQL_KEY_TOUCH[] =
    "UPDATE gateway_keys SET last_used_at = NOW(6) WHERE id = ?"
    " AND (last_used_at IS NULL OR last_used_at < NOW(6) - INTERVAL 60 SECOND)";
static const char SQL_THROTTLE_GET[] =
    "SELECT GREATEST(0, TIMESTAMPDIFF(SECOND, NOW(6), locked_until)) + 1"
    " FROM login_throttle WHERE throttle_key = ? AND locked_until > NOW(6)";
static const char SQL_THROTTLE_FAIL[] =
    "INSERT INTO login_throttle (throttle_key, failures, window_start) VALUES (?, 1, NOW(6))"
    " ON DUPLICATE KEY UPDATE"
    " failures = IF(window_start < NOW(6) - INTERVAL ? SECOND, 1, failures + 1),"
    " window_start = IF(window_start < NOW(6) - INTERVAL ? SECOND, NOW(6), window_start),"
    " locked_until = IF(failures >= ?, NOW(6) + INTERVAL ? SECOND, locked_until)";
static const char SQL_THROTTLE_RESET[] =
    "DELETE FROM login_throttle WHERE throttle_key = ?";

static void
auth_fill_identity(struct req *r, const struct db_rows *rows)
{
	r->who.user_id = db_ll(rows, 0, 0, 0);
	snprintf(r->who.username, sizeof(r->who.username), "%s", db_val(rows, 0, 1));
	r->who.is_admin = strcmp(db_val(rows, 0, 2), "admin") == 0;
}

int
auth_from_session(struct req *r)
{
	struct db_rows	 rows;
	struct db_param	 p[1];
	char		 token[80];
	unsigned char	 hash[32];
	int		 rc;

	if (http_cookie(r, AUTH_COOKIE, token, sizeof(token)) == -1 || strlen(token) != 64)
		return 1;
	vault_sha256(token, strlen(token), hash);
	OPENSSL_cleanse(token, sizeof(token));
	p[0] = db_bytes(hash, sizeof(hash));
	if ((rc = db_query(SQL_SESSION_FIND, p, 1, &rows)) != DB_OK) {
		db_rows_free(&rows);
		return err_db_unavailable(&r->err);
	}
	if (rows.nrows == 0) {
		db_rows_free(&rows);
		return 1;
	}
	auth_fill_identity(r, &rows);
	snprintf(r->who.csrf_token, sizeof(r->who.csrf_token), "%s", db_val(&rows, 0, 3));
	r->who.via = AUTH_VIA_SESSION;
	db_rows_free(&rows);
	return 0;
}

const char *
auth_key_header(const struct req *r)
{
	const char	*h = http_param(r, "HTTP_AUTHORIZATION");

	if (h && strncasecmp(h, "Bearer ", 7) == 0) {
		h += 7;
		while (*h == ' ')
			h++;
	} else {
		h = http_param(r, "HTTP_X_API_KEY");
	}
	return h && *h ? h : NULL;
}

int
auth_key_hash(struct req *r, const char *key, unsigned char hash[32])
{
	if (strncmp(key, AUTH_KEY_PREFIX, strlen(AUTH_KEY_PREFIX)) != 0 || strlen(key) > 128)
		return http_fail(r, ERR_AUTH, 401, "invalid_api_key",
		    "This is not a Switchboard key; create one under Settings → API keys.");
	vault_sha256(key, strlen(key), hash);
	return 0;
}

int
auth_key_query(const char *sql, const char *sql_prev, const struct db_param *hash,
    struct db_rows *rows)
{
	int	 rc;

	if ((rc = db_query(sql, hash, 1, rows)) != DB_OK || rows->nrows > 0)
		return rc;
	db_rows_free(rows);
	return db_query(sql_prev, hash, 1, rows);
}

int
auth_key_row(struct req *r, const struct db_rows *rows)
{
	const char	*am;

	if (rows->nrows == 0)
		return http_fail(r, ERR_AUTH, 401, "invalid_api_key",
		    "The API key is not valid; check it or create a new one under Settings → API keys.");
	if (db_ll(rows, 0, 5, 0))
		return http_fail(r, ERR_AUTH, 401, "key_revoked", "This API key has been revoked.");
	if (db_ll(rows, 0, 6, 0))
		return http_fail(r, ERR_AUTH, 401, "key_expired", "This API key has expired; create a new one.");
	r->who.key_id = db_ll(rows, 0, 0, 0);
	r->who.user_id = db_ll(rows, 0, 1, 0);
	snprintf(r->who.username, sizeof(r->who.username), "%s", db_val(rows, 0, 2) ? db_val(rows, 0, 2) : "");
	r->who.is_admin = db_val(rows, 0, 3) && strcmp(db_val(rows, 0, 3), "admin") == 0;
	free(r->who.allowed_models);
	r->who.allowed_models = NULL;
	/* A lost allowed_models list would mean "every model": fail instead. */
	if ((am = db_val(rows, 0, 4)) != NULL && (r->who.allowed_models = strdup(am)) == NULL)
		return http_fail(r, ERR_INTERNAL, 500, "out_of_memory", "The server is out of memory.");
	r->who.via = AUTH_VIA_KEY;
	return 0;
}

int
auth_from_key(struct req *r)
{
	struct db_rows	 rows;
	struct db_param	 p[1];
	const char	*key = auth_key_header(r);
	unsigned char	 hash[32];
	int		 rc = -1;

	if (key == NULL)
		return 1;
	if (auth_key_hash(r, key, hash) == -1)
		return -1;
	p[0] = db_bytes(hash, sizeof(hash));
	if (auth_key_query(SQL_KEY_FIND, SQL_KEY_FIND_PREV, p, &rows) != DB_OK)
		err_db_unavailable(&r->err);
	else if ((rc = auth_key_row(r, &rows)) == 0) {
		p[0] = db_int(r->who.key_id);
		db_exec(SQL_KEY_TOUCH, p, 1, NULL, NULL);
	}
	db_rows_free(&rows);
	return rc;
}

static const char SQL_TOKEN_FIND[] =
    "SELECT t.id, t.user_id, u.username, t.scopes FROM admin_tokens t"
    " JOIN users u ON u.id = t.user_id"
    " WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.is_active = 1 AND u.role = 'admin'";
static const char SQL_TOKEN_TOUCH[] =
    "UPDATE admin_tokens SET last_used_at = NOW(6) WHERE id = ?"
    " AND (last_used_at IS NULL OR last_used_at < NOW(6) - INTERVAL 60 SECOND)";

int
auth_from_token(struct req *r)
{
	const char	*tok = auth_key_header(r);
	struct db_rows	 rows;
	struct db_param	 p[1];
	unsigned char	 hash[32];
	int		 rc = -1;

	if (tok == NULL || strncmp(tok, AUTH_TOKEN_PREFIX, strlen(AUTH_TOKEN_PREFIX)) != 0)
		return 1;
	if (strlen(tok) > 128)
		return http_fail(r, ERR_AUTH, 401, "invalid_token", "This admin API token is not valid.");
	vault_sha256(tok, strlen(tok), hash);
	p[0] = db_bytes(hash, sizeof(hash));
	if (db_query(SQL_TOKEN_FIND, p, 1, &rows) != DB_OK) {
		err_db_unavailable(&r->err);
	} else if (rows.nrows == 0) {
		http_fail(r, ERR_AUTH, 401, "invalid_token",
		    "This admin API token is not valid (revoked, or its administrator is no longer one).");
	} else {
		r->who.via = AUTH_VIA_TOKEN;
		r->who.token_id = db_ll(&rows, 0, 0, 0);
		r->who.user_id = db_ll(&rows, 0, 1, 0);
		r->who.is_admin = 1;
		snprintf(r->who.username, sizeof(r->who.username), "%s", db_val(&rows, 0, 2) ? db_val(&rows, 0, 2) : "");
		snprintf(r->who.scopes, sizeof(r->who.scopes), "%s", db_val(&rows, 0, 3) ? db_val(&rows, 0, 3) : "");
		p[0] = db_int(r->who.token_id);
		(void)db_exec(SQL_TOKEN_TOUCH, p, 1, NULL, NULL);
		rc = 0;
	}
	db_rows_free(&rows);
	return rc;
}

/* Path prefixes of the management API and the scope each needs. */
static const struct { const char *prefix; const char *scope; int read_only; } auth_scopes[] = {
	{ "/api/usage/", "reports", 1 },
	{ "/api/budget", "reports", 1 },
	{ "/api/keys", "keys", 0 },
	{ "/api/provider-configs", "providers", 0 },
	{ "/api/providers", "providers", 0 },
	{ "/api/models", "providers", 0 },
	{ "/api/aliases", "providers", 0 },
	{ "/api/prices/", "providers", 0 },
	{ "/api/users", "users", 0 },
	{ "/api/admin/tokens", NULL, 0 },	/* tokens never make tokens */
	{ "/api/admin/", "users", 0 },
};

const char *
auth_token_scope(const char *method, const char *path)
{
	size_t	 i;

	for (i = 0; i < sizeof(auth_scopes) / sizeof(auth_scopes[0]); i++)
		if (strncmp(path, auth_scopes[i].prefix, strlen(auth_scopes[i].prefix)) == 0)
			return auth_scopes[i].scope == NULL ||
			    (auth_scopes[i].read_only && strcmp(method, "GET") != 0) ?
			    NULL : auth_scopes[i].scope;
	return NULL;
}

int
auth_csrf_ok(const struct req *r)
{
	const char	*h = http_param(r, "HTTP_X_CSRF_TOKEN");

	if (r->who.via != AUTH_VIA_SESSION || h == NULL || strlen(h) != 64 ||
	    strlen(r->who.csrf_token) != 64)
		return 0;
	return CRYPTO_memcmp(h, r->who.csrf_token, 64) == 0;
}

int
auth_session_create(struct req *r, long long user_id, long ttl, int secure)
{
	struct db_param	 p[4];
	char		 token[65], csrf[65];
	unsigned char	 hash[32];
	int		 rc;

	if (vault_token_hex(token, SB_TOKEN_BYTES) == -1 || vault_token_hex(csrf, SB_TOKEN_BYTES) == -1)
		return http_fail(r, ERR_INTERNAL, 500, "random_failed", "Could not create a session.");
	vault_sha256(token, 64, hash);
	p[0] = db_bytes(hash, sizeof(hash));
	p[1] = db_int(user_id);
	p[2] = db_str(csrf);
	p[3] = db_int(ttl);
	rc = db_exec(SQL_SESSION_INSERT, p, 4, NULL, NULL);
	if (rc == DB_OK) {
		p[0] = db_int(user_id);
		db_exec(SQL_SESSION_PURGE, p, 1, NULL, NULL);
		http_add_header(r, "Set-Cookie: " AUTH_COOKIE "=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
		    token, ttl, secure ? "; Secure" : "");
		snprintf(r->who.csrf_token, sizeof(r->who.csrf_token), "%s", csrf);
		r->who.via = AUTH_VIA_SESSION;
		r->who.user_id = user_id;
	}
	OPENSSL_cleanse(token, sizeof(token));
	if (rc != DB_OK)
		return err_db_unavailable(&r->err);
	return 0;
}

int
auth_session_destroy(struct req *r, int secure)
{
	struct db_param	 p[1];
	char		 token[80];
	unsigned char	 hash[32];

	if (http_cookie(r, AUTH_COOKIE, token, sizeof(token)) == 0) {
		vault_sha256(token, strlen(token), hash);
		OPENSSL_cleanse(token, sizeof(token));
		p[0] = db_bytes(hash, sizeof(hash));
		if (db_exec(SQL_SESSION_DELETE, p, 1, NULL, NULL) != DB_OK)
			return err_db_unavailable(&r->err);
	}
	http_add_header(r, "Set-Cookie: " AUTH_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
	    secure ? "; Secure" : "");
	return 0;
}

int
auth_sessions_drop_user(long long user_id)
{
	struct db_param	 p[1] = { db_int(user_id) };

	return db_exec(SQL_SESSION_DELETE_USER, p, 1, NULL, NULL) == DB_OK ? 0 : -1;
}

/* The bucket of a username: as the database compares names (case and
 * trailing spaces ignored), so "Admin" and "admin " share admin's bucket. */
static void
auth_throttle_key(const char *kind, const char *username, const char *addr, unsigned char out[32])
{
	char	 tmp[SB_MAX_USERNAME + 128], name[SB_MAX_USERNAME + 1];
	size_t	 i, n = 0;

	for (i = 0; username && username[i] && n < SB_MAX_USERNAME; i++)
		name[n++] = (char)tolower((unsigned char)username[i]);
	while (n > 0 && name[n - 1] == ' ')
		n--;
	name[n] = '\0';
	snprintf(tmp, sizeof(tmp), "%s\n%s\n%s", kind, name, addr ? addr : "");
	vault_sha256(tmp, strlen(tmp), out);
}

static int
auth_throttle_wait(const unsigned char key[32])
{
	struct db_rows	 rows;
	struct db_param	 p[1] = { db_bytes(key, 32) };
	int		 wait = 0;

	if (db_query(SQL_THROTTLE_GET, p, 1, &rows) == DB_OK && rows.nrows > 0)
		wait = (int)db_ll(&rows, 0, 0, 1);
	db_rows_free(&rows);
	return wait;
}

int
auth_throttle_check(const char *username, const char *addr)
{
	unsigned char	 k1[32], k2[32];
	int		 w1, w2;

	auth_throttle_key("user", username, addr, k1);
	auth_throttle_key("addr", NULL, addr, k2);
	w1 = auth_throttle_wait(k1);
	w2 = auth_throttle_wait(k2);
	return w1 > w2 ? w1 : w2;
}

static void
auth_throttle_bump(const unsigned char key[32], int max)
{
	struct db_param	 p[5];

	p[0] = db_bytes(key, 32);
	p[1] = db_int(SB_LOGIN_WINDOW_S);
	p[2] = db_int(SB_LOGIN_WINDOW_S);
	p[3] = db_int(max);
	p[4] = db_int(SB_LOGIN_WINDOW_S);
	if (db_exec(SQL_THROTTLE_FAIL, p, 5, NULL, NULL) != DB_OK)
		log_warn("could not record a failed login");
}

void
auth_throttle_fail(const char *username, const char *addr, int max_user, int max_addr)
{
	unsigned char	 k[32];

	auth_throttle_key("user", username, addr, k);
	auth_throttle_bump(k, max_user);
	auth_throttle_key("addr", NULL, addr, k);
	auth_throttle_bump(k, max_addr);
}

void
auth_throttle_reset(const char *username, const char *addr)
{
	unsigned char	 k[32];
	struct db_param	 p[1];

	auth_throttle_key("user", username, addr, k);
	p[0] = db_bytes(k, 32);
	db_exec(SQL_THROTTLE_RESET, p, 1, NULL, NULL);
}

int
auth_key_generate(char *secret, size_t secretsz, unsigned char hash[32], char prefix[AUTH_KEY_VISIBLE + 1])
{
	return auth_secret_generate(AUTH_KEY_PREFIX, secret, secretsz, hash, prefix);
}

int
auth_secret_generate(const char *kind, char *secret, size_t secretsz,
    unsigned char hash[32], char prefix[AUTH_KEY_VISIBLE + 1])
{
	char	 body[64];
	int	 n;

	if (vault_token_b64url(body, sizeof(body), SB_TOKEN_BYTES) == -1)
		return -1;
	n = snprintf(secret, secretsz, "%s%s", kind, body);
	OPENSSL_cleanse(body, sizeof(body));
	if (n < 0 || (size_t)n >= secretsz)
		return -1;
	vault_sha256(secret, strlen(secret), hash);
	snprintf(prefix, AUTH_KEY_VISIBLE + 1, "%s", secret);
	return 0;
}
