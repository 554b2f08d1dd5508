/* route: the routing decisions of the chat path that are not model lookup
 * (catalog_resolve does that): which API format a config speaks, whether a
 * gateway key may use a model, the circuit breaker per provider config
 * (state in the database, shared by every process and node), and retry
 * backoff with jitter honouring Retry-After. */
#ifndef SB_ROUTE_H
#define SB_ROUTE_H

#include "adapter.h"
#include "catalog.h"

#define ROUTE_BACKOFF_BASE_MS	250
#define ROUTE_BACKOFF_MAX_MS	8000
#define ROUTE_RETRY_AFTER_MAX_S	20	/* longer waits move on to the next config */

enum adapter_format route_format(enum catalog_api_format f);
/* 1 when a key whose allowed_models is the JSON array text `allowed` (NULL,
 * "null" or "[]" = everything) may use requested or resolved. Entries
 * ending in '*' match by prefix. */
int	route_model_allowed(const char *allowed, const char *requested,
	    const char *resolved);
/* 1 when a request routed to config/model_id is allowed: "config/model_id"
 * matches an entry, or model_id matches an entry naming no provider (no
 * '/'), e.g. "gpt-4o-mini" allows "openai/gpt-4o-mini". */
int	route_target_allowed(const char *allowed, const char *config,
	    const char *model_id);
/* Non-zero when the config may be called now: 1 closed and clean, 2 closed
 * with recent failures or half-open with this caller holding the single
 * probe (call route_circuit_success on success). 0 when open. */
int	route_circuit_allow(long long config_id, int threshold, int cooldown_s);
void	route_circuit_success(long long config_id);
void	route_circuit_failure(long long config_id, int threshold, int cooldown_s);
/* Milliseconds to wait before retry number attempt (0-based), or -1 when
 * the upstream asked for more than ROUTE_RETRY_AFTER_MAX_S. */
long	route_backoff_ms(int attempt, int retry_after_s);

#endif
