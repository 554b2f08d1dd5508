/* route: the routing decisions of the chat path that are not model lookup
 * (catalog_resolve does that): which API format a config speaks, whether a
 * gateway key may use a model, and retry backoff with jitter honouring
 * Retry-After. (Circuits: src/chat/circuit.h.) */
#ifndef SB_ROUTE_H
#define SB_ROUTE_H

#include "adapter.h"
#include "catalog.h"

#define ROUTE_BACKOFF_BASE_MS	250
#define ROUTE_BACKOFF_MAX_MS	8000

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
/* Milliseconds to wait before retry number attempt (0-based), or -1 when
 * the upstream asked for more than max_wait_s ([upstream] max_retry_wait_s). */
long	route_backoff_ms(int attempt, int retry_after_s, int max_wait_s);

#endif
