/* chatcache: the chat request's snapshot (identity, limits and the change
 * stamps) and the per-process caches of key identities, model resolution,
 * decrypted provider keys and the user's circuit state, valid while the
 * stamps are unchanged (see chatcache.h). A warm gateway-key request asks
 * only for the two stamps; a cold one, or one after a change, reads the
 * whole snapshot in one SELECT. Entries are bounded in number and age;
 * keys are wiped on eviction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "chatcache.h"
#include "db.h"
#include "log.h"
#include "nodestamp.h"
#include "prices.h"
#include "route.h"
#include "sbconst.h"

/* Columns: 0 key id, 1 user id, 2 username, 3 role, 4 allowed_models,
 * 5 revoked, 6 expired, 7 needs a last_used_at touch, 8-12 user limits,
 * 13-17 key limits, 18 the change stamps (the user's and everyone's: see
 * stamp.h), 19-20 the user's and the key's concurrency caps, 21 the
 * admin's maintenance message (NULL: serving), 22-23 the user's and the
 * key's budget windows, 24 the microseconds the key stays valid (its
 * expiry, or its previous secret's end; NULL: no end). Primary-key lookups
 * only. Parameter: the key hash (or the user id). */
#define CC_USER_LIMITS							\
	" r.rpm_limit, r.tpm_limit, b.monthly_budget_micros,"		\
	" b.budget_alert_pct, b.budget_hard_stop,"
#define CC_STAMPS							\
	" CONCAT(COALESCE(su.gen, 0), '.', COALESCE(sg.gen, 0)),"
#define CC_JOINS(uid)							\
	" LEFT JOIN user_rate_limits r ON r.user_id = " uid		\
	" LEFT JOIN user_budgets b ON b.user_id = " uid			\
	" LEFT JOIN route_stamps su ON su.scope_id = " uid		\
	" LEFT JOIN route_stamps sg ON sg.scope_id = 0"		\
	" LEFT JOIN site_settings ss ON ss.id = 1"
#define CC_MAINTENANCE							\
	" IF(ss.maintenance = 1, COALESCE(ss.maintenance_message, ''), NULL),"
#define CC_COL_STAMPS		18
#define CC_COL_CONCURRENT	19
#define CC_COL_MAINTENANCE	21
#define CC_COL_WINDOWS		22
#define CC_COL_VALID_US		24

#define CC_KEY_SNAPSHOT(valid_until)					\
    "SELECT k.id, k.user_id, u.username, u.role, k.allowed_models,"	\
    " k.revoked_at IS NOT NULL,"						\
    " k.expires_at IS NOT NULL AND k.expires_at <= NOW(6),"		\
    " k.last_used_at IS NULL OR k.last_used_at < NOW(6) - INTERVAL 60 SECOND," \
    CC_USER_LIMITS							\
    " k.rpm_limit, k.tpm_limit, k.monthly_budget_micros, k.budget_alert_pct," \
    " k.budget_hard_stop,"						\
    CC_STAMPS								\
    " r.max_concurrent, k.max_concurrent,"				\
    CC_MAINTENANCE							\
    " b.budget_window, k.budget_window,"				\
    " TIMESTAMPDIFF(MICROSECOND, NOW(6), " valid_until ")"		\
    " FROM gateway_keys k JOIN users u ON u.id = k.user_id"		\
    CC_JOINS("k.user_id")
static const char SQL_SNAPSHOT[] =
    CC_KEY_SNAPSHOT("k.expires_at")
    " WHERE k.key_hash = ? AND u.is_active = 1";
/* A previous secret inside its rotation overlap (asked only on a miss). */
static const char SQL_SNAPSHOT_PREV[] =
    CC_KEY_SNAPSHOT("LEAST(k.prev_expires_at, COALESCE(k.expires_at, k.prev_expires_at))")
    " WHERE " AUTH_KEY_PREV_MATCH " AND u.is_active = 1";
/* The stamps alone ("user.everyone", as CC_STAMPS), for a cached key: one
 * table, two primary keys. Parameter: the user id. The one statement run on
 * every request, over a table written only by changes: a MariaDB with its
 * query cache on DEMAND answers it from the cache, which every write to the
 * table empties (docs/deploy.md). MySQL reads the hint as a comment. */
