/* migrate: the schema migrations, and what the `switchboard` command line shares with
 * subcommands (migrate, user, check here; sync, rotate-key, rollup, prune,
 * health in their own modules). A subcommand returns the exit status. */
#ifndef SB_MIGRATE_H
#define SB_MIGRATE_H

#include "config.h"

struct cli_command {
	const char	*name;
	int		(*run)(const struct config *cfg, int argc, char **argv);
	const char	*usage;
};

/* Apply every sql/NNN_*.sql not yet recorded; prints what it did. */
int	cli_migrate(const struct config *cfg, int argc, char **argv);
/* Highest migration number found in the sql directory (0 if none). */
int	cli_latest_migration(const char *sql_dir);
/* At a program's start ([server] auto_migrate): when the schema is older
 * than the sql directory, apply what is missing, one process at a time (a
 * lock row in schema_migrations; the others wait for it, up to a minute; a
 * lock older than ten minutes is a dead process's). Uploading a new bundle
 * is the whole upgrade. 0 when the schema is current or the database cannot
 * be reached (requests will say so), -1 when a migration failed (logged). */
int	migrate_auto(const struct config *cfg);

#endif
