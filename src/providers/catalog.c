/* catalog: data access for providers, a user's provider configs (keys
 * sealed by the vault), discovered models and model resolution (see
 * catalog.h).  Every per-user statement binds the user id; rows are parsed
 * into fixed-size structs with bounded copies.  The JSON views for the API
 * live in catalog_json.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "catalog.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "price.h"
#include "sbconst.h"
#include "stamp.h"
#include "vault.h"

const char *const catalog_api_format_names[CATALOG_FMT__MAX] = {
	"openai", "anthropic", "gemini",
};

/* The config columns every config query selects, in this order. */
#define CONFIG_COLS \
    "c.id, c.user_id, c.name, p.name, p.display_name, p.provider_type, p.api_format," \
    " COALESCE(NULLIF(c.base_url, ''), p.base_url), (c.base_url IS NOT NULL AND c.base_url <> '')," \
    " c.priority, (c.is_active = 1 AND p.is_active = 1), c.status, c.key_hint, c.key_id," \
    " c.weight"
#define CONFIG_NCOLS 15
#define CONFIG_FROM \
    " FROM user_api_providers c JOIN api_providers p ON p.id = c.provider_id"
/* A model's prices: an admin's override (prices.h) over the row's. */
#define MODEL_COLS \
    "m.id, m.model_id, m.display_name, m.model_type, m.context_window, m.max_output," \
    " COALESCE(po.input_price, m.input_price), COALESCE(po.output_price, m.output_price)," \
    " COALESCE(po.cache_read_price, m.cache_read_price)," \
    " COALESCE(po.cache_write_price, m.cache_write_price)," \
    " m.capabilities, m.is_available, IF(po.model_id IS NULL, m.price_source, 'admin')"
#define MODEL_NCOLS 13
#define MODEL_PRICE_JOIN \
    " LEFT JOIN price_overrides po ON po.provider_id = c.provider_id AND po.model_id = m.model_id"

static const char SQL_CONFIG_BY_ID[] =
    "SELECT " CONFIG_COLS CONFIG_FROM " WHERE c.user_id = ? AND c.id = ?";
static const char SQL_CONFIG_BY_NAME[] =
    "SELECT " CONFIG_COLS CONFIG_FROM " WHERE c.user_id = ? AND c.name = ?";
static const char SQL_CONFIGS_ACTIVE[] =
    "SELECT " CONFIG_COLS CONFIG_FROM " WHERE c.user_id = ? AND c.is_active = 1 AND p.is_active = 1"
    " ORDER BY c.priority, c.created_at, c.name";
static const char SQL_CONFIG_KEY[] =
    "SELECT api_key_enc, key_id FROM user_api_providers WHERE user_id = ? AND id = ?";
static const char SQL_CONFIG_SET_STATUS[] =
    "UPDATE user_api_providers SET status = ?, last_error = ? WHERE user_id = ? AND id = ?";
static const char SQL_MODEL_GET[] =
    "SELECT " MODEL_COLS " FROM aggregator_models m JOIN user_api_providers c ON c.id = m.config_id"
    MODEL_PRICE_JOIN " WHERE m.config_id = ? AND m.model_id = ?";
static const char SQL_MODEL_OFFERS[] =
    "SELECT " CONFIG_COLS ", " MODEL_COLS CONFIG_FROM
    " JOIN aggregator_models m ON m.config_id = c.id" MODEL_PRICE_JOIN
    " WHERE c.user_id = ? AND m.user_id = ? AND m.model_id = ? AND m.is_available = 1"
    " AND c.is_active = 1 AND p.is_active = 1 ORDER BY c.priority, c.created_at LIMIT 16";
static const char SQL_MODELS_ALL[] =
    "SELECT " CONFIG_COLS ", " MODEL_COLS CONFIG_FROM
    " JOIN aggregator_models m ON m.config_id = c.id" MODEL_PRICE_JOIN
    " WHERE c.user_id = ? AND m.user_id = ? AND m.is_available = 1"
    " AND c.is_active = 1 AND p.is_active = 1"
    " ORDER BY c.priority, c.created_at, c.id, m.model_id";
static const char SQL_ALIAS_TARGET[] =
    "SELECT target_model FROM model_aliases WHERE alias = ? AND (user_id = ? OR user_id = 0)"
    " ORDER BY user_id DESC LIMIT 1";
static const char SQL_PROVIDER_GET[] =
    "SELECT id, name, display_name, provider_type, api_format, base_url, is_active"
    " FROM api_providers WHERE name = ?";
static const char SQL_ROTATE_LIST[] =
    "SELECT id, user_id, key_id FROM user_api_providers WHERE key_id <> ?";
static const char SQL_ROTATE_ONE[] =
    "SELECT api_key_enc FROM user_api_providers WHERE id = ? AND user_id = ? AND key_id = ?";
static const char SQL_ROTATE_UPDATE[] =
    "UPDATE user_api_providers SET api_key_enc = ?, key_id = ?, key_fingerprint = ?"
    " WHERE id = ? AND user_id = ? AND key_id = ?";

/* ---- row parsing ------------------------------------------------------- */

static void
catalog_copy(char *dst, size_t size, const char *src)
{
	size_t	 n;

	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

enum catalog_api_format
catalog_api_format_parse(const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < CATALOG_FMT__MAX; i++)
		if (strcmp(s, catalog_api_format_names[i]) == 0)
			return (enum catalog_api_format)i;
	return CATALOG_FMT_OPENAI;
}

