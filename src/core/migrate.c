/* migrate: applies sql/NNN_verb_object.sql files in numeric order, each
 * recorded in schema_migrations. Files are append-only; DDL commits
 * implicitly in MariaDB, so every file holds one schema change. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "buf.h"
#include "migrate.h"
#include "db.h"
#include "log.h"
#include "price.h"

#define MIGRATE_MAX_FILES	512
#define MIGRATE_MAX_SIZE	(4 * 1024 * 1024)

static const char SQL_APPLIED[] =
    "SELECT 1 FROM schema_migrations WHERE version = ?";
static const char SQL_RECORD[] =
    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)";
static const char SQL_VERSION[] =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
/* The shipped price table seeds model_prices: rows it lacks are added, a
 * row already there (imported, or seeded before) is left alone. */
static const char SQL_SEED_PRICE[] =
    "INSERT IGNORE INTO model_prices (model_key, input_price, output_price,"
    " cache_read_price, cache_write_price, context_window, max_output, capabilities, source)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'seed')";
/* The migration lock: row 0, taken by inserting it; a dead holder's
 * expires. */
static const char SQL_LOCK_STALE[] =
    "DELETE FROM schema_migrations WHERE version = 0"
    " AND applied_at < NOW(6) - INTERVAL 600 SECOND";
static const char SQL_LOCK[] =
    "INSERT INTO schema_migrations (version, name) VALUES (0, 'lock')";
static const char SQL_UNLOCK[] =
    "DELETE FROM schema_migrations WHERE version = 0";

#define MIGRATE_WAIT_TRIES	600	/* × 100 ms: another process migrating */

static int
migration_number(const char *name)
{
	int	 n = 0, i;

	for (i = 0; i < 3; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		n = n * 10 + (name[i] - '0');
	}
	if (name[3] != '_' || strlen(name) < 9 || strcmp(name + strlen(name) - 4, ".sql") != 0)
		return -1;
	return n;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The migration file names in order; returns the count or -1. */
static int
list_migrations(const char *dir, char **names, int max)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && n < max)
		if (migration_number(de->d_name) >= 0)
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(char *), cmp_names);
	return n;
}

int
cli_latest_migration(const char *sql_dir)
{
	char	*names[MIGRATE_MAX_FILES];
	int	 n, i, latest = 0;

	if ((n = list_migrations(sql_dir, names, MIGRATE_MAX_FILES)) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (migration_number(names[i]) > latest)
			latest = migration_number(names[i]);
		free(names[i]);
	}
	return latest;
}

static int
read_file(const char *path, struct buf *b)
{
	char	 chunk[8192];
	size_t	 n;
	FILE	*f;
	int	 rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) != BUF_OK) {
			rc = -1;
			break;
		}
	fclose(f);
	return rc;
}

static int
is_applied(int version)
{
	struct db_rows	 rows;
	struct db_param	 p[1] = { db_int(version) };
	int		 applied;

	if (db_query(SQL_APPLIED, p, 1, &rows) != DB_OK)
		applied = -1;
	else
		applied = rows.nrows > 0;
	db_rows_free(&rows);
	return applied;
}

/* Apply one file and record it; "applied NAME" goes to out. */
static int
apply_one(const char *dir, const char *name, FILE *out)
{
	struct buf	 b;
	struct db_param	 p[2];
	char		 path[1024];
	int		 version = migration_number(name), rc = -1;

	buf_init(&b, MIGRATE_MAX_SIZE);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(path, &b) == -1 || b.len == 0) {
		fprintf(stderr, "migrate: cannot read %s\n", path);
		goto out;
	}
	if (db_run_script(b.data) != DB_OK) {
		fprintf(stderr, "migrate: %s failed: %s\n", name, db_error());
		goto out;
	}
	p[0] = db_int(version);
	p[1] = db_str(name);
	if (db_exec(SQL_RECORD, p, 2, NULL, NULL) != DB_OK && version != 1) {
		fprintf(stderr, "migrate: cannot record %s: %s\n", name, db_error());
		goto out;
	}
	fprintf(out, "applied %s\n", name);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

/* Apply every migration not yet recorded; returns how many, or -1. */
static int
migrate_run(const char *dir, FILE *out)
{
	char	*names[MIGRATE_MAX_FILES];
	int	 n, i, applied, done = 0, rc = 0;

	if ((n = list_migrations(dir, names, MIGRATE_MAX_FILES)) < 0) {
		fprintf(stderr, "migrate: cannot read %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			/* 001 creates schema_migrations itself (idempotently). */
			applied = migration_number(names[i]) == 1 ? 0 : is_applied(migration_number(names[i]));
			if (applied == -1)
				rc = 1;
			else if (!applied && (migration_number(names[i]) != 1 || is_applied(1) != 1)) {
				if (apply_one(dir, names[i], out) == -1)
					rc = 1;
				else
					done++;
			}
		}
		free(names[i]);
	}
	return rc == 0 ? done : -1;
}

