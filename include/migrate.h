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

#endif
