/* modellist: the five upstream model-list formats parsed into struct
 * model_info (see modellist.h).  Every field read from an upstream is checked:
 * ids must be printable ASCII within MODELLIST_ID_MAX, names are truncated and
 * stripped of control bytes, numbers are range-checked, prices go through
 * price_parse (exact decimal arithmetic, never floats for money). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "modellist.h"
#include "price.h"

#define MODELLIST_COUNT_MAX	100000000	/* tokens: context or output limit */

const char *const modellist_format_names[MODELLIST__MAX] = {
	"openai", "openrouter", "aihubmix", "anthropic", "gemini",
};

const char *const model_type_names[MODEL_TYPE__MAX] = {
	"chat", "embedding", "image", "audio", "other",
};

const char *const model_cap_names[MODEL_CAP__MAX] = {
	"vision", "tools", "audio", "reasoning",
};

static const char *const modellist_errors[MODELLIST__STATUS_MAX] = {
	"ok",
	"the model list is not the expected JSON shape",
	"the model list is too large",
	"out of memory",
};

const char *
modellist_strerror(int status)
{
	if (status < 0 || status >= MODELLIST__STATUS_MAX)
		return "unknown error";
	return modellist_errors[status];
}

void
modellist_init(struct model_list *l)
{
	memset(l, 0, sizeof(*l));
}

void
modellist_free(struct model_list *l)
{
	free(l->items);
	free(l->next_cursor);
	memset(l, 0, sizeof(*l));
}

/* ---- field helpers ---------------------------------------------------- */

/* Copy an id: 1..MODELLIST_ID_MAX printable, non-space ASCII bytes. */
static int
modellist_set_id(struct model_info *m, const char *s)
{
	size_t	 n;

	if (s == NULL || (n = strnlen(s, MODELLIST_ID_MAX + 1)) == 0 ||
	    n > MODELLIST_ID_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return -1;
	memcpy(m->id, s, n + 1);
	return 0;
}

/* Copy a display name: control bytes become spaces, cut at
 * MODELLIST_NAME_MAX on a UTF-8 character boundary; empty -> the id. */
static void
modellist_set_name(struct model_info *m, const char *s)
{
	size_t	 n, i;

	if (s == NULL || s[0] == '\0') {
		memcpy(m->name, m->id, strlen(m->id) + 1);
		return;
	}
	n = strnlen(s, MODELLIST_NAME_MAX + 1);
	if (n > MODELLIST_NAME_MAX) {
		n = MODELLIST_NAME_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		m->name[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	m->name[n] = '\0';
}

/* A token count from a JSON number or digit string; 0 when absent/bad. */
static int64_t
modellist_count(const cJSON *j)
{
	char		*end;
	long long	 v;

	if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;

		if (!isfinite(d) || d < 1 || d > MODELLIST_COUNT_MAX || d != floor(d))
			return 0;
		return (int64_t)d;
	}
	if (!cJSON_IsString(j) || j->valuestring[0] < '0' || j->valuestring[0] > '9' ||
	    strlen(j->valuestring) > 12)
		return 0;
	v = strtoll(j->valuestring, &end, 10);
	if (*end != '\0' || v < 1 || v > MODELLIST_COUNT_MAX)
		return 0;
	return v;
}

/* A price from a decimal string, or from a JSON number re-printed with 15
 * significant digits (exact for any decimal of up to 15 digits); unknown
 * when absent, null, negative or malformed. */
static int64_t
modellist_price(const cJSON *j, int exp10)
{
	char	 text[64];
	int64_t	 v;

	if (cJSON_IsString(j))
		price_parse_str(j->valuestring, exp10, &v);
	else if (cJSON_IsNumber(j) && isfinite(j->valuedouble)) {
		snprintf(text, sizeof(text), "%.15g", j->valuedouble);
		price_parse_str(text, exp10, &v);
	} else
		v = PRICE_UNKNOWN;
	return v;
}

static const char *
modellist_str(const cJSON *obj, const char *name)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* 1 if the JSON array arr holds the string s. */
static int
modellist_array_has(const cJSON *arr, const char *s)
{
	const cJSON	*it;

	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
			return 1;
	return 0;
}

/* 1 if the comma-separated list text holds the word w. */
static int
modellist_csv_has(const char *text, const char *w)
{
	size_t	 wl = strlen(w);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, w, wl) == 0 && (p[wl] == '\0' || p[wl] == ',' || p[wl] == ' '))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

/* Guess the type of a model known only by its id (OpenAI-style lists). */
static enum model_type
modellist_type_from_id(const char *id)
{
	static const struct { const char *needle; enum model_type type; } rules[] = {
		{ "embed", MODEL_TYPE_EMBEDDING },
		{ "dall-e", MODEL_TYPE_IMAGE }, { "gpt-image", MODEL_TYPE_IMAGE },
		{ "imagen", MODEL_TYPE_IMAGE }, { "flux", MODEL_TYPE_IMAGE },
		{ "stable-diffusion", MODEL_TYPE_IMAGE },
		{ "whisper", MODEL_TYPE_AUDIO }, { "tts", MODEL_TYPE_AUDIO },
		{ "transcribe", MODEL_TYPE_AUDIO },
		{ "moderation", MODEL_TYPE_OTHER }, { "rerank", MODEL_TYPE_OTHER },
	};
	size_t	 i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcasestr(id, rules[i].needle) != NULL)
			return rules[i].type;
	return MODEL_TYPE_CHAT;
}

