/* inflight: the note that keeps a chat request from being lost when its
 * process dies (kill -9, a crash, an OOM kill). A request that goes to an
 * upstream is noted (inflight_begin) with its budget reservation, and the
 * note is dropped after its usage row is written (inflight_end). The note is
 * a file of this process in the spool folder, or, when a concurrency cap
 * must count it across processes and nodes (or the file cannot be written),
 * an inflight_requests row. A note left by a dead process becomes that
 * request's usage row (status error) and its reservation is released
 * (inflight_recover, on every chat process start: file notes of this host,
 * rows of this host and rows older than any request lives). */
#ifndef SB_INFLIGHT_H
#define SB_INFLIGHT_H

#include "quota.h"
#include "usage.h"

#define INFLIGHT_MAX_AGE_S	86400	/* any host: a note this old is dead */

/* Once per process: the folder for note files ([usage] spool_dir). */
void	inflight_configure(const char *spool_dir);
/* Note the request; shared: in the table, where inflight_count sees it.
 * Failures are logged; the request goes on. */
void	inflight_begin(const struct usage_rec *rec, const struct quota_reservation *r,
	    int shared);
/* Drop the note of request_id. */
void	inflight_end(const char *request_id);
/* request_id's row is in the spool, which settles it and drops a table note
 * when it is replayed: a file note goes now. */
void	inflight_spooled(const char *request_id);
/* At process exit: remove this process's (empty) note file. */
void	inflight_fini(void);
/* How many requests of the user and of the key (0: none) are in flight:
 * notes younger than max_age_s (older ones belong to dead processes, as no
 * request lives that long). 0, or -1 when the database failed. */
int	inflight_count(long long user_id, long long key_id, long max_age_s,
	    long long *by_user, long long *by_key);
/* Turn the notes of dead processes into usage rows and release their
 * reservations. Returns how many were recovered, or -1 (logged). */
int	inflight_recover(void);

#endif
