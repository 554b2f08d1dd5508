/* install: the web installer (install.h). Owns the setup token file and the
 * writing of a new config file; it never touches a config that exists and
 * never answers once one does (the programs leave install mode). The
 * database is reached through db.c with a config built from the form, the
 * schema created by migrate.c, the first administrator by the setup page. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "buf.h"
#include "db.h"
#include "hex.h"
#include "install.h"
#include "json.h"
#include "log.h"
#include "migrate.h"

#define INSTALL_TOKEN_FILE	"setup-token.txt"
#define INSTALL_TOKEN_HEX	32
#define INSTALL_MAX_BODY	(16 * 1024)
#define INSTALL_MAX_PATH	1024
#define INSTALL_MAX_DIR		960	/* a folder, with room for a file name after it */

/* The database a hosting panel gives. */
struct install_db {
	const char	*host;
	const char	*user;
	const char	*password;
	const char	*name;
	long long	 port;
};

static struct config	install_cfg;	/* the candidate config db.c points at */

int
install_pending(const char *path)
{
	struct stat	 st;

	return path != NULL && stat(path, &st) == -1 && errno == ENOENT;
}

/* The folder of path (".", when it has none). */
static void
install_dir(const char *path, char *out, size_t n)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, n, ".");
	else if (slash == path)
		snprintf(out, n, "/");
	else
		snprintf(out, n, "%.*s", (int)(slash - path), path);
}

static void
install_token_path(const char *config_path, char *out, size_t n)
{
	char	 dir[INSTALL_MAX_DIR];

	install_dir(config_path, dir, sizeof(dir));
	snprintf(out, n, "%s/%s", dir, INSTALL_TOKEN_FILE);
}

/* The one-time token in tok (created, mode 0600, on first use). 0, or -1
 * when the folder of the config path cannot be written. */
static int
install_token(const char *config_path, char tok[INSTALL_TOKEN_HEX + 1])
{
	char		 path[INSTALL_MAX_PATH], dir[INSTALL_MAX_DIR];
	unsigned char	 raw[INSTALL_TOKEN_HEX / 2];
	ssize_t		 n;
	int		 fd, tries;

	install_token_path(config_path, path, sizeof(path));
	install_dir(config_path, dir, sizeof(dir));
	(void)mkdir(dir, 0700);
	for (tries = 0; tries < 2; tries++) {
		if ((fd = open(path, O_RDONLY)) >= 0) {
			n = read(fd, tok, INSTALL_TOKEN_HEX);
			close(fd);
			tok[n > 0 ? n : 0] = '\0';
			return n == INSTALL_TOKEN_HEX ? 0 : -1;
		}
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return -1;
		hex_encode(raw, sizeof(raw), tok);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0) {
			n = write(fd, tok, INSTALL_TOKEN_HEX);
			close(fd);
			return n == INSTALL_TOKEN_HEX ? 0 : -1;
		}
		if (errno != EEXIST)
			return -1;	/* EEXIST: another process won: read its token */
	}
	return -1;
}

/* A value that fits on one INI line as it is: printable, no edge spaces. */
static int
install_value_ok(const char *s, size_t max)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > max || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Names a panel gives: letters, digits and _ $ . - (hosts also ':'). */
static int
install_name_ok(const char *s, const char *extra)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_$.-", s[i]) == NULL &&
		    strchr(extra, s[i]) == NULL)
			return 0;
	return 1;
}

/* The token (constant-time) and the database fields of the body. */
static int
install_fields(struct req *r, const char *config_path, struct install_db *d)
{
	const cJSON	*db;
	const char	*tok = NULL;
	char		 want[INSTALL_TOKEN_HEX + 1];
	int		 present;

	if (http_json_body(r, INSTALL_MAX_BODY, 8) != 0 ||
	    json_field_str(r->json, "token", 1, 1, 128, &tok, NULL, &r->err) != 0)
		return -1;
	if (install_token(config_path, want) != 0 || strlen(tok) != INSTALL_TOKEN_HEX ||
	    CRYPTO_memcmp(tok, want, INSTALL_TOKEN_HEX) != 0)
		return http_fail(r, ERR_AUTH, 403, "bad_setup_token",
		    "That is not the setup token. Open the file %s with your file "
		    "manager (or FTP) and copy the 32 characters in it.", INSTALL_TOKEN_FILE);
	db = cJSON_GetObjectItemCaseSensitive(r->json, "database");
	memset(d, 0, sizeof(*d));
	d->port = 3306;
	if (!cJSON_IsObject(db))
		return http_fail(r, ERR_VALIDATION, 400, "missing_field",
		    "'database' must be an object {host, port, name, user, password}.");
	if (json_field_str(db, "host", 1, 1, 255, &d->host, NULL, &r->err) != 0 ||
	    json_field_str(db, "name", 1, 1, 64, &d->name, NULL, &r->err) != 0 ||
	    json_field_str(db, "user", 1, 1, 80, &d->user, NULL, &r->err) != 0 ||
	    json_field_str(db, "password", 1, 0, 256, &d->password, NULL, &r->err) != 0 ||
	    json_field_int(db, "port", 0, 1, 65535, &d->port, &present, &r->err) != 0)
		return -1;
	if (!install_name_ok(d->host, ":") || !install_name_ok(d->name, "") ||
	    !install_name_ok(d->user, ""))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_value",
		    "Host, database and user names are letters, digits and _ $ . - "
		    "as your hosting panel shows them.");
	if (d->password[0] != '\0' && !install_value_ok(d->password, 256))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_value",
		    "The password cannot start or end with a space or hold "
		    "control characters.");
	return 0;
}

