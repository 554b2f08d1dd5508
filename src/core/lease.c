/* lease: the job_leases rows (lease.h). Owns that table; knows no job. */
#include "db.h"
#include "lease.h"

static const char SQL_LEASE_TAKE[] =
    "UPDATE job_leases SET holder = ?, lease_until = NOW(6) + INTERVAL ? SECOND"
    " WHERE name = ? AND (holder IS NULL OR lease_until IS NULL OR lease_until < NOW(6))";
static const char SQL_LEASE_SEED[] =
    "INSERT IGNORE INTO job_leases (name, holder, lease_until) VALUES (?, NULL, NULL)";
static const char SQL_LEASE_RENEW[] =
    "UPDATE job_leases SET lease_until = NOW(6) + INTERVAL ? SECOND"
    " WHERE name = ? AND holder = ?";
static const char SQL_LEASE_FREE[] =
    "UPDATE job_leases SET holder = NULL, lease_until = NULL WHERE name = ? AND holder = ?";

int
lease_take(const char *name, const char *holder, int seconds)
{
	struct db_param		 p[] = { db_str(holder), db_int(seconds), db_str(name) };
	unsigned long long	 affected = 0;
	int			 attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if (db_exec(SQL_LEASE_TAKE, p, 3, &affected, NULL) != DB_OK)
			return -1;
		if (affected == 1)
			return 1;
		/* No row yet: create it, then try once more. */
		if (db_exec(SQL_LEASE_SEED, p + 2, 1, &affected, NULL) != DB_OK || affected == 0)
			return 0;
	}
	return 0;
}

int
lease_renew(const char *name, const char *holder, int seconds)
{
	struct db_param		 p[] = { db_int(seconds), db_str(name), db_str(holder) };
	unsigned long long	 affected = 0;

	return db_exec(SQL_LEASE_RENEW, p, 3, &affected, NULL) == DB_OK && affected == 1 ? 0 : -1;
}

void
lease_free(const char *name, const char *holder)
{
	struct db_param	 p[] = { db_str(name), db_str(holder) };

	(void)db_exec(SQL_LEASE_FREE, p, 2, NULL, NULL);
}
