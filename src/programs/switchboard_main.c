/* switchboard: the command line for operators and cron. Each subcommand is
 * one entry in the table below and a function in the module that owns the
 * work; this file only loads the config and dispatches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "account.h"
#include "catalog.h"
#include "alerts.h"
#include "cron.h"
#include "migrate.h"
#include "prices.h"
#include "db.h"
#include "health.h"
#include "log.h"
#include "nodestamp.h"
#include "rollup.h"
#include "sbconst.h"
#include "spool.h"
#include "stamp.h"
#include "sync.h"
#include "vault.h"

static int	cmd_user(const struct config *, int, char **);
static int	cmd_check(const struct config *, int, char **);
static int	cmd_rotate_key(const struct config *, int, char **);
static int	cmd_stamp(const struct config *, int, char **);

static const struct cli_command commands[] = {
	{ "migrate", cli_migrate, "migrate                      apply pending sql/ migrations" },
	{ "user",    cmd_user,    "user add NAME [--admin]      create a user (password on stdin)" },
	{ "check",   cmd_check,   "check                        validate the config and the database" },
	{ "stamp",   cmd_stamp,   "stamp                        after editing the database by hand: every process drops what it cached" },
	{ "rollup",  rollup_cli,  "rollup [--rebuild[-from D]]  roll the usage log up into hourly totals (cron)" },
	{ "prune",   rollup_prune_cli, "prune [--days N]             delete rolled-up raw usage rows past retention" },
	{ "sync",    sync_cli,    "sync --all                   fetch every active provider config's model list (cron)" },
	{ "rotate-key", cmd_rotate_key, "rotate-key                   re-encrypt stored provider keys and webhook URLs under current_key_id" },
	{ "health",  health_cli,  "health [--probe]             provider states; --probe checks each config (cron)" },
	{ "spool",   spool_cli,   "spool                        write usage rows kept while the database was down (cron)" },
	{ "alerts",  alerts_cli,  "alerts                       make due notifications and deliver them to webhooks (cron)" },
	{ "prices",  prices_cli,  "prices import FILE           load a price list (LiteLLM's JSON or prices.tsv)" },
	{ "cron",    cron_cli,    "cron                         every job that is due (the one crontab line, every 5 minutes)" },
};

static void
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: switchboard COMMAND [ARGS]   (config: $SWITCHBOARD_CONFIG or %s)\n",
	    "var/switchboard.ini");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "  %s\n", commands[i].usage);
}

/* One line from stdin without echo when it is a terminal. */
static int
read_password(char *out, size_t outsz)
{
	struct termios	 old, quiet;
	int		 tty = isatty(STDIN_FILENO), ok;
	size_t		 n;

	if (tty) {
		fprintf(stderr, "Password: ");
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = fgets(out, (int)outsz, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (!ok)
		return -1;
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	return 0;
}

static int
cmd_user(const struct config *cfg, int argc, char **argv)
{
	struct sb_error	 e;
	char		 pass[SB_MAX_PASSWORD + 2];
	long long	 id;
	int		 admin = argc > 3 && strcmp(argv[3], "--admin") == 0, rc;

	if (argc < 3 || strcmp(argv[1], "add") != 0) {
		usage();
		return 2;
	}
	if (read_password(pass, sizeof(pass)) == -1) {
		fprintf(stderr, "user: no password given on stdin\n");
		return 2;
	}
	rc = account_user_create(argv[2], pass, admin, cfg->password_iterations, &id, &e);
	OPENSSL_cleanse(pass, sizeof(pass));
	if (rc == -1) {
		fprintf(stderr, "user: %s\n", e.message);
		return 1;
	}
	printf("created %s %s (id %lld)\n", admin ? "administrator" : "user", argv[2], id);
	return 0;
}

/* Everyone's change stamp (stamp.h): what the chat path cached is read
 * again on the next request, in every process of every node. */
static int
cmd_stamp(const struct config *cfg, int argc, char **argv)
{
	(void)cfg;
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: switchboard stamp\n");
		return 2;
	}
	if (stamp_global() != 0) {
		fprintf(stderr, "stamp: database error: %s\n", db_error());
		return 1;
	}
	return 0;
}

/* Provider keys (catalog), then webhook URLs (alerts). */
static int
cmd_rotate_key(const struct config *cfg, int argc, char **argv)
{
	int	 rc = catalog_rotate_cli(cfg, argc, argv), rotated, failed;

	if (rc == 2 || vault_current_key_id() <= 0)
		return rc;
	if ((failed = alerts_rotate_keys(&rotated)) < 0) {
		fprintf(stderr, "rotate-key: database error: %s\n", db_error());
		return 1;
	}
	printf("rotate-key: %d webhook address(es) re-encrypted, %d failed\n", rotated, failed);
	return rc != 0 || failed ? 1 : 0;
}

static int
cmd_check(const struct config *cfg, int argc, char **argv)
{
	struct db_rows	 rows;
	long long	 have;
	int		 want = cli_latest_migration(cfg->sql_dir), rc = 0;

	(void)argc;
	(void)argv;
	if (!vault_has_key(cfg->current_key_id)) {
		printf("vault: current key %d missing\n", cfg->current_key_id);
		rc = 1;
	}
	if (db_connect() != DB_OK) {
		printf("database: cannot connect: %s\n", db_error());
		return 1;
	}
	if (db_query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, 0, &rows) != DB_OK) {
		printf("database: no schema; run 'switchboard migrate'\n");
		rc = 1;
	} else if ((have = db_ll(&rows, 0, 0, 0)) < want) {
		printf("database: schema at %lld, migrations go to %d; run 'switchboard migrate'\n", have, want);
		rc = 1;
	}
	db_rows_free(&rows);
	if (rc == 0)
		printf("configuration OK\n");
	return rc;
}

int
main(int argc, char **argv)
{
	struct config	 cfg;
	char		 err[256];
	size_t		 i;
	int		 rc = 2;

	log_init("switchboard", LOG_WARN);
	if (argc < 2) {
		usage();
		return 2;
	}
	if (config_load(&cfg, config_path(), err, sizeof(err)) == -1) {
		fprintf(stderr, "configuration: %s\n", err);
		return 1;
	}
	vault_init(&cfg);
	db_configure(&cfg);
	nodestamp_configure(&cfg);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			break;
	if (i < sizeof(commands) / sizeof(commands[0]))
		rc = commands[i].run(&cfg, argc - 1, argv + 1);
	else
		usage();
	db_close();
	curl_global_cleanup();
	vault_shutdown();
	config_free(&cfg);
	return rc;
}
