/* providers.fcgi: the provider catalog, a user's provider configs (keys
 * stored sealed, shown only as hints), key tests, model sync, the model
 * list with favorites and aliases, and provider comparison.  Thin handlers:
 * input is validated here, data access is in catalog/sync, every per-user
 * call passes the caller's own user id. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "catalog.h"
#include "health.h"
#include "json.h"
#include "log.h"
#include "netcheck.h"
#include "price.h"
#include "prices.h"
#include "sbconst.h"
#include "server.h"
#include "sync.h"

#define PROV_PRIORITY_MAX	1000000
#define PROV_QUERY_MAX		256

/* ---- input helpers ---------------------------------------------------------- */

static int
prov_body(struct req *r)
{
	return http_json_body(r, server_config()->max_body_bytes, server_config()->max_json_depth);
}

/* Names of providers and configs: 1..64 of [A-Za-z0-9._-], starting alnum. */
static int
prov_name_ok(const char *s)
{
	size_t	 n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n > CATALOG_NAME_MAX || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return 0;
	return 1;
}

/* New catalog entries: 1..64 of [a-z0-9_-]. */
static int
prov_catalog_name_ok(const char *s)
{
	size_t	 n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n > CATALOG_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/* A catalog base_url: netcheck's syntax (absolute http(s), no credentials,
 * query or fragment); an IP-literal host must be an address netcheck allows
 * and plain http needs allow_private_endpoints, as sync would refuse it
 * anyway.  Names are not resolved here: sync resolves, checks and pins them
 * at every use. 0, or -1 with r->err (400). */
static int
prov_catalog_url_check(struct req *r, const char *url)
{
	struct netcheck_url	 u;
	int			 allow = server_config()->allow_private_endpoints, c = -1;

	if (url == NULL || url[0] == '\0')
		return http_fail(r, ERR_VALIDATION, 400, "missing_base_url",
		    "base_url is required: the provider's API root, like \"https://api.example.com/v1\".");
	if (netcheck_parse_url(url, &u) != NETCHECK_OK)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_base_url", "%s, like \"https://api.example.com/v1\".",
		    netcheck_strerror(NETCHECK_EURL));
	if (u.host_is_ip && ((c = netcheck_classify_text(u.host)) < 0 ||
	    !netcheck_class_allowed((enum netcheck_class)c, allow)))
		return http_fail(r, ERR_VALIDATION, 400, "base_url_refused",
		    "base_url points at an address that is refused (%s); only public endpoints are "
		    "allowed unless allow_private_endpoints is set.",
		    c >= 0 && c < NETCHECK_CLASS__MAX ? netcheck_class_names[c] : "unknown");
	if (!u.https && !allow)
		return http_fail(r, ERR_VALIDATION, 400, "base_url_refused", "%s.",
		    netcheck_strerror(NETCHECK_ESCHEME));
	return 0;
}

/* Scheme, host and port of a base URL are where the key goes. Whether a and
 * b name the same endpoint; an unparsable URL is a different one. */
static int
prov_same_endpoint(const char *a, const char *b)
{
	struct netcheck_url	 ua, ub;

	if (netcheck_parse_url(a, &ua) != NETCHECK_OK ||
	    netcheck_parse_url(b, &ub) != NETCHECK_OK)
		return 0;
	return ua.https == ub.https && ua.port == ub.port &&
	    strcasecmp(ua.host, ub.host) == 0;
}

/* docs_url / keys_url are shown as links: absolute http(s), printable, no
 * spaces or quotes. */
static int
prov_link_ok(const char *s)
{
	size_t	 i;

	if (strncasecmp(s, "https://", 8) != 0 && strncasecmp(s, "http://", 7) != 0)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || strchr("\"'<>\\`", s[i]))
			return 0;
	return 1;
}

static int
prov_key_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return i > 0;
}

static int
prov_send(struct req *r, int status, cJSON *body)
{
	if (body == NULL)
		return err_db_unavailable(&r->err);
	http_send_json(r, status, body);
	cJSON_Delete(body);
	return 0;
}

/* ---- the catalog --------------------------------------------------------------- */

static int
handle_providers_list(struct req *r)
{
	return prov_send(r, 200, catalog_providers_json(r->who.user_id, NULL));
}

/* Read the admin's provider fields; -1 with r->err on bad input.  A new
 * entry (creating) needs display_name, type, api_format and base_url; an
 * update may leave any out but cannot clear base_url (except for `custom`,
 * whose base_url each config supplies). */