static void
catalog_row_config(const struct db_rows *rows, int r, int c0, struct catalog_config *c)
{
	memset(c, 0, sizeof(*c));
	c->id = db_ll(rows, r, c0 + 0, 0);
	c->user_id = db_ll(rows, r, c0 + 1, 0);
	catalog_copy(c->name, sizeof(c->name), db_val(rows, r, c0 + 2));
	catalog_copy(c->provider, sizeof(c->provider), db_val(rows, r, c0 + 3));
	catalog_copy(c->display_name, sizeof(c->display_name), db_val(rows, r, c0 + 4));
	c->is_aggregator = db_val(rows, r, c0 + 5) != NULL &&
	    strcmp(db_val(rows, r, c0 + 5), "aggregator") == 0;
	c->api_format = catalog_api_format_parse(db_val(rows, r, c0 + 6));
	catalog_copy(c->base_url, sizeof(c->base_url), db_val(rows, r, c0 + 7));
	c->base_url_overridden = db_ll(rows, r, c0 + 8, 0) != 0;
	c->priority = (int)db_ll(rows, r, c0 + 9, 100);
	c->is_active = db_ll(rows, r, c0 + 10, 0) != 0;
	catalog_copy(c->status, sizeof(c->status), db_val(rows, r, c0 + 11));
	catalog_copy(c->key_hint, sizeof(c->key_hint), db_val(rows, r, c0 + 12));
	c->key_id = (int)db_ll(rows, r, c0 + 13, 0);
	c->weight = (int)db_ll(rows, r, c0 + 14, 1);
}

static enum model_type
catalog_type_parse(const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < MODEL_TYPE__MAX; i++)
		if (strcmp(s, model_type_names[i]) == 0)
			return (enum model_type)i;
	return MODEL_TYPE_OTHER;
}

static void
catalog_row_model(const struct db_rows *rows, int r, int c0, struct catalog_model *m)
{
	memset(m, 0, sizeof(*m));
	m->id = db_ll(rows, r, c0 + 0, 0);
	catalog_copy(m->model_id, sizeof(m->model_id), db_val(rows, r, c0 + 1));
	catalog_copy(m->display_name, sizeof(m->display_name), db_val(rows, r, c0 + 2));
	m->type = catalog_type_parse(db_val(rows, r, c0 + 3));
	m->context_window = db_ll(rows, r, c0 + 4, 0);
	m->max_output = db_ll(rows, r, c0 + 5, 0);
	m->input_price = db_ll(rows, r, c0 + 6, PRICE_UNKNOWN);
	m->output_price = db_ll(rows, r, c0 + 7, PRICE_UNKNOWN);
	m->cache_read_price = db_ll(rows, r, c0 + 8, PRICE_UNKNOWN);
	m->cache_write_price = db_ll(rows, r, c0 + 9, PRICE_UNKNOWN);
	m->price_known = m->input_price >= 0 && m->output_price >= 0;
	m->caps = modellist_caps_parse(db_val(rows, r, c0 + 10));
	m->is_available = db_ll(rows, r, c0 + 11, 0) != 0;
	catalog_copy(m->price_source, sizeof(m->price_source), db_val(rows, r, c0 + 12));
}

static int
catalog_db_error(struct sb_error *e)
{
	err_db_unavailable(e);
	return -1;
}

/* ---- configs ----------------------------------------------------------- */

/* Run a single-config query; 0 found, -1 with e (404 or 503). */
static int
catalog_config_query(const char *sql, const struct db_param *p, int np,
    struct catalog_config *out, struct sb_error *e)
{
	struct db_rows	 rows;
	int		 rc;

	rc = db_query(sql, p, np, &rows);
	if (rc != DB_OK) {
		db_rows_free(&rows);
		return catalog_db_error(e);
	}
	if (rows.nrows == 0) {
		db_rows_free(&rows);
		err_set(e, ERR_VALIDATION, 404, "not_found", "No such provider config.");
		return -1;
	}
	catalog_row_config(&rows, 0, 0, out);
	db_rows_free(&rows);
	return 0;
}

int
catalog_config_get(long long user_id, long long config_id, struct catalog_config *out,
    struct sb_error *e)
{
	struct db_param	 p[] = { db_int(user_id), db_int(config_id) };

	return catalog_config_query(SQL_CONFIG_BY_ID, p, 2, out, e);
}

int
catalog_config_by_name(long long user_id, const char *name, struct catalog_config *out,
    struct sb_error *e)
{
	struct db_param	 p[] = { db_int(user_id), db_str(name) };

	if (name == NULL || strlen(name) > CATALOG_NAME_MAX) {
		err_set(e, ERR_VALIDATION, 404, "not_found", "No such provider config.");
		return -1;
	}
	return catalog_config_query(SQL_CONFIG_BY_NAME, p, 2, out, e);
}

int
catalog_active_configs(long long user_id, struct catalog_config *out, size_t max)
{
	struct db_param	 p[] = { db_int(user_id) };
	struct db_rows	 rows;
	int		 i, n = 0;

	if (db_query(SQL_CONFIGS_ACTIVE, p, 1, &rows) != DB_OK) {
		db_rows_free(&rows);
		return -1;
	}
	for (i = 0; i < rows.nrows && (size_t)n < max; i++)
		catalog_row_config(&rows, i, 0, &out[n++]);
	db_rows_free(&rows);
	return n;
}

int
catalog_config_set_status(long long user_id, long long config_id, const char *status,
    const char *last_error)
{
	char		 err[CATALOG_ERROR_MAX + 1];
	struct db_param	 p[4];

	catalog_copy(err, sizeof(err), last_error);
	p[0] = db_str(status);
	p[1] = last_error ? db_str(err) : db_null();
	p[2] = db_int(user_id);
	p[3] = db_int(config_id);
	if (db_exec(SQL_CONFIG_SET_STATUS, p, 4, NULL, NULL) != DB_OK)
		return -1;
	return stamp_user(user_id);
}

