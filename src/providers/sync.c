/* sync: fetch, diff and store a provider config's model list (see sync.h).
 * The upstream is untrusted: the connection goes only to the address
 * netcheck approved (CURLOPT_RESOLVE), redirects are never followed, bodies
 * are capped, pages are bounded.  Writes happen in one transaction, retried
 * on deadlock; rows that usage logs may point to are never deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "db.h"
#include "egress.h"
#include "lease.h"
#include "log.h"
#include "netcheck.h"
#include "price.h"
#include "prices.h"
#include "sbconst.h"
#include "stamp.h"
#include "sync.h"
#include "vault.h"

#define SYNC_URL_MAX		(CATALOG_URL_MAX + MODELLIST_CURSOR_MAX * 3 + 128)
#define SYNC_DB_ATTEMPTS	3

static const char *const sync_trigger_names[SYNC_TRIGGER__MAX] = { "api", "cron", "create" };

static struct {
	int	 allow_private;
	long	 connect_timeout_ms;
	long	 timeout_ms;
	CURL	*curl;
} sync_cfg = { 0, 10000, SB_SYNC_TIMEOUT_MS_DEFAULT, NULL };

static const char SQL_RUN_START[] =
    "INSERT INTO sync_runs (config_id, user_id, trigger_src) VALUES (?, ?, ?)";
static const char SQL_RUN_END[] =
    "UPDATE sync_runs SET status = ?, added = ?, updated = ?, removed = ?, total = ?,"
    " error_message = ?, finished_at = NOW(6) WHERE id = ? AND user_id = ?";
static const char SQL_CONFIG_SYNCED[] =
    "UPDATE user_api_providers SET status = 'ok', last_error = NULL, last_sync_at = NOW(6)"
    " WHERE id = ? AND user_id = ?";
static const char SQL_EXISTING[] =
    "SELECT id, model_id, display_name, model_type, context_window, max_output, input_price,"
    " output_price, cache_read_price, cache_write_price, capabilities, is_available, price_source"
    " FROM aggregator_models WHERE config_id = ? AND user_id = ?";
static const char SQL_MODEL_UPSERT[] =
    "INSERT INTO aggregator_models (config_id, user_id, model_id, display_name, model_type,"
    " context_window, max_output, input_price, output_price, cache_read_price, cache_write_price,"
    " price_source, capabilities, is_available) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
    " ON DUPLICATE KEY UPDATE display_name = VALUES(display_name), model_type = VALUES(model_type),"
    " context_window = VALUES(context_window), max_output = VALUES(max_output),"
    " input_price = VALUES(input_price), output_price = VALUES(output_price),"
    " cache_read_price = VALUES(cache_read_price), cache_write_price = VALUES(cache_write_price),"
    " price_source = VALUES(price_source), capabilities = VALUES(capabilities), is_available = 1";
static const char SQL_MODEL_VANISHED[] =
    "UPDATE aggregator_models SET is_available = 0 WHERE id = ? AND config_id = ? AND user_id = ?";
static const char SQL_MODELS_SEEN[] =
    "UPDATE aggregator_models SET last_seen_at = NOW(6)"
    " WHERE config_id = ? AND user_id = ? AND is_available = 1";
static const char SQL_ALL_ACTIVE[] =
    "SELECT c.id, c.user_id, c.name FROM user_api_providers c JOIN api_providers p"
    " ON p.id = c.provider_id WHERE c.is_active = 1 AND p.is_active = 1"
    " ORDER BY c.user_id, c.priority, c.id";

void
sync_configure(const struct config *cfg)
{
	sync_cfg.allow_private = cfg->allow_private_endpoints;
	sync_cfg.connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
	sync_cfg.timeout_ms = cfg->sync_timeout_ms;
}

int
sync_check_base_url(const char *base_url, struct sb_error *e)
{
	struct netcheck_target	 t;
	char			 msg[256];

	if (netcheck_check(base_url, sync_cfg.allow_private, &t, msg, sizeof(msg)) != NETCHECK_OK) {
		err_set(e, ERR_VALIDATION, 400, "base_url_refused", "%s", msg);
		return -1;
	}
	return 0;
}

static long long
sync_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- one HTTP GET ---------------------------------------------------------- */

