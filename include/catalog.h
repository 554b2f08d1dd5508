/* catalog: the data access for the provider catalog (api_providers), a
 * user's provider configs (user_api_providers, keys encrypted by the vault),
 * the discovered models (aggregator_models), aliases (model_aliases) and
 * favorites (model_favorites).  Every query on per-user rows is bound to the
 * user id given by the caller; nothing here trusts an id alone.  Used by
 * providers.fcgi, the chat program (model resolution, keys, prices) and the CLI
 * (sync --all, rotate-key).  Knows nothing of HTTP. */
#ifndef SB_CATALOG_H
#define SB_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "error.h"
#include "modellist.h"

#define CATALOG_NAME_MAX	64	/* provider and config names */
#define CATALOG_DISPLAY_MAX	128
#define CATALOG_URL_MAX		512
#define CATALOG_HINT_MAX	16
#define CATALOG_STATUS_MAX	16
#define CATALOG_ERROR_MAX	255
#define CATALOG_REF_MAX		320	/* "config/model" */
#define CATALOG_TARGETS_MAX	16	/* candidates returned by catalog_resolve */

enum catalog_api_format {
	CATALOG_FMT_OPENAI = 0,
	CATALOG_FMT_ANTHROPIC,
	CATALOG_FMT_GEMINI,
	CATALOG_FMT__MAX
};
extern const char *const catalog_api_format_names[CATALOG_FMT__MAX];

/* A catalog entry (api_providers row). */
struct catalog_provider {
	int			 id;
	char			 name[CATALOG_NAME_MAX + 1];
	char			 display_name[CATALOG_DISPLAY_MAX + 1];
	int			 is_aggregator;
	enum catalog_api_format	 api_format;
	char			 base_url[CATALOG_URL_MAX + 1];
	int			 is_active;
};

/* A user's provider config joined with its provider. base_url is the
 * effective one: the override if set, else the provider's default. */
struct catalog_config {
	long long		 id;
	long long		 user_id;
	char			 name[CATALOG_NAME_MAX + 1];	/* routing prefix */
	char			 provider[CATALOG_NAME_MAX + 1];
	char			 display_name[CATALOG_DISPLAY_MAX + 1];
	int			 is_aggregator;
	enum catalog_api_format	 api_format;
	char			 base_url[CATALOG_URL_MAX + 1];
	int			 base_url_overridden;
	int			 priority;		/* lower is tried first */
	int			 is_active;		/* config AND provider active */
	char			 status[CATALOG_STATUS_MAX + 1];
	char			 key_hint[CATALOG_HINT_MAX + 1];
	int			 key_id;		/* vault master key id */
	int			 weight;		/* share among equal priorities, >= 1 */
};

/* A model as stored for one config. Prices: micro-USD per 1M tokens, or
 * PRICE_UNKNOWN (-1); limits 0 when unknown. */
struct catalog_model {
	long long		 id;			/* aggregator_models.id, 0 if not stored */
	char			 model_id[MODELLIST_ID_MAX + 1];
	char			 display_name[MODELLIST_NAME_MAX + 1];
	enum model_type		 type;
	int64_t			 context_window;
	int64_t			 max_output;
	int64_t			 input_price;
	int64_t			 output_price;
	int64_t			 cache_read_price;
	int64_t			 cache_write_price;
	int			 price_known;		/* input and output both known */
	char			 price_source[12];	/* upstream, table, admin, unknown */
	unsigned		 caps;
	int			 is_available;
};

/* One candidate for a request: which config to call with which model id. */
struct catalog_target {
	struct catalog_config	 config;
	struct catalog_model	 model;
	int			 model_known;	/* model row found (prices meaningful) */
};

/* ---- for the chat program ---------------------------------------------- */