static void
modellist_info_init(struct model_info *m)
{
	memset(m, 0, sizeof(*m));
	m->type = MODEL_TYPE_CHAT;
	m->input_price = m->output_price = PRICE_UNKNOWN;
	m->cache_read_price = m->cache_write_price = PRICE_UNKNOWN;
}

static int
modellist_push(struct model_list *l, const struct model_info *m)
{
	struct model_info	*p;
	size_t			 cap;

	if (l->len >= MODELLIST_MODELS_MAX)
		return MODELLIST_ETOOBIG;
	if (l->len == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		if (cap > MODELLIST_MODELS_MAX)
			cap = MODELLIST_MODELS_MAX;
		if ((p = realloc(l->items, cap * sizeof(*p))) == NULL)
			return MODELLIST_ENOMEM;
		l->items = p;
		l->cap = cap;
	}
	l->items[l->len] = *m;
	l->items[l->len].seq = (uint32_t)l->len;
	l->len++;
	return MODELLIST_OK;
}

/* Replace the list's cursor with s (NULL clears); -1 if s is unusable. */
static int
modellist_set_cursor(struct model_list *l, const char *s)
{
	free(l->next_cursor);
	l->next_cursor = NULL;
	if (s == NULL || s[0] == '\0')
		return 0;
	if (strnlen(s, MODELLIST_CURSOR_MAX + 1) > MODELLIST_CURSOR_MAX)
		return -1;
	if ((l->next_cursor = strdup(s)) == NULL)
		return -1;
	return 0;
}

/* ---- one entry per format: 0 ok, -1 skip ------------------------------ */

static int
modellist_entry_openai(const cJSON *o, struct model_info *m)
{
	static const char *const ctx_fields[] = {
		"context_window", "context_length", "max_model_len",
	};
	size_t	 i;

	if (modellist_set_id(m, modellist_str(o, "id")) != 0)
		return -1;
	modellist_set_name(m, modellist_str(o, "name"));
	m->type = modellist_type_from_id(m->id);
	for (i = 0; i < sizeof(ctx_fields) / sizeof(ctx_fields[0]) && !m->context_window; i++)
		m->context_window = modellist_count(
		    cJSON_GetObjectItemCaseSensitive(o, ctx_fields[i]));
	return 0;
}