struct sync_body {
	struct buf	 b;
	int		 too_big;
};

static size_t
sync_write(char *p, size_t size, size_t n, void *ud)
{
	struct sync_body *body = ud;

	if (buf_append(&body->b, p, size * n) != BUF_OK) {
		body->too_big = 1;
		return 0;
	}
	return size * n;
}

/* Free a header list after wiping it (one line carries the key). */
static void
sync_headers_free(struct curl_slist *h)
{
	struct curl_slist *it;

	for (it = h; it != NULL; it = it->next)
		OPENSSL_cleanse(it->data, strlen(it->data));
	curl_slist_free_all(h);
}

static struct curl_slist *
sync_headers(enum catalog_api_format fmt, const char *key)
{
	struct curl_slist	*h = NULL;
	char			 line[SB_MAX_API_KEY + 64];

	if (fmt == CATALOG_FMT_ANTHROPIC) {
		snprintf(line, sizeof(line), "x-api-key: %s", key);
		h = curl_slist_append(h, "anthropic-version: 2023-06-01");
	} else if (fmt == CATALOG_FMT_GEMINI)
		snprintf(line, sizeof(line), "x-goog-api-key: %s", key);
	else
		snprintf(line, sizeof(line), "Authorization: Bearer %s", key);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Accept: application/json");
	OPENSSL_cleanse(line, sizeof(line));
	return h;
}

/* Turn a transport or HTTP failure into our categories. */
static int
sync_fail_http(CURLcode cc, long status, int too_big, struct sb_error *e)
{
	if (too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		err_set(e, ERR_UPSTREAM, 502, "upstream_too_large",
		    "The provider's model list is larger than %ld MB; it was not stored.",
		    MODELLIST_BODY_MAX / (1024 * 1024));
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		err_set(e, ERR_TIMEOUT, 504, "upstream_timeout",
		    "The provider did not send its model list within %ld s; try again later.",
		    sync_cfg.timeout_ms / 1000);
	} else if (cc != CURLE_OK) {
		err_set(e, ERR_NETWORK, 502, "upstream_unreachable",
		    "Could not reach the provider (%s); check base_url and the network.",
		    curl_easy_strerror(cc));
	} else if (status == 401 || status == 403) {
		err_set(e, ERR_AUTH, 400, "upstream_auth_failed",
		    "The provider refused the API key (HTTP %ld); check the key and its permissions.",
		    status);
	} else if (status == 429) {
		err_set(e, ERR_RATE_LIMIT, 429, "upstream_rate_limited",
		    "The provider is rate limiting this key (HTTP 429); try again in a minute.");
	} else if (status == 404) {
		err_set(e, ERR_UPSTREAM, 502, "upstream_not_found",
		    "The provider answered 404 for its model list; check base_url.");
	} else if (status >= 300 && status < 400) {
		err_set(e, ERR_UPSTREAM, 502, "upstream_redirect",
		    "The provider answered with a redirect (HTTP %ld), which is not followed; "
		    "set base_url to the final address.", status);
	} else {
		err_set(e, ERR_UPSTREAM, 502, "upstream_error",
		    "The provider answered HTTP %ld to the model list request.", status);
	}
	return -1;
}

static CURL *
sync_curl(void)
{
	if (sync_cfg.curl == NULL)
		sync_cfg.curl = curl_easy_init();
	else
		curl_easy_reset(sync_cfg.curl);
	return sync_cfg.curl;
}

/* GET url (whose base was checked into t) into body, through egress: the
 * same check, pin and connect-time peer check as the chat path. */
static int
sync_get(const char *url, const struct netcheck_target *t, struct curl_slist *headers,
    struct sync_body *body, struct sync_probe *probe, struct sb_error *e)
{
	struct egress	 eg;
	CURL		*c;
	CURLcode	 cc;
	long		 status = 0;
	char		 msg[256];

