/* circuit: the circuit breaker of the chat path, per (provider config,
 * upstream model), with state in the database (circuit_state) so every
 * process and web node shares it. One call per outcome: circuit_allow before
 * a target is tried, then circuit_ok, circuit_failed or circuit_cooldown.
 *
 * The rules (docs/chat.md has the table):
 * - A retryable failure (timeout, 5xx, a broken stream) counts against the
 *   (config, model) circuit; a connection failure (refused, DNS, TLS)
 *   against the provider-level circuit (model ""), which pauses every model
 *   of the config. [upstream] circuit_failures consecutive failed requests
 *   open a circuit for circuit_cooldown_s; after it exactly one request, on
 *   any node, takes the probe.
 * - A 429 is rate limiting, not ill health: it never counts; its Retry-After
 *   pauses that (config, model) until then (circuit_cooldown).
 * - The caller never reports a client hang-up, a refused request or a
 *   timeout the client itself lowered. */
#ifndef SB_CIRCUIT_H
#define SB_CIRCUIT_H

#include "chatcache.h"
#include "error.h"

enum circuit_verdict {
	CIRCUIT_PAUSED = 0,	/* open or cooling down: skip this target */
	CIRCUIT_CLOSED,		/* closed, no recent failures */
	CIRCUIT_RECOVERING,	/* closed with failures, or this caller holds the
				 * probe: report the outcome with circuit_ok */
};

/* Why a target was paused: what its failures were, and when to retry. */
struct circuit_pause {
	enum err_category	 cat;		/* ERR_RATE_LIMIT for a cooldown */
	int			 retry_after_s;	/* >= 1 */
};

/* Set the trust window ([chat] route_cache_s): closed circuits seen within
 * it are not read again. 0 = read every time (the default). */
void	circuit_configure(int trust_s);
/* May config/model be called now? s (may be NULL) is the request's
 * snapshot: when it saw every circuit of the user closed, nothing is read.
 * When paused, *why says why. */
enum circuit_verdict circuit_allow(const struct chatcache_snap *s,
	    long long config_id, const char *model, struct circuit_pause *why);
/* The target answered: close its circuits (provider-level and model). */
void	circuit_ok(long long config_id, const char *model);
/* The target failed with cat (a network failure counts provider-wide). */
void	circuit_failed(long long config_id, const char *model, enum err_category cat);
/* The upstream rate-limited config/model for seconds (its Retry-After). */
void	circuit_cooldown(long long config_id, const char *model, int seconds);

#endif