static int
prov_provider_input(struct req *r, const char *name, int creating,
    struct catalog_provider_input *in)
{
	const cJSON	*feat;
	const char	*s;
	int		 v, present;

	memset(in, 0, sizeof(*in));
	in->streaming = in->vision = in->functions = in->audio = in->is_active = -1;
	if (json_field_str(r->json, "display_name", 0, 1, CATALOG_DISPLAY_MAX, &in->display_name, NULL, &r->err) ||
	    json_field_str(r->json, "type", 0, 1, 16, &in->type, NULL, &r->err) ||
	    json_field_str(r->json, "api_format", 0, 1, 16, &in->api_format, NULL, &r->err) ||
	    json_field_str(r->json, "base_url", 0, 0, CATALOG_URL_MAX, &in->base_url, NULL, &r->err) ||
	    json_field_str(r->json, "docs_url", 0, 0, CATALOG_URL_MAX, &in->docs_url, NULL, &r->err) ||
	    json_field_str(r->json, "keys_url", 0, 0, CATALOG_URL_MAX, &in->keys_url, NULL, &r->err) ||
	    json_field_bool(r->json, "is_active", 0, &in->is_active, NULL, &r->err))
		return -1;
	if (creating && in->display_name == NULL)
		return http_fail(r, ERR_VALIDATION, 400, "missing_display_name",
		    "display_name is required: the name people see, like \"Acme AI\".");
	if (creating && in->type == NULL)
		return http_fail(r, ERR_VALIDATION, 400, "missing_type",
		    "type is required: \"aggregator\" or \"direct\".");
	if (creating && in->api_format == NULL)
		return http_fail(r, ERR_VALIDATION, 400, "missing_api_format",
		    "api_format is required: \"openai\", \"anthropic\" or \"gemini\".");
	if (in->type && strcmp(in->type, "aggregator") && strcmp(in->type, "direct"))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_type",
		    "type must be \"aggregator\" or \"direct\".");
	if (in->api_format && strcmp(in->api_format, "openai") && strcmp(in->api_format, "anthropic") &&
	    strcmp(in->api_format, "gemini"))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_api_format",
		    "api_format must be \"openai\", \"anthropic\" or \"gemini\".");
	if (creating || (in->base_url && (in->base_url[0] || strcmp(name, "custom") != 0)))
		if (prov_catalog_url_check(r, in->base_url) != 0)
			return -1;
	if ((s = in->docs_url) && s[0] && !prov_link_ok(s))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_docs_url",
		    "docs_url must be an absolute http(s) URL.");
	if ((s = in->keys_url) && s[0] && !prov_link_ok(s))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_keys_url",
		    "keys_url must be an absolute http(s) URL.");
	feat = cJSON_GetObjectItemCaseSensitive(r->json, "features");
	if (feat != NULL && !cJSON_IsObject(feat))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_features", "features must be an object.");
	if (json_field_bool(feat, "streaming", 0, &v, &present, &r->err) == 0 && present)
		in->streaming = v;
	if (json_field_bool(feat, "vision", 0, &v, &present, &r->err) == 0 && present)
		in->vision = v;
	if (json_field_bool(feat, "functions", 0, &v, &present, &r->err) == 0 && present)
		in->functions = v;
	if (json_field_bool(feat, "audio", 0, &v, &present, &r->err) == 0 && present)
		in->audio = v;
	return r->err.category != ERR_NONE ? -1 : 0;
}

static int
prov_send_provider(struct req *r, int status, const char *name)
{
	cJSON	*all = catalog_providers_json(r->who.user_id, name), *arr, *one;

	if (all == NULL)
		return prov_send(r, status, NULL);
	arr = cJSON_GetObjectItem(all, "providers");
	one = cJSON_DetachItemFromArray(arr, 0);
	cJSON_Delete(all);
	if (one == NULL)
		return http_fail(r, ERR_VALIDATION, 404, "not_found", "No such provider.");
	return prov_send(r, status, one);
}