static const char SQL_STAMPS[] =
    "SELECT /*M! SQL_CACHE */ CONCAT(COALESCE(MAX(IF(scope_id = 0, NULL, gen)), 0), '.',"
    " COALESCE(MAX(IF(scope_id = 0, gen, NULL)), 0))"
    " FROM route_stamps WHERE scope_id IN (?, 0)";
/* The same for a browser session (no key: its columns are empty). */
static const char SQL_SNAPSHOT_USER[] =
    "SELECT 0, u.id, u.username, u.role, NULL, 0, 0, 0,"
    CC_USER_LIMITS
    " NULL, NULL, NULL, NULL, NULL,"
    CC_STAMPS
    " r.max_concurrent, NULL,"
    CC_MAINTENANCE
    " b.budget_window, NULL"
    " FROM users u"
    CC_JOINS("u.id")
    " WHERE u.id = ? AND u.is_active = 1";
/* The user's circuits that are not plainly closed: with failures, open, or
 * cooling down; for each, the microseconds until its cooldown ends (NULL:
 * none), or -1 when it has failures or is open. One row more than the cache
 * holds says "too many". Asked only when the user's stamp changed. */
static const char SQL_CIRCUITS[] =
    "SELECT s.config_id, s.model_id,"
    " IF(s.failures > 0 OR s.open_until IS NOT NULL, -1,"
    " TIMESTAMPDIFF(MICROSECOND, NOW(6), s.cooldown_until))"
    " FROM circuit_state s JOIN user_api_providers c ON c.id = s.config_id"
    " WHERE c.user_id = ? AND (s.failures > 0 OR s.open_until IS NOT NULL"
    " OR s.cooldown_until > NOW(6)) LIMIT ?";
enum { CS_CONFIG, CS_MODEL, CS_COOL_US };
static const char SQL_KEY_TOUCH[] =
    "UPDATE gateway_keys SET last_used_at = NOW(6) WHERE id = ?"
    " AND (last_used_at IS NULL OR last_used_at < NOW(6) - INTERVAL 60 SECOND)";

struct cc_resolved {
	long long		 user_id;
	long long		 born_us;
	char			 ref[CATALOG_REF_MAX + 1];
	char			 resolved[CATALOG_REF_MAX + 1];
	char			 fp[CHATCACHE_FP_MAX];
	struct catalog_target	*targets;	/* NULL = empty slot */
	int			 n;
};

struct cc_key {
	long long		 user_id;	/* 0 = empty slot */
	long long		 config_id;
	long long		 born_us;
	char			 fp[CHATCACHE_FP_MAX];
	char			*key;
	size_t			 keylen;
};

/* A gateway key's identity and limits, as of the stamps in fp: reused while
 * the stamps are unchanged (asked on every request), at most
 * CHATCACHE_TTL_S seconds, or, with key_cache_s, for that many seconds
 * unchecked; never past the key's expiry (valid_until_us, 0: none). */
struct cc_ident {
	unsigned char		 hash[32];
	int			 used;
	long long		 born_us;
	long long		 touched_us;
	long long		 valid_until_us;
	char			 fp[CHATCACHE_FP_MAX];
	long long		 key_id;
	long long		 user_id;
	char			 username[SB_MAX_USERNAME + 1];
	int			 is_admin;
	char			*allowed_models;
	struct quota_limits	 lim;
};

/* Whether a user's circuits were all plainly closed, as of a stamp. */
struct cc_circuits {
	long long		 user_id;	/* 0 = empty slot */
	long long		 born_us;
	long long		 recheck_us;	/* a cooldown ends: ask again (0: never) */
	char			 fp[CHATCACHE_FP_MAX];
	int			 known;		/* list holds every one (not too many) */
	int			 n;
	struct chatcache_circuit list[CHATCACHE_CIRCUITS];
};

static struct cc_resolved	cc_res[CHATCACHE_RESOLVED];
static struct cc_circuits	cc_circ[CHATCACHE_KEYS];
static struct cc_ident		cc_ids[CHATCACHE_KEYS];
static int			cc_key_s;	/* 0 = check identities by the stamps */
static struct cc_key		cc_keys[CHATCACHE_KEYS];
static int			cc_trust_s;	/* 0 = validate every request */

