/* spool: usage rows not written when their request ended. Rows the
 * database could not take (it was down or restarting) are kept in files
 * under [usage] spool_dir, with what settling their budget reservation needs,
 * and written later: by the same process's next request, or by `switchboard
 * cron`. Rows a busy process defers (other requests wait for it) go to its
 * batch file and are written together in one INSERT when it is idle or holds
 * USAGE_MAX_ROWS; a process that dies first leaves the file to the next
 * replay. Nothing is lost and nothing is written twice (the request id is
 * unique). */
#ifndef SB_SPOOL_H
#define SB_SPOOL_H

#include <cjson/cJSON.h>

#include "config.h"

struct quota_reservation;	/* quota.h */
struct usage_rec;		/* usage.h, in src/chat */
struct usage_kept;

/* Once per process: the folder ([usage] spool_dir). */
void	spool_configure(const char *dir);
/* Keep row (usage_log's unwritten values) and the reservation to settle
 * at cost. 0, or -1 when the file could not be written (logged). */
int	spool_write(const struct usage_kept *row, const char *request_id,
	    const struct quota_reservation *res, long long cost);
/* Keep the record's row to be written by spool_flush. 0, or -1 when it
 * could not be kept (write it now). */
int	spool_defer(const struct usage_rec *rec);
/* How many deferred rows wait for spool_flush. */
int	spool_deferred(void);
/* Write the deferred rows in one INSERT. 0, or -1 when the database failed
 * (logged; they are then in the spool). */
int	spool_flush(void);
/* At process exit: spool_flush, and remove the (empty) batch file. */
void	spool_fini(void);
/* Whether this process spooled rows not yet replayed. */
int	spool_pending(void);
/* Write every spooled row (of any process, and the batches of dead ones),
 * settle its reservation and drop its in-flight note. The number of rows written, or -1 when the database
 * still fails (the rest stays spooled). */
int	spool_replay(void);
/* `switchboard spool`: spool_replay now (also a job of switchboard cron). */
int	spool_cli(const struct config *cfg, int argc, char **argv);

#endif
