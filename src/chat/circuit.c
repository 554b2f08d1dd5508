/* circuit: the circuit_state rows of the chat path and the rules that move
 * them (circuit.h). Every change is one atomic statement; the half-open
 * probe is taken by a conditional UPDATE, so exactly one caller wins it on
 * any node. Owns the thresholds and the trust-window cache of closed
 * circuits; must not decide retries or fallback (chat.c does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "server.h"
#include "stamp.h"

/* Both circuits a target is under: its model's and its provider's (""). */
static const char SQL_CIRCUIT_GET[] =
    "SELECT model_id, failures, open_until IS NOT NULL AND open_until > NOW(6),"
    " IFNULL(CEIL(TIMESTAMPDIFF(MICROSECOND, NOW(6), open_until) / 1000000), 0),"
    " IFNULL(CEIL(TIMESTAMPDIFF(MICROSECOND, NOW(6), cooldown_until) / 1000000), 0),"
    " last_category"
    " FROM circuit_state WHERE config_id = ? AND model_id IN ('', ?)";
enum { CG_MODEL, CG_FAILURES, CG_OPEN, CG_OPEN_S, CG_COOL_S, CG_CAT };
static const char SQL_CIRCUIT_PROBE[] =
    "UPDATE circuit_state SET open_until = NOW(6) + INTERVAL ? SECOND"
    " WHERE config_id = ? AND model_id = ? AND failures >= ?"
    " AND (open_until IS NULL OR open_until <= NOW(6))";
static const char SQL_CIRCUIT_OK[] =
    "UPDATE circuit_state SET failures = 0, open_until = NULL"
    " WHERE config_id = ? AND model_id IN ('', ?)"
    " AND (failures > 0 OR open_until IS NOT NULL)";
/* Assignments run left to right: open_until sees the incremented count. */
static const char SQL_CIRCUIT_FAIL[] =
    "INSERT INTO circuit_state (config_id, model_id, failures, last_failure_at,"
    " open_until, last_category)"
    " VALUES (?, ?, 1, NOW(6), IF(1 >= ?, NOW(6) + INTERVAL ? SECOND, NULL), ?)"
    " ON DUPLICATE KEY UPDATE failures = failures + 1, last_failure_at = NOW(6),"
    " open_until = IF(failures >= ?, NOW(6) + INTERVAL ? SECOND, open_until),"
    " last_category = VALUES(last_category)";
static const char SQL_CIRCUIT_COOL[] =
    "INSERT INTO circuit_state (config_id, model_id, cooldown_until)"
    " VALUES (?, ?, NOW(6) + INTERVAL ? SECOND)"
    " ON DUPLICATE KEY UPDATE cooldown_until = VALUES(cooldown_until)";

#define CIRCUIT_CACHE		64
#define CIRCUIT_MODEL_MAX	128

/* A circuit pair seen closed within the trust window. */
struct circuit_seen {
	long long	 config_id;	/* 0 = empty slot */
	char		 model[CIRCUIT_MODEL_MAX];
	long long	 born_us;
};

static struct circuit_seen	circuit_cache[CIRCUIT_CACHE];
static int			circuit_trust_s;

void
circuit_configure(int trust_s)
{
	circuit_trust_s = trust_s > 0 ? trust_s : 0;
}

static int
circuit_threshold(void)
{
	return server_config()->circuit_failures;
}

static int
circuit_cooldown_s(void)
{
	return server_config()->circuit_cooldown_s;
}

static struct circuit_seen *
circuit_cached(long long config_id, const char *model)
{
	size_t	 i;

	for (i = 0; i < CIRCUIT_CACHE; i++)
		if (circuit_cache[i].config_id == config_id &&
		    strcmp(circuit_cache[i].model, model) == 0)
			return &circuit_cache[i];
	return NULL;
}

static void
circuit_forget(long long config_id, const char *model)
{
	size_t	 i;

	for (i = 0; i < CIRCUIT_CACHE; i++)
		if (circuit_cache[i].config_id == config_id &&
		    (model[0] == '\0' || strcmp(circuit_cache[i].model, model) == 0))
			memset(&circuit_cache[i], 0, sizeof(circuit_cache[i]));
}

static void
circuit_remember(long long config_id, const char *model)
{
	long long		 now = http_now_us();
	struct circuit_seen	*slot = circuit_cached(config_id, model);
	size_t			 i;

	if (strlen(model) >= CIRCUIT_MODEL_MAX)
		return;
	for (i = 0; slot == NULL && i < CIRCUIT_CACHE; i++)
		if (circuit_cache[i].config_id == 0 ||
		    now - circuit_cache[i].born_us >= circuit_trust_s * 1000000LL)
			slot = &circuit_cache[i];
	if (slot == NULL)
		slot = &circuit_cache[now % CIRCUIT_CACHE];
	slot->config_id = config_id;
	snprintf(slot->model, sizeof(slot->model), "%s", model);
	slot->born_us = now;
}