	if ((c = sync_curl()) == NULL) {
		err_set(e, ERR_INTERNAL, 500, "internal", "Could not start an HTTP client.");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, t->url.https ? "https" : "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, sync_cfg.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, sync_cfg.timeout_ms);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MODELLIST_BODY_MAX);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "switchboard/" SB_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sync_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	if (egress_open(c, url, sync_cfg.allow_private, &eg, msg, sizeof(msg)) != NETCHECK_OK) {
		egress_release(c, &eg);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		err_set(e, ERR_VALIDATION, 400, "base_url_refused", "%s", msg);
		return -1;
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	egress_release(c, &eg);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	if (eg.refused) {
		err_set(e, ERR_VALIDATION, 400, "base_url_refused", "The provider's address "
		    "now resolves to %s, which this server does not connect to.", eg.refused_addr);
		return -1;
	}
	probe->http_status = (int)status;
	if (cc != CURLE_OK || status < 200 || status > 299)
		return sync_fail_http(cc, status, body->too_big, e);
	return 0;
}

/* ---- URLs per format --------------------------------------------------------- */

/* base without trailing slashes into out. */
static void
sync_base(const char *base_url, char *out, size_t size)
{
	size_t	 n = strnlen(base_url, size - 1);

	memcpy(out, base_url, n);
	out[n] = '\0';
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
}

static enum modellist_format
sync_format(const struct catalog_config *c)
{
	if (strcmp(c->provider, "openrouter") == 0)
		return MODELLIST_OPENROUTER;
	if (c->api_format == CATALOG_FMT_ANTHROPIC)
		return MODELLIST_ANTHROPIC;
	if (c->api_format == CATALOG_FMT_GEMINI)
		return MODELLIST_GEMINI;
	return MODELLIST_OPENAI;
}

static int
sync_page_url(enum modellist_format fmt, const char *base, const char *cursor, char *url,
    size_t size)
{
	char	*esc = NULL;
	int	 n;

	if (cursor != NULL && (esc = curl_easy_escape(NULL, cursor, 0)) == NULL)
		return -1;
	switch (fmt) {
	case MODELLIST_ANTHROPIC:
		n = snprintf(url, size, "%s/v1/models?limit=1000%s%s", base,
		    esc ? "&after_id=" : "", esc ? esc : "");
		break;
	case MODELLIST_GEMINI:
		n = snprintf(url, size, "%s/v1beta/models?pageSize=1000%s%s", base,
		    esc ? "&pageToken=" : "", esc ? esc : "");
		break;
	default:
		n = snprintf(url, size, "%s/models%s%s", base, esc ? "?after=" : "", esc ? esc : "");
		break;
	}
	curl_free(esc);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Fetch every page of fmt from base into l (unfinished). */
static int
sync_fetch_pages(enum modellist_format fmt, const char *base, const struct netcheck_target *t,
    struct curl_slist *h, struct model_list *l, struct sync_probe *probe, struct sb_error *e)
{
	struct sync_body	 body;
	char			 url[SYNC_URL_MAX];
	int			 page, rc = -1, prc;

	buf_init(&body.b, (size_t)MODELLIST_BODY_MAX);
	for (page = 0; page < SYNC_MAX_PAGES; page++) {
		buf_reset(&body.b);
		body.too_big = 0;
		if (sync_page_url(fmt, base, l->next_cursor, url, sizeof(url)) != 0) {
			err_set(e, ERR_UPSTREAM, 502, "upstream_malformed",
			    "The provider's pagination cursor is unusable.");
			goto out;
		}
		if (sync_get(url, t, h, &body, probe, e) != 0)
			goto out;
		if ((prc = modellist_parse(fmt, body.b.data ? body.b.data : "", body.b.len, l)) != 0) {
			if (prc == MODELLIST_ETOOBIG)
				sync_fail_http(CURLE_OK, 0, 1, e);
			else
				err_set(e, ERR_UPSTREAM, 502, "upstream_malformed",
				    "The provider's model list is not valid (%s).", modellist_strerror(prc));
			goto out;
		}
		if (l->next_cursor == NULL) {
			rc = 0;
			goto out;
		}
	}
	err_set(e, ERR_UPSTREAM, 502, "upstream_too_large",
	    "The provider's model list has more than %d pages.", SYNC_MAX_PAGES);
out:
	buf_free(&body.b);
	return rc;
}

/* AiHubMix: enrich the key's /v1/models list with the public rich list
 * (prices, limits, capabilities); a failure there is only logged. */
static void
sync_aihubmix_enrich(const char *base, const struct netcheck_target *t, struct curl_slist *h,
    struct model_list *l)
{
	struct model_list	 rich;
	struct sync_body	 body;
	struct sync_probe	 probe;
	struct sb_error		 e;
	char			 url[SYNC_URL_MAX];
	size_t			 n = strlen(base), i;
	const struct model_info	*r;

	if (n >= 3 && strcmp(base + n - 3, "/v1") == 0)
		n -= 3;
	if (snprintf(url, sizeof(url), "%.*s/api/v1/models", (int)n, base) >= (int)sizeof(url))
		return;
	modellist_init(&rich);
	buf_init(&body.b, (size_t)MODELLIST_BODY_MAX);
	body.too_big = 0;
	if (sync_get(url, t, h, &body, &probe, &e) != 0 ||
	    modellist_parse(MODELLIST_AIHUBMIX, body.b.data ? body.b.data : "", body.b.len, &rich) != 0) {
		log_warn("aihubmix rich model list unavailable; prices from the shipped table only");
		goto out;
	}
	modellist_finish(MODELLIST_AIHUBMIX, 0, &rich);
	for (i = 0; i < l->len; i++) {
		struct model_info *m = &l->items[i];

		if ((r = modellist_find(&rich, m->id)) == NULL)
			continue;
		m->type = r->type;
		m->context_window = r->context_window;
		m->max_output = r->max_output;
		m->input_price = r->input_price;
		m->output_price = r->output_price;
		m->cache_read_price = r->cache_read_price;
		m->cache_write_price = r->cache_write_price;
		m->caps = r->caps;
	}
out:
	buf_free(&body.b);
	modellist_free(&rich);
}

int
sync_fetch(const struct catalog_config *c, const char *api_key, struct model_list *out,
    struct sync_probe *probe, struct sb_error *e)
{
	struct netcheck_target	 t;
	struct curl_slist	*h = NULL;
	enum modellist_format	 fmt = sync_format(c);
	char			 base[CATALOG_URL_MAX + 1], msg[256];
	long long		 t0 = 0;
	int			 rc = -1;

	memset(probe, 0, sizeof(*probe));
	modellist_init(out);
	if (c->base_url[0] == '\0') {
		err_set(e, ERR_VALIDATION, 400, "base_url_required",
		    "This provider needs a base_url (e.g. http://localhost:11434/v1).");
		return -1;
	}
	if (netcheck_check(c->base_url, sync_cfg.allow_private, &t, msg, sizeof(msg)) != NETCHECK_OK) {
		err_set(e, ERR_VALIDATION, 400, "base_url_refused", "%s", msg);
		return -1;
	}
	sync_base(c->base_url, base, sizeof(base));
	h = sync_headers(c->api_format, api_key);
	t0 = sync_now_us();
	rc = sync_fetch_pages(fmt, base, &t, h, out, probe, e);
	probe->latency_ms = (long)((sync_now_us() - t0) / 1000);
	if (rc == 0 && strcmp(c->provider, "aihubmix") == 0)
		sync_aihubmix_enrich(base, &t, h, out);
	if (rc == 0) {
		(void)prices_refresh();	/* the table as it is now (an import may be minutes old) */
		modellist_finish(fmt, strcmp(c->provider, "custom") != 0, out);
	}
	sync_headers_free(h);
	return rc;
}

/* ---- diff and store ------------------------------------------------------------ */

/* One stored row, as loaded for the diff. */
struct sync_row {
	long long	 id;
	struct model_info m;
	int		 available;
	char		 source[12];
};

static int
sync_row_cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct sync_row *)a)->m.id, ((const struct sync_row *)b)->m.id);
}

