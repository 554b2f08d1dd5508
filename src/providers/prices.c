/* prices: model_prices, price_overrides and price_changes (prices.h). Reads
 * and writes those tables, parses the price lists an import takes, and keeps
 * the in-process price table in step; never computes a request's cost. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "price.h"
#include "prices.h"
#include "stamp.h"

#define PRICES_MAX_AGE_S	60
#define PRICES_ROWS_MAX		65536
#define PRICES_FILE_MAX		(64 * 1024 * 1024)
#define PRICES_JSON_DEPTH	8

static const char SQL_LOAD[] =
    "SELECT model_key, input_price, output_price, cache_read_price, cache_write_price,"
    " context_window, max_output, capabilities FROM model_prices LIMIT 65536";
static const char SQL_UPSERT[] =
    "INSERT INTO model_prices (model_key, input_price, output_price, cache_read_price,"
    " cache_write_price, context_window, max_output, capabilities, source)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'import') ON DUPLICATE KEY UPDATE"
    " input_price = VALUES(input_price), output_price = VALUES(output_price),"
    " cache_read_price = VALUES(cache_read_price), cache_write_price = VALUES(cache_write_price),"
    " context_window = VALUES(context_window), max_output = VALUES(max_output),"
    " capabilities = VALUES(capabilities), source = 'import'";
static const char SQL_CHANGE[] =
    "INSERT INTO price_changes (source, actor_id, provider_id, model, old_input_price,"
    " old_output_price, new_input_price, new_output_price) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
/* Catalog rows the table prices (the upstream said nothing). */
static const char SQL_TABLE_PRICED[] =
    "SELECT id, model_id, input_price, output_price, cache_read_price, cache_write_price"
    " FROM aggregator_models WHERE price_source IN ('table', 'unknown') LIMIT 1000000";
static const char SQL_TABLE_APPLY[] =
    "UPDATE aggregator_models SET input_price = ?, output_price = ?, cache_read_price = ?,"
    " cache_write_price = ?, price_source = 'table'"
    " WHERE id = ? AND price_source IN ('table', 'unknown')";
static const char SQL_PROVIDER_ID[] =
    "SELECT id FROM api_providers WHERE name = ?";
static const char SQL_OVERRIDE_GET[] =
    "SELECT input_price, output_price FROM price_overrides WHERE provider_id = ? AND model_id = ?";
static const char SQL_OVERRIDE_SET[] =
    "INSERT INTO price_overrides (provider_id, model_id, input_price, output_price,"
    " cache_read_price, cache_write_price, set_by) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON DUPLICATE KEY UPDATE input_price = VALUES(input_price),"
    " output_price = VALUES(output_price), cache_read_price = VALUES(cache_read_price),"
    " cache_write_price = VALUES(cache_write_price), set_by = VALUES(set_by), set_at = NOW(6)";
static const char SQL_OVERRIDE_DEL[] =
    "DELETE FROM price_overrides WHERE provider_id = ? AND model_id = ?";
static const char SQL_OVERRIDES[] =
    "SELECT p.name, o.model_id, o.input_price, o.output_price, o.cache_read_price,"
    " o.cache_write_price, u.username, DATE_FORMAT(o.set_at, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM price_overrides o JOIN api_providers p ON p.id = o.provider_id"
    " LEFT JOIN users u ON u.id = o.set_by ORDER BY p.name, o.model_id LIMIT 10000";
static const char SQL_CHANGES[] =
    "SELECT DATE_FORMAT(c.changed_at, '%Y-%m-%dT%H:%i:%s.%fZ'), c.source, u.username,"
    " p.name, c.model, c.old_input_price, c.old_output_price, c.new_input_price,"
    " c.new_output_price FROM price_changes c LEFT JOIN users u ON u.id = c.actor_id"
    " LEFT JOIN api_providers p ON p.id = c.provider_id"
    " ORDER BY c.changed_at DESC, c.id DESC LIMIT ?";

static struct {
	int	 loaded;
	time_t	 at;
} prices_state;

static struct db_param
prices_param(int64_t v)
{
	return v < 0 ? db_null() : db_int(v);
}

/* ---- the in-process table ------------------------------------------------ */

