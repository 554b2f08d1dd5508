/* account: users and their JSON views (see account.h). Passwords are hashed
 * by the vault; nothing here ever sees a stored hash leave the database
 * except for verification in the login handler. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "db.h"
#include "sbconst.h"
#include "vault.h"

static const char SQL_USER_INSERT[] =
    "INSERT INTO users (username, password_hash, role) VALUES (?, ?, ?)";
static const char SQL_USER_ANY[] =
    "SELECT 1 FROM users LIMIT 1";
static const char SQL_USER_GET[] =
    "SELECT id, username, role, is_active, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM users WHERE id = ?";

int
account_username_ok(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n < 1 || n > SB_MAX_USERNAME)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._@-", s[i]))
			return 0;
	return 1;
}

int
account_user_create(const char *username, const char *password, int is_admin,
    int iterations, long long *id, struct sb_error *e)
{
	struct db_param		 p[3];
	char			 hash[160];
	unsigned long long	 newid = 0;
	int			 rc;

	if (!account_username_ok(username)) {
		err_set(e, ERR_VALIDATION, 400, "invalid_username",
		    "A username is 1 to %d letters, digits or . _ @ -.", SB_MAX_USERNAME);
		return -1;
	}
	if (strlen(password) < SB_MIN_PASSWORD || strlen(password) > SB_MAX_PASSWORD) {
		err_set(e, ERR_VALIDATION, 400, "weak_password",
		    "A password must be %d to %d characters long.", SB_MIN_PASSWORD, SB_MAX_PASSWORD);
		return -1;
	}
	if (vault_password_hash(password, iterations, hash, sizeof(hash)) == -1) {
		err_set(e, ERR_INTERNAL, 500, "hash_failed", "Could not hash the password.");
		return -1;
	}
	p[0] = db_str(username);
	p[1] = db_str(hash);
	p[2] = db_str(is_admin ? "admin" : "user");
	rc = db_exec(SQL_USER_INSERT, p, 3, NULL, &newid);
	if (rc == DB_DUPLICATE) {
		err_set(e, ERR_VALIDATION, 409, "conflict", "The username '%s' is taken.", username);
		return -1;
	}
	if (rc != DB_OK) {
		err_db_unavailable(e);
		return -1;
	}
	*id = (long long)newid;
	return 0;
}

int
account_no_users(void)
{
	struct db_rows	 rows;
	int		 rc;

	if (db_query(SQL_USER_ANY, NULL, 0, &rows) != DB_OK)
		rc = -1;
	else
		rc = rows.nrows == 0;
	db_rows_free(&rows);
	return rc;
}

cJSON *
account_user_json(long long id, int full)
{
	struct db_rows	 rows;
	struct db_param	 p[1] = { db_int(id) };
	cJSON		*u = NULL;

	if (db_query(SQL_USER_GET, p, 1, &rows) == DB_OK && rows.nrows == 1 &&
	    (u = cJSON_CreateObject()) != NULL) {
		cJSON_AddNumberToObject(u, "id", (double)db_ll(&rows, 0, 0, 0));
		cJSON_AddStringToObject(u, "username", db_val(&rows, 0, 1));
		cJSON_AddStringToObject(u, "role", db_val(&rows, 0, 2));
		if (full) {
			cJSON_AddBoolToObject(u, "is_active", db_ll(&rows, 0, 3, 0) != 0);
			cJSON_AddStringToObject(u, "created_at", db_val(&rows, 0, 4));
		}
	}
	db_rows_free(&rows);
	return u;
}