/* The AAD that binds a sealed key to its owner. */
static void
catalog_key_aad(long long user_id, char *aad, size_t size)
{
	snprintf(aad, size, "user_api_providers:%lld", user_id);
}

int
catalog_seal_key(long long user_id, const char *key, unsigned char *out, size_t outsz,
    size_t *outlen, int *key_id)
{
	char	 aad[64];

	catalog_key_aad(user_id, aad, sizeof(aad));
	return vault_encrypt(key, strlen(key), aad, out, outsz, outlen, key_id) == VAULT_OK ? 0 : -1;
}

/* Open a sealed key; 0, or -1 with e filled. */
static int
catalog_open_key(long long user_id, int key_id, const unsigned char *blob, size_t len,
    char *key, size_t keysz, struct sb_error *e)
{
	char	 aad[64];
	size_t	 n;
	int	 rc;

	catalog_key_aad(user_id, aad, sizeof(aad));
	rc = vault_decrypt(key_id, blob, len, aad, key, keysz, &n);
	if (rc == VAULT_OK)
		return 0;
	OPENSSL_cleanse(key, keysz);
	if (rc == VAULT_UNKNOWN_KEY)
		err_set(e, ERR_INTERNAL, 500, "vault_unknown_key",
		    "The provider key is encrypted under unknown key id %d; add that key to the "
		    "[vault] section or store the provider key again.", key_id);
	else
		err_set(e, ERR_INTERNAL, 500, "vault_decrypt_failed",
		    "The stored provider key could not be decrypted (%s); store it again.",
		    vault_status_names[rc]);
	log_err("config key of user %lld: %s", user_id, e->message);
	return -1;
}

int
catalog_config_key(long long user_id, long long config_id, char *key, size_t keysz,
    struct sb_error *e)
{
	struct db_param	 p[] = { db_int(user_id), db_int(config_id) };
	struct db_rows	 rows;
	int		 rc;

	if (db_query(SQL_CONFIG_KEY, p, 2, &rows) != DB_OK) {
		db_rows_free(&rows);
		return catalog_db_error(e);
	}
	if (rows.nrows == 0 || db_val(&rows, 0, 0) == NULL) {
		db_rows_free(&rows);
		err_set(e, ERR_VALIDATION, 404, "not_found", "No such provider config.");
		return -1;
	}
	rc = catalog_open_key(user_id, (int)db_ll(&rows, 0, 1, 0),
	    (const unsigned char *)db_val(&rows, 0, 0), db_len(&rows, 0, 0), key, keysz, e);
	db_rows_free(&rows);
	return rc;
}

/* ---- models and resolution --------------------------------------------- */

int
catalog_model_get(long long config_id, const char *model_id, struct catalog_model *out)
{
	struct db_param	 p[] = { db_int(config_id), db_str(model_id) };
	struct db_rows	 rows;
	int		 found;

	if (db_query(SQL_MODEL_GET, p, 2, &rows) != DB_OK) {
		db_rows_free(&rows);
		return -1;
	}
	found = rows.nrows > 0;
	if (found)
		catalog_row_model(&rows, 0, 0, out);
	db_rows_free(&rows);
	return found;
}

/* Replace ref by the alias target, if ref is an alias. 0 or -1 (DB). */
static int
catalog_alias_apply(long long user_id, const char *ref, char *out, size_t size)
{
	struct db_param	 p[] = { db_str(ref), db_int(user_id) };
	struct db_rows	 rows;

	catalog_copy(out, size, ref);
	if (strlen(ref) > 128)
		return 0;
	if (db_query(SQL_ALIAS_TARGET, p, 2, &rows) != DB_OK) {
		db_rows_free(&rows);
		return -1;
	}
	if (rows.nrows > 0)
		catalog_copy(out, size, db_val(&rows, 0, 0));
	db_rows_free(&rows);
	return 0;
}

/* Every active config of the user offering model_id, by priority. */
static int
catalog_offers(long long user_id, const char *model_id, struct catalog_target *out, size_t max)
{
	struct db_param	 p[] = { db_int(user_id), db_int(user_id), db_str(model_id) };
	struct db_rows	 rows;
	int		 i, n = 0;

	if (db_query(SQL_MODEL_OFFERS, p, 3, &rows) != DB_OK) {
		db_rows_free(&rows);
		return -1;
	}
	for (i = 0; i < rows.nrows && (size_t)n < max; i++) {
		catalog_row_config(&rows, i, 0, &out[n].config);
		catalog_row_model(&rows, i, CONFIG_NCOLS, &out[n].model);
		out[n].model_known = 1;
		n++;
	}
	db_rows_free(&rows);
	return n;
}

/* "config/model" with config one of the user's active configs: 1 and *t
 * (model_known set if synced), 0 when the prefix is no such config. */
static int
catalog_explicit(long long user_id, const char *ref, struct catalog_target *t)
{
	const char	*slash = strchr(ref, '/');
	char		 name[CATALOG_NAME_MAX + 1];
	struct sb_error	 e;
	size_t		 n;
	int		 rc;

	if (slash == NULL || (n = (size_t)(slash - ref)) == 0 || n > CATALOG_NAME_MAX ||
	    slash[1] == '\0' || strlen(slash + 1) > MODELLIST_ID_MAX)
		return 0;
	memcpy(name, ref, n);
	name[n] = '\0';
	memset(t, 0, sizeof(*t));
	if (catalog_config_by_name(user_id, name, &t->config, &e) != 0 || !t->config.is_active)
		return 0;
	if ((rc = catalog_model_get(t->config.id, slash + 1, &t->model)) < 0)
		return -1;
	if (rc == 1 && t->model.is_available)
		t->model_known = 1;
	else {
		memset(&t->model, 0, sizeof(t->model));
		catalog_copy(t->model.model_id, sizeof(t->model.model_id), slash + 1);
		catalog_copy(t->model.display_name, sizeof(t->model.display_name), slash + 1);
		t->model.input_price = t->model.output_price = PRICE_UNKNOWN;
		t->model.cache_read_price = t->model.cache_write_price = PRICE_UNKNOWN;
		t->model.is_available = 1;
	}
	return 1;
}