static void
prices_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* model_prices into a new array (*out, *n) the caller frees; 0 or -1. */
static int
prices_read(struct price_entry **out, size_t *n)
{
	struct db_rows		 rows;
	struct price_entry	*v;
	int			 i;

	*out = NULL;
	*n = 0;
	if (db_query(SQL_LOAD, NULL, 0, &rows) != DB_OK ||
	    (v = calloc((size_t)rows.nrows + 1, sizeof(*v))) == NULL) {
		db_rows_free(&rows);
		return -1;
	}
	for (i = 0; i < rows.nrows; i++) {
		prices_copy(v[i].model, sizeof(v[i].model), db_val(&rows, i, 0));
		v[i].input = db_ll(&rows, i, 1, PRICE_UNKNOWN);
		v[i].output = db_ll(&rows, i, 2, PRICE_UNKNOWN);
		v[i].cache_read = db_ll(&rows, i, 3, PRICE_UNKNOWN);
		v[i].cache_write = db_ll(&rows, i, 4, PRICE_UNKNOWN);
		v[i].context_window = db_ll(&rows, i, 5, 0);
		v[i].max_output = db_ll(&rows, i, 6, 0);
		prices_copy(v[i].caps, sizeof(v[i].caps), db_val(&rows, i, 7));
	}
	*out = v;
	*n = (size_t)rows.nrows;
	db_rows_free(&rows);
	return 0;
}

int
prices_refresh(void)
{
	struct price_entry	*v;
	size_t			 n;

	if (prices_read(&v, &n) != 0)
		return -1;
	if (n == 0) {	/* not seeded yet: keep the shipped table */
		free(v);
		return -1;
	}
	price_table_replace(v, n);
	return 0;
}

void
prices_invalidate(void)
{
	prices_state.loaded = 0;
}

void
prices_ensure(void)
{
	time_t	 now = time(NULL);

	if (prices_state.loaded && now - prices_state.at >= 0 &&
	    now - prices_state.at < PRICES_MAX_AGE_S)
		return;
	/* Marked loaded even on failure: the next try waits for the next
	 * change or a minute, never one query per request. */
	(void)prices_refresh();
	prices_state.loaded = 1;
	prices_state.at = now;
}

/* ---- parsing a price list ------------------------------------------------ */

/* One entry of a list being imported, with what decides between names that
 * normalise alike: a bare name ("gpt-4o") beats a prefixed one
 * ("azure/gpt-4o"), then the earlier entry wins. */
struct prices_item {
	struct price_entry	 e;
	int			 prefixed;
	size_t			 order;
};

struct prices_list {
	struct prices_item	*v;
	size_t			 len;
	size_t			 cap;
	size_t			 read;
};

static struct prices_item *
prices_list_add(struct prices_list *l)
{
	struct prices_item	*grown;

	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;

		if (cap > PRICES_ROWS_MAX || (grown = realloc(l->v, cap * sizeof(*grown))) == NULL)
			return NULL;
		l->v = grown;
		l->cap = cap;
	}
	memset(&l->v[l->len], 0, sizeof(l->v[l->len]));
	l->v[l->len].order = l->len;
	return &l->v[l->len++];
}

/* A LiteLLM cost (USD per token: a JSON number, or the same as text) as
 * micro-USD per 1M tokens; PRICE_UNKNOWN when absent or negative (variable).
 * -1 when present but not a price. */
static int
prices_litellm_cost(const cJSON *o, const char *name, int64_t *out)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);
	int		 st;

	*out = PRICE_UNKNOWN;
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (cJSON_IsNumber(j))
		st = price_parse_double(j->valuedouble, PRICE_EXP_PER_TOKEN, out);
	else if (cJSON_IsString(j))
		st = price_parse_str(j->valuestring, PRICE_EXP_PER_TOKEN, out);
	else
		return -1;
	if (st == PRICE_NEGATIVE)
		*out = PRICE_UNKNOWN;
	return st == PRICE_OK || st == PRICE_NEGATIVE ? 0 : -1;
}

static int64_t
prices_litellm_count(const cJSON *o, const char *name)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(j) && j->valuedouble >= 1 && j->valuedouble <= 1e9 ?
	    (int64_t)j->valuedouble : 0;
}