static const char *
sync_source(const struct model_info *m)
{
	if (m->input_price < 0 && m->output_price < 0)
		return "unknown";
	return m->price_from_table ? "table" : "upstream";
}

static int
sync_load_existing(long long user_id, long long config_id, struct sync_row **out, size_t *n)
{
	struct db_param	 p[] = { db_int(config_id), db_int(user_id) };
	struct db_rows	 rows;
	struct sync_row	*v;
	int		 i;

	*out = NULL;
	*n = 0;
	if (db_query(SQL_EXISTING, p, 2, &rows) != DB_OK) {
		db_rows_free(&rows);
		return -1;
	}
	if ((v = calloc((size_t)rows.nrows + 1, sizeof(*v))) == NULL) {
		db_rows_free(&rows);
		return -1;
	}
	for (i = 0; i < rows.nrows; i++) {
		struct sync_row *r = &v[i];
		const char *t = db_val(&rows, i, 3);

		r->id = db_ll(&rows, i, 0, 0);
		snprintf(r->m.id, sizeof(r->m.id), "%s", db_val(&rows, i, 1) ? db_val(&rows, i, 1) : "");
		snprintf(r->m.name, sizeof(r->m.name), "%s", db_val(&rows, i, 2) ? db_val(&rows, i, 2) : "");
		r->m.type = MODEL_TYPE_OTHER;
		for (int k = 0; t != NULL && k < MODEL_TYPE__MAX; k++)
			if (strcmp(t, model_type_names[k]) == 0)
				r->m.type = (enum model_type)k;
		r->m.context_window = db_ll(&rows, i, 4, 0);
		r->m.max_output = db_ll(&rows, i, 5, 0);
		r->m.input_price = db_ll(&rows, i, 6, PRICE_UNKNOWN);
		r->m.output_price = db_ll(&rows, i, 7, PRICE_UNKNOWN);
		r->m.cache_read_price = db_ll(&rows, i, 8, PRICE_UNKNOWN);
		r->m.cache_write_price = db_ll(&rows, i, 9, PRICE_UNKNOWN);
		r->m.caps = modellist_caps_parse(db_val(&rows, i, 10));
		r->available = db_ll(&rows, i, 11, 0) != 0;
		snprintf(r->source, sizeof(r->source), "%s", db_val(&rows, i, 12) ? db_val(&rows, i, 12) : "");
	}
	*n = (size_t)rows.nrows;
	db_rows_free(&rows);
	qsort(v, *n, sizeof(*v), sync_row_cmp);
	*out = v;
	return 0;
}