static void
cc_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static int
cc_clamp_s(int v)
{
	return v < 0 ? 0 : v > SB_TRUST_MAX_S ? SB_TRUST_MAX_S : v;
}

void
chatcache_configure(int route_s, int key_s)
{
	cc_trust_s = cc_clamp_s(route_s);
	cc_key_s = cc_trust_s > 0 ? cc_clamp_s(key_s) : 0;
}

static void
cc_ident_drop(struct cc_ident *e)
{
	free(e->allowed_models);
	OPENSSL_cleanse(e, sizeof(*e));
}

/* The cached identity of the key with this hash, if it may still be used
 * now: within its age (key_cache_s unchecked, else CHATCACHE_TTL_S) and
 * before the key's expiry. A stale one is dropped. */
static struct cc_ident *
cc_ident_find(const unsigned char hash[32], long long now)
{
	long long	 ttl = cc_key_s > 0 ? cc_key_s : CHATCACHE_TTL_S;
	size_t		 i;

	for (i = 0; i < CHATCACHE_KEYS; i++) {
		struct cc_ident *e = &cc_ids[i];

		if (!e->used || CRYPTO_memcmp(e->hash, hash, 32) != 0)
			continue;
		if (now - e->born_us < 0 || now - e->born_us >= ttl * 1000000LL ||
		    (e->valid_until_us != 0 && now >= e->valid_until_us)) {
			cc_ident_drop(e);
			return NULL;
		}
		return e;
	}
	return NULL;
}

/* Fill r->who and lim from a cached identity; touch last_used_at at most
 * once a minute. 0, or -1 (out of memory: treat as a miss). */
static int
cc_ident_use(struct req *r, struct cc_ident *e, int global_rpm,
    struct quota_limits *lim, long long now)
{
	struct db_param	 p;

	r->who.key_id = e->key_id;
	r->who.user_id = e->user_id;
	cc_copy(r->who.username, sizeof(r->who.username), e->username);
	r->who.is_admin = e->is_admin;
	free(r->who.allowed_models);
	r->who.allowed_models = NULL;
	/* Out of memory must never widen the allowed models: a miss. */
	if (e->allowed_models &&
	    (r->who.allowed_models = strdup(e->allowed_models)) == NULL)
		return -1;
	r->who.via = AUTH_VIA_KEY;
	*lim = e->lim;
	lim->rpm[QUOTA_GLOBAL] = global_rpm > 0 ? global_rpm : 0;
	if (now - e->touched_us >= 60 * 1000000LL) {
		e->touched_us = now;
		p = db_int(e->key_id);
		(void)db_exec(SQL_KEY_TOUCH, &p, 1, NULL, NULL);
	}
	return 0;
}

/* The slot for the key with this hash: its own, else an empty one, else
 * the oldest. */
static struct cc_ident *
cc_ident_slot(const unsigned char hash[32])
{
	struct cc_ident	*slot = NULL;
	size_t		 i;

	for (i = 0; i < CHATCACHE_KEYS; i++)
		if (cc_ids[i].used && CRYPTO_memcmp(cc_ids[i].hash, hash, 32) == 0)
			return &cc_ids[i];
	for (i = 0; i < CHATCACHE_KEYS; i++) {
		if (!cc_ids[i].used)
			return &cc_ids[i];
		if (slot == NULL || cc_ids[i].born_us < slot->born_us)
			slot = &cc_ids[i];
	}
	return slot;
}

/* Keep r's identity and lim, read under the stamps fp, for the key with
 * this hash; valid_us: the microseconds it stays valid (NULL: no end). */
static void
cc_ident_put(const struct req *r, const unsigned char hash[32],
    const struct quota_limits *lim, const char *fp, const char *valid_us)
{
	struct cc_ident	*slot = cc_ident_slot(hash);
	long long	 now = http_now_us(), left;

	cc_ident_drop(slot);
	if (fp == NULL || strlen(fp) >= sizeof(slot->fp))
		return;
	if (r->who.allowed_models &&
	    (slot->allowed_models = strdup(r->who.allowed_models)) == NULL)
		return;
	left = valid_us ? atoll(valid_us) : 0;
	memcpy(slot->hash, hash, 32);
	slot->used = 1;
	slot->born_us = slot->touched_us = now;
	slot->valid_until_us = valid_us ? now + (left > 0 ? left : 0) : 0;
	cc_copy(slot->fp, sizeof(slot->fp), fp);
	slot->key_id = r->who.key_id;
	slot->user_id = r->who.user_id;
	cc_copy(slot->username, sizeof(slot->username), r->who.username);
	slot->is_admin = r->who.is_admin;
	slot->lim = *lim;
}