int
catalog_resolve(long long user_id, const char *ref, struct catalog_target *out, size_t max,
    char *resolved_ref, struct sb_error *e)
{
	char			 target[CATALOG_REF_MAX + 1];
	struct catalog_target	 expl;
	int			 rc, n;

	if (ref == NULL || ref[0] == '\0' || strlen(ref) > CATALOG_REF_MAX || max == 0) {
		err_set(e, ERR_VALIDATION, 400, "invalid_model", "The model name is missing or too long.");
		return -1;
	}
	if (catalog_alias_apply(user_id, ref, target, sizeof(target)) != 0)
		return catalog_db_error(e);
	if (resolved_ref != NULL)
		catalog_copy(resolved_ref, CATALOG_REF_MAX + 1, target);
	if ((rc = catalog_explicit(user_id, target, &expl)) < 0)
		return catalog_db_error(e);
	if (rc == 1 && expl.model_known) {
		out[0] = expl;
		return 1;
	}
	if ((n = catalog_offers(user_id, target, out, max)) < 0)
		return catalog_db_error(e);
	if (n > 0)
		return n;
	if (rc == 1) {
		out[0] = expl;
		return 1;
	}
	err_set(e, ERR_MODEL, 404, "model_not_found",
	    "The model '%.200s' is not offered by any of your active providers; see GET /api/models.",
	    target);
	return -1;
}

int
catalog_each_model(long long user_id,
    int (*fn)(void *ctx, const struct catalog_config *c, const struct catalog_model *m),
    void *ctx)
{
	struct db_param		 p[] = { db_int(user_id), db_int(user_id) };
	struct db_rows		 rows;
	struct catalog_config	*c;
	struct catalog_model	*m;
	int			 i, rc = 0;

	if (db_query(SQL_MODELS_ALL, p, 2, &rows) != DB_OK) {
		db_rows_free(&rows);
		return -1;
	}
	c = malloc(sizeof(*c));
	m = malloc(sizeof(*m));
	if (c == NULL || m == NULL)
		rc = -1;
	for (i = 0; rc == 0 && i < rows.nrows; i++) {
		catalog_row_config(&rows, i, 0, c);
		catalog_row_model(&rows, i, CONFIG_NCOLS, m);
		if (fn(ctx, c, m) != 0)
			break;
	}
	free(c);
	free(m);
	db_rows_free(&rows);
	return rc;
}

/* ---- the catalog -------------------------------------------------------- */

int
catalog_provider_get(const char *name, struct catalog_provider *out, struct sb_error *e)
{
	struct db_param	 p[] = { db_str(name) };
	struct db_rows	 rows;

	memset(out, 0, sizeof(*out));
	if (name == NULL || strlen(name) > CATALOG_NAME_MAX) {
		err_set(e, ERR_VALIDATION, 404, "not_found", "No such provider.");
		return -1;
	}
	if (db_query(SQL_PROVIDER_GET, p, 1, &rows) != DB_OK) {
		db_rows_free(&rows);
		return catalog_db_error(e);
	}
	if (rows.nrows == 0) {
		db_rows_free(&rows);
		err_set(e, ERR_VALIDATION, 404, "not_found", "No such provider '%.64s'.", name);
		return -1;
	}
	out->id = (int)db_ll(&rows, 0, 0, 0);
	catalog_copy(out->name, sizeof(out->name), db_val(&rows, 0, 1));
	catalog_copy(out->display_name, sizeof(out->display_name), db_val(&rows, 0, 2));
	out->is_aggregator = db_val(&rows, 0, 3) && strcmp(db_val(&rows, 0, 3), "aggregator") == 0;
	out->api_format = catalog_api_format_parse(db_val(&rows, 0, 4));
	catalog_copy(out->base_url, sizeof(out->base_url), db_val(&rows, 0, 5));
	out->is_active = db_ll(&rows, 0, 6, 0) != 0;
	db_rows_free(&rows);
	return 0;
}

/* ---- key rotation -------------------------------------------------------- */

/* Re-seal one key under the current master key; 0 done, 1 skipped
 * (changed meanwhile), -1 failed. */