static int
handle_provider_create(struct req *r)
{
	struct catalog_provider_input	 in;
	const char			*name = http_route_param(r, 0);

	struct catalog_provider		 cur;

	if (!prov_catalog_name_ok(name) || strcmp(name, "status") == 0 ||
	    strcmp(name, "compare") == 0 || strcmp(name, "routing") == 0)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_name",
		    "Provider names are 1-64 lowercase letters, digits, '_' or '-' "
		    "(not \"status\", \"compare\" or \"routing\").");
	if (catalog_provider_get(name, &cur, &r->err) == 0)
		return http_fail(r, ERR_VALIDATION, 409, "conflict",
		    "A provider named '%.64s' already exists; change it with PUT.", name);
	if (r->err.status != 404)
		return -1;
	err_clear(&r->err);
	if (prov_body(r) != 0 || prov_provider_input(r, name, 1, &in) != 0)
		return -1;
	if (catalog_provider_create(name, &in, &r->err) != 0)
		return -1;
	log_info("provider %s created by user %lld", name, r->who.user_id);
	return prov_send_provider(r, 201, name);
}

static int
handle_provider_update(struct req *r)
{
	struct catalog_provider_input	 in;
	const char			*name = http_route_param(r, 0);

	if (prov_body(r) != 0 || prov_provider_input(r, name, 0, &in) != 0)
		return -1;
	if (catalog_provider_update(name, &in, &r->err) != 0)
		return -1;
	return prov_send_provider(r, 200, name);
}

static int
handle_provider_delete(struct req *r)
{
	struct catalog_provider_input	 in;
	const char			*name = http_route_param(r, 0);

	memset(&in, 0, sizeof(in));
	in.streaming = in.vision = in.functions = in.audio = -1;
	in.is_active = 0;
	if (catalog_provider_update(name, &in, &r->err) != 0)
		return -1;
	log_info("provider %s deactivated by user %lld", name, r->who.user_id);
	return http_send_empty(r, 204);
}

/* An in-memory config for provider p with an optional base_url override. */
static void
prov_probe_config(const struct catalog_provider *p, const char *base_url, struct catalog_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->provider, sizeof(c->provider), "%s", p->name);
	snprintf(c->name, sizeof(c->name), "%s", p->name);
	snprintf(c->display_name, sizeof(c->display_name), "%s", p->display_name);
	c->is_aggregator = p->is_aggregator;
	c->api_format = p->api_format;
	snprintf(c->base_url, sizeof(c->base_url), "%s", base_url && base_url[0] ? base_url : p->base_url);
	c->is_active = 1;
}

static int
handle_provider_test(struct req *r)
{
	struct catalog_provider	 p;
	struct catalog_config	 c;
	struct model_list	 l;
	struct sync_probe	 probe;
	struct sb_error		 e;
	const char		*key = NULL, *base = NULL;
	cJSON			*root, *err;

	if (prov_body(r) != 0 ||
	    json_field_str(r->json, "api_key", 1, 1, SB_MAX_API_KEY, &key, NULL, &r->err) ||
	    json_field_str(r->json, "base_url", 0, 0, CATALOG_URL_MAX, &base, NULL, &r->err))
		return -1;
	if (!prov_key_ok(key))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_api_key",
		    "api_key must be printable characters without spaces.");
	if (catalog_provider_get(http_route_param(r, 0), &p, &r->err) != 0)
		return -1;
	prov_probe_config(&p, base, &c);
	err_clear(&e);
	root = cJSON_CreateObject();
	if (sync_fetch(&c, key, &l, &probe, &e) == 0) {
		cJSON_AddTrueToObject(root, "ok");
		cJSON_AddNumberToObject(root, "latency_ms", (double)probe.latency_ms);
		cJSON_AddNumberToObject(root, "model_count", (double)l.len);
	} else {
		cJSON_AddFalseToObject(root, "ok");
		cJSON_AddNumberToObject(root, "latency_ms", (double)probe.latency_ms);
		err = cJSON_AddObjectToObject(root, "error");
		cJSON_AddStringToObject(err, "type", err_category_names[e.category]);
		cJSON_AddStringToObject(err, "code", e.code);
		cJSON_AddStringToObject(err, "message", e.message);
		if (probe.http_status > 0)
			cJSON_AddNumberToObject(err, "status", probe.http_status);
		else
			cJSON_AddNullToObject(err, "status");
	}
	modellist_free(&l);
	return prov_send(r, 200, root);
}

