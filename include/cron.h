/* cron: `switchboard cron`, the one crontab line. Runs each periodic job
 * when it is due (spooled usage rows and roll-ups every run, health probes
 * hourly, model sync and pruning daily), one run at a time across hosts (a
 * job_leases row). */
#ifndef SB_CRON_H
#define SB_CRON_H

#include "config.h"

/* The subcommand; exit status 0, 1 when a job failed, 3 when another run
 * holds the lease. */
int	cron_cli(const struct config *cfg, int argc, char **argv);

#endif