/* The user's and everyone's stamps now, into fp (CHATCACHE_FP_MAX): one
 * small statement. 0, or -1 when the database did not answer. */
static int
cc_stamps(long long user_id, char *fp)
{
	struct db_param	 p = db_int(user_id);
	struct db_rows	 rows;
	const char	*v;
	int		 rc = -1;

	if (db_query(SQL_STAMPS, &p, 1, &rows) == DB_OK && rows.nrows == 1 &&
	    (v = db_val(&rows, 0, 0)) != NULL && strlen(v) < CHATCACHE_FP_MAX) {
		memcpy(fp, v, strlen(v) + 1);
		rc = 0;
	}
	db_rows_free(&rows);
	return rc;
}

static int
cc_db_down(struct req *r)
{
	return err_db_unavailable(&r->err);
}

/* The global part of the stamps ("user.global"): when it moves, the price
 * table is reloaded on its next use (prices.h). */
static void
cc_global_stamp(const char *global)
{
	static char	 seen[24];

	if (global == NULL || strcmp(seen, global) == 0)
		return;
	snprintf(seen, sizeof(seen), "%s", global);
	prices_invalidate();
}

/* The stamps ("user.everyone") into s; trust mode needs none. */
static void
cc_snap_fill(const char *stamps, struct chatcache_snap *s)
{
	if (cc_trust_s > 0) {
		/* Trust mode: entries live route_cache_s seconds, unchecked. */
		snprintf(s->fp, sizeof(s->fp), "trust");
		s->valid = 1;
		return;
	}
	/* No stamps (cannot happen with the row there): never cache. */
	s->valid = stamps != NULL && strlen(stamps) < sizeof(s->fp);
	if (s->valid)
		snprintf(s->fp, sizeof(s->fp), "%s", stamps);
	/* The host's count ("n…") moves with every change, everyone's or not. */
	cc_global_stamp(!s->valid ? NULL : stamps[0] == 'n' ? stamps : strchr(stamps, '.'));
}

/* FNV-1a: a model's place in a circuit list. Two models with one hash only
 * make the closed one asked about too. */
static unsigned long long
cc_model_hash(const char *model)
{
	unsigned long long	 h = 14695981039346656037ULL;

	for (; *model; model++)
		h = (h ^ (unsigned char)*model) * 1099511628211ULL;
	return h;
}

/* Read the user's circuits that are not plainly closed into slot. */
static int
cc_circuits_read(long long user_id, struct cc_circuits *slot, long long now)
{
	struct db_param	 p[2] = { db_int(user_id), db_int(CHATCACHE_CIRCUITS + 1) };
	struct db_rows	 rows;
	long long	 cool;
	int		 i;

	if (db_query(SQL_CIRCUITS, p, 2, &rows) != DB_OK) {
		db_rows_free(&rows);
		return -1;
	}
	slot->known = rows.nrows <= CHATCACHE_CIRCUITS;
	slot->n = slot->known ? rows.nrows : 0;
	slot->recheck_us = 0;
	for (i = 0; i < slot->n; i++) {
		slot->list[i].config_id = db_ll(&rows, i, CS_CONFIG, 0);
		slot->list[i].model_hash = cc_model_hash(db_val(&rows, i, CS_MODEL));
		/* Only cooling down: ask again once the first cooldown ends. */
		cool = db_ll(&rows, i, CS_COOL_US, -1);
		if (cool > 0 && (slot->recheck_us == 0 || now + cool < slot->recheck_us))
			slot->recheck_us = now + cool;
	}
	db_rows_free(&rows);
	return 0;
}

/* Which circuits of the user are not plainly closed, from the cache while
 * the stamps are unchanged and no cooldown has ended since; else asked (the
 * rare case: after a change). */