/* Resolve what a client asked for into candidates, in fallback order:
 *  1. an alias (the user's own first, then a global one) is replaced by its
 *     target (one level);
 *  2. "config/model" where config is one of the user's active configs: that
 *     config only (model_known tells whether it was synced);
 *  3. otherwise the id is looked up among the user's active configs' available
 *     models, ordered by priority (lower first), then config creation time.
 * Returns the number of targets (>= 1) written to out (at most max), or -1
 * with e filled: 404 model "model_not_found", 503 internal on a DB error.
 * resolved_ref (may be NULL, CATALOG_REF_MAX+1 bytes) gets the text after
 * alias resolution. */
int	catalog_resolve(long long user_id, const char *ref, struct catalog_target *out,
	    size_t max, char *resolved_ref, struct sb_error *e);

/* The user's active configs (config and provider active), by priority. Returns
 * the count written (at most max) or -1 on a DB error. */
int	catalog_active_configs(long long user_id, struct catalog_config *out, size_t max);

/* One config of the user (active or not). 0, or -1 with e filled (404). */
int	catalog_config_get(long long user_id, long long config_id, struct catalog_config *out,
	    struct sb_error *e);
int	catalog_config_by_name(long long user_id, const char *name, struct catalog_config *out,
	    struct sb_error *e);

/* Decrypt the config's provider key into key (keysz >= SB_MAX_API_KEY + 1).
 * The caller wipes it with OPENSSL_cleanse after use. 0, or -1 with e
 * filled ("encrypted under unknown key id 3", tampered, not found). */
int	catalog_config_key(long long user_id, long long config_id, char *key, size_t keysz,
	    struct sb_error *e);

/* A model of one config (available or not). 1 found, 0 not found, -1 DB error. */
int	catalog_model_get(long long config_id, const char *model_id, struct catalog_model *out);

#define CATALOG_MAX_FALLBACKS	8	/* names in one stored fallback list */

/* A model's two stored lists: tried when its targets failed, and tried
 * when it answered that the prompt exceeds its context window. */
enum catalog_fallback_kind { FALLBACK_ON_FAILURE, FALLBACK_ON_CONTEXT };

/* The stored list of that kind for ref (a JSON array of names, caller
 * owns), or NULL: none, or a database error (then *failed = 1). */
cJSON	*catalog_fallbacks(long long user_id, const char *ref,
	    enum catalog_fallback_kind kind, int *failed);
/* ref's entry, {model, fallbacks, context_fallbacks} (empty lists when
 * none is stored; caller owns), or NULL on a database error. */
cJSON	*catalog_fallback_entry(long long user_id, const char *ref);
/* Store ref's lists (arrays of at most CATALOG_MAX_FALLBACKS names; NULL
 * keeps the stored one); both empty removes the entry. 0, or -1 with e. */
int	catalog_set_fallbacks(long long user_id, const char *ref,
	    const cJSON *on_failure, const cJSON *on_context, struct sb_error *e);
/* Every stored entry of the user:
 * {"fallbacks":[{model, fallbacks, context_fallbacks}]}. */
cJSON	*catalog_fallbacks_json(long long user_id);
/* The user's routing choice: 1 auto fallback on, 0 off, -1 database error. */
int	catalog_auto_fallback(long long user_id);
/* Set it; 0 or -1. */
int	catalog_set_auto_fallback(long long user_id, int on);
/* The user's other offers of the same model as model_id (the compare
 * equivalence: the same price key), skipping config skip_config; written
 * to out (at most max), by priority. The count, or -1 on a DB error. */
int	catalog_equivalents(long long user_id, const char *model_id,
	    long long skip_config, struct catalog_target *out, size_t max);
/* Every available model the user can use now (active configs and providers),
 * grouped by config in priority order; fn returns non-zero to stop.
 * Returns 0, or -1 on a DB error. */
int	catalog_each_model(long long user_id,
	    int (*fn)(void *ctx, const struct catalog_config *c, const struct catalog_model *m),
	    void *ctx);

/* Record the outcome of talking to a config (status "ok" / "error" and a
 * short error text, NULL to clear). Bound to user_id. */
/* A config whose key the provider refused (401): left out of routing
 * until the key is replaced or a sync succeeds. */
#define CATALOG_STATUS_KEY_REFUSED	"key_refused"
int	catalog_config_set_status(long long user_id, long long config_id, const char *status,
	    const char *last_error);

