/* sync: model discovery.  Fetches a provider's model list over libcurl
 * (base_url checked by netcheck and the connection pinned to the checked
 * address, no redirects, size cap, timeouts, pagination), parses it with
 * modellist, diffs it against aggregator_models (insert new, update changed,
 * mark vanished unavailable, never delete) and records the run in
 * sync_runs.  `switchboard sync --all` syncs every active config under a
 * database lease so two runs never overlap. */
#ifndef SB_SYNC_H
#define SB_SYNC_H

#include "catalog.h"
#include "config.h"
#include "error.h"
#include "modellist.h"

#define SYNC_MAX_PAGES		100
#define SYNC_LEASE_S		300	/* sync --all lease, renewed after every config */
#define SYNC_LEASE		"sync_all"	/* its name in job_leases */

enum sync_trigger { SYNC_TRIGGER_API = 0, SYNC_TRIGGER_CRON, SYNC_TRIGGER_CREATE, SYNC_TRIGGER__MAX };

struct sync_result {
	int	 added;
	int	 updated;
	int	 removed;
	int	 total;
};

/* What a fetch saw, also on failure (for the test endpoint). */
struct sync_probe {
	long	 latency_ms;
	int	 http_status;	/* last upstream HTTP status, 0 if none */
};

/* Take settings from the config: allow_private_endpoints, connect timeout,
 * [sync] timeout_ms. Call once per process (the CLI and providers.fcgi). */
void	sync_configure(const struct config *cfg);
/* Check c->base_url with netcheck (400 validation "base_url_refused"). */
int	sync_check_base_url(const char *base_url, struct sb_error *e);

/* Fetch and parse the full model list (all pages) of config c with api_key
 * into out (finished: sorted, de-duplicated, table-filled unless custom).
 * 0, or -1 with e filled in our categories: auth (key refused), network,
 * timeout, rate_limit, upstream (HTTP error, malformed, too large),
 * validation (base_url refused). */
int	sync_fetch(const struct catalog_config *c, const char *api_key, struct model_list *out,
	    struct sync_probe *probe, struct sb_error *e);

/* Sync one config of user_id: fetch, diff, store, record. 0 with *res, or -1
 * with e (the run is recorded as an error and the config's status set). */
int	sync_config(long long user_id, long long config_id, enum sync_trigger trigger,
	    struct sync_result *res, struct sb_error *e);

/* Store an already fetched (finished) list for a config of user_id, exactly
 * as sync_config does after its fetch (diff, run record, status). */
int	sync_store(long long user_id, long long config_id, enum sync_trigger trigger,
	    const struct model_list *l, struct sync_result *res, struct sb_error *e);

/* `switchboard sync --all`: exit 0 all synced, 1 some failed, 3 another run
 * holds the lease. */
int	sync_cli(const struct config *cfg, int argc, char **argv);

#endif
