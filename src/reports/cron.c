/* cron: `switchboard cron` (cron.h). Owns the cron_runs table and the 'cron'
 * lease; the jobs themselves are the other subcommands, run in-process. A
 * job that fails is not marked done, so the next run tries it again. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alerts.h"
#include "cron.h"
#include "db.h"
#include "health.h"
#include "lease.h"
#include "rollup.h"
#include "spool.h"
#include "sync.h"

#define CRON_LEASE_S	1800	/* a run that dies frees the lease after this */

static const char SQL_DUE[] =
    "SELECT COUNT(*) FROM cron_runs WHERE job = ? AND last_run > NOW(6) - INTERVAL ? SECOND";
static const char SQL_DONE[] =
    "INSERT INTO cron_runs (job, last_run) VALUES (?, NOW(6))"
    " ON DUPLICATE KEY UPDATE last_run = NOW(6)";

struct cron_job {
	const char	*name;
	int		 every_s;	/* 0: every run */
	int		(*run)(const struct config *, int, char **);
	const char	*args[3];
};

static const struct cron_job cron_jobs[] = {
	{ "spool", 0, spool_cli, { "spool", NULL, NULL } },
	{ "rollup", 0, rollup_cli, { "rollup", NULL, NULL } },
	{ "alerts", 0, alerts_cli, { "alerts", NULL, NULL } },
	{ "health", 3600, health_cli, { "health", "--probe", NULL } },
	{ "sync", 86400, sync_cli, { "sync", "--all", NULL } },
	{ "prune", 86400, rollup_prune_cli, { "prune", NULL, NULL } },
};

/* 1 due, 0 not yet, -1 database failure. */
static int
cron_due(const struct cron_job *j)
{
	struct db_param	 p[2] = { db_str(j->name), db_int(j->every_s) };
	struct db_rows	 rows;
	int		 rc = -1;

	if (j->every_s == 0)
		return 1;
	if (db_query(SQL_DUE, p, 2, &rows) == DB_OK)
		rc = db_ll(&rows, 0, 0, 0) == 0;
	db_rows_free(&rows);
	return rc;
}

static int
cron_run_job(const struct config *cfg, const struct cron_job *j)
{
	char		*argv[3];
	struct db_param	 p = db_str(j->name);
	int		 argc = 0, rc;

	while (argc < 2 && j->args[argc] != NULL) {
		argv[argc] = (char *)j->args[argc];
		argc++;
	}
	argv[argc] = NULL;
	printf("cron: %s\n", j->name);
	fflush(stdout);
	if ((rc = j->run(cfg, argc, argv)) != 0) {
		fprintf(stderr, "cron: %s failed (exit %d); it runs again next time\n",
		    j->name, rc);
		return -1;
	}
	return db_exec(SQL_DONE, &p, 1, NULL, NULL) == DB_OK ? 0 : -1;
}

int
cron_cli(const struct config *cfg, int argc, char **argv)
{
	char			 holder[33];
	size_t			 i;
	int			 due, got, failed = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: switchboard cron   (from crontab, every 5 minutes)\n");
		return 2;
	}
	if (db_connect() != DB_OK) {
		fprintf(stderr, "cron: database unavailable: %s\n", db_error());
		return 1;
	}
	snprintf(holder, sizeof(holder), "cron-%ld", (long)getpid());
	if ((got = lease_take("cron", holder, CRON_LEASE_S)) < 0) {
		fprintf(stderr, "cron: database error: %s\n", db_error());
		return 1;
	}
	if (got == 0) {
		printf("cron: another run holds the lease; nothing done\n");
		return 3;
	}
	for (i = 0; i < sizeof(cron_jobs) / sizeof(cron_jobs[0]); i++) {
		if ((due = cron_due(&cron_jobs[i])) < 0 ||
		    (due && cron_run_job(cfg, &cron_jobs[i]) != 0))
			failed++;
	}
	lease_free("cron", holder);
	printf("cron: done%s\n", failed ? " (with failures)" : "");
	return failed ? 1 : 0;
}
