/* catalog_json: the catalog's JSON views and the small per-user tables
 * behind them (aliases, favorites) for providers.fcgi.  Every query binds the
 * caller's user id; prices go out as exact USD numbers from integer micros,
 * or null when unknown. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
#include "db.h"
#include "json.h"
#include "price.h"
#include "stamp.h"

#define CATALOG_ALIAS_MAX	128
#define CATALOG_LIST_MAX	2000	/* aliases / favorites loaded per request */

static const char SQL_PROVIDERS[] =
    "SELECT p.name, p.display_name, p.provider_type, p.api_format, p.base_url, p.docs_url,"
    " p.keys_url, p.supports_streaming, p.supports_vision, p.supports_functions, p.supports_audio,"
    " p.is_active, (SELECT COUNT(*) FROM user_api_providers c WHERE c.provider_id = p.id"
    " AND c.user_id = ?) FROM api_providers p WHERE (? = '' OR p.name = ?)"
    " ORDER BY p.provider_type, p.name";
static const char SQL_CONFIGS[] =
    "SELECT c.id, c.name, p.name, p.display_name, p.provider_type, p.api_format,"
    " c.key_hint, COALESCE(NULLIF(c.base_url, ''), p.base_url), c.base_url, c.priority,"
    " c.is_active, p.is_active, c.status, c.last_error,"
    " DATE_FORMAT(c.last_sync_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(c.created_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " (SELECT COUNT(*) FROM aggregator_models m WHERE m.config_id = c.id"
    "  AND m.user_id = c.user_id AND m.is_available = 1),"
    " (SELECT COALESCE(SUM(u.cost_micros), 0) FROM aggregator_usage_logs u"
    "  WHERE u.user_id = c.user_id AND u.config_id = c.id"
    "  AND u.created_at >= DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-01')),"
    " c.weight"
    " FROM user_api_providers c JOIN api_providers p ON p.id = c.provider_id"
    " WHERE c.user_id = ? AND (? = 0 OR c.id = ?) ORDER BY c.priority, c.created_at, c.name";
static const char SQL_ALIASES[] =
    "SELECT id, alias, target_model, user_id FROM model_aliases"
    " WHERE user_id = ? OR user_id = 0 ORDER BY user_id DESC, alias LIMIT 2000";
static const char SQL_ALIAS_ONE[] =
    "SELECT id, alias, target_model, user_id FROM model_aliases"
    " WHERE id = ? AND (user_id = ? OR user_id = 0)";
static const char SQL_ALIAS_INSERT[] =
    "INSERT INTO model_aliases (user_id, alias, target_model) VALUES (?, ?, ?)";
static const char SQL_ALIAS_DELETE[] =
    "DELETE FROM model_aliases WHERE id = ? AND user_id = ?";
static const char SQL_FAVORITES[] =
    "SELECT model_ref FROM model_favorites WHERE user_id = ? LIMIT 2000";
static const char SQL_FAVORITE_ADD[] =
    "INSERT IGNORE INTO model_favorites (user_id, model_ref) VALUES (?, ?)";
static const char SQL_FAVORITE_DEL[] =
    "DELETE FROM model_favorites WHERE user_id = ? AND model_ref = ?";
static const char SQL_STATS_24H[] =
    "SELECT COUNT(*), COALESCE(SUM(status = 'success'), 0) FROM aggregator_usage_logs"
    " WHERE user_id = ? AND config_id = ? AND resolved_model = ?"
    " AND created_at >= NOW(6) - INTERVAL 1 DAY";
static const char SQL_MEDIAN_24H[] =
    "SELECT latency_ms FROM aggregator_usage_logs"
    " WHERE user_id = ? AND config_id = ? AND resolved_model = ? AND status = 'success'"
    " AND created_at >= NOW(6) - INTERVAL 1 DAY ORDER BY latency_ms LIMIT 1 OFFSET ?";

static cJSON *
json_bool(cJSON *o, const char *name, const struct db_rows *rows, int r, int c)
{
	return cJSON_AddBoolToObject(o, name, db_ll(rows, r, c, 0) != 0);
}

/* ---- providers ------------------------------------------------------------ */

static cJSON *
catalog_provider_row(const struct db_rows *rows, int r)
{
	cJSON	*o = cJSON_CreateObject(), *f;

	cJSON_AddStringToObject(o, "name", db_val(rows, r, 0));
	cJSON_AddStringToObject(o, "display_name", db_val(rows, r, 1));
	cJSON_AddStringToObject(o, "type", db_val(rows, r, 2));
	cJSON_AddStringToObject(o, "api_format", db_val(rows, r, 3));
	cJSON_AddStringToObject(o, "base_url", db_val(rows, r, 4));
	json_add_str_or_null(o, "docs_url", db_val(rows, r, 5));
	json_add_str_or_null(o, "keys_url", db_val(rows, r, 6));
	f = cJSON_AddObjectToObject(o, "features");
	json_bool(f, "streaming", rows, r, 7);
	json_bool(f, "vision", rows, r, 8);
	json_bool(f, "functions", rows, r, 9);
	json_bool(f, "audio", rows, r, 10);
	json_bool(o, "is_active", rows, r, 11);
	json_bool(o, "configured", rows, r, 12);
	return o;
}

cJSON *
catalog_providers_json(long long user_id, const char *only_name)
{
	const char	*n = only_name ? only_name : "";
	struct db_param	 p[] = { db_int(user_id), db_str(n), db_str(n) };
	struct db_rows	 rows;
	cJSON		*root, *arr;
	int		 i;

	if (db_query(SQL_PROVIDERS, p, 3, &rows) != DB_OK) {
		db_rows_free(&rows);
		return NULL;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "providers");
	for (i = 0; i < rows.nrows; i++)
		cJSON_AddItemToArray(arr, catalog_provider_row(&rows, i));
	db_rows_free(&rows);
	return root;
}

/* ---- configs --------------------------------------------------------------- */

static cJSON *
catalog_config_row(const struct db_rows *rows, int r)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)db_ll(rows, r, 0, 0));
	cJSON_AddStringToObject(o, "name", db_val(rows, r, 1));
	cJSON_AddStringToObject(o, "provider", db_val(rows, r, 2));
	cJSON_AddStringToObject(o, "display_name", db_val(rows, r, 3));
	cJSON_AddStringToObject(o, "type", db_val(rows, r, 4));
	cJSON_AddStringToObject(o, "api_format", db_val(rows, r, 5));
	cJSON_AddStringToObject(o, "key_hint", db_val(rows, r, 6));
	cJSON_AddStringToObject(o, "base_url", db_val(rows, r, 7));
	cJSON_AddBoolToObject(o, "base_url_override", db_val(rows, r, 8) != NULL &&
	    db_val(rows, r, 8)[0] != '\0');
	cJSON_AddNumberToObject(o, "priority", (double)db_ll(rows, r, 9, 100));
	json_bool(o, "is_active", rows, r, 10);
	json_bool(o, "provider_active", rows, r, 11);
	cJSON_AddStringToObject(o, "status", db_val(rows, r, 12));
	json_add_str_or_null(o, "last_error", db_val(rows, r, 13));
	json_add_str_or_null(o, "last_sync_at", db_val(rows, r, 14));
	json_add_str_or_null(o, "created_at", db_val(rows, r, 15));
	cJSON_AddNumberToObject(o, "model_count", (double)db_ll(rows, r, 16, 0));
	json_add_usd(o, "month_cost_usd", db_ll(rows, r, 17, 0));
	cJSON_AddNumberToObject(o, "weight", (double)db_ll(rows, r, 18, 1));
	return o;
}