static void
modellist_openrouter_arch(const cJSON *arch, struct model_info *m)
{
	const cJSON	*in, *out;

	in = cJSON_GetObjectItemCaseSensitive(arch, "input_modalities");
	out = cJSON_GetObjectItemCaseSensitive(arch, "output_modalities");
	if (modellist_array_has(in, "image"))
		m->caps |= MODEL_CAP_BIT(MODEL_CAP_VISION);
	if (modellist_array_has(in, "audio"))
		m->caps |= MODEL_CAP_BIT(MODEL_CAP_AUDIO);
	if (modellist_array_has(out, "embeddings"))
		m->type = MODEL_TYPE_EMBEDDING;
	else if (cJSON_IsArray(out) && !modellist_array_has(out, "text")) {
		if (modellist_array_has(out, "image"))
			m->type = MODEL_TYPE_IMAGE;
		else if (modellist_array_has(out, "audio"))
			m->type = MODEL_TYPE_AUDIO;
	}
}

static int
modellist_entry_openrouter(const cJSON *o, struct model_info *m)
{
	const cJSON	*pr, *top, *params;

	if (modellist_set_id(m, modellist_str(o, "id")) != 0)
		return -1;
	modellist_set_name(m, modellist_str(o, "name"));
	m->context_window = modellist_count(cJSON_GetObjectItemCaseSensitive(o, "context_length"));
	top = cJSON_GetObjectItemCaseSensitive(o, "top_provider");
	m->max_output = modellist_count(cJSON_GetObjectItemCaseSensitive(top, "max_completion_tokens"));
	if (m->context_window == 0)
		m->context_window = modellist_count(
		    cJSON_GetObjectItemCaseSensitive(top, "context_length"));
	pr = cJSON_GetObjectItemCaseSensitive(o, "pricing");
	m->input_price = modellist_price(cJSON_GetObjectItemCaseSensitive(pr, "prompt"),
	    PRICE_EXP_PER_TOKEN);
	m->output_price = modellist_price(cJSON_GetObjectItemCaseSensitive(pr, "completion"),
	    PRICE_EXP_PER_TOKEN);
	m->cache_read_price = modellist_price(
	    cJSON_GetObjectItemCaseSensitive(pr, "input_cache_read"), PRICE_EXP_PER_TOKEN);
	m->cache_write_price = modellist_price(
	    cJSON_GetObjectItemCaseSensitive(pr, "input_cache_write"), PRICE_EXP_PER_TOKEN);
	modellist_openrouter_arch(cJSON_GetObjectItemCaseSensitive(o, "architecture"), m);
	params = cJSON_GetObjectItemCaseSensitive(o, "supported_parameters");
	if (modellist_array_has(params, "tools"))
		m->caps |= MODEL_CAP_BIT(MODEL_CAP_TOOLS);
	if (modellist_array_has(params, "reasoning") ||
	    modellist_array_has(params, "include_reasoning"))
		m->caps |= MODEL_CAP_BIT(MODEL_CAP_REASONING);
	return 0;
}

static enum model_type
modellist_aihubmix_type(const char *types)
{
	if (types == NULL || modellist_csv_has(types, "llm"))
		return MODEL_TYPE_CHAT;
	if (modellist_csv_has(types, "embedding"))
		return MODEL_TYPE_EMBEDDING;
	if (modellist_csv_has(types, "image_generation") || modellist_csv_has(types, "video"))
		return MODEL_TYPE_IMAGE;
	if (modellist_csv_has(types, "tts") || modellist_csv_has(types, "stt"))
		return MODEL_TYPE_AUDIO;
	return MODEL_TYPE_OTHER;
}

/* AiHubMix prices are read as if per 1K tokens; modellist_finish checks the
 * unit against known models and rescales or drops them. */