static void
prices_litellm_caps(const cJSON *o, char *caps, size_t size)
{
	static const struct { const char *flag, *cap; } map[] = {
		{ "supports_vision", "vision" },
		{ "supports_function_calling", "tools" },
		{ "supports_audio_input", "audio" },
		{ "supports_reasoning", "reasoning" },
	};
	size_t	 i, n = 0;

	caps[0] = '\0';
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, map[i].flag)))
			n += (size_t)snprintf(caps + n, size - n, "%s%s", n ? "," : "", map[i].cap);
}

/* One LiteLLM entry into *it: 1 taken, 0 skipped (no token price, a name
 * that does not normalise), -1 malformed. */
static int
prices_litellm_entry(const cJSON *o, struct prices_item *it)
{
	struct price_entry	*e = &it->e;

	if (!cJSON_IsObject(o) || strcmp(o->string, "sample_spec") == 0)
		return 0;
	if (prices_litellm_cost(o, "input_cost_per_token", &e->input) != 0 ||
	    prices_litellm_cost(o, "output_cost_per_token", &e->output) != 0 ||
	    prices_litellm_cost(o, "cache_read_input_token_cost", &e->cache_read) != 0 ||
	    prices_litellm_cost(o, "cache_creation_input_token_cost", &e->cache_write) != 0)
		return -1;
	if (e->input < 0 && e->output < 0)
		return 0;
	if (price_normalise(o->string, e->model, sizeof(e->model)) != 0 || e->model[0] == '\0')
		return 0;
	e->context_window = prices_litellm_count(o, "max_input_tokens");
	if ((e->max_output = prices_litellm_count(o, "max_output_tokens")) == 0)
		e->max_output = prices_litellm_count(o, "max_tokens");
	prices_litellm_caps(o, e->caps, sizeof(e->caps));
	it->prefixed = strchr(o->string, '/') != NULL;
	return 1;
}