static int
handle_compare(struct req *r)
{
	char	 model[CATALOG_REF_MAX + 1];

	if (http_query(r, "model", model, sizeof(model)) != 0 || model[0] == '\0')
		return http_fail(r, ERR_VALIDATION, 400, "missing_field",
		    "The query parameter 'model' is required (e.g. ?model=claude-3.5-sonnet).");
	return prov_send(r, 200, catalog_compare_json(r->who.user_id, model));
}

/* ---- provider configs ------------------------------------------------------------ */

static int
handle_configs_list(struct req *r)
{
	return prov_send(r, 200, catalog_configs_json(r->who.user_id, 0));
}

/* The caller's config named by the route; -1 with r->err (404). */
static int
prov_own_config(struct req *r, struct catalog_config *c)
{
	return catalog_config_by_name(r->who.user_id, http_route_param(r, 0), c, &r->err);
}

static int
handle_config_get(struct req *r)
{
	struct catalog_config	 c;
	cJSON			*root, *one;

	if (prov_own_config(r, &c) != 0)
		return -1;
	if ((one = catalog_configs_json(r->who.user_id, c.id)) == NULL)
		return prov_send(r, 200, NULL);
	root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "config", one);
	return prov_send(r, 200, root);
}

/* Read api_key, base_url, priority, is_active, validate; -1 with r->err. */
static int
prov_config_input(struct req *r, int creating, struct catalog_config_input *in, int *validate)
{
	const cJSON	*bu;
	long long	 prio = 100, weight = 1;
	int		 present;

	memset(in, 0, sizeof(in[0]));
	*validate = 1;
	if (json_field_str(r->json, "api_key", creating, 1, SB_MAX_API_KEY, &in->api_key, NULL, &r->err) ||
	    json_field_int(r->json, "priority", 0, -PROV_PRIORITY_MAX, PROV_PRIORITY_MAX, &prio,
	    &in->priority_set, &r->err) ||
	    json_field_bool(r->json, "is_active", 0, &in->is_active, &in->is_active_set, &r->err) ||
	    json_field_int(r->json, "weight", 0, 1, 1000, &weight, &in->weight_set, &r->err) ||
	    json_field_bool(r->json, "validate", 0, validate, NULL, &r->err))
		return -1;
	in->priority = (int)prio;
	in->weight = (int)weight;
	if (in->api_key != NULL && !prov_key_ok(in->api_key))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_api_key",
		    "api_key must be printable characters without spaces.");
	bu = cJSON_GetObjectItemCaseSensitive(r->json, "base_url");
	if (bu != NULL && cJSON_IsNull(bu)) {
		in->base_url = "";
		in->base_url_set = 1;
	} else if (json_field_str(r->json, "base_url", 0, 0, CATALOG_URL_MAX, &in->base_url,
	    &present, &r->err) != 0)
		return -1;
	else if (present)
		in->base_url_set = 1;
	if (in->base_url_set && in->base_url[0] && sync_check_base_url(in->base_url, &r->err) != 0)
		return -1;
	return 0;
}

/* Validate key + endpoint against the upstream, keeping the list in l. */
static int
prov_validate(struct req *r, const struct catalog_provider *p, const char *base, const char *key,
    struct model_list *l)
{
	struct catalog_config	 c;
	struct sync_probe	 probe;

	prov_probe_config(p, base, &c);
	return sync_fetch(&c, key, l, &probe, &r->err);
}

static int
prov_send_config(struct req *r, int status, long long id, const struct sync_result *res)
{
	cJSON	*root = cJSON_CreateObject(), *one, *s;

	if ((one = catalog_configs_json(r->who.user_id, id)) == NULL) {
		cJSON_Delete(root);
		return prov_send(r, status, NULL);
	}
	cJSON_AddItemToObject(root, "config", one);
	if (res != NULL) {
		s = cJSON_AddObjectToObject(root, "sync");
		cJSON_AddNumberToObject(s, "added", res->added);
		cJSON_AddNumberToObject(s, "updated", res->updated);
		cJSON_AddNumberToObject(s, "removed", res->removed);
		cJSON_AddNumberToObject(s, "total", res->total);
	} else
		cJSON_AddNullToObject(root, "sync");
	return prov_send(r, status, root);
}