/* sql/ of this install: beside the folder of the running program
 * (SCRIPT_FILENAME), else beside the working folder. */
static int
install_sql_dir(const struct req *r, char *out, size_t n)
{
	const char	*script = http_param(r, "SCRIPT_FILENAME");
	char		 dir[INSTALL_MAX_PATH], up[INSTALL_MAX_DIR], probe[INSTALL_MAX_PATH + 64];

	if (script != NULL && script[0] == '/') {
		install_dir(script, dir, sizeof(dir));
		install_dir(dir, up, sizeof(up));
	} else if (getcwd(dir, sizeof(dir)) != NULL)
		install_dir(dir, up, sizeof(up));
	else
		return -1;
	snprintf(out, n, "%s/sql", up);
	snprintf(probe, sizeof(probe), "%s/001_create_schema_migrations.sql", out);
	return access(probe, R_OK) == 0 ? 0 : -1;
}

static int
install_config_text(const struct install_db *d, const char *key_hex,
    const char *sql_dir, struct buf *out)
{
	char	 when[32];
	time_t	 now = time(NULL);

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	return buf_printf(out, "; Written by the Switchboard installer, %s.\n"
	    "; Keep this file private: it holds the master key of the stored\n"
	    "; provider keys (losing it loses them). conf/switchboard.ini.example\n"
	    "; lists every other setting.\n"
	    "[database]\nhost = %s\nport = %lld\nuser = %s\npassword = %s\nname = %s\n\n"
	    "[vault]\ncurrent_key_id = 1\nkey_1 = %s\n\n"
	    "[server]\nsql_dir = %s\nsecure_cookies = auto\n",
	    when, d->host, d->port, d->user, d->password, d->name, key_hex,
	    sql_dir) == BUF_OK ? 0 : -1;
}

/* A clear message for a failed connection. */
static int
install_db_failed(struct req *r, const struct install_db *d)
{
	switch (db_errno()) {
	case 1045:
		return http_fail(r, ERR_VALIDATION, 400, "db_access_denied",
		    "The database refused user '%s' with that password; check "
		    "both in your hosting panel.", d->user);
	case 1044:
		return http_fail(r, ERR_VALIDATION, 400, "db_no_privileges",
		    "User '%s' may not use database '%s'; give it all privileges "
		    "on that database in your hosting panel.", d->user, d->name);
	case 1049:
		return http_fail(r, ERR_VALIDATION, 400, "db_unknown_database",
		    "There is no database '%s' on that server; create it in your "
		    "hosting panel first.", d->name);
	case 2002: case 2003: case 2005: case 2006: case 2013:
		return http_fail(r, ERR_VALIDATION, 400, "db_unreachable",
		    "No database server answers at %s port %lld; check the host "
		    "name your hosting panel shows (often localhost).", d->host, d->port);
	default:
		return http_fail(r, ERR_VALIDATION, 400, "db_error",
		    "The database said: %s", db_error());
	}
}

/* Connect with the candidate config (text), and check the user may create
 * tables and the database holds no other install. */
static int
install_connect(struct req *r, const struct install_db *d, const char *text)
{
	char		 err[256];
	struct db_rows	 rows;
	long long	 users = 0;

	db_close();
	config_free(&install_cfg);
	if (config_parse(&install_cfg, text, err, sizeof(err)) != 0)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_value", "%s", err);
	db_configure(&install_cfg);
	if (db_connect() != DB_OK)
		return install_db_failed(r, d);
	if (db_run_script("CREATE TABLE sb_install_probe (id INT PRIMARY KEY) ENGINE=InnoDB;"
	    " DROP TABLE sb_install_probe") != DB_OK)
		return http_fail(r, ERR_VALIDATION, 400, "db_no_privileges",
		    "User '%s' cannot create tables in '%s' (%s); give it all "
		    "privileges on that database.", d->user, d->name, db_error());
	if (db_query("SELECT COUNT(*) FROM users", NULL, 0, &rows) == DB_OK)
		users = db_ll(&rows, 0, 0, 0);
	db_rows_free(&rows);
	if (users > 0)
		return http_fail(r, ERR_VALIDATION, 409, "already_installed_here",
		    "Database '%s' already holds a Switchboard install with users: "
		    "put its config file (with its master key) back instead, or "
		    "use an empty database.", d->name);
	return 0;
}