cJSON *
catalog_configs_json(long long user_id, long long only_id)
{
	struct db_param	 p[] = { db_int(user_id), db_int(only_id), db_int(only_id) };
	struct db_rows	 rows;
	cJSON		*root = NULL, *arr;
	int		 i;

	if (db_query(SQL_CONFIGS, p, 3, &rows) != DB_OK)
		goto out;
	if (only_id != 0) {
		if (rows.nrows > 0)
			root = catalog_config_row(&rows, 0);
		goto out;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "configs");
	for (i = 0; i < rows.nrows; i++)
		cJSON_AddItemToArray(arr, catalog_config_row(&rows, i));
out:
	db_rows_free(&rows);
	return root;
}

/* ---- models ---------------------------------------------------------------- */

struct catalog_models_ctx {
	const struct catalog_model_filter	*f;
	struct db_rows				 aliases;
	struct db_rows				 favorites;
	unsigned				 cap_bit;
	cJSON					*providers;
	cJSON					*group;
	long long				 group_id;
};

static int
catalog_model_matches(const struct catalog_models_ctx *x, const struct catalog_config *c,
    const struct catalog_model *m)
{
	const struct catalog_model_filter *f = x->f;

	if (f->type && f->type[0] && strcmp(f->type, model_type_names[m->type]) != 0)
		return 0;
	if (f->capability && f->capability[0] && !(m->caps & x->cap_bit))
		return 0;
	if (f->provider && f->provider[0] && strcasecmp(f->provider, c->name) != 0 &&
	    strcasecmp(f->provider, c->provider) != 0)
		return 0;
	if (f->q && f->q[0] && strcasestr(m->model_id, f->q) == NULL &&
	    strcasestr(m->display_name, f->q) == NULL)
		return 0;
	return 1;
}