static void
cc_circuits(long long user_id, struct chatcache_snap *s)
{
	struct cc_circuits	*slot = NULL;
	long long		 now = http_now_us();
	size_t			 i;

	s->circuits_known = 0;
	if (!s->valid || cc_trust_s > 0)
		return;
	for (i = 0; i < CHATCACHE_KEYS; i++) {
		struct cc_circuits *c = &cc_circ[i];

		if (c->user_id != user_id)
			continue;
		slot = c;
		if (strcmp(c->fp, s->fp) == 0 && now - c->born_us >= 0 &&
		    now - c->born_us < CHATCACHE_TTL_S * 1000000LL &&
		    (c->recheck_us == 0 || now < c->recheck_us))
			goto known;
		break;
	}
	/* This user's slot, else an empty one, else the oldest. */
	for (i = 0; slot == NULL && i < CHATCACHE_KEYS; i++)
		if (cc_circ[i].user_id == 0)
			slot = &cc_circ[i];
	if (slot == NULL) {
		slot = &cc_circ[0];
		for (i = 1; i < CHATCACHE_KEYS; i++)
			if (cc_circ[i].born_us < slot->born_us)
				slot = &cc_circ[i];
	}
	slot->user_id = 0;
	if (cc_circuits_read(user_id, slot, now) != 0)
		return;		/* not known: each target is asked */
	slot->user_id = user_id;
	slot->born_us = now;
	cc_copy(slot->fp, sizeof(slot->fp), s->fp);
known:
	s->circuits_known = slot->known;
	s->ncircuits = slot->n;
	memcpy(s->circuits, slot->list, (size_t)slot->n * sizeof(slot->list[0]));
}

int
chatcache_circuit_closed(const struct chatcache_snap *s, long long config_id,
    const char *model)
{
	unsigned long long	 h = cc_model_hash(model), whole = cc_model_hash("");
	int			 i;

	if (s == NULL || !s->valid || !s->circuits_known)
		return 0;
	for (i = 0; i < s->ncircuits; i++)
		if (s->circuits[i].config_id == config_id &&
		    (s->circuits[i].model_hash == h || s->circuits[i].model_hash == whole))
			return 0;
	return 1;
}

/* The admin switched the gateway off: 503 with their message. */
static int
cc_maintenance(const struct db_rows *rows, struct sb_error *e)
{
	const char	*msg = db_val(rows, 0, CC_COL_MAINTENANCE);

	if (msg == NULL)
		return 0;
	err_set(e, ERR_INTERNAL, 503, "maintenance", "%s", msg[0] ? msg :
	    "The gateway is paused for maintenance; try again later.");
	e->retry_after = 60;
	return -1;
}

int
chatcache_load_user(long long user_id, int global_rpm, struct quota_limits *lim,
    struct chatcache_snap *s, struct sb_error *e)
{
	struct db_rows	 rows;
	struct db_param	 p = db_int(user_id);
	char		 here[CHATCACHE_FP_MAX];
	int		 rc, local;

	memset(s, 0, sizeof(*s));
	quota_limits_init(lim, global_rpm);
	local = nodestamp_read(here, sizeof(here));	/* before what it guards */
	if ((rc = db_query(SQL_SNAPSHOT_USER, &p, 1, &rows)) != DB_OK ||
	    rows.nrows == 0) {
		db_rows_free(&rows);
		if (rc == DB_OK)	/* deactivated since the session check */
			err_set(e, ERR_AUTH, 401, "not_authenticated",
			    "Your account is not active; log in again.");
		else
			err_db_unavailable(e);
		return -1;
	}
	if (cc_maintenance(&rows, e) != 0) {
		db_rows_free(&rows);
		return -1;
	}
	quota_limits_row(&rows, 8, lim, QUOTA_USER);
	quota_concurrency_row(&rows, CC_COL_CONCURRENT, CC_COL_CONCURRENT + 1, lim);
	quota_window_row(&rows, CC_COL_WINDOWS, CC_COL_WINDOWS + 1, lim);
	cc_snap_fill(local ? here : db_val(&rows, 0, CC_COL_STAMPS), s);
	db_rows_free(&rows);
	cc_circuits(user_id, s);
	return 0;
}

/* A warm key: its cached identity if the stamps it was read under still
 * hold (one small statement; none with key_cache_s). 1 when r->who, lim
 * and s are filled from it, 0 when the snapshot must be read, -1 with r->err
 * when the database did not answer. */