static int
modellist_entry_aihubmix(const cJSON *o, struct model_info *m)
{
	const cJSON	*pr;
	const char	*feat, *mods;

	if (modellist_set_id(m, modellist_str(o, "model_id")) != 0)
		return -1;
	modellist_set_name(m, modellist_str(o, "name"));
	m->type = modellist_aihubmix_type(modellist_str(o, "types"));
	m->context_window = modellist_count(cJSON_GetObjectItemCaseSensitive(o, "context_length"));
	m->max_output = modellist_count(cJSON_GetObjectItemCaseSensitive(o, "max_output"));
	if ((feat = modellist_str(o, "features")) != NULL) {
		if (modellist_csv_has(feat, "thinking"))
			m->caps |= MODEL_CAP_BIT(MODEL_CAP_REASONING);
		if (modellist_csv_has(feat, "tools") || modellist_csv_has(feat, "function_calling"))
			m->caps |= MODEL_CAP_BIT(MODEL_CAP_TOOLS);
	}
	if ((mods = modellist_str(o, "input_modalities")) != NULL) {
		if (modellist_csv_has(mods, "image"))
			m->caps |= MODEL_CAP_BIT(MODEL_CAP_VISION);
		if (modellist_csv_has(mods, "audio"))
			m->caps |= MODEL_CAP_BIT(MODEL_CAP_AUDIO);
	}
	pr = cJSON_GetObjectItemCaseSensitive(o, "pricing");
	m->input_price = modellist_price(cJSON_GetObjectItemCaseSensitive(pr, "input"), PRICE_EXP_PER_1K);
	m->output_price = modellist_price(cJSON_GetObjectItemCaseSensitive(pr, "output"), PRICE_EXP_PER_1K);
	m->cache_read_price = modellist_price(cJSON_GetObjectItemCaseSensitive(pr, "cache_read"),
	    PRICE_EXP_PER_1K);
	m->cache_write_price = modellist_price(cJSON_GetObjectItemCaseSensitive(pr, "cache_write"),
	    PRICE_EXP_PER_1K);
	return 0;
}

/* capabilities.<name>.supported == true */
static int
modellist_anthropic_cap(const cJSON *caps, const char *name)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(caps, name);

	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "supported"));
}

static int
modellist_entry_anthropic(const cJSON *o, struct model_info *m)
{
	const cJSON	*caps;

	if (modellist_set_id(m, modellist_str(o, "id")) != 0)
		return -1;
	modellist_set_name(m, modellist_str(o, "display_name"));
	m->context_window = modellist_count(cJSON_GetObjectItemCaseSensitive(o, "max_input_tokens"));
	m->max_output = modellist_count(cJSON_GetObjectItemCaseSensitive(o, "max_tokens"));
	caps = cJSON_GetObjectItemCaseSensitive(o, "capabilities");
	if (modellist_anthropic_cap(caps, "image_input"))
		m->caps |= MODEL_CAP_BIT(MODEL_CAP_VISION);
	if (modellist_anthropic_cap(caps, "thinking"))
		m->caps |= MODEL_CAP_BIT(MODEL_CAP_REASONING);
	return 0;
}

static enum model_type
modellist_gemini_type(const cJSON *methods)
{
	if (modellist_array_has(methods, "generateContent"))
		return MODEL_TYPE_CHAT;
	if (modellist_array_has(methods, "embedContent") ||
	    modellist_array_has(methods, "embedText") ||
	    modellist_array_has(methods, "batchEmbedContents"))
		return MODEL_TYPE_EMBEDDING;
	if (modellist_array_has(methods, "predict") ||
	    modellist_array_has(methods, "predictLongRunning"))
		return MODEL_TYPE_IMAGE;
	return MODEL_TYPE_OTHER;
}

static int
modellist_entry_gemini(const cJSON *o, struct model_info *m)
{
	const char	*name = modellist_str(o, "name");

	if (name != NULL && strncmp(name, "models/", 7) == 0)
		name += 7;
	if (modellist_set_id(m, name) != 0)
		return -1;
	modellist_set_name(m, modellist_str(o, "displayName"));
	m->context_window = modellist_count(cJSON_GetObjectItemCaseSensitive(o, "inputTokenLimit"));
	m->max_output = modellist_count(cJSON_GetObjectItemCaseSensitive(o, "outputTokenLimit"));
	m->type = modellist_gemini_type(
	    cJSON_GetObjectItemCaseSensitive(o, "supportedGenerationMethods"));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "thinking")))
		m->caps |= MODEL_CAP_BIT(MODEL_CAP_REASONING);
	return 0;
}

typedef int (*modellist_entry_fn)(const cJSON *, struct model_info *);