/* Write text to path, only if path does not exist yet (mode 0600). */
static int
install_write(struct req *r, const char *path, const char *text)
{
	char	 tmp[INSTALL_MAX_PATH + 16];
	size_t	 n = strlen(text);
	int	 fd, rc;

	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return http_fail(r, ERR_INTERNAL, 500, "config_not_writable",
		    "Cannot write %s (%s); make its folder writable, or create the "
		    "file yourself from conf/switchboard.ini.example.", path, strerror(errno));
	rc = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0 ? 0 : -1;
	close(fd);
	if (rc == 0 && link(tmp, path) != 0)
		rc = errno == EEXIST ? 1 : -1;
	unlink(tmp);
	if (rc == 1)
		return http_fail(r, ERR_VALIDATION, 409, "already_installed",
		    "Switchboard was installed meanwhile; reload the page.");
	if (rc != 0)
		return http_fail(r, ERR_INTERNAL, 500, "config_not_writable",
		    "Cannot write %s; make its folder writable.", path);
	return 0;
}

static int
install_status(struct req *r, const char *config_path)
{
	char	 tok[INSTALL_TOKEN_HEX + 1], tpath[INSTALL_MAX_PATH], sql[INSTALL_MAX_PATH];
	cJSON	*o = cJSON_CreateObject();

	install_token_path(config_path, tpath, sizeof(tpath));
	cJSON_AddFalseToObject(o, "installed");
	cJSON_AddStringToObject(o, "config_path", config_path);
	cJSON_AddStringToObject(o, "token_file", tpath);
	cJSON_AddBoolToObject(o, "token_ready", install_token(config_path, tok) == 0);
	cJSON_AddBoolToObject(o, "sql_found", install_sql_dir(r, sql, sizeof(sql)) == 0);
	OPENSSL_cleanse(tok, sizeof(tok));
	http_send_json(r, 200, o);
	cJSON_Delete(o);
	return 0;
}

/* POST /api/install/check (write 0) and POST /api/install (write 1). */
static int
install_run(struct req *r, const char *config_path, int write)
{
	struct install_db	 d;
	struct buf		 text;
	unsigned char		 key[32];
	char			 key_hex[65], sql[INSTALL_MAX_PATH], tpath[INSTALL_MAX_PATH];
	cJSON			*o;
	int			 rc = -1;

	buf_init(&text, 8192);
	if (install_fields(r, config_path, &d) != 0)
		goto out;
	if (install_sql_dir(r, sql, sizeof(sql)) != 0) {
		http_fail(r, ERR_INTERNAL, 500, "sql_missing", "The sql/ folder is "
		    "not beside cgi-bin/; upload the whole bundle.");
		goto out;
	}
	if (RAND_bytes(key, sizeof(key)) != 1) {
		http_fail(r, ERR_INTERNAL, 500, "random_failed", "No random numbers.");
		goto out;
	}
	hex_encode(key, sizeof(key), key_hex);
	if (install_config_text(&d, key_hex, sql, &text) != 0 ||
	    install_connect(r, &d, text.data) != 0)
		goto out;
	if (write) {
		if (migrate_auto(&install_cfg) != 0) {
			http_fail(r, ERR_INTERNAL, 500, "migration_failed", "Creating "
			    "the tables failed: %s", db_error());
			goto out;
		}
		if (install_write(r, config_path, text.data) != 0)
			goto out;
		install_token_path(config_path, tpath, sizeof(tpath));
		unlink(tpath);
		log_info("installed: config written to %s", config_path);
	}
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "installed", write);
	cJSON_AddStringToObject(o, "message", write ? "Installed: the tables are "
	    "created and the config file is written. Now create the administrator." :
	    "The database answers and the user can create tables.");
	if (write)
		cJSON_AddStringToObject(o, "next", "setup.html");
	http_send_json(r, write ? 201 : 200, o);
	cJSON_Delete(o);
	rc = 0;
out:
	db_close();
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(key_hex, sizeof(key_hex));
	if (text.data)
		OPENSSL_cleanse(text.data, text.len);
	buf_free(&text);
	return rc;
}

int
install_handle(struct req *r, const char *config_path, int installer)
{
	if (installer && strcmp(r->path, "/api/install") == 0 &&
	    strcmp(r->method, "GET") == 0)
		return install_status(r, config_path);
	if (installer && strcmp(r->path, "/api/install/check") == 0 &&
	    strcmp(r->method, "POST") == 0)
		return install_run(r, config_path, 0);
	if (installer && strcmp(r->path, "/api/install") == 0 &&
	    strcmp(r->method, "POST") == 0)
		return install_run(r, config_path, 1);
	http_add_header(r, "Retry-After: 60");
	return http_fail(r, ERR_INTERNAL, 503, "not_installed",
	    "Switchboard is not installed yet: open install.html on this site.");
}