static int
sync_changed(const struct sync_row *r, const struct model_info *m)
{
	return !r->available || strcmp(r->m.id, m->id) != 0 || strcmp(r->m.name, m->name) != 0 ||
	    r->m.type != m->type || r->m.context_window != m->context_window ||
	    r->m.max_output != m->max_output || r->m.input_price != m->input_price ||
	    r->m.output_price != m->output_price || r->m.cache_read_price != m->cache_read_price ||
	    r->m.cache_write_price != m->cache_write_price || r->m.caps != m->caps ||
	    strcmp(r->source, sync_source(m)) != 0;
}

static struct db_param
sync_opt(int64_t v)
{
	return v < 0 ? db_null() : db_int(v);
}

static int
sync_upsert(long long user_id, long long config_id, const struct model_info *m)
{
	struct db_param	 p[13];
	char		 caps[MODELLIST_CAPS_TEXT];

	modellist_caps_format(m->caps, caps, sizeof(caps));
	p[0] = db_int(config_id);
	p[1] = db_int(user_id);
	p[2] = db_str(m->id);
	p[3] = db_str(m->name);
	p[4] = db_str(model_type_names[m->type]);
	p[5] = m->context_window > 0 ? db_int(m->context_window) : db_null();
	p[6] = m->max_output > 0 ? db_int(m->max_output) : db_null();
	p[7] = sync_opt(m->input_price);
	p[8] = sync_opt(m->output_price);
	p[9] = sync_opt(m->cache_read_price);
	p[10] = sync_opt(m->cache_write_price);
	p[11] = db_str(sync_source(m));
	p[12] = db_str(caps);
	return db_exec(SQL_MODEL_UPSERT, p, 13, NULL, NULL);
}