static const struct modellist_shape {
	const char		*array;		/* top-level array of models */
	modellist_entry_fn	 entry;
} modellist_shapes[MODELLIST__MAX] = {
	[MODELLIST_OPENAI] = { "data", modellist_entry_openai },
	[MODELLIST_OPENROUTER] = { "data", modellist_entry_openrouter },
	[MODELLIST_AIHUBMIX] = { "data", modellist_entry_aihubmix },
	[MODELLIST_ANTHROPIC] = { "data", modellist_entry_anthropic },
	[MODELLIST_GEMINI] = { "models", modellist_entry_gemini },
};

/* The page's cursor: Gemini nextPageToken, or last_id when has_more. */
static int
modellist_page_cursor(enum modellist_format fmt, const cJSON *root, struct model_list *l)
{
	const char	*cur = NULL;

	if (fmt == MODELLIST_GEMINI)
		cur = modellist_str(root, "nextPageToken");
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "has_more"))) {
		if ((cur = modellist_str(root, "last_id")) == NULL)
			return -1;
	}
	return modellist_set_cursor(l, cur);
}

int
modellist_parse(enum modellist_format fmt, const char *json, size_t len, struct model_list *l)
{
	const struct modellist_shape	*shape;
	cJSON				*root = NULL;
	const cJSON			*arr, *o;
	struct model_info		 m;
	int				 rc = MODELLIST_EMALFORMED;

	if ((unsigned)fmt >= MODELLIST__MAX || json == NULL)
		return MODELLIST_EMALFORMED;
	if (len > (size_t)MODELLIST_BODY_MAX)
		return MODELLIST_ETOOBIG;
	shape = &modellist_shapes[fmt];
	if (json_depth_ok(json, len, MODELLIST_DEPTH_MAX) != 0 ||
	    (root = cJSON_ParseWithLength(json, len)) == NULL)
		goto out;
	arr = cJSON_GetObjectItemCaseSensitive(root, shape->array);
	/* Gemini omits "models" on an empty page. */
	if (arr == NULL && fmt == MODELLIST_GEMINI && cJSON_IsObject(root))
		arr = NULL;
	else if (!cJSON_IsArray(arr))
		goto out;
	cJSON_ArrayForEach(o, arr) {
		modellist_info_init(&m);
		if (!cJSON_IsObject(o) || shape->entry(o, &m) != 0) {
			l->skipped++;
			continue;
		}
		if ((rc = modellist_push(l, &m)) != MODELLIST_OK)
			goto out;
	}
	rc = modellist_page_cursor(fmt, root, l) == 0 ? MODELLIST_OK : MODELLIST_EMALFORMED;
out:
	cJSON_Delete(root);
	return rc;
}

/* ---- finishing: sort, de-duplicate, units, the shipped table ---------- */

static int
modellist_cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct model_info *)a)->id, ((const struct model_info *)b)->id);
}