static int
handle_config_create(struct req *r)
{
	struct catalog_provider		 p;
	struct catalog_config_input	 in;
	struct model_list		 l;
	struct sync_result		 res;
	struct sb_error			 e;
	const char			*provider = http_route_param(r, 0);
	long long			 id = 0;
	int				 validate, rc = -1, synced = 0;

	modellist_init(&l);
	if (prov_body(r) != 0 || prov_config_input(r, 1, &in, &validate) != 0)
		return -1;
	if (catalog_provider_get(provider, &p, &r->err) != 0)
		return -1;
	if (!p.is_active)
		return http_fail(r, ERR_VALIDATION, 400, "provider_inactive",
		    "The provider '%s' is deactivated by the administrator.", p.name);
	/* A custom endpoint needs a name; a catalog provider may take one too,
	 * for a second key of the same provider (e.g. another project's). */
	in.name = p.name;
	if (json_field_str(r->json, "name", strcmp(p.name, "custom") == 0, 1,
	    CATALOG_NAME_MAX, &in.name, NULL, &r->err) != 0)
		return -1;
	if (in.name == NULL)
		in.name = p.name;
	if (!prov_name_ok(in.name))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_name",
		    "Config names are 1-64 letters, digits, '.', '_' or '-'.");
	if (p.base_url[0] == '\0' && !(in.base_url_set && in.base_url[0]))
		return http_fail(r, ERR_VALIDATION, 400, "base_url_required",
		    "A custom provider needs base_url, e.g. http://localhost:11434/v1.");
	if (validate && prov_validate(r, &p, in.base_url_set ? in.base_url : NULL, in.api_key, &l) != 0)
		goto out;
	if (catalog_config_create(r->who.user_id, &p, &in, &id, &r->err) != 0)
		goto out;
	log_info("user %lld added provider config %s (%s)", r->who.user_id, in.name, p.name);
	err_clear(&e);
	if (validate && sync_store(r->who.user_id, id, SYNC_TRIGGER_CREATE, &l, &res, &e) == 0)
		synced = 1;
	rc = prov_send_config(r, 201, id, synced ? &res : NULL);
out:
	modellist_free(&l);
	return rc;
}

static int
handle_config_update(struct req *r)
{
	struct catalog_config		 c;
	struct catalog_provider		 p;
	struct catalog_config_input	 in;
	struct model_list		 l;
	char				 key[SB_MAX_API_KEY + 1];
	const char			*base;
	int				 validate, rc = -1;

	modellist_init(&l);
	if (prov_own_config(r, &c) != 0 || prov_body(r) != 0 ||
	    prov_config_input(r, 0, &in, &validate) != 0)
		return -1;
	if (catalog_provider_get(c.provider, &p, &r->err) != 0)
		return -1;
	if (strcmp(p.name, "custom") == 0 && in.base_url_set && in.base_url[0] == '\0')
		return http_fail(r, ERR_VALIDATION, 400, "base_url_required",
		    "A custom provider needs base_url.");
	if (in.base_url_set && in.api_key == NULL &&
	    !prov_same_endpoint(c.base_url, in.base_url[0] ? in.base_url : p.base_url))
		return http_fail(r, ERR_VALIDATION, 400, "api_key_required",
		    "Moving a saved provider to another endpoint (scheme, host or port) needs "
		    "its API key in the same request: a stored key only goes where it was saved for.");
	if (validate && (in.api_key != NULL || in.base_url_set)) {
		if (in.api_key == NULL &&
		    catalog_config_key(r->who.user_id, c.id, key, sizeof(key), &r->err) != 0)
			return -1;
		base = in.base_url_set ? in.base_url : (c.base_url_overridden ? c.base_url : NULL);
		rc = prov_validate(r, &p, base, in.api_key ? in.api_key : key, &l);
		OPENSSL_cleanse(key, sizeof(key));
		if (rc != 0)
			goto out;
		rc = -1;
	}
	if (catalog_config_update(r->who.user_id, c.id, &in, &r->err) != 0)
		goto out;
	rc = prov_send_config(r, 200, c.id, NULL);
out:
	modellist_free(&l);
	return rc;
}

static int
handle_config_delete(struct req *r)
{
	struct catalog_config	 c;

	if (prov_own_config(r, &c) != 0 || catalog_config_delete(r->who.user_id, c.id, &r->err) != 0)
		return -1;
	log_info("user %lld deleted provider config %s", r->who.user_id, c.name);
	return http_send_empty(r, 204);
}