static cJSON *
catalog_group(struct catalog_models_ctx *x, const struct catalog_config *c)
{
	cJSON	*g;

	if (x->group != NULL && x->group_id == c->id)
		return x->group;
	g = cJSON_CreateObject();
	cJSON_AddStringToObject(g, "config", c->name);
	cJSON_AddStringToObject(g, "provider", c->provider);
	cJSON_AddStringToObject(g, "display_name", c->display_name);
	cJSON_AddStringToObject(g, "type", c->is_aggregator ? "aggregator" : "direct");
	cJSON_AddArrayToObject(g, "models");
	cJSON_AddItemToArray(x->providers, g);
	x->group = g;
	x->group_id = c->id;
	return g;
}

static void
catalog_model_extras(struct catalog_models_ctx *x, cJSON *o, const char *ref)
{
	cJSON	*al = cJSON_AddArrayToObject(o, "aliases");
	int	 i, fav = 0;

	for (i = 0; i < x->favorites.nrows; i++)
		if (db_val(&x->favorites, i, 0) && strcmp(db_val(&x->favorites, i, 0), ref) == 0)
			fav = 1;
	cJSON_AddBoolToObject(o, "favorite", fav);
	for (i = 0; i < x->aliases.nrows; i++)
		if (db_val(&x->aliases, i, 2) && strcmp(db_val(&x->aliases, i, 2), ref) == 0)
			cJSON_AddItemToArray(al, cJSON_CreateString(db_val(&x->aliases, i, 1)));
}

static int
catalog_model_cb(void *ctx, const struct catalog_config *c, const struct catalog_model *m)
{
	struct catalog_models_ctx	*x = ctx;
	char				 ref[CATALOG_REF_MAX + 1];
	cJSON				*o, *caps;
	int				 k;

	if (!catalog_model_matches(x, c, m))
		return 0;
	snprintf(ref, sizeof(ref), "%s/%s", c->name, m->model_id);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", ref);
	cJSON_AddStringToObject(o, "model", m->model_id);
	cJSON_AddStringToObject(o, "name", m->display_name);
	cJSON_AddStringToObject(o, "type", model_type_names[m->type]);
	if (m->context_window > 0)
		cJSON_AddNumberToObject(o, "context_window", (double)m->context_window);
	else
		cJSON_AddNullToObject(o, "context_window");
	if (m->max_output > 0)
		cJSON_AddNumberToObject(o, "max_output", (double)m->max_output);
	else
		cJSON_AddNullToObject(o, "max_output");
	json_add_usd_or_null(o, "input_price_per_m", m->input_price);
	json_add_usd_or_null(o, "output_price_per_m", m->output_price);
	json_add_usd_or_null(o, "cache_read_price_per_m", m->cache_read_price);
	json_add_usd_or_null(o, "cache_write_price_per_m", m->cache_write_price);
	cJSON_AddBoolToObject(o, "price_known", m->price_known);
	cJSON_AddStringToObject(o, "price_source", m->price_source);
	caps = cJSON_AddArrayToObject(o, "capabilities");
	for (k = 0; k < MODEL_CAP__MAX; k++)
		if (m->caps & MODEL_CAP_BIT(k))
			cJSON_AddItemToArray(caps, cJSON_CreateString(model_cap_names[k]));
	cJSON_AddBoolToObject(o, "aggregator", c->is_aggregator);
	catalog_model_extras(x, o, ref);
	cJSON_AddItemToArray(cJSON_GetObjectItem(catalog_group(x, c), "models"), o);
	return 0;
}

cJSON *
catalog_models_json(long long user_id, const struct catalog_model_filter *f)
{
	struct catalog_models_ctx	 x;
	struct db_param			 p[] = { db_int(user_id) };
	cJSON				*root = NULL;
	int				 k;

	memset(&x, 0, sizeof(x));
	x.f = f;
	if (f->capability && f->capability[0]) {
		for (k = 0; k < MODEL_CAP__MAX; k++)
			if (strcmp(f->capability, model_cap_names[k]) == 0)
				x.cap_bit = MODEL_CAP_BIT(k);
		if (x.cap_bit == 0)
			x.cap_bit = 1u << 31;	/* unknown capability: nothing matches */
	}
	if (db_query(SQL_ALIASES, p, 1, &x.aliases) != DB_OK ||
	    db_query(SQL_FAVORITES, p, 1, &x.favorites) != DB_OK)
		goto out;
	root = cJSON_CreateObject();
	x.providers = cJSON_AddArrayToObject(root, "providers");
	if (catalog_each_model(user_id, catalog_model_cb, &x) != 0) {
		cJSON_Delete(root);
		root = NULL;
	}
out:
	db_rows_free(&x.aliases);
	db_rows_free(&x.favorites);
	return root;
}

