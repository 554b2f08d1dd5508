/* chatcache: the chat hot path's request snapshot and its small
 * per-process caches. A gateway key's identity and state (revoked,
 * expired), the user's and the key's limits and the change stamps (stamp.h:
 * the user's and everyone's generation counters, bumped by every write to
 * what the chat path caches) are read by one SELECT (primary-key lookups
 * only) the first time a process sees the key; after that, while the key is
 * warm, one smaller SELECT reads only the two stamps, and the cached
 * identity is used while they are unchanged. Resolution results, decrypted
 * provider keys and the circuits that are not plainly closed are reused the
 * same way. Every entry lives at most CHATCACHE_TTL_S seconds (a key's never
 * past its expiry), so a change made through Switchboard takes effect on the
 * very next request, in every process; one made by hand in the database
 * within CHATCACHE_TTL_S. Optional trust mode ([chat] route_cache_s = N > 0):
 * resolutions, provider keys and closed circuits are reused for N seconds
 * without a check; with also [chat] key_cache_s = M > 0, a key's identity
 * and limits are reused for M seconds unchecked (revocation and new limits
 * then take up to M seconds; expiry still applies on time). */
#ifndef SB_CHATCACHE_H
#define SB_CHATCACHE_H

#include <stddef.h>

#include "catalog.h"
#include "http.h"
#include "quota.h"

#define CHATCACHE_TTL_S		10	/* longest reuse of a cached entry */
#define CHATCACHE_RESOLVED	32	/* cached resolutions per process */
#define CHATCACHE_KEYS		16	/* cached decrypted provider keys */
#define CHATCACHE_FP_MAX	48	/* "user.everyone" stamps */
#define CHATCACHE_CIRCUITS	16	/* circuits not plainly closed, per user */

/* A circuit that is not plainly closed (failures, open, cooling down): its
 * config and a hash of its model ("" = the whole provider). */
struct chatcache_circuit {
	long long		 config_id;
	unsigned long long	 model_hash;
};

/* What the snapshot saw; valid = 0 means "no snapshot, do not cache". */
struct chatcache_snap {
	int	 valid;
	char	 fp[CHATCACHE_FP_MAX];	/* the stamps, "user.everyone" */
	/* circuits_known: circuits[] holds every circuit of the user that is
	 * not plainly closed, so any other is closed without asking. */
	int	 circuits_known;
	int	 ncircuits;
	struct chatcache_circuit circuits[CHATCACHE_CIRCUITS];
};

/* Authenticate r's gateway key and load the caller's limits (into lim) and
 * the stamps in one statement (before the body is read): the stamps alone
 * when the key is warm and unchanged, else the whole snapshot; touches
 * last_used_at at most once a minute. 0 with r->who filled, or -1 with
 * r->err (401 invalid_api_key / key_revoked / key_expired, 503
 * database_unavailable). */
int	chatcache_load(struct req *r, int global_rpm, struct quota_limits *lim,
	    struct chatcache_snap *s);

/* The same for a browser session's user (already authenticated): limits
 * and stamps in one statement. 0, or -1 with e (503, or 401 when the
 * user was deactivated meanwhile). */
int	chatcache_load_user(long long user_id, int global_rpm,
	    struct quota_limits *lim, struct chatcache_snap *s, struct sb_error *e);

/* catalog_resolve, answered from the cache when the snapshot's stamps
 * match (s NULL or not valid: always asks the catalog). */
int	chatcache_resolve(const struct chatcache_snap *s, long long user_id,
	    const char *ref, struct catalog_target *out, size_t max,
	    char *resolved_ref, struct sb_error *e);

/* catalog_config_key, answered from the cache when the user's configs are
 * unchanged. The caller still wipes key after use. */
int	chatcache_config_key(const struct chatcache_snap *s, long long user_id,
	    long long config_id, char *key, size_t keysz, struct sb_error *e);

/* 1 when the snapshot knows both circuits of a target (its model's and its
 * provider's) are plainly closed; 0: ask (circuit.c). */
int	chatcache_circuit_closed(const struct chatcache_snap *s,
	    long long config_id, const char *model);

/* Trust routes for route_s seconds (0 = validate on every request) and,
 * only when route_s > 0, key identities and limits for key_s seconds. */
void	chatcache_configure(int route_s, int key_s);


/* Wipe and free every cached entry (decrypted keys with OPENSSL_cleanse). */
void	chatcache_flush(void);

#endif