static int
handle_config_sync(struct req *r)
{
	struct catalog_config	 c;
	struct sync_result	 res;
	cJSON			*root;

	if (prov_own_config(r, &c) != 0)
		return -1;
	if (sync_config(r->who.user_id, c.id, SYNC_TRIGGER_API, &res, &r->err) != 0)
		return -1;
	root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "added", res.added);
	cJSON_AddNumberToObject(root, "updated", res.updated);
	cJSON_AddNumberToObject(root, "removed", res.removed);
	cJSON_AddNumberToObject(root, "total", res.total);
	return prov_send(r, 200, root);
}

/* POST /api/provider-configs/{name}/check: the stored key tried now. */
static int
handle_config_check(struct req *r)
{
	struct catalog_config	 c;
	struct health_check	 hc;
	cJSON			*root, *e;

	if (prov_own_config(r, &c) != 0)
		return -1;
	if (health_check_config(r->who.user_id, c.id, &hc) != 0)
		return err_db_unavailable(&r->err);
	root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "ok", hc.ok);
	cJSON_AddNumberToObject(root, "latency_ms", (double)hc.latency_ms);
	if (hc.http_status)
		cJSON_AddNumberToObject(root, "http_status", hc.http_status);
	else
		cJSON_AddNullToObject(root, "http_status");
	if (hc.ok) {
		cJSON_AddNumberToObject(root, "models", (double)hc.models);
		cJSON_AddNullToObject(root, "error");
	} else {
		e = cJSON_AddObjectToObject(root, "error");
		cJSON_AddStringToObject(e, "type", err_category_names[hc.err.category]);
		cJSON_AddStringToObject(e, "message", hc.err.message);
	}
	return prov_send(r, 200, root);
}

/* ---- models, favorites, aliases ------------------------------------------------------ */

static int
handle_models(struct req *r)
{
	struct catalog_model_filter	 f;
	char				 q[PROV_QUERY_MAX], cap[32], type[32], prov[CATALOG_NAME_MAX + 1];

	memset(&f, 0, sizeof(f));
	if (http_query(r, "q", q, sizeof(q)) == 0)
		f.q = q;
	if (http_query(r, "capability", cap, sizeof(cap)) == 0)
		f.capability = cap;
	if (http_query(r, "type", type, sizeof(type)) == 0)
		f.type = type;
	if (http_query(r, "provider", prov, sizeof(prov)) == 0)
		f.provider = prov;
	return prov_send(r, 200, catalog_models_json(r->who.user_id, &f));
}

static int
handle_favorite(struct req *r)
{
	const char	*model = NULL;
	int		 on = 1;
	cJSON		*root;

	if (prov_body(r) != 0 ||
	    json_field_str(r->json, "model", 1, 1, CATALOG_REF_MAX, &model, NULL, &r->err) ||
	    json_field_bool(r->json, "favorite", 1, &on, NULL, &r->err))
		return -1;
	if (catalog_favorite_set(r->who.user_id, model, on, &r->err) != 0)
		return -1;
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "model", model);
	cJSON_AddBoolToObject(root, "favorite", on);
	return prov_send(r, 200, root);
}

static int
handle_fallbacks_list(struct req *r)
{
	return prov_send(r, 200, catalog_fallbacks_json(r->who.user_id));
}

/* PUT {model, fallbacks?: [names], context_fallbacks?: [names]}: the lists
 * for that model or alias (a list left out stays as it was); both empty
 * removes the entry. Answers the entry as stored. */
static int
handle_fallbacks_set(struct req *r)
{
	const char	*model = NULL;

	if (prov_body(r) != 0 ||
	    json_field_str(r->json, "model", 1, 1, CATALOG_REF_MAX, &model, NULL, &r->err))
		return -1;
	if (catalog_set_fallbacks(r->who.user_id, model,
	    cJSON_GetObjectItemCaseSensitive(r->json, "fallbacks"),
	    cJSON_GetObjectItemCaseSensitive(r->json, "context_fallbacks"), &r->err) != 0)
		return -1;
	return prov_send(r, 200, catalog_fallback_entry(r->who.user_id, model));
}

static int
handle_aliases_list(struct req *r)
{
	return prov_send(r, 200, catalog_aliases_json(r->who.user_id));
}

