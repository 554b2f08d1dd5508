/* auth: who is calling. Browser sessions (random 256-bit cookie token, only
 * its SHA-256 stored, CSRF token per session), gateway keys (sk-sb-…, only
 * the SHA-256 stored, visible prefix), and login throttling. Fills
 * req->who; refusals are categorized errors on the request. */
#ifndef SB_AUTH_H
#define SB_AUTH_H

#include "db.h"
#include "http.h"

#define AUTH_COOKIE		"sb_session"
#define AUTH_KEY_PREFIX		"sk-sb-"
#define AUTH_KEY_VISIBLE	10	/* characters of the secret shown as its prefix */
#define AUTH_TOKEN_PREFIX	"sb-adm-"	/* admin API tokens */

/* Returns 0 with r->who filled, 1 when there is no (valid) session, -1 on a
 * database error (r->err set). */
int	auth_from_session(struct req *r);
/* Bearer / x-api-key gateway key: 0 with r->who filled, 1 when no key was
 * sent, -1 when a key was sent but refused (r->err set: 401). */
int	auth_from_key(struct req *r);
/* The gateway key sent as "Authorization: Bearer …" or "x-api-key", or NULL. */
const char *auth_key_header(const struct req *r);
/* SHA-256 of a presented key; 0, or -1 with r->err (401) if it is not a
 * Switchboard key. */
int	auth_key_hash(struct req *r, const char *key, unsigned char hash[32]);
/* Check a key lookup's row — columns 0..6: key id, user id, username, role,
 * allowed_models, revoked?, expired? — and fill r->who. 0, or -1 with r->err
 * (401 unknown/revoked/expired). Every key lookup goes through here. */
int	auth_key_row(struct req *r, const struct db_rows *rows);
/* A key's row by the hash of its secret: the current secret (sql), else a
 * previous secret still inside its rotation overlap (sql_prev, whose WHERE
 * uses AUTH_KEY_PREV_MATCH). DB_* status; rows freed by the caller. */
#define AUTH_KEY_PREV_MATCH	"k.prev_key_hash = ? AND k.prev_expires_at > NOW(6)"
int	auth_key_query(const char *sql, const char *sql_prev, const struct db_param *hash,
	    struct db_rows *rows);
/* Admin API token (Authorization: Bearer sb-adm-…): 0 with r->who filled
 * (the admin who made it, via AUTH_VIA_TOKEN, its scopes), 1 when none was
 * sent, -1 refused (401 unknown/revoked, or its admin is no longer one). */
int	auth_from_token(struct req *r);
/* The scope a token needs for method + path on the management API
 * ("reports", "keys", "providers", "users"), or NULL: no token may. */
const char *auth_token_scope(const char *method, const char *path);
/* A new secret: kind ("sk-sb-" or "sb-adm-") + 32 random bytes base64url;
 * its SHA-256 and its first AUTH_KEY_VISIBLE characters. 0, or -1. */
int	auth_secret_generate(const char *kind, char *secret, size_t secretsz,
	    unsigned char hash[32], char prefix[AUTH_KEY_VISIBLE + 1]);
/* 1 when the X-CSRF-Token header matches the session's token. */
int	auth_csrf_ok(const struct req *r);

/* Create a session for user_id, queue its Set-Cookie and fill r->who.
 * secure: 1 adds the Secure attribute. */
int	auth_session_create(struct req *r, long long user_id, long ttl, int secure);
/* Delete the caller's session and queue an expired cookie. */
int	auth_session_destroy(struct req *r, int secure);
/* Delete every session of a user (password change, disable). */
int	auth_sessions_drop_user(long long user_id);

/* Login throttling. auth_throttle_check returns 0 when a try is allowed, or
 * the seconds to wait. fail/reset record the outcome. */
int	auth_throttle_check(const char *username, const char *addr);
void	auth_throttle_fail(const char *username, const char *addr, int max_user, int max_addr);
void	auth_throttle_reset(const char *username, const char *addr);

/* New gateway key secret "sk-sb-<43 chars>", its hash and visible prefix. */
int	auth_key_generate(char *secret, size_t secretsz, unsigned char hash[32],
	    char prefix[AUTH_KEY_VISIBLE + 1]);

#endif