/* The whole diff in one transaction; a db_status. */
static int
sync_apply_once(long long user_id, long long config_id, const struct model_list *l,
    struct sync_result *res)
{
	struct sync_row		*old = NULL, key, *r;
	size_t			 nold = 0, i;
	unsigned char		*seen = NULL;
	int			 rc;

	memset(res, 0, sizeof(*res));
	if ((rc = db_begin()) != DB_OK)
		return rc;
	if (sync_load_existing(user_id, config_id, &old, &nold) != 0) {
		rc = DB_ERROR;
		goto out;
	}
	seen = calloc(nold + 1, 1);
	for (i = 0; seen != NULL && i < l->len; i++) {
		const struct model_info *m = &l->items[i];

		memcpy(key.m.id, m->id, sizeof(key.m.id));
		r = bsearch(&key, old, nold, sizeof(*old), sync_row_cmp);
		if (r != NULL)
			seen[r - old] = 1;
		if (r != NULL && !sync_changed(r, m))
			continue;
		if ((rc = sync_upsert(user_id, config_id, m)) != DB_OK)
			goto out;
		if (r == NULL)
			res->added++;
		else
			res->updated++;
	}
	for (i = 0; seen != NULL && i < nold; i++) {
		struct db_param p[] = { db_int(old[i].id), db_int(config_id), db_int(user_id) };

		if (seen[i] || !old[i].available)
			continue;
		if ((rc = db_exec(SQL_MODEL_VANISHED, p, 3, NULL, NULL)) != DB_OK)
			goto out;
		res->removed++;
	}
	{
		struct db_param p[] = { db_int(config_id), db_int(user_id) };

		if (seen == NULL)
			rc = DB_ERROR;
		else if ((rc = db_exec(SQL_MODELS_SEEN, p, 2, NULL, NULL)) == DB_OK)
			rc = db_commit();
	}
	res->total = (int)l->len;
out:
	if (rc != DB_OK)
		db_rollback();
	free(seen);
	free(old);
	return rc;
}

static int
sync_apply(long long user_id, long long config_id, const struct model_list *l,
    struct sync_result *res)
{
	int	 attempt, rc = DB_ERROR;

	for (attempt = 0; attempt < SYNC_DB_ATTEMPTS; attempt++) {
		rc = sync_apply_once(user_id, config_id, l, res);
		if (rc != DB_RETRY)
			break;
		log_warn("sync of config %lld: transaction conflict, retrying", config_id);
	}
	return rc;
}

static long long
sync_run_start(long long user_id, long long config_id, enum sync_trigger trigger)
{
	struct db_param		 p[] = { db_int(config_id), db_int(user_id),
	    db_str(sync_trigger_names[trigger]) };
	unsigned long long	 id = 0;

	if (db_exec(SQL_RUN_START, p, 3, NULL, &id) != DB_OK)
		return 0;
	return (long long)id;
}

static void
sync_run_end(long long run_id, long long user_id, const struct sync_result *res,
    const struct sb_error *e)
{
	struct db_param	 p[8];
	char		 msg[CATALOG_ERROR_MAX + 1];

	if (run_id == 0)
		return;
	if (e != NULL)
		snprintf(msg, sizeof(msg), "%.255s", e->message);
	p[0] = db_str(e ? "error" : "ok");
	p[1] = db_int(res->added);
	p[2] = db_int(res->updated);
	p[3] = db_int(res->removed);
	p[4] = db_int(res->total);
	p[5] = e ? db_str(msg) : db_null();
	p[6] = db_int(run_id);
	p[7] = db_int(user_id);
	db_exec(SQL_RUN_END, p, 8, NULL, NULL);
}

int
sync_config(long long user_id, long long config_id, enum sync_trigger trigger,
    struct sync_result *res, struct sb_error *e)
{
	struct catalog_config	 c;
	struct model_list	 l;
	struct sync_probe	 probe;
	char			 key[SB_MAX_API_KEY + 1];
	long long		 run;
	int			 rc = -1;