/* ---- catalog (api_providers) ------------------------------------------- */

/* 0 and *out, or -1 with e filled (404 when unknown). */
int	catalog_provider_get(const char *name, struct catalog_provider *out, struct sb_error *e);
enum catalog_api_format catalog_api_format_parse(const char *s);

/* ---- rotation (CLI) ---------------------------------------------------- */

/* Re-encrypt every stored provider key that is not under the vault's
 * current key id (and refresh its fingerprint). Prints progress to out.
 * Returns the number of keys that could not be re-encrypted (0 = all done),
 * or -1 on a DB error. */
int	catalog_rotate_keys(FILE *out, int *rotated);

/* ---- for providers.fcgi (mutations in catalog.c, views in catalog_json.c) */

/* Seal a provider key for user_id under the current master key (out needs
 * strlen(key) + VAULT_OVERHEAD bytes). 0 or -1. */
int	catalog_seal_key(long long user_id, const char *key, unsigned char *out, size_t outsz,
	    size_t *outlen, int *key_id);

/* Fields of a config create/update; a NULL pointer / *_set == 0 keeps the
 * stored value (update) or takes the default (create). */
struct catalog_config_input {
	const char	*name;		/* create only: routing prefix */
	const char	*api_key;
	const char	*base_url;	/* "" clears the override */
	int		 base_url_set;
	int		 priority;
	int		 priority_set;
	int		 is_active;
	int		 is_active_set;
	int		 weight;	/* 1..1000 */
	int		 weight_set;
};

/* 0 with *id, or -1 with e (409 "conflict" for a taken name or a key already
 * stored by this user, detected by fingerprint). */
int	catalog_config_create(long long user_id, const struct catalog_provider *p,
	    const struct catalog_config_input *in, long long *id, struct sb_error *e);
int	catalog_config_update(long long user_id, long long config_id,
	    const struct catalog_config_input *in, struct sb_error *e);
/* Deletes the config and its model rows (usage rows keep their copies). */
int	catalog_config_delete(long long user_id, long long config_id, struct sb_error *e);

/* Admin catalog edits. A NULL string / -1 int keeps the stored value. */
struct catalog_provider_input {
	const char	*display_name;
	const char	*type;		/* "aggregator" | "direct" */
	const char	*api_format;	/* "openai" | "anthropic" | "gemini" */
	const char	*base_url;
	const char	*docs_url;
	const char	*keys_url;
	int		 streaming, vision, functions, audio, is_active;
};
int	catalog_provider_create(const char *name, const struct catalog_provider_input *in,
	    struct sb_error *e);
int	catalog_provider_update(const char *name, const struct catalog_provider_input *in,
	    struct sb_error *e);

/* JSON views (caller frees).  NULL on a DB error. */
cJSON	*catalog_providers_json(long long user_id, const char *only_name);
/* {"configs":[...]} for only_id == 0, else the one config object. */
cJSON	*catalog_configs_json(long long user_id, long long only_id);

struct catalog_model_filter {
	const char	*q;		/* substring of id or name, any case */
	const char	*capability;	/* vision | tools | audio | reasoning */
	const char	*type;		/* chat | embedding | image | audio | other */
	const char	*provider;	/* config name or provider name */
};
cJSON	*catalog_models_json(long long user_id, const struct catalog_model_filter *f);
cJSON	*catalog_compare_json(long long user_id, const char *model);

int	catalog_favorite_set(long long user_id, const char *ref, int on, struct sb_error *e);
cJSON	*catalog_aliases_json(long long user_id);
/* global (admin only, checked by the caller) stores user_id 0. */
int	catalog_alias_create(long long user_id, const char *alias, const char *model, int global,
	    long long *id, struct sb_error *e);
int	catalog_alias_delete(long long user_id, long long alias_id, int is_admin,
	    struct sb_error *e);
cJSON	*catalog_alias_json(long long user_id, long long alias_id);

/* `switchboard rotate-key` */
int	catalog_rotate_cli(const struct config *cfg, int argc, char **argv);

#endif
