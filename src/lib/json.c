/* json: bounded parsing and validated field access over cJSON (see json.h).
 * Knows nothing of HTTP: errors are returned as sb_error values. */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "sbconst.h"

/* One pass outside strings: the nesting depth, and an upper bound of the
 * number of values (commas + 2 per container + 1), so that a body is judged
 * before cJSON spends ~64 bytes a value on it. 0, -1 too deep, -2 too many. */
static int
json_shape_ok(const char *text, size_t len, int max_depth, size_t max_nodes)
{
	size_t	 i, nodes = 1;
	int	 depth = 0, in_str = 0;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return -1;
			nodes += 2;
		} else if (c == '}' || c == ']')
			depth--;
		else if (c == ',')
			nodes++;
		if (max_nodes && nodes > max_nodes)
			return -2;
	}
	return 0;
}

int
json_depth_ok(const char *text, size_t len, int max_depth)
{
	return json_shape_ok(text, len, max_depth, 0) == 0 ? 0 : -1;
}

cJSON *
json_parse(const char *text, size_t len, int max_depth, struct sb_error *e)
{
	cJSON	*j;

	if (len == 0) {
		err_set(e, ERR_VALIDATION, 400, "invalid_json", "The request body is empty; send a JSON object.");
		return NULL;
	}
	switch (json_shape_ok(text, len, max_depth, SB_MAX_JSON_NODES)) {
	case -1:
		err_set(e, ERR_VALIDATION, 400, "json_too_deep",
		    "The JSON body is nested deeper than %d levels.", max_depth);
		return NULL;
	case -2:
		err_set(e, ERR_VALIDATION, 413, "json_too_many_values",
		    "The JSON body holds more than %d values.", SB_MAX_JSON_NODES);
		return NULL;
	}
	if ((j = cJSON_ParseWithLength(text, len)) == NULL) {
		err_set(e, ERR_VALIDATION, 400, "invalid_json", "The request body is not valid JSON.");
		return NULL;
	}
	return j;
}

static const cJSON *
json_field(const cJSON *obj, const char *name, int required, int *present, struct sb_error *e)
{
	const cJSON	*f = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (present)
		*present = f != NULL && !cJSON_IsNull(f);
	if ((f == NULL || cJSON_IsNull(f)) && required)
		err_set(e, ERR_VALIDATION, 400, "missing_field", "The field '%s' is required.", name);
	return f && !cJSON_IsNull(f) ? f : NULL;
}

int
json_field_str(const cJSON *obj, const char *name, int required,
    size_t minlen, size_t maxlen, const char **out, int *present, struct sb_error *e)
{
	const cJSON	*f = json_field(obj, name, required, present, e);
	size_t		 n;

	if (f == NULL)
		return required ? -1 : 0;
	if (!cJSON_IsString(f)) {
		err_set(e, ERR_VALIDATION, 400, "invalid_type", "The field '%s' must be a string.", name);
		return -1;
	}
	n = strlen(f->valuestring);
	if (n < minlen || n > maxlen) {
		err_set(e, ERR_VALIDATION, 400, "invalid_length",
		    "The field '%s' must be %zu to %zu characters long.", name, minlen, maxlen);
		return -1;
	}
	*out = f->valuestring;
	return 0;
}

int
json_field_int(const cJSON *obj, const char *name, int required,
    long long min, long long max, long long *out, int *present, struct sb_error *e)
{
	const cJSON	*f = json_field(obj, name, required, present, e);
	double		 d;

	if (f == NULL)
		return required ? -1 : 0;
	d = f->valuedouble;
	/* Range first: converting a double outside long long's range is UB.
	 * -2^63 is exact as a double, 2^63 is the first value past LLONG_MAX. */
	if (!cJSON_IsNumber(f) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0) ||
	    d != (double)(long long)d || (long long)d < min || (long long)d > max) {
		err_set(e, ERR_VALIDATION, 400, "invalid_value",
		    "The field '%s' must be a whole number from %lld to %lld.", name, min, max);
		return -1;
	}
	*out = (long long)d;
	return 0;
}

int
json_field_bool(const cJSON *obj, const char *name, int required,
    int *out, int *present, struct sb_error *e)
{
	const cJSON	*f = json_field(obj, name, required, present, e);

	if (f == NULL)
		return required ? -1 : 0;
	if (!cJSON_IsBool(f)) {
		err_set(e, ERR_VALIDATION, 400, "invalid_type", "The field '%s' must be true or false.", name);
		return -1;
	}
	*out = cJSON_IsTrue(f);
	return 0;
}

int
json_usd_to_micros(const char *s, long long *out)
{
	long long	 whole = 0, frac = 0;
	int		 digits = 0, fd = 0;

	if (*s == '\0')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (whole > (LLONG_MAX / 1000000 - 9) / 10)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, fd++) {
			if (fd >= 6)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (fd == 0)
			return -1;
	}
	if (*s != '\0' || digits == 0)
		return -1;
	for (; fd < 6; fd++)
		frac *= 10;
	*out = whole * 1000000 + frac;
	return 0;
}

void
json_micros_to_usd(long long micros, char *out, size_t outsz)
{
	const char		*sign = micros < 0 ? "-" : "";
	unsigned long long	 m = micros < 0 ? 0ULL - (unsigned long long)micros : (unsigned long long)micros;

	snprintf(out, outsz, "%s%llu.%06llu", sign, m / 1000000, m % 1000000);
}