static int
handle_alias_create(struct req *r)
{
	const char	*alias = NULL, *model = NULL;
	int		 global = 0;
	long long	 id = 0;
	cJSON		*root, *one;

	if (prov_body(r) != 0 ||
	    json_field_str(r->json, "alias", 1, 1, 128, &alias, NULL, &r->err) ||
	    json_field_str(r->json, "model", 1, 1, CATALOG_REF_MAX, &model, NULL, &r->err) ||
	    json_field_bool(r->json, "global", 0, &global, NULL, &r->err))
		return -1;
	if (global && !r->who.is_admin)
		return http_fail(r, ERR_AUTH, 403, "forbidden", "Only an administrator can add global aliases.");
	if (catalog_alias_create(r->who.user_id, alias, model, global, &id, &r->err) != 0)
		return -1;
	if ((one = catalog_alias_json(r->who.user_id, id)) == NULL)
		return prov_send(r, 201, NULL);
	root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "alias", one);
	return prov_send(r, 201, root);
}

static int
handle_alias_delete(struct req *r)
{
	long long	 id;

	if (http_parse_id(http_route_param(r, 0), &id) != 0)
		return http_fail(r, ERR_VALIDATION, 404, "not_found", "No such alias.");
	if (catalog_alias_delete(r->who.user_id, id, r->who.is_admin, &r->err) != 0)
		return -1;
	return http_send_empty(r, 204);
}

/* ---- prices -------------------------------------------------------------------------- */

static int
handle_price_overrides(struct req *r)
{
	return prov_send(r, 200, prices_overrides_json());
}

/* A price field in USD per 1M tokens; -1 with r->err when out of range. */
static int
prov_price_field(struct req *r, const char *name, int required, int64_t *out)
{
	long long	 v = PRICE_UNKNOWN;
	int		 present = 0;

	if (json_field_usd(r->json, name, required, &v, &present, &r->err) != 0)
		return -1;
	if (present && v > PRICE_MAX)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_value",
		    "The field '%s' is above 1,000,000 USD per 1M tokens.", name);
	*out = present ? v : PRICE_UNKNOWN;
	return 0;
}

static int
handle_price_override_set(struct req *r)
{
	struct price_override	 o;

	memset(&o, 0, sizeof(o));
	if (prov_body(r) != 0 ||
	    json_field_str(r->json, "provider", 1, 1, 64, &o.provider, NULL, &r->err) ||
	    json_field_str(r->json, "model", 1, 1, MODELLIST_ID_MAX, &o.model, NULL, &r->err) ||
	    prov_price_field(r, "input_price_per_m", 1, &o.input) ||
	    prov_price_field(r, "output_price_per_m", 1, &o.output) ||
	    prov_price_field(r, "cache_read_price_per_m", 0, &o.cache_read) ||
	    prov_price_field(r, "cache_write_price_per_m", 0, &o.cache_write))
		return -1;
	if (prices_override_set(r->who.user_id, &o, &r->err) != 0)
		return -1;
	return prov_send(r, 200, prices_overrides_json());
}

static int
handle_price_override_clear(struct req *r)
{
	char	 provider[65], model[MODELLIST_ID_MAX + 1];

	if (http_query(r, "provider", provider, sizeof(provider)) != 0 ||
	    http_query(r, "model", model, sizeof(model)) != 0 || !provider[0] || !model[0])
		return http_fail(r, ERR_VALIDATION, 400, "invalid_request",
		    "Name the override with ?provider=…&model=….");
	if (prices_override_clear(r->who.user_id, provider, model, &r->err) != 0)
		return -1;
	return http_send_empty(r, 204);
}

/* POST /api/prices/import: the body is a price list (LiteLLM's JSON or the
 * TSV), as `switchboard prices import` takes it. */
static int
handle_price_import(struct req *r)
{
	struct prices_import_stats	 st;
	char				 err[256];
	cJSON				*o;
	int				 rc;

	if (http_read_body(r, server_config()->max_body_bytes) != 0)
		return -1;
	rc = prices_import(r->who.user_id, r->body, r->body_len, &st, err, sizeof(err));
	if (rc == PRICES_EINVAL)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_price_list",
		    "This is not a price list we can read: %s.", err);
	if (rc != 0) {
		log_err("price import: %s", err);
		return err_db_unavailable(&r->err);
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "read", (double)st.read);
	cJSON_AddNumberToObject(o, "priced", (double)st.priced);
	cJSON_AddNumberToObject(o, "changed", (double)st.changed);
	cJSON_AddNumberToObject(o, "applied", (double)st.applied);
	return prov_send(r, 200, o);
}

