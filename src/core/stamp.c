/* stamp: the route_stamps rows (stamp.h). Owns that table; knows nothing of
 * what the stamps guard. One statement per bump; row 0 is everyone's. Then
 * the host's own counter (nodestamp.h). */
#include "db.h"
#include "log.h"
#include "nodestamp.h"
#include "stamp.h"

static const char SQL_STAMP_USER[] =
    "INSERT INTO route_stamps (scope_id, gen) VALUES (?, 1)"
    " ON DUPLICATE KEY UPDATE gen = gen + 1";
static const char SQL_STAMP_CONFIG[] =
    "INSERT INTO route_stamps (scope_id, gen)"
    " SELECT user_id, 1 FROM user_api_providers WHERE id = ?"
    " ON DUPLICATE KEY UPDATE gen = route_stamps.gen + 1";

/* The counter moves even when the row did not: the change itself may have
 * been written. */
static int
stamp_exec(const char *sql, long long id, int wait)
{
	struct db_param	 p = db_int(id);
	int		 rc = 0;

	if (db_exec(sql, &p, 1, NULL, NULL) != DB_OK) {
		log_warn("change stamp %lld not bumped: %s", id, db_error());
		rc = -1;
	}
	return nodestamp_changed(wait) == 0 ? rc : -1;
}

int
stamp_user(long long user_id)
{
	return stamp_exec(SQL_STAMP_USER, user_id, 1);
}

int
stamp_config(long long config_id)
{
	return stamp_exec(SQL_STAMP_CONFIG, config_id, 1);
}

int
stamp_circuit(long long config_id)
{
	return stamp_exec(SQL_STAMP_CONFIG, config_id, 0);
}

int
stamp_global(void)
{
	return stamp_exec(SQL_STAMP_USER, 0, 1);
}