	memset(res, 0, sizeof(*res));
	modellist_init(&l);
	if (catalog_config_get(user_id, config_id, &c, e) != 0)
		return -1;
	run = sync_run_start(user_id, config_id, trigger);
	if (catalog_config_key(user_id, config_id, key, sizeof(key), e) != 0)
		goto out;
	rc = sync_fetch(&c, key, &l, &probe, e);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != 0)
		goto out;
	if (sync_apply(user_id, config_id, &l, res) != DB_OK) {
		err_db_unavailable(e);
		rc = -1;
		goto out;
	}
	{
		struct db_param p[] = { db_int(config_id), db_int(user_id) };

		db_exec(SQL_CONFIG_SYNCED, p, 2, NULL, NULL);
		(void)stamp_user(user_id);	/* its models and status */
	}
out:
	if (rc != 0) {
		memset(res, 0, sizeof(*res));
		catalog_config_set_status(user_id, config_id, "error", e->message);
	}
	sync_run_end(run, user_id, res, rc == 0 ? NULL : e);
	modellist_free(&l);
	return rc;
}

/* ---- sync --all ------------------------------------------------------------------ */

/* Sync every active config; returns the number that failed, -1 on DB error. */
static int
sync_all(const char *holder)
{
	struct db_rows		 rows;
	struct sync_result	 res;
	struct sb_error		 e;
	int			 i, failed = 0;

	if (db_query(SQL_ALL_ACTIVE, NULL, 0, &rows) != DB_OK) {
		db_rows_free(&rows);
		return -1;
	}
	for (i = 0; i < rows.nrows; i++) {
		long long cid = db_ll(&rows, i, 0, 0), uid = db_ll(&rows, i, 1, 0);

		err_clear(&e);
		if (sync_config(uid, cid, SYNC_TRIGGER_CRON, &res, &e) == 0)
			printf("config %lld (user %lld, %s): +%d ~%d -%d = %d models\n", cid, uid,
			    db_val(&rows, i, 2), res.added, res.updated, res.removed, res.total);
		else {
			printf("config %lld (user %lld, %s): failed: %s\n", cid, uid,
			    db_val(&rows, i, 2), e.message);
			failed++;
		}
		fflush(stdout);
		if (lease_renew(SYNC_LEASE, holder, SYNC_LEASE_S) != 0) {
			fprintf(stderr, "sync: lost the sync_all lease; stopping\n");
			failed++;
			break;
		}
	}
	db_rows_free(&rows);
	return failed;
}

int
sync_cli(const struct config *cfg, int argc, char **argv)
{
	char	 holder[33];
	int	 got, failed;

	if (argc != 2 || strcmp(argv[1], "--all") != 0) {
		fprintf(stderr, "usage: switchboard sync --all\n");
		return 2;
	}
	sync_configure(cfg);
	if (vault_token_hex(holder, 16) != 0)
		return 1;
	if ((got = lease_take(SYNC_LEASE, holder, SYNC_LEASE_S)) < 0) {
		fprintf(stderr, "sync: database error: %s\n", db_error());
		return 1;
	}
	if (got == 0) {
		fprintf(stderr, "sync: another `sync --all` is running (lease held); not starting\n");
		return 3;
	}
	failed = sync_all(holder);
	lease_free(SYNC_LEASE, holder);
	if (sync_cfg.curl != NULL) {
		curl_easy_cleanup(sync_cfg.curl);
		sync_cfg.curl = NULL;
	}
	if (failed < 0) {
		fprintf(stderr, "sync: database error: %s\n", db_error());
		return 1;
	}
	printf("sync: done, %d failed\n", failed);
	return failed ? 1 : 0;
}

int
sync_store(long long user_id, long long config_id, enum sync_trigger trigger,
    const struct model_list *l, struct sync_result *res, struct sb_error *e)
{
	struct db_param	 p[] = { db_int(config_id), db_int(user_id) };
	long long	 run = sync_run_start(user_id, config_id, trigger);

	if (sync_apply(user_id, config_id, l, res) != DB_OK) {
		memset(res, 0, sizeof(*res));
		err_db_unavailable(e);
		sync_run_end(run, user_id, res, e);
		return -1;
	}
	db_exec(SQL_CONFIG_SYNCED, p, 2, NULL, NULL);
	(void)stamp_user(user_id);	/* its models and status */
	sync_run_end(run, user_id, res, NULL);
	return 0;
}
