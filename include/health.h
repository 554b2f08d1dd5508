/* health: provider health from the usage log, circuit state and probes.
 * GET /api/providers/status is routed from providers.fcgi to
 * health_handle_status(); /metrics takes the circuit gauge from here;
 * `switchboard health --probe` records a cheap model-list call per active
 * config so an idle provider still has a known state. */
#ifndef SB_HEALTH_H
#define SB_HEALTH_H

#include "config.h"
#include "http.h"
#include "prom.h"

#define HEALTH_MAX_CONFIGS	200	/* configs shown per user */
#define HEALTH_DOWN_PCT		50	/* success below this (with >= 3 failures): down */
#define HEALTH_DEGRADED_PCT	90	/* success below this: degraded */
#define HEALTH_DOWN_MIN_FAIL	3
#define HEALTH_PROBE_FRESH_S	3600	/* a probe this recent decides an idle state */

enum health_state { HEALTH_HEALTHY = 0, HEALTH_DEGRADED, HEALTH_DOWN,
	HEALTH_CIRCUIT_OPEN, HEALTH_UNKNOWN, HEALTH_STATE__MAX };
extern const char *const health_state_names[HEALTH_STATE__MAX];

/* Inputs of the state decision (pure, unit-tested). rate: -1 when no
 * attempts; probe: -1 none/stale, 0 failed, 1 ok. */
struct health_inputs {
	int	 circuit_open;
	long	 ok_15m, fail_15m;
	long	 ok_24h, fail_24h;
	int	 probe;
};
enum health_state health_decide(const struct health_inputs *in);

/* One config checked with its stored key (its model list, the cheapest call
 * every API has); the outcome is recorded as its latest probe, which the
 * status page and the header show. */
struct health_check {
	int		 ok;
	long		 latency_ms;
	int		 http_status;	/* 0 when none came */
	long		 models;	/* listed, when ok */
	struct sb_error	 err;		/* why not, when not ok */
};
/* 0 with *out filled (see out->ok), -1 when the database failed. */
int	health_check_config(long long user_id, long long config_id, struct health_check *out);

/* Handler body for GET /api/providers/status: writes the JSON for r->who. */
int	health_handle_status(struct req *r);
/* Append the switchboard_circuit_open{provider} gauge; DB_* status. */
int	health_metrics_circuits(struct prom *p);
/* `switchboard health [--probe]`: print states; with --probe, probe first. */
int	health_cli(const struct config *cfg, int argc, char **argv);

#endif
