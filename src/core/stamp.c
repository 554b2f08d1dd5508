/* stamp: the route_stamps rows (stamp.h). Owns that table; knows nothing of
 * what the stamps guard. One statement per bump; row 0 is everyone's. */
#include "db.h"
#include "log.h"
#include "stamp.h"

static const char SQL_STAMP_USER[] =
    "INSERT INTO route_stamps (scope_id, gen) VALUES (?, 1)"
    " ON DUPLICATE KEY UPDATE gen = gen + 1";
static const char SQL_STAMP_CONFIG[] =
    "INSERT INTO route_stamps (scope_id, gen)"
    " SELECT user_id, 1 FROM user_api_providers WHERE id = ?"
    " ON DUPLICATE KEY UPDATE gen = route_stamps.gen + 1";

static int
stamp_exec(const char *sql, long long id)
{
	struct db_param	 p = db_int(id);

	if (db_exec(sql, &p, 1, NULL, NULL) == DB_OK)
		return 0;
	log_warn("change stamp %lld not bumped: %s", id, db_error());
	return -1;
}

int
stamp_user(long long user_id)
{
	return stamp_exec(SQL_STAMP_USER, user_id);
}

int
stamp_config(long long config_id)
{
	return stamp_exec(SQL_STAMP_CONFIG, config_id);
}

int
stamp_global(void)
{
	return stamp_exec(SQL_STAMP_USER, 0);
}
