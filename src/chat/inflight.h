/* inflight: the note that keeps a chat request from being lost when its
 * process dies (kill -9, a crash, an OOM kill). A request that goes to an
 * upstream is noted (inflight_begin) with its budget reservation, and the
 * note is dropped after its usage row is written (inflight_end). A note left
 * by a dead process becomes that request's usage row (status error) and its
 * reservation is released (inflight_recover, on every chat process start). */
#ifndef SB_INFLIGHT_H
#define SB_INFLIGHT_H

#include "quota.h"
#include "usage.h"

#define INFLIGHT_MAX_AGE_S	86400	/* any host: a note this old is dead */

/* Note the request (failures are logged; the request goes on). */
void	inflight_begin(const struct usage_rec *rec, const struct quota_reservation *r);
/* Drop the note of request_id. */
void	inflight_end(const char *request_id);
/* How many requests of the user and of the key (0: none) are in flight:
 * notes younger than max_age_s (older ones belong to dead processes, as no
 * request lives that long). 0, or -1 when the database failed. */
int	inflight_count(long long user_id, long long key_id, long max_age_s,
	    long long *by_user, long long *by_key);
/* Turn the notes of dead processes into usage rows and release their
 * reservations. Returns how many were recovered, or -1 (logged). */
int	inflight_recover(void);

#endif
