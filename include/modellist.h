/* modellist: parsers for the model-list responses of the five upstream
 * formats (OpenAI-compatible /models, OpenRouter /api/v1/models, AiHubMix's
 * public /api/v1/models, Anthropic /v1/models, Gemini /v1beta/models) into one
 * common struct.  Knows nothing of HTTP or the database: JSON text in, a
 * bounded, validated, sorted and de-duplicated list out.  Upstream text is
 * untrusted: ids are checked, names are length-limited and control-free. */
#ifndef SB_MODELLIST_H
#define SB_MODELLIST_H

#include <stddef.h>
#include <stdint.h>

#define MODELLIST_ID_MAX	255	/* longer ids are refused (skipped) */
#define MODELLIST_NAME_MAX	255	/* longer names are truncated (UTF-8 safe) */
#define MODELLIST_CURSOR_MAX	512	/* longer cursors: malformed response */
#define MODELLIST_MODELS_MAX	10000	/* more models in one list: refused */
#define MODELLIST_BODY_MAX	(16L * 1024 * 1024)	/* one page of JSON, bytes */
#define MODELLIST_DEPTH_MAX	32
#define MODELLIST_CAPS_TEXT	96	/* "vision,tools,audio,reasoning" + NUL */

enum modellist_format {
	MODELLIST_OPENAI = 0,	/* {"data":[{"id",...}]} (OpenAI, xAI, AiHubMix /v1, custom) */
	MODELLIST_OPENROUTER,	/* {"data":[{"id","name","pricing":{...},...}]} */
	MODELLIST_AIHUBMIX,	/* {"data":[{"model_id","types","features",...}]} */
	MODELLIST_ANTHROPIC,	/* {"data":[...],"has_more","last_id"} */
	MODELLIST_GEMINI,	/* {"models":[...],"nextPageToken"} */
	MODELLIST__MAX
};
extern const char *const modellist_format_names[MODELLIST__MAX];

/* Same spelling as the aggregator_models.model_type column. */
enum model_type {
	MODEL_TYPE_CHAT = 0,
	MODEL_TYPE_EMBEDDING,
	MODEL_TYPE_IMAGE,
	MODEL_TYPE_AUDIO,
	MODEL_TYPE_OTHER,
	MODEL_TYPE__MAX
};
extern const char *const model_type_names[MODEL_TYPE__MAX];

enum model_cap {
	MODEL_CAP_VISION = 0,
	MODEL_CAP_TOOLS,
	MODEL_CAP_AUDIO,
	MODEL_CAP_REASONING,
	MODEL_CAP__MAX
};
extern const char *const model_cap_names[MODEL_CAP__MAX];
#define MODEL_CAP_BIT(c)	(1u << (c))

enum modellist_status {
	MODELLIST_OK = 0,
	MODELLIST_EMALFORMED,	/* not JSON, too deep, or not the expected shape */
	MODELLIST_ETOOBIG,	/* body over MODELLIST_BODY_MAX or too many models */
	MODELLIST_ENOMEM,
	MODELLIST__STATUS_MAX
};

/* One model. Prices are micro-USD per 1M tokens or PRICE_UNKNOWN (-1);
 * context_window and max_output are 0 when unknown. */
struct model_info {
	char		 id[MODELLIST_ID_MAX + 1];
	char		 name[MODELLIST_NAME_MAX + 1];
	enum model_type	 type;
	int64_t		 context_window;
	int64_t		 max_output;
	int64_t		 input_price;
	int64_t		 output_price;
	int64_t		 cache_read_price;
	int64_t		 cache_write_price;
	int		 price_from_table;	/* prices filled from the shipped table */
	unsigned	 caps;			/* MODEL_CAP_BIT(...) */
	uint32_t	 seq;			/* arrival order (internal) */
};

/* A list being filled page by page. */
struct model_list {
	struct model_info	*items;
	size_t			 len;
	size_t			 cap;
	size_t			 skipped;	/* entries refused (bad or overlong id) */
	char			*next_cursor;	/* malloc'd; NULL on the last page */
	int			 prices_unverified;	/* AiHubMix unit could not be checked */
};

void	modellist_init(struct model_list *l);
void	modellist_free(struct model_list *l);

/* Parse one page (len bytes of JSON) of the given format and append its
 * models to l; replaces l->next_cursor with the page's cursor (Anthropic
 * last_id when has_more, Gemini nextPageToken, OpenAI-style last_id when
 * has_more), or NULL.  On error l keeps the models of earlier pages. */
int	modellist_parse(enum modellist_format fmt, const char *json, size_t len,
	    struct model_list *l);

/* After the last page: sort by id, drop duplicates (first wins; ids compare
 * without case, like the database's unique key), check the
 * AiHubMix price unit against the shipped table, and fill unknown prices,
 * limits and capabilities from the table (only when use_table: a custom
 * endpoint serving "gpt-4o" is not OpenAI).  Returns MODELLIST_OK. */
int	modellist_finish(enum modellist_format fmt, int use_table, struct model_list *l);

/* Binary search in a finished list; NULL if absent. */
const struct model_info *modellist_find(const struct model_list *l, const char *id);

/* Capability bits <-> comma list ("vision,tools"); unknown words ignored. */
void	modellist_caps_format(unsigned caps, char *out, size_t size);
unsigned modellist_caps_parse(const char *text);

/* Human-readable status text. */
const char *modellist_strerror(int status);

#endif
