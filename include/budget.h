/* budget: the budget settings API (GET/PUT /api/budget) for a user or one of
 * their gateway keys, and the current month's figures: spent, reserved,
 * remaining and status (ok / alert / exceeded). Settings live in user_budgets
 * and gateway_keys; spent/reserved come from the chat path's limits records
 * when present, else from the usage log. The month is the UTC calendar month. */
#ifndef SB_BUDGET_H
#define SB_BUDGET_H

#include <stdint.h>

#include "http.h"

#define BUDGET_MAX_MICROS	(1000000000LL * 1000000LL)	/* 1e9 USD */

enum budget_state { BUDGET_OK = 0, BUDGET_ALERT, BUDGET_EXCEEDED,
	BUDGET_STATE__MAX };
extern const char *const budget_state_names[BUDGET_STATE__MAX];

/* Status from figures: no limit → ok; spent >= limit → exceeded;
 * spent * 100 >= limit * alert_pct → alert. limit < 0 means none. */
enum budget_state budget_status(int64_t limit, int alert_pct, int64_t spent);

int	budget_handle_get(struct req *r);
int	budget_handle_put(struct req *r);

#endif
