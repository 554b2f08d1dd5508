/* usageapi: request parsing shared by the usage handlers — the scope (which
 * user, key, provider, model), the time range in the caller's zone, and the
 * JSON of one aggregate. Handlers in usage_main.c, health.c and metrics.c
 * use it; it never touches SQL itself. */
#ifndef SB_USAGEAPI_H
#define SB_USAGEAPI_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "http.h"
#include "report.h"
#include "tzbucket.h"
#include "usagerep.h"

#define USAGEAPI_MAX_RANGE_DAYS	400	/* longest report range */
#define USAGEAPI_QVAL_MAX	400	/* longest query value accepted */

/* A parsed request scope. Strings point into the struct. */
struct usage_scope {
	struct usage_filter	 f;		/* hour-aligned from/to */
	int64_t			 local_from;	/* unaligned, for buckets */
	int64_t			 local_to;
	char			 tz[TZB_NAME_MAX + 1];
	char			 range[8];
	char			 provider[USAGEREP_PROVIDER_MAX + 1];
	char			 model[USAGEREP_MODEL_MAX + 1];
	char			 status[16];
};

/* Query value: 0 found, 1 absent, -1 present but too long (r->err set). */
int	usageapi_query(struct req *r, const char *name, char *out, size_t n);
/* Fill the scope from the query string: user=, key=, provider=, model=,
 * status=, tz=, range=day|week|month|custom, from=, to=. def_range is used
 * when neither range nor from is given ("month", or "all" for logs).
 * 0, or -1 with r->err set (400/403). */
int	usageapi_scope(struct req *r, const char *def_range, struct usage_scope *s);
/* Add the standard figures of an aggregate to obj. */
void	usageapi_agg_json(cJSON *obj, const struct report_agg *a);
/* Add "from", "to" (ISO UTC), "tz" and "user_id" (null = all) to obj. */
void	usageapi_scope_json(cJSON *obj, const struct usage_scope *s);
/* Roll the log forward a little if the watermark lags (best effort). */
void	usageapi_roll_on_read(void);
/* Reply 503 for a database failure: always returns -1. */
int	usageapi_db_fail(struct req *r, int rc);

/* The logs cursor: "YYYYMMDDHHMMSSffffff-ID" from the last row's created_at
 * (DB time) and id, and back to "YYYY-MM-DD HH:MM:SS.ffffff" and the id.
 * parse returns 0, or -1 for anything this API did not give out. */
int	usageapi_cursor_parse(const char *c, char *dbtime, size_t n, long long *id);
void	usageapi_cursor_make(const char *dbtime, const char *id, char *out, size_t n);

#endif