static int
catalog_rotate_one(long long id, long long user_id, int old_kid, FILE *out)
{
	struct db_param	 p[] = { db_int(id), db_int(user_id), db_int(old_kid) };
	struct db_param	 u[6];
	struct db_rows	 rows;
	struct sb_error	 e;
	char		 key[SB_MAX_API_KEY + 1];
	unsigned char	 sealed[SB_MAX_API_KEY + VAULT_OVERHEAD], fp[32];
	size_t		 slen;
	int		 new_kid, rc = -1;
	unsigned long long affected = 0;

	if (db_query(SQL_ROTATE_ONE, p, 3, &rows) != DB_OK || rows.nrows == 0) {
		db_rows_free(&rows);
		return 1;
	}
	if (catalog_open_key(user_id, old_kid, (const unsigned char *)db_val(&rows, 0, 0),
	    db_len(&rows, 0, 0), key, sizeof(key), &e) != 0) {
		fprintf(out, "config %lld: %s\n", id, e.message);
		goto out;
	}
	if (catalog_seal_key(user_id, key, sealed, sizeof(sealed), &slen, &new_kid) != 0 ||
	    vault_fingerprint(key, fp) != 0) {
		fprintf(out, "config %lld: could not encrypt under the current key\n", id);
		goto out;
	}
	u[0] = db_bytes(sealed, slen);
	u[1] = db_int(new_kid);
	u[2] = db_bytes(fp, sizeof(fp));
	u[3] = db_int(id);
	u[4] = db_int(user_id);
	u[5] = db_int(old_kid);
	if (db_exec(SQL_ROTATE_UPDATE, u, 6, &affected, NULL) != DB_OK) {
		fprintf(out, "config %lld: database error\n", id);
		goto out;
	}
	rc = affected == 1 ? 0 : 1;
	if (rc == 0)
		(void)stamp_user(user_id);	/* cached keys */
out:
	OPENSSL_cleanse(key, sizeof(key));
	db_rows_free(&rows);
	return rc;
}

int
catalog_rotate_keys(FILE *out, int *rotated)
{
	struct db_param	 p[1];
	struct db_rows	 rows;
	int		 i, rc, failed = 0;

	*rotated = 0;
	p[0] = db_int(vault_current_key_id());
	if (db_query(SQL_ROTATE_LIST, p, 1, &rows) != DB_OK) {
		db_rows_free(&rows);
		return -1;
	}
	for (i = 0; i < rows.nrows; i++) {
		rc = catalog_rotate_one(db_ll(&rows, i, 0, 0), db_ll(&rows, i, 1, 0),
		    (int)db_ll(&rows, i, 2, 0), out);
		if (rc == 0)
			(*rotated)++;
		else if (rc < 0)
			failed++;
	}
	db_rows_free(&rows);
	return failed;
}

/* ---- config mutations ---------------------------------------------------- */

static const char SQL_KEY_DUPLICATE[] =
    "SELECT name FROM user_api_providers WHERE user_id = ? AND key_fingerprint = ? AND id <> ?"
    " LIMIT 1";
static const char SQL_CONFIG_INSERT[] =
    "INSERT INTO user_api_providers (user_id, provider_id, name, api_key_enc, key_id, key_hint,"
    " key_fingerprint, base_url, priority, is_active, weight) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_CONFIG_SET_KEY[] =
    "UPDATE user_api_providers SET api_key_enc = ?, key_id = ?, key_hint = ?, key_fingerprint = ?,"
    " status = 'unknown', last_error = NULL WHERE user_id = ? AND id = ?";
static const char SQL_CONFIG_SET_FIELDS[] =
    "UPDATE user_api_providers SET base_url = IF(?, ?, base_url), priority = IF(?, ?, priority),"
    " is_active = IF(?, ?, is_active), weight = IF(?, ?, weight) WHERE user_id = ? AND id = ?";
static const char SQL_CONFIG_DELETE_MODELS[] =
    "DELETE FROM aggregator_models WHERE user_id = ? AND config_id = ?";
static const char SQL_CONFIG_DELETE[] =
    "DELETE FROM user_api_providers WHERE user_id = ? AND id = ?";
static const char SQL_PROVIDER_INSERT[] =
    "INSERT INTO api_providers (name, display_name, provider_type, api_format, base_url, docs_url,"
    " keys_url, supports_streaming, supports_vision, supports_functions, supports_audio, is_active)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_PROVIDER_UPDATE[] =
    "UPDATE api_providers SET display_name = COALESCE(?, display_name),"
    " provider_type = COALESCE(?, provider_type), api_format = COALESCE(?, api_format),"
    " base_url = COALESCE(?, base_url), docs_url = COALESCE(?, docs_url),"
    " keys_url = COALESCE(?, keys_url),"
    " supports_streaming = IF(? < 0, supports_streaming, ?),"
    " supports_vision = IF(? < 0, supports_vision, ?),"
    " supports_functions = IF(? < 0, supports_functions, ?),"
    " supports_audio = IF(? < 0, supports_audio, ?),"
    " is_active = IF(? < 0, is_active, ?) WHERE name = ?";

/* Seal key and compute its hint and fingerprint. */
struct catalog_sealed {
	unsigned char	 blob[SB_MAX_API_KEY + VAULT_OVERHEAD];
	size_t		 len;
	int		 key_id;
	char		 hint[VAULT_HINT + 4];
	unsigned char	 fp[32];
};

static int
catalog_seal_all(long long user_id, const char *key, struct catalog_sealed *s, struct sb_error *e)
{
	if (catalog_seal_key(user_id, key, s->blob, sizeof(s->blob), &s->len, &s->key_id) != 0 ||
	    vault_fingerprint(key, s->fp) != 0) {
		err_set(e, ERR_INTERNAL, 500, "vault_error",
		    "The key could not be encrypted; check the [vault] section of the config.");
		return -1;
	}
	vault_hint(key, s->hint);
	return 0;
}

/* 1 (and e: 409) when the user already stores this key elsewhere. */
static int
catalog_key_duplicate(long long user_id, const unsigned char *fp, long long except_id,
    struct sb_error *e)
{
	struct db_param	 p[] = { db_int(user_id), db_bytes(fp, 32), db_int(except_id) };
	struct db_rows	 rows;
	int		 dup;

	if (db_query(SQL_KEY_DUPLICATE, p, 3, &rows) != DB_OK) {
		db_rows_free(&rows);
		return catalog_db_error(e);
	}
	dup = rows.nrows > 0;
	if (dup)
		err_set(e, ERR_VALIDATION, 409, "duplicate_key",
		    "This API key is already stored in your provider config '%.64s'.",
		    db_val(&rows, 0, 0) ? db_val(&rows, 0, 0) : "?");
	db_rows_free(&rows);
	return dup;
}