static int
cc_ident_reuse(struct req *r, const unsigned char hash[32], int global_rpm,
    struct quota_limits *lim, struct chatcache_snap *s)
{
	struct cc_ident	*e;
	char		 fp[CHATCACHE_FP_MAX];
	long long	 now = http_now_us();

	if ((e = cc_ident_find(hash, now)) == NULL)
		return 0;
	if (cc_key_s > 0)
		snprintf(fp, sizeof(fp), "%s", e->fp);
	else if (!nodestamp_read(fp, sizeof(fp)) && cc_stamps(e->user_id, fp) != 0)
		return cc_db_down(r);
	if (strcmp(fp, e->fp) != 0 || cc_ident_use(r, e, global_rpm, lim, now) != 0)
		return 0;
	cc_snap_fill(fp, s);
	cc_circuits(e->user_id, s);
	return 1;
}

int
chatcache_load(struct req *r, int global_rpm, struct quota_limits *lim,
    struct chatcache_snap *s)
{
	const char	*key = auth_key_header(r);
	unsigned char	 hash[32];
	struct db_rows	 rows;
	struct db_param	 p;
	char		 here[CHATCACHE_FP_MAX];
	const char	*stamps;
	int		 rc;

	memset(s, 0, sizeof(*s));
	memset(&rows, 0, sizeof(rows));
	quota_limits_init(lim, global_rpm);
	if (key == NULL)
		return http_fail(r, ERR_AUTH, 401, "not_authenticated",
		    "Send a Switchboard API key as 'Authorization: Bearer "
		    "sk-sb-…' (create one under API keys), or log in.");
	if (auth_key_hash(r, key, hash) == -1)
		return -1;
	if ((rc = cc_ident_reuse(r, hash, global_rpm, lim, s)) != 0)
		return rc > 0 ? 0 : -1;	/* a miss leaves lim untouched */
	rc = -1;
	/* The host's stamps are read before what they guard, as the
	 * database's are read with it. */
	stamps = nodestamp_read(here, sizeof(here)) ? here : NULL;
	p = db_bytes(hash, sizeof(hash));
	if (auth_key_query(SQL_SNAPSHOT, SQL_SNAPSHOT_PREV, &p, &rows) != DB_OK) {
		cc_db_down(r);
		goto out;
	}
	if (auth_key_row(r, &rows) == -1 || cc_maintenance(&rows, &r->err) != 0)
		goto out;
	quota_limits_row(&rows, 8, lim, QUOTA_USER);
	quota_limits_row(&rows, 13, lim, QUOTA_KEY);
	quota_concurrency_row(&rows, CC_COL_CONCURRENT, CC_COL_CONCURRENT + 1, lim);
	quota_window_row(&rows, CC_COL_WINDOWS, CC_COL_WINDOWS + 1, lim);
	if (stamps == NULL)
		stamps = db_val(&rows, 0, CC_COL_STAMPS);
	cc_snap_fill(stamps, s);
	if (db_ll(&rows, 0, 7, 0)) {
		p = db_int(r->who.key_id);
		(void)db_exec(SQL_KEY_TOUCH, &p, 1, NULL, NULL);
	}
	cc_ident_put(r, hash, lim, stamps, db_val(&rows, 0, CC_COL_VALID_US));
	cc_circuits(r->who.user_id, s);
	rc = 0;
out:
	db_rows_free(&rows);
	return rc;
}

static void
cc_res_drop(struct cc_resolved *e)
{
	free(e->targets);
	memset(e, 0, sizeof(*e));
}

static void
cc_key_drop(struct cc_key *e)
{
	if (e->key) {
		OPENSSL_cleanse(e->key, e->keylen);
		free(e->key);
	}
	OPENSSL_cleanse(e, sizeof(*e));
}

static int
cc_fresh(long long born_us, long long now)
{
	long long	 ttl = cc_trust_s > 0 ? cc_trust_s : CHATCACHE_TTL_S;

	return now - born_us >= 0 && now - born_us < ttl * 1000000LL;
}