/* ---- compare --------------------------------------------------------------- */

struct catalog_compare_ctx {
	long long	 user_id;
	char		 key[CATALOG_REF_MAX + 1];
	cJSON		*offers;
	int		 error;
};

static void
catalog_offer_stats(struct catalog_compare_ctx *x, long long config_id, const char *model,
    cJSON *o)
{
	struct db_param	 p[4] = { db_int(x->user_id), db_int(config_id), db_str(model), db_int(0) };
	struct db_rows	 rows;
	long long	 n = 0, ok = 0;

	if (db_query(SQL_STATS_24H, p, 3, &rows) == DB_OK && rows.nrows > 0) {
		n = db_ll(&rows, 0, 0, 0);
		ok = db_ll(&rows, 0, 1, 0);
	}
	db_rows_free(&rows);
	if (n > 0)
		cJSON_AddNumberToObject(o, "success_rate_24h", (double)ok / (double)n);
	else
		cJSON_AddNullToObject(o, "success_rate_24h");
	cJSON_AddNumberToObject(o, "requests_24h", (double)n);
	p[3] = db_int(ok > 0 ? (ok - 1) / 2 : 0);
	if (ok > 0 && db_query(SQL_MEDIAN_24H, p, 4, &rows) == DB_OK && rows.nrows > 0)
		cJSON_AddNumberToObject(o, "p50_latency_ms", (double)db_ll(&rows, 0, 0, 0));
	else
		cJSON_AddNullToObject(o, "p50_latency_ms");
	if (ok > 0)
		db_rows_free(&rows);
}

static int
catalog_compare_cb(void *ctx, const struct catalog_config *c, const struct catalog_model *m)
{
	struct catalog_compare_ctx	*x = ctx;
	char				 key[CATALOG_REF_MAX + 1];
	cJSON				*o;

	if (price_model_key(m->model_id, key, sizeof(key)) != 0 || strcmp(key, x->key) != 0)
		return 0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "config", c->name);
	cJSON_AddStringToObject(o, "provider", c->provider);
	cJSON_AddStringToObject(o, "model", m->model_id);
	json_add_usd_or_null(o, "input_price_per_m", m->input_price);
	json_add_usd_or_null(o, "output_price_per_m", m->output_price);
	catalog_offer_stats(x, c->id, m->model_id, o);
	cJSON_AddItemToArray(x->offers, o);
	return 0;
}

cJSON *
catalog_compare_json(long long user_id, const char *model)
{
	struct catalog_compare_ctx	 x;
	cJSON				*root;

	memset(&x, 0, sizeof(x));
	x.user_id = user_id;
	if (price_model_key(model, x.key, sizeof(x.key)) != 0)
		x.key[0] = '\0';
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "model", model);
	cJSON_AddStringToObject(root, "key", x.key);
	x.offers = cJSON_AddArrayToObject(root, "offers");
	if (x.key[0] != '\0' && catalog_each_model(user_id, catalog_compare_cb, &x) != 0) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* ---- favorites and aliases ------------------------------------------------- */

int
catalog_favorite_set(long long user_id, const char *ref, int on, struct sb_error *e)
{
	struct db_param		 p[] = { db_int(user_id), db_str(ref) };
	struct catalog_config	 c;
	const char		*slash;
	char			 name[CATALOG_NAME_MAX + 1];
	size_t			 n;

	if (ref == NULL || (slash = strchr(ref, '/')) == NULL ||
	    (n = (size_t)(slash - ref)) == 0 || n > CATALOG_NAME_MAX ||
	    slash[1] == '\0' || strlen(ref) > CATALOG_REF_MAX) {
		err_set(e, ERR_VALIDATION, 400, "invalid_model",
		    "model must be an address like \"openrouter/anthropic/claude-3.5-sonnet\".");
		return -1;
	}
	memcpy(name, ref, n);
	name[n] = '\0';
	if (on && catalog_config_by_name(user_id, name, &c, e) != 0) {
		if (e->status == 404)
			err_set(e, ERR_MODEL, 404, "model_not_found",
			    "You have no provider config named '%s'; add it on the Providers page, "
			    "then sync it.", name);
		return -1;
	}
	if (on) {
		struct catalog_model	 m;
		int			 found = catalog_model_get(c.id, slash + 1, &m);

		if (found < 0) {
			err_db_unavailable(e);
			return -1;
		}
		if (found == 0) {
			err_set(e, ERR_MODEL, 404, "model_not_found",
			    "The model '%.200s' is not in your catalog for '%s'; sync that provider "
			    "or pick a model from the Models page.", slash + 1, name);
			return -1;
		}
	}
	if (db_exec(on ? SQL_FAVORITE_ADD : SQL_FAVORITE_DEL, p, 2, NULL, NULL) != DB_OK) {
		err_db_unavailable(e);
		return -1;
	}
	return 0;
}