static int
handle_price_changes(struct req *r)
{
	char		 v[16];
	long long	 limit = 100;

	if (http_query(r, "limit", v, sizeof(v)) == 0 &&
	    (http_parse_id(v, &limit) != 0 || limit > 1000))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_value",
		    "limit must be from 1 to 1000.");
	return prov_send(r, 200, prices_changes_json((int)limit));
}

/* ---- routing choices ---------------------------------------------------------------- */

static cJSON *
routing_json(int auto_fallback)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "auto_fallback", auto_fallback);
	return o;
}

static int
handle_routing_get(struct req *r)
{
	int	 on = catalog_auto_fallback(r->who.user_id);

	return prov_send(r, 200, on < 0 ? NULL : routing_json(on));
}

static int
handle_routing_put(struct req *r)
{
	int	 on, present;

	if (http_json_body(r, 4096, 4) != 0 ||
	    json_field_bool(r->json, "auto_fallback", 1, &on, &present, &r->err) != 0)
		return -1;
	if (catalog_set_auto_fallback(r->who.user_id, on) != 0)
		return err_db_unavailable(&r->err);
	return prov_send(r, 200, routing_json(on));
}

/* ---- the program ------------------------------------------------------------------------ */

static int
providers_init(const struct config *cfg)
{
	sync_configure(cfg);
	return 0;
}

static const struct route routes[] = {
	{ "GET",    "/api/providers",                    handle_providers_list,  ROUTE_USER },
	{ "GET",    "/api/providers/status",             health_handle_status,    ROUTE_USER },
	{ "GET",    "/api/providers/compare",            handle_compare,         ROUTE_USER },
	{ "GET",    "/api/providers/routing",            handle_routing_get,     ROUTE_USER },
	{ "PUT",    "/api/providers/routing",            handle_routing_put,     ROUTE_SESSION },
	{ "POST",   "/api/providers/{name}",             handle_provider_create, ROUTE_ADMIN },
	{ "PUT",    "/api/providers/{name}",             handle_provider_update, ROUTE_ADMIN },
	{ "DELETE", "/api/providers/{name}",             handle_provider_delete, ROUTE_ADMIN },
	{ "POST",   "/api/providers/{name}/test",        handle_provider_test,   ROUTE_SESSION },
	{ "GET",    "/api/provider-configs",             handle_configs_list,    ROUTE_SESSION },
	{ "GET",    "/api/provider-configs/{name}",      handle_config_get,      ROUTE_SESSION },
	{ "POST",   "/api/provider-configs/{name}",      handle_config_create,   ROUTE_SESSION },
	{ "PUT",    "/api/provider-configs/{name}",      handle_config_update,   ROUTE_SESSION },
	{ "DELETE", "/api/provider-configs/{name}",      handle_config_delete,   ROUTE_SESSION },
	{ "POST",   "/api/provider-configs/{name}/sync", handle_config_sync,     ROUTE_SESSION },
	{ "POST",   "/api/provider-configs/{name}/check", handle_config_check,   ROUTE_SESSION },
	{ "GET",    "/api/models",                       handle_models,          ROUTE_USER },
	{ "PUT",    "/api/models/favorites",             handle_favorite,        ROUTE_SESSION },
	{ "GET",    "/api/models/fallbacks",             handle_fallbacks_list,  ROUTE_USER },
	{ "PUT",    "/api/models/fallbacks",             handle_fallbacks_set,   ROUTE_SESSION },
	{ "GET",    "/api/aliases",                      handle_aliases_list,    ROUTE_USER },
	{ "POST",   "/api/aliases",                      handle_alias_create,    ROUTE_SESSION },
	{ "DELETE", "/api/aliases/{id}",                 handle_alias_delete,    ROUTE_SESSION },
	{ "GET",    "/api/prices/overrides",             handle_price_overrides, ROUTE_ADMIN },
	{ "PUT",    "/api/prices/overrides",             handle_price_override_set, ROUTE_ADMIN },
	{ "DELETE", "/api/prices/overrides",             handle_price_override_clear, ROUTE_ADMIN },
	{ "GET",    "/api/prices/changes",               handle_price_changes,   ROUTE_ADMIN },
	{ "POST",   "/api/prices/import",                handle_price_import,    ROUTE_ADMIN },
};

int
main(void)
{
	static const struct program prog = {
		.name = "providers", .routes = routes,
		.nroutes = sizeof(routes) / sizeof(routes[0]), .init = providers_init
	};

	return server_run(&prog);
}