static int
modellist_cmp_seq(const void *a, const void *b)
{
	const struct model_info *x = a, *y = b;
	int c = strcasecmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort by id, ties in arrival order, and drop duplicates (first wins).
 * Ids compare without case, as the database's unique key does. */
static void
modellist_sort_unique(struct model_list *l)
{
	size_t	 i, n = 0;

	if (l->len < 2)
		return;
	qsort(l->items, l->len, sizeof(*l->items), modellist_cmp_seq);
	for (i = 0; i < l->len; i++) {
		if (n > 0 && strcasecmp(l->items[n - 1].id, l->items[i].id) == 0) {
			l->skipped++;
			continue;
		}
		if (n != i)
			l->items[n] = l->items[i];
		n++;
	}
	l->len = n;
}

static int64_t
modellist_div_round(int64_t v, int64_t d)
{
	return v < 0 ? v : (v + d / 2) / d;
}

/* Is a (the upstream's value) within a factor of two of b (the table's)? */
static int
modellist_close(int64_t a, int64_t b)
{
	return a > 0 && b > 0 && a <= 2 * b && b <= 2 * a;
}

/* AiHubMix documents prices per 1K tokens, yet some lists are per 1M: vote
 * with every model the shipped table knows, then rescale or drop prices. */
static void
modellist_aihubmix_units(struct model_list *l)
{
	const struct price_entry	*e;
	size_t				 i, per_1k = 0, per_1m = 0, other = 0;

	for (i = 0; i < l->len; i++) {
		struct model_info *m = &l->items[i];

		if (m->input_price <= 0 || (e = price_lookup(m->id)) == NULL || e->input <= 0)
			continue;
		if (modellist_close(m->input_price, e->input))
			per_1k++;
		else if (modellist_close(m->input_price, e->input * 1000))
			per_1m++;
		else
			other++;
	}
	for (i = 0; i < l->len; i++) {
		struct model_info *m = &l->items[i];

		if (per_1m > per_1k + other) {
			m->input_price = modellist_div_round(m->input_price, 1000);
			m->output_price = modellist_div_round(m->output_price, 1000);
			m->cache_read_price = modellist_div_round(m->cache_read_price, 1000);
			m->cache_write_price = modellist_div_round(m->cache_write_price, 1000);
		} else if (per_1k <= per_1m + other) {
			m->input_price = m->output_price = PRICE_UNKNOWN;
			m->cache_read_price = m->cache_write_price = PRICE_UNKNOWN;
			l->prices_unverified = 1;
		}
	}
}

/* Fill what the upstream did not say from the shipped table. */
static void
modellist_fill_from_table(enum modellist_format fmt, struct model_info *m)
{
	const struct price_entry	*e;

	if ((e = price_lookup(m->id)) == NULL)
		return;
	if (m->input_price == PRICE_UNKNOWN && m->output_price == PRICE_UNKNOWN &&
	    (e->input != PRICE_UNKNOWN || e->output != PRICE_UNKNOWN)) {
		m->input_price = e->input;
		m->output_price = e->output;
		m->cache_read_price = e->cache_read;
		m->cache_write_price = e->cache_write;
		m->price_from_table = 1;
	}
	if (m->context_window == 0)
		m->context_window = e->context_window;
	if (m->max_output == 0)
		m->max_output = e->max_output;
	if (fmt != MODELLIST_OPENROUTER && fmt != MODELLIST_AIHUBMIX)
		m->caps |= modellist_caps_parse(e->caps);
}

int
modellist_finish(enum modellist_format fmt, int use_table, struct model_list *l)
{
	size_t	 i;

	modellist_sort_unique(l);
	if (fmt == MODELLIST_AIHUBMIX)
		modellist_aihubmix_units(l);
	if (use_table)
		for (i = 0; i < l->len; i++)
			modellist_fill_from_table(fmt, &l->items[i]);
	return MODELLIST_OK;
}

const struct model_info *
modellist_find(const struct model_list *l, const char *id)
{
	struct model_info	 key;

	if (l->len == 0 || strlen(id) > MODELLIST_ID_MAX)
		return NULL;
	memcpy(key.id, id, strlen(id) + 1);
	return bsearch(&key, l->items, l->len, sizeof(*l->items), modellist_cmp);
}

void
modellist_caps_format(unsigned caps, char *out, size_t size)
{
	size_t	 n = 0;
	int	 c, w;

	if (size == 0)
		return;
	out[0] = '\0';
	for (c = 0; c < MODEL_CAP__MAX; c++) {
		if (!(caps & MODEL_CAP_BIT(c)))
			continue;
		w = snprintf(out + n, size - n, "%s%s", n ? "," : "", model_cap_names[c]);
		if (w < 0 || (size_t)w >= size - n) {
			out[n] = '\0';
			return;
		}
		n += (size_t)w;
	}
}

unsigned
modellist_caps_parse(const char *text)
{
	unsigned	 caps = 0;
	int		 c;

	if (text == NULL)
		return 0;
	for (c = 0; c < MODEL_CAP__MAX; c++)
		if (modellist_csv_has(text, model_cap_names[c]))
			caps |= MODEL_CAP_BIT(c);
	return caps;
}
