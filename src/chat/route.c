/* route: format mapping, allowed-model checks, the database-backed circuit
 * breaker and retry backoff (see route.h). The circuit is a row per config
 * changed only by single atomic statements; the half-open probe is taken by
 * a conditional UPDATE, so exactly one caller wins it on any node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>

#include "db.h"
#include "log.h"
#include "route.h"

static const char SQL_CIRCUIT_GET[] =
    "SELECT failures, open_until IS NOT NULL AND open_until > NOW(6)"
    " FROM circuit_state WHERE config_id = ?";
static const char SQL_CIRCUIT_PROBE[] =
    "UPDATE circuit_state SET open_until = NOW(6) + INTERVAL ? SECOND"
    " WHERE config_id = ? AND failures >= ?"
    " AND (open_until IS NULL OR open_until <= NOW(6))";
static const char SQL_CIRCUIT_OK[] =
    "UPDATE circuit_state SET failures = 0, open_until = NULL"
    " WHERE config_id = ? AND (failures > 0 OR open_until IS NOT NULL)";
static const char SQL_CIRCUIT_FAIL[] =
    "INSERT INTO circuit_state (config_id, failures, last_failure_at, open_until)"
    " VALUES (?, 1, NOW(6), IF(1 >= ?, NOW(6) + INTERVAL ? SECOND, NULL))"
    " ON DUPLICATE KEY UPDATE failures = failures + 1, last_failure_at = NOW(6),"
    " open_until = IF(failures >= ?, NOW(6) + INTERVAL ? SECOND, open_until)";

enum adapter_format
route_format(enum catalog_api_format f)
{
	switch (f) {
	case CATALOG_FMT_ANTHROPIC:
		return ADAPTER_ANTHROPIC;
	case CATALOG_FMT_GEMINI:
		return ADAPTER_GEMINI;
	default:
		return ADAPTER_OPENAI;
	}
}

static int
route_match(const char *pattern, const char *s)
{
	size_t	 n = strlen(pattern);

	if (s == NULL || s[0] == '\0')
		return 0;
	if (n > 0 && pattern[n - 1] == '*')
		return strncmp(pattern, s, n - 1) == 0;
	return strcmp(pattern, s) == 0;
}

int
route_model_allowed(const char *allowed, const char *requested,
    const char *resolved)
{
	cJSON		*a;
	const cJSON	*it, *arr;
	int		 ok = 0;

	if (allowed == NULL || allowed[0] == '\0')
		return 1;
	if ((a = cJSON_Parse(allowed)) == NULL)
		return 0;	/* unreadable list: refuse, never widen */
	if (cJSON_IsNull(a) || (cJSON_IsArray(a) && cJSON_GetArraySize(a) == 0))
		ok = 1;
	arr = cJSON_IsArray(a) ? a : NULL;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && (route_match(it->valuestring,
		    requested) || route_match(it->valuestring, resolved)))
			ok = 1;
	cJSON_Delete(a);
	return ok;
}

int
route_target_allowed(const char *allowed, const char *config,
    const char *model_id)
{
	char		 id[CATALOG_REF_MAX + 1];
	cJSON		*a;
	const cJSON	*it, *arr;
	int		 ok;

	if (allowed == NULL || allowed[0] == '\0')
		return 1;
	snprintf(id, sizeof(id), "%s/%s", config, model_id);
	if ((ok = route_model_allowed(allowed, id, NULL)) != 0)
		return ok;
	if ((a = cJSON_Parse(allowed)) == NULL)
		return 0;
	arr = cJSON_IsArray(a) ? a : NULL;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && strchr(it->valuestring, '/') == NULL &&
		    route_match(it->valuestring, model_id))
			ok = 1;
	cJSON_Delete(a);
	return ok;
}

int
route_circuit_allow(long long config_id, int threshold, int cooldown_s)
{
	struct db_param		 p[3];
	struct db_rows		 rows;
	unsigned long long	 n = 0;
	long long		 failures;
	int			 open;

	if (threshold <= 0)
		return 1;
	p[0] = db_int(config_id);
	if (db_query(SQL_CIRCUIT_GET, p, 1, &rows) != DB_OK || rows.nrows == 0) {
		db_rows_free(&rows);
		return 1;	/* no state (or DB hiccup): closed */
	}
	failures = db_ll(&rows, 0, 0, 0);
	open = db_ll(&rows, 0, 1, 0) != 0;
	db_rows_free(&rows);
	if (failures < threshold)
		return failures > 0 ? 2 : 1;
	if (open)
		return 0;
	p[0] = db_int(cooldown_s);
	p[1] = db_int(config_id);
	p[2] = db_int(threshold);
	if (db_exec(SQL_CIRCUIT_PROBE, p, 3, &n, NULL) != DB_OK)
		return 0;
	return n == 1 ? 2 : 0;
}

void
route_circuit_success(long long config_id)
{
	struct db_param	 p[1] = { db_int(config_id) };

	(void)db_exec(SQL_CIRCUIT_OK, p, 1, NULL, NULL);
}

void
route_circuit_failure(long long config_id, int threshold, int cooldown_s)
{
	struct db_param	 p[5] = { db_int(config_id), db_int(threshold),
	    db_int(cooldown_s), db_int(threshold), db_int(cooldown_s) };

	if (threshold <= 0)
		return;
	if (db_exec(SQL_CIRCUIT_FAIL, p, 5, NULL, NULL) != DB_OK)
		log_warn("circuit state of config %lld not updated: %s",
		    config_id, db_error());
}

long
route_backoff_ms(int attempt, int retry_after_s)
{
	unsigned int	 r = 0;
	long		 ms = ROUTE_BACKOFF_BASE_MS;

	if (retry_after_s > ROUTE_RETRY_AFTER_MAX_S)
		return -1;
	while (attempt-- > 0 && ms < ROUTE_BACKOFF_MAX_MS)
		ms *= 2;
	if (ms > ROUTE_BACKOFF_MAX_MS)
		ms = ROUTE_BACKOFF_MAX_MS;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)getpid();
	ms = ms / 2 + (long)(r % (unsigned int)(ms / 2 + 1));	/* jitter */
	if (retry_after_s > 0 && ms < retry_after_s * 1000L)
		ms = retry_after_s * 1000L;
	return ms;
}
