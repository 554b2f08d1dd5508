/* alerts: notifications and their delivery (issue 15). `switchboard alerts`
 * (a job of `switchboard cron`) turns events into notifications — a budget
 * crossing its alert threshold or its limit, a provider refusing a stored
 * key, a circuit that keeps opening — one per event and period (the
 * event_key), then delivers each to its user's webhooks (JSON, Slack or
 * Discord bodies; the URL sealed like provider keys, every connection
 * through egress), retried with backoff and every attempt recorded. The
 * request path never waits on any of it. */
#ifndef SB_ALERTS_H
#define SB_ALERTS_H

#include <cjson/cJSON.h>

#include "config.h"
#include "error.h"

#define ALERTS_MAX_TRIES	8	/* delivery attempts before giving up */
#define ALERTS_CIRCUIT_FAILS	6	/* failures in a row that make a circuit worth a word */
#define ALERTS_MAX_CHANNELS	10	/* per user */

/* `switchboard alerts`: make the notifications that are due, deliver them. */
int	 alerts_cli(const struct config *cfg, int argc, char **argv);

/* For the UI (GET/POST /api/notifications…, /api/alert-channels…); NULL or
 * -1 with e filled (database unavailable, bad input). */
cJSON	*alerts_notifications_json(long long user_id, int limit, struct sb_error *e);
int	 alerts_mark_read(long long user_id, struct sb_error *e);
cJSON	*alerts_channels_json(long long user_id, struct sb_error *e);
/* A webhook: url (http(s), checked again at every delivery), format json,
 * slack or discord. Returns the new channel id, or -1. */
long long alerts_channel_add(long long user_id, const char *url, const char *format,
	    struct sb_error *e);
int	 alerts_channel_delete(long long user_id, long long id, struct sb_error *e);
/* `switchboard rotate-key`: re-seal webhook URLs under the current master
 * key. How many failed (-1: database), *rotated how many were re-sealed. */
int	 alerts_rotate_keys(int *rotated);

#endif
