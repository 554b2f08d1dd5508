/* Unit tests for health_decide and budget_status: the state rules of
 * docs/api.md (provider status, budget status) on edge cases. */
#include "unit.h"
#include "budget.h"
#include "health.h"

static enum health_state
st(int open, long ok15, long f15, long ok24, long f24, int probe)
{
	struct health_inputs in = { open, ok15, f15, ok24, f24, probe };

	return health_decide(&in);
}

int
main(void)
{
	CHECK(st(1, 100, 0, 100, 0, 1) == HEALTH_CIRCUIT_OPEN);
	CHECK(st(0, 10, 0, 0, 0, -1) == HEALTH_HEALTHY);
	CHECK(st(0, 9, 1, 0, 0, -1) == HEALTH_HEALTHY);		/* 90 % */
	CHECK(st(0, 8, 2, 0, 0, -1) == HEALTH_DEGRADED);	/* 80 % */
	CHECK(st(0, 1, 2, 0, 0, -1) == HEALTH_DEGRADED);	/* 33 %, only 2 failures */
	CHECK(st(0, 1, 3, 0, 0, -1) == HEALTH_DOWN);
	CHECK(st(0, 0, 0, 0, 0, -1) == HEALTH_UNKNOWN);
	CHECK(st(0, 0, 0, 0, 0, 1) == HEALTH_HEALTHY);		/* idle, probe ok */
	CHECK(st(0, 0, 0, 50, 0, 0) == HEALTH_DOWN);		/* fresh failed probe wins */
	CHECK(st(0, 0, 0, 5, 5, -1) == HEALTH_DEGRADED);	/* 24 h fallback */
	CHECK(st(0, 10, 0, 0, 100, 0) == HEALTH_HEALTHY);	/* live traffic beats probe */
	CHECK(budget_status(-1, 80, 1000000) == BUDGET_OK);
	CHECK(budget_status(100, 80, 79) == BUDGET_OK);
	CHECK(budget_status(100, 80, 80) == BUDGET_ALERT);
	CHECK(budget_status(100, 80, 100) == BUDGET_EXCEEDED);
	CHECK(budget_status(0, 80, 0) == BUDGET_EXCEEDED);
	return unit_done("test_health");
}
