/* json: cJSON with limits. Depth is checked before parsing; typed field
 * getters validate presence, type, length and range and fill an sb_error
 * naming the field, so handlers only ever see checked values. */
#ifndef SB_JSON_H
#define SB_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"

/* 0 when the nesting depth of text stays within max, -1 otherwise. */
int	json_depth_ok(const char *text, size_t len, int max_depth);
/* Parse a document of len bytes whose depth is at most max_depth. NULL and
 * e filled (400 validation) on failure. */
cJSON	*json_parse(const char *text, size_t len, int max_depth, struct sb_error *e);

/* Field getters: return 0 and set *out, or -1 with e filled. A missing
 * optional field returns 0 and leaves *out untouched; *present (may be NULL)
 * tells which. */
int	json_field_str(const cJSON *obj, const char *name, int required,
	    size_t minlen, size_t maxlen, const char **out, int *present, struct sb_error *e);
int	json_field_int(const cJSON *obj, const char *name, int required,
	    long long min, long long max, long long *out, int *present, struct sb_error *e);
int	json_field_bool(const cJSON *obj, const char *name, int required,
	    int *out, int *present, struct sb_error *e);
/* USD amount as a JSON number or decimal string → micro-USD, exact to 6 places. */
int	json_field_usd(const cJSON *obj, const char *name, int required,
	    long long *micros, int *present, struct sb_error *e);

/* Add micro-USD as an exact JSON number with 6 decimals. */
cJSON	*json_add_usd(cJSON *obj, const char *name, long long micros);
/* Add micro-USD as USD (json_add_usd), or null when micros < 0 (unknown, none). */
cJSON	*json_add_usd_or_null(cJSON *obj, const char *name, long long micros);
/* Add a string, or null when s is NULL. */
cJSON	*json_add_str_or_null(cJSON *obj, const char *name, const char *s);
/* Append s (n bytes) to b as a JSON string: quotes, backslashes and control
 * bytes escaped (as cJSON does), other bytes as they are. BUF_OK or buf's
 * error. */
struct buf;
int	json_append_string(struct buf *b, const char *s, size_t n);
/* Append item as compact JSON, byte for byte what cJSON_PrintUnformatted
 * gives, without its cost: cJSON 1.7.15 prints every number with printf and
 * reads it back with sscanf, whole numbers too. BUF_OK, or buf's error
 * (BUF_NOMEM also for a malformed item). */
int	json_write(struct buf *b, const cJSON *item);
/* The same as a malloc'ed string for free(), or NULL. Use it, not
 * cJSON_PrintUnformatted. */
char	*json_print(const cJSON *item);
/* Decimal string "12.5" → micro-USD; -1 on garbage, overflow or > 6 places. */
int	json_usd_to_micros(const char *s, long long *out);
/* micro-USD → "12.500000" into out (>= 32 bytes). */
void	json_micros_to_usd(long long micros, char *out, size_t outsz);

#endif