static cJSON *
catalog_alias_row(const struct db_rows *rows, int r)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)db_ll(rows, r, 0, 0));
	cJSON_AddStringToObject(o, "alias", db_val(rows, r, 1));
	cJSON_AddStringToObject(o, "model", db_val(rows, r, 2));
	cJSON_AddStringToObject(o, "scope", db_ll(rows, r, 3, 0) == 0 ? "global" : "user");
	return o;
}

cJSON *
catalog_aliases_json(long long user_id)
{
	struct db_param	 p[] = { db_int(user_id) };
	struct db_rows	 rows;
	cJSON		*root, *arr;
	int		 i;

	if (db_query(SQL_ALIASES, p, 1, &rows) != DB_OK) {
		db_rows_free(&rows);
		return NULL;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "aliases");
	for (i = 0; i < rows.nrows; i++)
		cJSON_AddItemToArray(arr, catalog_alias_row(&rows, i));
	db_rows_free(&rows);
	return root;
}

cJSON *
catalog_alias_json(long long user_id, long long alias_id)
{
	struct db_param	 p[] = { db_int(alias_id), db_int(user_id) };
	struct db_rows	 rows;
	cJSON		*o = NULL;

	if (db_query(SQL_ALIAS_ONE, p, 2, &rows) == DB_OK && rows.nrows > 0)
		o = catalog_alias_row(&rows, 0);
	db_rows_free(&rows);
	return o;
}

/* Aliases: 1..128 of [A-Za-z0-9._:@-], no '/', so they never look like
 * "config/model". */
static int
catalog_alias_ok(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > CATALOG_ALIAS_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._:@-", s[i]) == NULL)
			return 0;
	return 1;
}

static int
catalog_model_ref_ok(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > CATALOG_REF_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int
catalog_alias_create(long long user_id, const char *alias, const char *model, int global,
    long long *id, struct sb_error *e)
{
	struct db_param		 p[3];
	unsigned long long	 newid = 0;
	int			 rc;

	if (!catalog_alias_ok(alias)) {
		err_set(e, ERR_VALIDATION, 400, "invalid_alias",
		    "alias must be 1-128 characters of letters, digits and . _ : @ - (no '/').");
		return -1;
	}
	if (!catalog_model_ref_ok(model)) {
		err_set(e, ERR_VALIDATION, 400, "invalid_model",
		    "model must be a model address like \"openai/gpt-4o\" (no spaces, at most 320 characters).");
		return -1;
	}
	p[0] = db_int(global ? 0 : user_id);
	p[1] = db_str(alias);
	p[2] = db_str(model);
	rc = db_exec(SQL_ALIAS_INSERT, p, 3, NULL, &newid);
	if (rc == DB_DUPLICATE) {
		err_set(e, ERR_VALIDATION, 409, "conflict", "The alias '%s' already exists.", alias);
		return -1;
	}
	if (rc != DB_OK) {
		err_db_unavailable(e);
		return -1;
	}
	*id = (long long)newid;
	(void)(global ? stamp_global() : stamp_user(user_id));
	return 0;
}

int
catalog_alias_delete(long long user_id, long long alias_id, int is_admin, struct sb_error *e)
{
	struct db_param		 p[] = { db_int(alias_id), db_int(user_id) };
	struct db_param		 g[] = { db_int(alias_id), db_int(0) };
	unsigned long long	 affected = 0;

	if (db_exec(SQL_ALIAS_DELETE, p, 2, &affected, NULL) != DB_OK)
		goto dberr;
	if (affected == 1) {
		(void)stamp_user(user_id);
		return 0;
	}
	if (is_admin && db_exec(SQL_ALIAS_DELETE, g, 2, &affected, NULL) != DB_OK)
		goto dberr;
	if (affected == 0) {
		err_set(e, ERR_VALIDATION, 404, "not_found", "No such alias.");
		return -1;
	}
	(void)stamp_global();
	return 0;
dberr:
	err_db_unavailable(e);
	return -1;
}
