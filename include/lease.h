/* lease: named leases in job_leases, so that a periodic job runs once at a
 * time across processes and hosts (no GET_LOCK: right on Galera too). A
 * lease is taken with one conditional UPDATE (free or expired), renewed
 * while working and freed at the end; a holder that dies lets it expire. */
#ifndef SB_LEASE_H
#define SB_LEASE_H

/* 1 taken, 0 held by another, -1 database error. The row is created on
 * first use. */
int	lease_take(const char *name, const char *holder, int seconds);
/* 0 still ours (extended by seconds), -1 lost or database error. */
int	lease_renew(const char *name, const char *holder, int seconds);
void	lease_free(const char *name, const char *holder);

#endif
