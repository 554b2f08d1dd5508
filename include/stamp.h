/* stamp: the change stamps in route_stamps. Every write to what the chat
 * path caches calls one of these after the write (before its caller
 * answers), so that every process sees the change on its next request: on
 * a host that does not hold the stamps lease a bump first takes it back,
 * which can take up to NODESTAMP_LEASE_S seconds (nodestamp.h). Never
 * inside a transaction. Failures are logged; the caches' age limit
 * (CHATCACHE_TTL_S) bounds how long a missed bump can go unseen. */
#ifndef SB_STAMP_H
#define SB_STAMP_H

/* A change to one user's configs, models, aliases or circuits. 0 or -1. */
int	stamp_user(long long user_id);
/* The same, for the user owning config_id. */
int	stamp_config(long long config_id);
/* A circuit's state (the chat path's own bookkeeping, circuit.c): the same
 * as stamp_config without the wait, so that a failing request elsewhere is
 * not held up; the lease holder honours it within NODESTAMP_LEASE_S. */
int	stamp_circuit(long long config_id);
/* A change that concerns everyone (the catalog, global aliases, prices). */
int	stamp_global(void);

#endif