int
json_field_usd(const cJSON *obj, const char *name, int required,
    long long *micros, int *present, struct sb_error *e)
{
	const cJSON	*f = json_field(obj, name, required, present, e);
	char		 tmp[64];
	const char	*s;

	if (f == NULL)
		return required ? -1 : 0;
	if (cJSON_IsString(f)) {
		s = f->valuestring;
	} else if (cJSON_IsNumber(f) && f->valuedouble >= 0 && f->valuedouble < 1e12) {
		/* A JSON number has at most 6 meaningful decimals here. */
		snprintf(tmp, sizeof(tmp), "%.6f", f->valuedouble);
		s = tmp;
	} else {
		s = "";
	}
	if (json_usd_to_micros(s, micros) == -1) {
		err_set(e, ERR_VALIDATION, 400, "invalid_value",
		    "The field '%s' must be a non-negative USD amount with at most 6 decimals.", name);
		return -1;
	}
	return 0;
}

cJSON *
json_add_usd(cJSON *obj, const char *name, long long micros)
{
	char	 s[32];

	json_micros_to_usd(micros, s, sizeof(s));
	return cJSON_AddRawToObject(obj, name, s);
}

cJSON *
json_add_usd_or_null(cJSON *obj, const char *name, long long micros)
{
	return micros < 0 ? cJSON_AddNullToObject(obj, name) : json_add_usd(obj, name, micros);
}

cJSON *
json_add_str_or_null(cJSON *obj, const char *name, const char *s)
{
	return s ? cJSON_AddStringToObject(obj, name, s) : cJSON_AddNullToObject(obj, name);
}

int
json_append_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	static const char short_esc[] = "btnvfr";	/* \b \t \n (\v: none) \f \r */
	char		 esc[6] = "\\u00";
	size_t		 i, from = 0;
	unsigned char	 c;
	int		 rc = buf_append(b, "\"", 1);

	for (i = 0; i < n && rc == BUF_OK; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		rc = buf_append(b, s + from, i - from);
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			rc = rc ? rc : buf_append(b, esc, 2);
		} else if (c >= '\b' && c <= '\r' && c != '\v') {
			esc[1] = short_esc[c - '\b'];
			rc = rc ? rc : buf_append(b, esc, 2);
		} else {
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			rc = rc ? rc : buf_append(b, esc, 6);
		}
		from = i + 1;
	}
	rc = rc ? rc : buf_append(b, s + from, n - from);
	return rc ? rc : buf_append(b, "\"", 1);
}

/* A number as cJSON prints it ("%1.15g", or "%1.17g" when that does not
 * read back within its tolerance; null for NaN and infinities), whole
 * numbers below 10^15 without printf: the same digits. */
static int
json_write_number(struct buf *b, double d)
{
	char			 tmp[32], *p = tmp + sizeof(tmp);
	unsigned long long	 u;
	double			 back;

	if (isnan(d) || isinf(d))
		return buf_append(b, "null", 4);
	if (d == floor(d) && fabs(d) < 1e15 && !(d == 0 && signbit(d))) {
		u = (unsigned long long)fabs(d);
		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (d < 0)
			*--p = '-';
		return buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
	}
	snprintf(tmp, sizeof(tmp), "%1.15g", d);
	back = strtod(tmp, NULL);
	if (fabs(back - d) > fmax(fabs(back), fabs(d)) * DBL_EPSILON)
		snprintf(tmp, sizeof(tmp), "%1.17g", d);
	return buf_puts(b, tmp);
}

int
json_write(struct buf *b, const cJSON *item)
{
	const cJSON	*c;
	int		 rc;

	if (item == NULL)
		return BUF_NOMEM;
	switch (item->type & 0xff) {
	case cJSON_NULL:
		return buf_append(b, "null", 4);
	case cJSON_False:
		return buf_append(b, "false", 5);
	case cJSON_True:
		return buf_append(b, "true", 4);
	case cJSON_Number:
		return json_write_number(b, item->valuedouble);
	case cJSON_Raw:
		return item->valuestring ? buf_puts(b, item->valuestring) : BUF_NOMEM;
	case cJSON_String:
		return item->valuestring ? json_append_string(b, item->valuestring,
		    strlen(item->valuestring)) : BUF_NOMEM;
	case cJSON_Array:
	case cJSON_Object:
		rc = buf_append(b, cJSON_IsArray(item) ? "[" : "{", 1);
		for (c = item->child; c != NULL && rc == BUF_OK; c = c->next) {
			if (c != item->child)
				rc = buf_append(b, ",", 1);
			if (rc == BUF_OK && cJSON_IsObject(item)) {
				rc = c->string ? json_append_string(b, c->string,
				    strlen(c->string)) : BUF_NOMEM;
				rc = rc ? rc : buf_append(b, ":", 1);
			}
			rc = rc ? rc : json_write(b, c);
		}
		return rc ? rc : buf_append(b, cJSON_IsArray(item) ? "]" : "}", 1);
	default:
		return BUF_NOMEM;
	}
}

char *
json_print(const cJSON *item)
{
	struct buf	 b;

	buf_init(&b, SIZE_MAX / 2);
	if (json_write(&b, item) != BUF_OK) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}