int
catalog_config_create(long long user_id, const struct catalog_provider *pv,
    const struct catalog_config_input *in, long long *id, struct sb_error *e)
{
	struct catalog_sealed	 s;
	struct db_param		 p[11];
	unsigned long long	 newid = 0;
	int			 rc = -1, dbrc;

	if (catalog_seal_all(user_id, in->api_key, &s, e) != 0)
		goto out;
	if ((dbrc = catalog_key_duplicate(user_id, s.fp, 0, e)) != 0)
		goto out;
	p[0] = db_int(user_id);
	p[1] = db_int(pv->id);
	p[2] = db_str(in->name);
	p[3] = db_bytes(s.blob, s.len);
	p[4] = db_int(s.key_id);
	p[5] = db_str(s.hint);
	p[6] = db_bytes(s.fp, sizeof(s.fp));
	p[7] = in->base_url_set && in->base_url && in->base_url[0] ? db_str(in->base_url) : db_null();
	p[8] = db_int(in->priority_set ? in->priority : 100);
	p[9] = db_int(in->is_active_set ? in->is_active : 1);
	p[10] = db_int(in->weight_set ? in->weight : 1);
	dbrc = db_exec(SQL_CONFIG_INSERT, p, 11, NULL, &newid);
	if (dbrc == DB_DUPLICATE) {
		err_set(e, ERR_VALIDATION, 409, "conflict",
		    "You already have a provider config named '%.64s'; update it with PUT.", in->name);
		goto out;
	}
	if (dbrc != DB_OK) {
		catalog_db_error(e);
		goto out;
	}
	*id = (long long)newid;
	(void)stamp_user(user_id);
	rc = 0;
out:
	OPENSSL_cleanse(&s, sizeof(s));
	return rc;
}

int
catalog_config_update(long long user_id, long long config_id,
    const struct catalog_config_input *in, struct sb_error *e)
{
	struct catalog_config	 cur;
	struct catalog_sealed	 s;
	struct db_param		 p[10];
	int			 rc = -1;

	memset(&s, 0, sizeof(s));
	if (catalog_config_get(user_id, config_id, &cur, e) != 0)
		return -1;
	if (in->api_key != NULL) {
		if (catalog_seal_all(user_id, in->api_key, &s, e) != 0 ||
		    catalog_key_duplicate(user_id, s.fp, config_id, e) != 0)
			goto out;
		p[0] = db_bytes(s.blob, s.len);
		p[1] = db_int(s.key_id);
		p[2] = db_str(s.hint);
		p[3] = db_bytes(s.fp, sizeof(s.fp));
		p[4] = db_int(user_id);
		p[5] = db_int(config_id);
		if (db_exec(SQL_CONFIG_SET_KEY, p, 6, NULL, NULL) != DB_OK) {
			catalog_db_error(e);
			goto out;
		}
	}
	p[0] = db_int(in->base_url_set);
	p[1] = in->base_url_set && in->base_url && in->base_url[0] ? db_str(in->base_url) : db_null();
	p[2] = db_int(in->priority_set);
	p[3] = db_int(in->priority);
	p[4] = db_int(in->is_active_set);
	p[5] = db_int(in->is_active);
	p[6] = db_int(in->weight_set);
	p[7] = db_int(in->weight);
	p[8] = db_int(user_id);
	p[9] = db_int(config_id);
	if (db_exec(SQL_CONFIG_SET_FIELDS, p, 10, NULL, NULL) != DB_OK) {
		catalog_db_error(e);
		goto out;
	}
	(void)stamp_user(user_id);
	rc = 0;
out:
	OPENSSL_cleanse(&s, sizeof(s));
	return rc;
}

int
catalog_config_delete(long long user_id, long long config_id, struct sb_error *e)
{
	struct db_param		 p[] = { db_int(user_id), db_int(config_id) };
	unsigned long long	 affected = 0;

	if (db_exec(SQL_CONFIG_DELETE_MODELS, p, 2, NULL, NULL) != DB_OK ||
	    db_exec(SQL_CONFIG_DELETE, p, 2, &affected, NULL) != DB_OK)
		return catalog_db_error(e);
	(void)stamp_user(user_id);
	if (affected == 0) {
		err_set(e, ERR_VALIDATION, 404, "not_found", "No such provider config.");
		return -1;
	}
	return 0;
}

/* ---- admin catalog edits --------------------------------------------------- */

static struct db_param
catalog_str_or_null(const char *s)
{
	return s ? db_str(s) : db_null();
}

int
catalog_provider_create(const char *name, const struct catalog_provider_input *in,
    struct sb_error *e)
{
	struct db_param	 p[12];
	int		 rc;

	p[0] = db_str(name);
	p[1] = db_str(in->display_name ? in->display_name : name);
	p[2] = db_str(in->type ? in->type : "direct");
	p[3] = db_str(in->api_format ? in->api_format : "openai");
	p[4] = db_str(in->base_url ? in->base_url : "");
	p[5] = catalog_str_or_null(in->docs_url);
	p[6] = catalog_str_or_null(in->keys_url);
	p[7] = db_int(in->streaming < 0 ? 1 : in->streaming);
	p[8] = db_int(in->vision < 0 ? 0 : in->vision);
	p[9] = db_int(in->functions < 0 ? 0 : in->functions);
	p[10] = db_int(in->audio < 0 ? 0 : in->audio);
	p[11] = db_int(in->is_active < 0 ? 1 : in->is_active);
	rc = db_exec(SQL_PROVIDER_INSERT, p, 12, NULL, NULL);
	if (rc == DB_DUPLICATE) {
		err_set(e, ERR_VALIDATION, 409, "conflict",
		    "A provider named '%.64s' already exists; change it with PUT.", name);
		return -1;
	}
	if (rc != DB_OK)
		return catalog_db_error(e);
	(void)stamp_global();
	return 0;
}