/* The first migration (it creates schema_migrations, idempotently), run
 * before the lock row can exist; recorded by migrate_run. */
static int
migrate_bootstrap(const char *dir)
{
	char	*names[MIGRATE_MAX_FILES];
	struct buf b;
	char	 path[1024];
	int	 n, i, rc = -1;

	if ((n = list_migrations(dir, names, MIGRATE_MAX_FILES)) < 0)
		return -1;
	buf_init(&b, MIGRATE_MAX_SIZE);
	for (i = 0; i < n; i++) {
		if (rc == -1 && migration_number(names[i]) == 1) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			rc = read_file(path, &b) == 0 && b.len > 0 &&
			    db_run_script(b.data) == DB_OK ? 0 : -1;
		}
		free(names[i]);
	}
	buf_free(&b);
	return rc;
}

/* Take the migration lock: 0 taken, 1 another process holds it, -1 error. */
static int
migrate_lock(void)
{
	int	 rc;

	(void)db_exec(SQL_LOCK_STALE, NULL, 0, NULL, NULL);
	rc = db_exec(SQL_LOCK, NULL, 0, NULL, NULL);
	return rc == DB_OK ? 0 : rc == DB_DUPLICATE ? 1 : -1;
}

/* The schema's version (0: none yet), or -1 when the database failed. */
static long long
migrate_version(void)
{
	struct db_rows	 rows;
	long long	 v = -1;

	if (db_query(SQL_VERSION, NULL, 0, &rows) == DB_OK)
		v = db_ll(&rows, 0, 0, 0);
	else if (db_errno() == 1146)	/* no schema_migrations: an empty database */
		v = 0;
	db_rows_free(&rows);
	return v;
}

static struct db_param
migrate_price(int64_t v)
{
	return v < 0 ? db_null() : db_int(v);
}

/* Add the shipped table's rows model_prices lacks; 0 (also when the schema
 * is older than model_prices: an sql/ directory of an earlier release), or -1. */
static int
migrate_seed_prices(void)
{
	struct price_entry	*rows;
	size_t			 n, i;
	int			 rc = 0;

	if (price_shipped(&rows, &n) != 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		const struct price_entry *e = &rows[i];
		struct db_param p[] = {
			db_str(e->model), migrate_price(e->input), migrate_price(e->output),
			migrate_price(e->cache_read), migrate_price(e->cache_write),
			db_int(e->context_window), db_int(e->max_output), db_str(e->caps),
		};

		if (db_exec(SQL_SEED_PRICE, p, 8, NULL, NULL) != DB_OK)
			rc = db_errno() == 1146 ? 1 : -1;	/* 1146: no such table */
	}
	free(rows);
	return rc < 0 ? -1 : 0;
}

/* Run the migrations under the lock (waiting for another holder). */
static int
migrate_locked(const char *dir, FILE *out)
{
	int	 tries, rc;

	if (migrate_bootstrap(dir) != 0)
		return -1;
	for (tries = 0; tries < MIGRATE_WAIT_TRIES; tries++) {
		if ((rc = migrate_lock()) < 0)
			return -1;
		if (rc == 0) {
			rc = migrate_run(dir, out);
			if (rc >= 0 && migrate_seed_prices() != 0) {
				fprintf(out, "migrate: seeding model_prices failed: %s\n", db_error());
				rc = -1;
			}
			(void)db_exec(SQL_UNLOCK, NULL, 0, NULL, NULL);
			return rc;
		}
		usleep(100000);
	}
	fprintf(stderr, "migrate: another process has been migrating for a minute\n");
	return -1;
}

int
migrate_auto(const struct config *cfg)
{
	int		 latest = cli_latest_migration(cfg->sql_dir), n;
	long long	 have;

	if (!cfg->auto_migrate || latest == 0)
		return 0;
	if (db_connect() != DB_OK || (have = migrate_version()) < 0) {
		log_warn("schema check skipped: the database is unavailable");
		return 0;
	}
	if (have >= latest)
		return 0;
	log_info("schema at %lld, sql/ at %d: migrating", have, latest);
	if ((n = migrate_locked(cfg->sql_dir, stderr)) < 0) {
		log_err("migration failed; the schema stays at %lld", migrate_version());
		return -1;
	}
	log_info("schema migrated: %d applied", n);
	return 0;
}

int
cli_migrate(const struct config *cfg, int argc, char **argv)
{
	int	 n;

	(void)argc;
	(void)argv;
	if (db_connect() != DB_OK) {
		fprintf(stderr, "migrate: database unavailable: %s\n", db_error());
		return 1;
	}
	if ((n = migrate_locked(cfg->sql_dir, stdout)) < 0)
		return 1;
	printf("migrate: %d applied, schema at %d\n", n, cli_latest_migration(cfg->sql_dir));
	return 0;
}
