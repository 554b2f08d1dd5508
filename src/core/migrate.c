/* migrate: applies sql/NNN_verb_object.sql files in numeric order, each
 * recorded in schema_migrations. Files are append-only; DDL commits
 * implicitly in MariaDB, so every file holds one schema change. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "migrate.h"
#include "db.h"

#define MIGRATE_MAX_FILES	512
#define MIGRATE_MAX_SIZE	(4 * 1024 * 1024)

static const char SQL_APPLIED[] =
    "SELECT 1 FROM schema_migrations WHERE version = ?";
static const char SQL_RECORD[] =
    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)";

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

static int
apply_one(const char *dir, const char *name)
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
	printf("applied %s\n", name);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

int
cli_migrate(const struct config *cfg, int argc, char **argv)
{
	char	*names[MIGRATE_MAX_FILES];
	int	 n, i, applied, done = 0, rc = 0;

	(void)argc;
	(void)argv;
	if ((n = list_migrations(cfg->sql_dir, names, MIGRATE_MAX_FILES)) < 0) {
		fprintf(stderr, "migrate: cannot read %s: %s\n", cfg->sql_dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			/* 001 creates schema_migrations itself (idempotently). */
			applied = migration_number(names[i]) == 1 ? 0 : is_applied(migration_number(names[i]));
			if (applied == -1)
				rc = 1;
			else if (!applied && (migration_number(names[i]) != 1 || is_applied(1) != 1)) {
				if (apply_one(cfg->sql_dir, names[i]) == -1)
					rc = 1;
				else
					done++;
			}
		}
		free(names[i]);
	}
	if (rc == 0)
		printf("migrate: %d applied, schema at %d\n", done, cli_latest_migration(cfg->sql_dir));
	return rc;
}