int
catalog_provider_update(const char *name, const struct catalog_provider_input *in,
    struct sb_error *e)
{
	struct catalog_provider	 cur;
	struct db_param		 p[17];

	if (catalog_provider_get(name, &cur, e) != 0)
		return -1;
	p[0] = catalog_str_or_null(in->display_name);
	p[1] = catalog_str_or_null(in->type);
	p[2] = catalog_str_or_null(in->api_format);
	p[3] = catalog_str_or_null(in->base_url);
	p[4] = catalog_str_or_null(in->docs_url);
	p[5] = catalog_str_or_null(in->keys_url);
	p[6] = db_int(in->streaming);
	p[7] = db_int(in->streaming);
	p[8] = db_int(in->vision);
	p[9] = db_int(in->vision);
	p[10] = db_int(in->functions);
	p[11] = db_int(in->functions);
	p[12] = db_int(in->audio);
	p[13] = db_int(in->audio);
	p[14] = db_int(in->is_active);
	p[15] = db_int(in->is_active);
	p[16] = db_str(name);
	if (db_exec(SQL_PROVIDER_UPDATE, p, 17, NULL, NULL) != DB_OK)
		return catalog_db_error(e);
	(void)stamp_global();
	return 0;
}

int
catalog_rotate_cli(const struct config *cfg, int argc, char **argv)
{
	int	 rotated = 0, failed;

	(void)cfg;
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: switchboard rotate-key\n");
		return 2;
	}
	if (vault_current_key_id() <= 0) {
		fprintf(stderr, "rotate-key: no master key configured in [vault]\n");
		return 1;
	}
	failed = catalog_rotate_keys(stdout, &rotated);
	if (failed < 0) {
		fprintf(stderr, "rotate-key: database error: %s\n", db_error());
		return 1;
	}
	printf("rotate-key: %d key(s) re-encrypted under key id %d, %d failed\n",
	    rotated, vault_current_key_id(), failed);
	return failed ? 1 : 0;
}

/* ---- routing choices ------------------------------------------------------- */

static const char SQL_ROUTING_GET[] =
    "SELECT auto_fallback FROM user_routing WHERE user_id = ?";
static const char SQL_ROUTING_SET[] =
    "INSERT INTO user_routing (user_id, auto_fallback) VALUES (?, ?)"
    " ON DUPLICATE KEY UPDATE auto_fallback = VALUES(auto_fallback)";

int
catalog_auto_fallback(long long user_id)
{
	struct db_param	 p = db_int(user_id);
	struct db_rows	 rows;
	int		 rc = -1;

	if (db_query(SQL_ROUTING_GET, &p, 1, &rows) == DB_OK)
		rc = rows.nrows > 0 && db_ll(&rows, 0, 0, 0) != 0;
	db_rows_free(&rows);
	return rc;
}

int
catalog_set_auto_fallback(long long user_id, int on)
{
	struct db_param	 p[2] = { db_int(user_id), db_int(on != 0) };

	return db_exec(SQL_ROUTING_SET, p, 2, NULL, NULL) == DB_OK ? 0 : -1;
}

struct catalog_equiv_ctx {
	char			 key[CATALOG_REF_MAX + 1];
	long long		 skip;
	struct catalog_target	*out;
	size_t			 max, n;
};

static int
catalog_equiv_cb(void *ctx, const struct catalog_config *c, const struct catalog_model *m)
{
	struct catalog_equiv_ctx	*x = ctx;
	char				 key[CATALOG_REF_MAX + 1];

	if (c->id == x->skip || price_model_key(m->model_id, key, sizeof(key)) != 0 ||
	    strcmp(key, x->key) != 0)
		return 0;
	x->out[x->n].config = *c;
	x->out[x->n].model = *m;
	x->out[x->n].model_known = 1;
	return ++x->n >= x->max;
}

int
catalog_equivalents(long long user_id, const char *model_id, long long skip_config,
    struct catalog_target *out, size_t max)
{
	struct catalog_equiv_ctx	 x;

	memset(&x, 0, sizeof(x));
	if (max == 0 || price_model_key(model_id, x.key, sizeof(x.key)) != 0)
		return 0;
	x.skip = skip_config;
	x.out = out;
	x.max = max;
	if (catalog_each_model(user_id, catalog_equiv_cb, &x) != 0)
		return -1;
	return (int)x.n;
}

/* ---- stored fallback lists ------------------------------------------------- */

static const char SQL_FALLBACKS_GET[] =
    "SELECT fallbacks, context_fallbacks FROM model_fallbacks"
    " WHERE user_id = ? AND model_ref = ?";
static const char SQL_FALLBACKS_SET[] =
    "INSERT INTO model_fallbacks (user_id, model_ref, fallbacks, context_fallbacks)"
    " VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE fallbacks = VALUES(fallbacks),"
    " context_fallbacks = VALUES(context_fallbacks)";
static const char SQL_FALLBACKS_DELETE[] =
    "DELETE FROM model_fallbacks WHERE user_id = ? AND model_ref = ?";
static const char SQL_FALLBACKS_ALL[] =
    "SELECT model_ref, fallbacks, context_fallbacks FROM model_fallbacks"
    " WHERE user_id = ? ORDER BY model_ref";