int
chatcache_resolve(const struct chatcache_snap *s, long long user_id,
    const char *ref, struct catalog_target *out, size_t max,
    char *resolved_ref, struct sb_error *e)
{
	struct cc_resolved	*slot = NULL;
	long long		 now = http_now_us();
	size_t			 i;
	int			 n;

	if (s == NULL || !s->valid || ref == NULL || strlen(ref) > CATALOG_REF_MAX)
		return catalog_resolve(user_id, ref, out, max, resolved_ref, e);
	for (i = 0; i < CHATCACHE_RESOLVED; i++) {
		struct cc_resolved *c = &cc_res[i];

		if (c->targets == NULL || c->user_id != user_id ||
		    strcmp(c->ref, ref) != 0)
			continue;
		if (!cc_fresh(c->born_us, now) || strcmp(c->fp, s->fp) != 0 ||
		    (size_t)c->n > max) {
			cc_res_drop(c);
			break;
		}
		memcpy(out, c->targets, sizeof(*out) * (size_t)c->n);
		if (resolved_ref)
			cc_copy(resolved_ref, CATALOG_REF_MAX + 1, c->resolved);
		return c->n;
	}
	if ((n = catalog_resolve(user_id, ref, out, max, resolved_ref, e)) <= 0)
		return n;
	/* An empty slot, else an expired one, else the oldest. */
	for (i = 0; i < CHATCACHE_RESOLVED; i++) {
		struct cc_resolved *c = &cc_res[i];

		if (c->targets == NULL || !cc_fresh(c->born_us, now)) {
			slot = c;
			break;
		}
		if (slot == NULL || c->born_us < slot->born_us)
			slot = c;
	}
	cc_res_drop(slot);
	if ((slot->targets = malloc(sizeof(*out) * (size_t)n)) == NULL)
		return n;
	memcpy(slot->targets, out, sizeof(*out) * (size_t)n);
	slot->n = n;
	slot->user_id = user_id;
	slot->born_us = now;
	cc_copy(slot->ref, sizeof(slot->ref), ref);
	cc_copy(slot->resolved, sizeof(slot->resolved), resolved_ref ? resolved_ref : ref);
	cc_copy(slot->fp, sizeof(slot->fp), s->fp);
	return n;
}

int
chatcache_config_key(const struct chatcache_snap *s, long long user_id,
    long long config_id, char *key, size_t keysz, struct sb_error *e)
{
	struct cc_key	*slot = NULL;
	long long	 now = http_now_us();
	size_t		 i, len;

	if (s == NULL || !s->valid)
		return catalog_config_key(user_id, config_id, key, keysz, e);
	for (i = 0; i < CHATCACHE_KEYS; i++) {
		struct cc_key *c = &cc_keys[i];

		if (c->key == NULL || c->user_id != user_id || c->config_id != config_id)
			continue;
		if (!cc_fresh(c->born_us, now) || strcmp(c->fp, s->fp) != 0 ||
		    c->keylen + 1 > keysz) {
			cc_key_drop(c);
			break;
		}
		memcpy(key, c->key, c->keylen + 1);
		return 0;
	}
	if (catalog_config_key(user_id, config_id, key, keysz, e) != 0)
		return -1;
	for (i = 0; i < CHATCACHE_KEYS; i++) {
		struct cc_key *c = &cc_keys[i];

		if (c->key == NULL || !cc_fresh(c->born_us, now)) {
			slot = c;
			break;
		}
		if (slot == NULL || c->born_us < slot->born_us)
			slot = c;
	}
	cc_key_drop(slot);
	len = strnlen(key, keysz);
	if (len >= keysz || (slot->key = malloc(len + 1)) == NULL)
		return 0;
	memcpy(slot->key, key, len + 1);
	slot->keylen = len;
	slot->user_id = user_id;
	slot->config_id = config_id;
	slot->born_us = now;
	cc_copy(slot->fp, sizeof(slot->fp), s->fp);
	return 0;
}

void
chatcache_flush(void)
{
	size_t	 i;

	for (i = 0; i < CHATCACHE_RESOLVED; i++)
		cc_res_drop(&cc_res[i]);
	for (i = 0; i < CHATCACHE_KEYS; i++)
		cc_key_drop(&cc_keys[i]);
	for (i = 0; i < CHATCACHE_KEYS; i++)
		cc_ident_drop(&cc_ids[i]);
	memset(cc_circ, 0, sizeof(cc_circ));
}