/* Try to take the single half-open probe of one row. 1 won, 0 not. */
static int
circuit_take_probe(long long config_id, const char *row_model)
{
	struct db_param		 p[4] = { db_int(circuit_cooldown_s()), db_int(config_id),
	    db_str(row_model), db_int(circuit_threshold()) };
	unsigned long long	 n = 0;

	return db_exec(SQL_CIRCUIT_PROBE, p, 4, &n, NULL) == DB_OK && n == 1;
}

static enum err_category
circuit_category(const char *name)
{
	int	 i;

	for (i = 1; name && i < ERR__MAX; i++)
		if (strcmp(err_category_names[i], name) == 0)
			return (enum err_category)i;
	return ERR_UPSTREAM;
}

/* The verdict of one row; fills why when paused. */
static enum circuit_verdict
circuit_row(const struct db_rows *rows, int i, long long config_id,
    struct circuit_pause *why)
{
	long long	 failures = db_ll(rows, i, CG_FAILURES, 0);
	long long	 cool_s = db_ll(rows, i, CG_COOL_S, 0);

	if (cool_s > 0) {
		why->cat = ERR_RATE_LIMIT;
		why->retry_after_s = (int)cool_s;
		return CIRCUIT_PAUSED;
	}
	if (failures < circuit_threshold())
		return failures > 0 ? CIRCUIT_RECOVERING : CIRCUIT_CLOSED;
	if (!db_ll(rows, i, CG_OPEN, 0) &&
	    circuit_take_probe(config_id, db_val(rows, i, CG_MODEL)))
		return CIRCUIT_RECOVERING;
	why->cat = circuit_category(db_val(rows, i, CG_CAT));
	why->retry_after_s = (int)db_ll(rows, i, CG_OPEN_S, 1);
	if (why->retry_after_s < 1)
		why->retry_after_s = 1;
	return CIRCUIT_PAUSED;
}

/* Read both rows: paused if either is, recovering if either is. */
static enum circuit_verdict
circuit_read(long long config_id, const char *model, struct circuit_pause *why)
{
	struct db_param		 p[2] = { db_int(config_id), db_str(model) };
	struct db_rows		 rows;
	enum circuit_verdict	 v = CIRCUIT_CLOSED, r;
	int			 i;

	if (db_query(SQL_CIRCUIT_GET, p, 2, &rows) != DB_OK) {
		db_rows_free(&rows);
		return CIRCUIT_CLOSED;	/* a DB hiccup: closed */
	}
	for (i = 0; i < rows.nrows && v != CIRCUIT_PAUSED; i++)
		if ((r = circuit_row(&rows, i, config_id, why)) != CIRCUIT_CLOSED)
			v = r;
	db_rows_free(&rows);
	return v;
}

enum circuit_verdict
circuit_allow(const struct chatcache_snap *s, long long config_id,
    const char *model, struct circuit_pause *why)
{
	struct circuit_seen	*seen;
	enum circuit_verdict	 v;

	memset(why, 0, sizeof(*why));
	if (circuit_threshold() <= 0)
		return CIRCUIT_CLOSED;
	if (circuit_trust_s == 0 && chatcache_circuit_closed(s, config_id, model))
		return CIRCUIT_CLOSED;
	if (s == NULL || !s->valid || circuit_trust_s == 0)
		return circuit_read(config_id, model, why);
	seen = circuit_cached(config_id, model);
	if (seen && http_now_us() - seen->born_us < circuit_trust_s * 1000000LL)
		return CIRCUIT_CLOSED;
	if ((v = circuit_read(config_id, model, why)) == CIRCUIT_CLOSED)
		circuit_remember(config_id, model);
	return v;
}

void
circuit_ok(long long config_id, const char *model)
{
	struct db_param		 p[2] = { db_int(config_id), db_str(model) };
	unsigned long long	 closed = 0;

	if (db_exec(SQL_CIRCUIT_OK, p, 2, &closed, NULL) == DB_OK && closed > 0)
		(void)stamp_circuit(config_id);
}

void
circuit_failed(long long config_id, const char *model, enum err_category cat)
{
	const char	*row = cat == ERR_NETWORK ? "" : model;
	int		 thr = circuit_threshold(), cool = circuit_cooldown_s();
	struct db_param	 p[7] = { db_int(config_id), db_str(row), db_int(thr),
	    db_int(cool), db_str(err_category_names[cat]), db_int(thr), db_int(cool) };

	if (thr <= 0)
		return;
	circuit_forget(config_id, row);
	if (db_exec(SQL_CIRCUIT_FAIL, p, 7, NULL, NULL) != DB_OK)
		log_warn("circuit of config %lld not updated: %s", config_id, db_error());
	else
		(void)stamp_circuit(config_id);
}

void
circuit_cooldown(long long config_id, const char *model, int seconds)
{
	struct db_param	 p[3] = { db_int(config_id), db_str(model), db_int(seconds) };

	if (seconds <= 0)
		return;
	circuit_forget(config_id, model);
	if (db_exec(SQL_CIRCUIT_COOL, p, 3, NULL, NULL) != DB_OK)
		log_warn("cooldown of config %lld not recorded: %s", config_id, db_error());
	else
		(void)stamp_circuit(config_id);
}