/* A stored list: the array, or an empty one for NULL or damaged text. */
static cJSON *
catalog_list_parse(const char *text)
{
	cJSON	*list = text ? cJSON_Parse(text) : NULL;

	if (cJSON_IsArray(list))
		return list;
	cJSON_Delete(list);
	return cJSON_CreateArray();
}

/* {model, fallbacks, context_fallbacks} from a row's two list columns. */
static cJSON *
catalog_fallback_obj(const char *ref, const char *on_failure, const char *on_context)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "model", ref);
	cJSON_AddItemToObject(o, "fallbacks", catalog_list_parse(on_failure));
	cJSON_AddItemToObject(o, "context_fallbacks", catalog_list_parse(on_context));
	return o;
}

cJSON *
catalog_fallback_entry(long long user_id, const char *ref)
{
	struct db_param	 p[2] = { db_int(user_id), db_str(ref) };
	struct db_rows	 rows;
	cJSON		*o = NULL;

	if (db_query(SQL_FALLBACKS_GET, p, 2, &rows) == DB_OK)
		o = rows.nrows > 0 ? catalog_fallback_obj(ref, db_val(&rows, 0, 0),
		    db_val(&rows, 0, 1)) : catalog_fallback_obj(ref, NULL, NULL);
	db_rows_free(&rows);
	return o;
}

cJSON *
catalog_fallbacks(long long user_id, const char *ref,
    enum catalog_fallback_kind kind, int *failed)
{
	cJSON	*o = catalog_fallback_entry(user_id, ref), *list;

	*failed = o == NULL;
	list = cJSON_DetachItemFromObjectCaseSensitive(o, kind == FALLBACK_ON_CONTEXT ?
	    "context_fallbacks" : "fallbacks");
	cJSON_Delete(o);
	if (cJSON_GetArraySize(list) == 0) {
		cJSON_Delete(list);
		return NULL;
	}
	return list;
}

/* 0 when list is a valid fallback list for ref (or NULL), -1 with e. */
static int
catalog_check_fallbacks(const char *ref, const cJSON *list, const char *field,
    struct sb_error *e)
{
	const cJSON	*it;

	if (list == NULL)
		return 0;
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > CATALOG_MAX_FALLBACKS) {
		err_set(e, ERR_VALIDATION, 400, "invalid_fallbacks",
		    "'%s' must be a list of at most %d model names.", field,
		    CATALOG_MAX_FALLBACKS);
		return -1;
	}
	cJSON_ArrayForEach(it, list)
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0' ||
		    strlen(it->valuestring) > CATALOG_REF_MAX || strcmp(it->valuestring, ref) == 0) {
			err_set(e, ERR_VALIDATION, 400, "invalid_fallbacks",
			    "Each fallback is a model name ('config/model', a bare id "
			    "or an alias) other than the model itself.");
			return -1;
		}
	return 0;
}

int
catalog_set_fallbacks(long long user_id, const char *ref, const cJSON *on_failure,
    const cJSON *on_context, struct sb_error *e)
{
	struct db_param	 p[4] = { db_int(user_id), db_str(ref), db_null(), db_null() };
	cJSON		*stored = NULL;
	char		*text[2] = { NULL, NULL };
	int		 rc;

	if (on_failure == NULL && on_context == NULL) {
		err_set(e, ERR_VALIDATION, 400, "invalid_fallbacks",
		    "Send 'fallbacks', 'context_fallbacks' or both.");
		return -1;
	}
	if (catalog_check_fallbacks(ref, on_failure, "fallbacks", e) != 0 ||
	    catalog_check_fallbacks(ref, on_context, "context_fallbacks", e) != 0)
		return -1;
	/* A list the request left out stays as stored. */
	if (on_failure == NULL || on_context == NULL) {
		if ((stored = catalog_fallback_entry(user_id, ref)) == NULL)
			return catalog_db_error(e);
		if (on_failure == NULL)
			on_failure = cJSON_GetObjectItemCaseSensitive(stored, "fallbacks");
		if (on_context == NULL)
			on_context = cJSON_GetObjectItemCaseSensitive(stored, "context_fallbacks");
	}
	if (cJSON_GetArraySize(on_failure) == 0 && cJSON_GetArraySize(on_context) == 0)
		rc = db_exec(SQL_FALLBACKS_DELETE, p, 2, NULL, NULL);
	else {
		/* The failure column is NOT NULL ("[]" when empty); the
		 * context one is NULL when empty. */
		text[0] = json_print(on_failure);
		if (cJSON_GetArraySize(on_context) > 0)
			text[1] = json_print(on_context);
		p[2] = db_str(text[0] ? text[0] : "[]");
		if (text[1])
			p[3] = db_str(text[1]);
		rc = db_exec(SQL_FALLBACKS_SET, p, 4, NULL, NULL);
	}
	free(text[0]);
	free(text[1]);
	cJSON_Delete(stored);
	if (rc != DB_OK) {
		catalog_db_error(e);
		return -1;
	}
	return 0;
}

cJSON *
catalog_fallbacks_json(long long user_id)
{
	struct db_param	 p = db_int(user_id);
	struct db_rows	 rows;
	cJSON		*root, *arr;
	int		 i;

	if (db_query(SQL_FALLBACKS_ALL, &p, 1, &rows) != DB_OK) {
		db_rows_free(&rows);
		return NULL;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "fallbacks");
	for (i = 0; i < rows.nrows; i++)
		cJSON_AddItemToArray(arr, catalog_fallback_obj(db_val(&rows, i, 0),
		    db_val(&rows, i, 1), db_val(&rows, i, 2)));
	db_rows_free(&rows);
	return root;
}