static int
prices_parse_litellm(const char *text, size_t len, struct prices_list *l,
    char *err, size_t errlen)
{
	struct sb_error		 e;
	struct prices_item	*it;
	cJSON			*root, *o;
	int			 rc = 0;

	if ((root = json_parse(text, len, PRICES_JSON_DEPTH, &e)) == NULL || !cJSON_IsObject(root)) {
		snprintf(err, errlen, "not a JSON object of models (%s)", root ? "" : e.message);
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(o, root) {
		l->read++;
		if ((it = prices_list_add(l)) == NULL) {
			snprintf(err, errlen, "more than %d entries", PRICES_ROWS_MAX);
			rc = -1;
			break;
		}
		if ((rc = prices_litellm_entry(o, it)) == 1) {
			rc = 0;
			continue;
		}
		l->len--;
		if (rc < 0) {
			snprintf(err, errlen, "entry \"%.80s\": a cost that is not a price", o->string);
			break;
		}
	}
	cJSON_Delete(root);
	return rc;
}

static int
prices_parse_tsv(const char *text, size_t len, struct prices_list *l, char *err, size_t errlen)
{
	struct price_entry	*rows;
	struct prices_item	*it;
	size_t			 n, i;

	if (price_tsv_parse(text, len, &rows, &n) != 0) {
		snprintf(err, errlen, "a malformed line (the format of sql/prices.tsv)");
		return -1;
	}
	for (i = 0; i < n; i++) {
		l->read++;
		if ((it = prices_list_add(l)) == NULL)
			break;
		it->e = rows[i];
	}
	free(rows);
	return 0;
}

static int
prices_item_cmp(const void *a, const void *b)
{
	const struct prices_item	*x = a, *y = b;
	int				 c = strcmp(x->e.model, y->e.model);

	if (c != 0)
		return c;
	if (x->prefixed != y->prefixed)
		return x->prefixed - y->prefixed;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sort by name and keep one entry per name (see struct prices_item). */
static void
prices_list_merge(struct prices_list *l)
{
	size_t	 i, n = 0;

	qsort(l->v, l->len, sizeof(*l->v), prices_item_cmp);
	for (i = 0; i < l->len; i++)
		if (n == 0 || strcmp(l->v[n - 1].e.model, l->v[i].e.model) != 0)
			l->v[n++] = l->v[i];
	l->len = n;
}

/* ---- writing an import --------------------------------------------------- */

static int
prices_record(const char *source, long long actor, long long provider_id, const char *model,
    int64_t old_in, int64_t old_out, int64_t new_in, int64_t new_out)
{
	struct db_param	 p[] = {
		db_str(source), actor ? db_int(actor) : db_null(),
		provider_id ? db_int(provider_id) : db_null(), db_str(model),
		prices_param(old_in), prices_param(old_out), prices_param(new_in),
		prices_param(new_out),
	};

	return db_exec(SQL_CHANGE, p, 8, NULL, NULL);
}

/* Write one entry (and its change record when its price moved). */
static int
prices_write(long long actor_id, const struct price_entry *e, const struct price_entry *old,
    size_t *changed)
{
	struct db_param	 p[] = {
		db_str(e->model), prices_param(e->input), prices_param(e->output),
		prices_param(e->cache_read), prices_param(e->cache_write),
		db_int(e->context_window), db_int(e->max_output), db_str(e->caps),
	};
	int		 rc;

	if ((rc = db_exec(SQL_UPSERT, p, 8, NULL, NULL)) != DB_OK)
		return rc;
	if (old != NULL && old->input == e->input && old->output == e->output &&
	    old->cache_read == e->cache_read && old->cache_write == e->cache_write)
		return DB_OK;
	(*changed)++;
	return prices_record("import", actor_id, 0, e->model, old ? old->input : PRICE_UNKNOWN,
	    old ? old->output : PRICE_UNKNOWN, e->input, e->output);
}


/* Write the merged list in one transaction. */
static int
prices_store(long long actor_id, const struct prices_list *l, struct prices_import_stats *st,
    char *err, size_t errlen)
{
	struct price_entry	*old;
	size_t			 nold, i;
	int			 rc = DB_OK;

	if (prices_read(&old, &nold) != 0) {
		snprintf(err, errlen, "database error: %s", db_error());
		return PRICES_EDB;
	}
	price_entries_sort(old, nold);
	if (db_begin() != DB_OK)
		rc = DB_ERROR;
	for (i = 0; rc == DB_OK && i < l->len; i++)
		rc = prices_write(actor_id, &l->v[i].e,
		    price_entries_find(old, nold, l->v[i].e.model), &st->changed);
	free(old);
	if (rc == DB_OK && (rc = db_commit()) == DB_OK)
		return 0;
	snprintf(err, errlen, "database error: %s", db_error());
	db_rollback();
	st->changed = 0;
	return PRICES_EDB;
}

/* Catalog rows priced from the table (the upstream said nothing) take the
 * table's new prices; *applied counts them. */
static int
prices_apply_table(size_t *applied)
{
	struct db_rows	 rows;
	int		 i, rc = 0;

	if (db_query(SQL_TABLE_PRICED, NULL, 0, &rows) != DB_OK) {
		db_rows_free(&rows);
		return -1;
	}
	for (i = 0; i < rows.nrows && rc == 0; i++) {
		const struct price_entry *e = price_lookup(db_val(&rows, i, 1));
		struct db_param p[5];

		if (e == NULL || (e->input < 0 && e->output < 0) ||
		    (db_ll(&rows, i, 2, PRICE_UNKNOWN) == e->input &&
		     db_ll(&rows, i, 3, PRICE_UNKNOWN) == e->output &&
		     db_ll(&rows, i, 4, PRICE_UNKNOWN) == e->cache_read &&
		     db_ll(&rows, i, 5, PRICE_UNKNOWN) == e->cache_write))
			continue;
		p[0] = prices_param(e->input);
		p[1] = prices_param(e->output);
		p[2] = prices_param(e->cache_read);
		p[3] = prices_param(e->cache_write);
		p[4] = db_int(db_ll(&rows, i, 0, 0));
		rc = db_exec(SQL_TABLE_APPLY, p, 5, NULL, NULL) == DB_OK ? 0 : -1;
		(*applied)++;
	}
	db_rows_free(&rows);
	return rc;
}

int
prices_import(long long actor_id, const char *text, size_t len,
    struct prices_import_stats *st, char *err, size_t errlen)
{
	struct prices_list	 l;
	size_t			 i = 0;
	int			 rc;

	memset(st, 0, sizeof(*st));
	memset(&l, 0, sizeof(l));
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	rc = i < len && text[i] == '{' ? prices_parse_litellm(text, len, &l, err, errlen) :
	    prices_parse_tsv(text, len, &l, err, errlen);
	if (rc == 0) {
		prices_list_merge(&l);
		st->read = l.read;
		st->priced = l.len;
		rc = prices_store(actor_id, &l, st, err, errlen);
	} else
		rc = PRICES_EINVAL;
	free(l.v);
	if (rc != 0)
		return rc;
	if (prices_refresh() != 0 || prices_apply_table(&st->applied) != 0) {
		snprintf(err, errlen, "imported, but updating the catalog failed: %s", db_error());
		rc = PRICES_EDB;
	}
	(void)stamp_global();
	return rc;
}

/* ---- overrides ----------------------------------------------------------- */

static long long
prices_provider_id(const char *name, struct sb_error *e)
{
	struct db_param	 p = db_str(name);
	struct db_rows	 rows;
	long long	 id = -1;

	if (db_query(SQL_PROVIDER_ID, &p, 1, &rows) != DB_OK)
		(void)err_db_unavailable(e);
	else if (rows.nrows == 0)
		err_set(e, ERR_VALIDATION, 404, "not_found", "No provider is named \"%.64s\".", name);
	else
		id = db_ll(&rows, 0, 0, -1);
	db_rows_free(&rows);
	return id;
}

/* The override's old input and output prices (PRICE_UNKNOWN when none);
 * 1 found, 0 none, -1 database. */
static int
prices_override_old(long long pid, const char *model, int64_t *in, int64_t *out)
{
	struct db_param	 p[] = { db_int(pid), db_str(model) };
	struct db_rows	 rows;
	int		 rc = -1;

	*in = *out = PRICE_UNKNOWN;
	if (db_query(SQL_OVERRIDE_GET, p, 2, &rows) == DB_OK) {
		rc = rows.nrows > 0;
		if (rc) {
			*in = db_ll(&rows, 0, 0, PRICE_UNKNOWN);
			*out = db_ll(&rows, 0, 1, PRICE_UNKNOWN);
		}
	}
	db_rows_free(&rows);
	return rc;
}

/* Commit the transaction and bump the stamp; -1 with e (rolled back). */
static int
prices_override_commit(int rc, struct sb_error *e)
{
	if (rc == DB_OK && db_commit() == DB_OK) {
		(void)stamp_global();
		return 0;
	}
	db_rollback();
	return err_db_unavailable(e);
}

int
prices_override_set(long long actor_id, const struct price_override *o, struct sb_error *e)
{
	long long	 pid;
	int64_t		 old_in, old_out;
	int		 rc;

	if ((pid = prices_provider_id(o->provider, e)) < 0)
		return -1;
	if (db_begin() != DB_OK || prices_override_old(pid, o->model, &old_in, &old_out) < 0) {
		db_rollback();
		return err_db_unavailable(e);
	}
	{
		struct db_param p[] = {
			db_int(pid), db_str(o->model), db_int(o->input), db_int(o->output),
			prices_param(o->cache_read), prices_param(o->cache_write), db_int(actor_id),
		};

		rc = db_exec(SQL_OVERRIDE_SET, p, 7, NULL, NULL);
	}
	if (rc == DB_OK)
		rc = prices_record("admin", actor_id, pid, o->model, old_in, old_out,
		    o->input, o->output);
	return prices_override_commit(rc, e);
}

int
prices_override_clear(long long actor_id, const char *provider, const char *model,
    struct sb_error *e)
{
	long long	 pid;
	int64_t		 old_in, old_out;
	int		 found, rc;

	if ((pid = prices_provider_id(provider, e)) < 0)
		return -1;
	if (db_begin() != DB_OK || (found = prices_override_old(pid, model, &old_in, &old_out)) < 0) {
		db_rollback();
		return err_db_unavailable(e);
	}
	if (found == 0) {
		db_rollback();
		err_set(e, ERR_VALIDATION, 404, "not_found",
		    "There is no price override for %.64s's \"%.128s\".", provider, model);
		return -1;
	}
	{
		struct db_param p[] = { db_int(pid), db_str(model) };

		rc = db_exec(SQL_OVERRIDE_DEL, p, 2, NULL, NULL);
	}
	if (rc == DB_OK)
		rc = prices_record("admin", actor_id, pid, model, old_in, old_out,
		    PRICE_UNKNOWN, PRICE_UNKNOWN);
	return prices_override_commit(rc, e);
}

/* ---- listings ------------------------------------------------------------ */

cJSON *
prices_overrides_json(void)
{
	struct db_rows	 rows;
	cJSON		*root, *arr, *o;
	int		 i;

	if (db_query(SQL_OVERRIDES, NULL, 0, &rows) != DB_OK) {
		db_rows_free(&rows);
		return NULL;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "overrides");
	for (i = 0; i < rows.nrows; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "provider", db_val(&rows, i, 0));
		cJSON_AddStringToObject(o, "model", db_val(&rows, i, 1));
		json_add_usd_or_null(o, "input_price_per_m", db_ll(&rows, i, 2, -1));
		json_add_usd_or_null(o, "output_price_per_m", db_ll(&rows, i, 3, -1));
		json_add_usd_or_null(o, "cache_read_price_per_m", db_ll(&rows, i, 4, -1));
		json_add_usd_or_null(o, "cache_write_price_per_m", db_ll(&rows, i, 5, -1));
		json_add_str_or_null(o, "set_by", db_val(&rows, i, 6));
		json_add_str_or_null(o, "set_at", db_val(&rows, i, 7));
		cJSON_AddItemToArray(arr, o);
	}
	db_rows_free(&rows);
	return root;
}

cJSON *
prices_changes_json(int limit)
{
	struct db_param	 p = db_int(limit);
	struct db_rows	 rows;
	cJSON		*root, *arr, *o;
	int		 i;

	if (db_query(SQL_CHANGES, &p, 1, &rows) != DB_OK) {
		db_rows_free(&rows);
		return NULL;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "changes");
	for (i = 0; i < rows.nrows; i++) {
		o = cJSON_CreateObject();
		json_add_str_or_null(o, "at", db_val(&rows, i, 0));
		json_add_str_or_null(o, "source", db_val(&rows, i, 1));
		json_add_str_or_null(o, "by", db_val(&rows, i, 2));
		json_add_str_or_null(o, "provider", db_val(&rows, i, 3));
		json_add_str_or_null(o, "model", db_val(&rows, i, 4));
		json_add_usd_or_null(o, "old_input_price_per_m", db_ll(&rows, i, 5, -1));
		json_add_usd_or_null(o, "old_output_price_per_m", db_ll(&rows, i, 6, -1));
		json_add_usd_or_null(o, "new_input_price_per_m", db_ll(&rows, i, 7, -1));
		json_add_usd_or_null(o, "new_output_price_per_m", db_ll(&rows, i, 8, -1));
		cJSON_AddItemToArray(arr, o);
	}
	db_rows_free(&rows);
	return root;
}

/* ---- the command line ---------------------------------------------------- */

int
prices_cli(const struct config *cfg, int argc, char **argv)
{
	struct prices_import_stats	 st;
	struct buf			 b;
	char				 err[256];
	FILE				*f;
	size_t				 n;
	int				 rc;

	(void)cfg;
	if (argc != 3 || strcmp(argv[1], "import") != 0) {
		fprintf(stderr, "usage: switchboard prices import FILE   (LiteLLM's JSON or sql/prices.tsv's format)\n");
		return 2;
	}
	if ((f = fopen(argv[2], "rb")) == NULL) {
		fprintf(stderr, "prices: cannot open %s\n", argv[2]);
		return 1;
	}
	buf_init(&b, PRICES_FILE_MAX);
	do {
		char chunk[65536];

		n = fread(chunk, 1, sizeof(chunk), f);
		rc = buf_append(&b, chunk, n);
	} while (n > 0 && rc == BUF_OK);
	fclose(f);
	if (rc != BUF_OK) {
		fprintf(stderr, "prices: %s is larger than %d MB\n", argv[2], PRICES_FILE_MAX >> 20);
		buf_free(&b);
		return 1;
	}
	if (db_connect() != DB_OK) {
		fprintf(stderr, "prices: database unavailable: %s\n", db_error());
		buf_free(&b);
		return 1;
	}
	rc = prices_import(0, b.data ? b.data : "", b.len, &st, err, sizeof(err));
	buf_free(&b);
	if (rc != 0) {
		fprintf(stderr, "prices: %s\n", err);
		return 1;
	}
	printf("prices: %zu entries read, %zu with token prices, %zu new or changed (recorded),"
	    " %zu catalog prices updated\n", st.read, st.priced, st.changed, st.applied);
	return 0;
}
