/* route: format mapping, allowed-model checks and retry backoff (see
 * route.h). Circuits are circuit.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>

#include "route.h"

enum adapter_format
route_format(enum catalog_api_format f)
{
	switch (f) {
	case CATALOG_FMT_ANTHROPIC:
		return ADAPTER_ANTHROPIC;
	case CATALOG_FMT_GEMINI:
		return ADAPTER_GEMINI;
	default:
		return ADAPTER_OPENAI;
	}
}

static int
route_match(const char *pattern, const char *s)
{
	size_t	 n = strlen(pattern);

	if (s == NULL || s[0] == '\0')
		return 0;
	if (n > 0 && pattern[n - 1] == '*')
		return strncmp(pattern, s, n - 1) == 0;
	return strcmp(pattern, s) == 0;
}

int
route_model_allowed(const char *allowed, const char *requested,
    const char *resolved)
{
	cJSON		*a;
	const cJSON	*it, *arr;
	int		 ok = 0;

	if (allowed == NULL || allowed[0] == '\0')
		return 1;
	if ((a = cJSON_Parse(allowed)) == NULL)
		return 0;	/* unreadable list: refuse, never widen */
	if (cJSON_IsNull(a) || (cJSON_IsArray(a) && cJSON_GetArraySize(a) == 0))
		ok = 1;
	arr = cJSON_IsArray(a) ? a : NULL;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && (route_match(it->valuestring,
		    requested) || route_match(it->valuestring, resolved)))
			ok = 1;
	cJSON_Delete(a);
	return ok;
}

int
route_target_allowed(const char *allowed, const char *config,
    const char *model_id)
{
	char		 id[CATALOG_REF_MAX + 1];
	cJSON		*a;
	const cJSON	*it, *arr;
	int		 ok;

	if (allowed == NULL || allowed[0] == '\0')
		return 1;
	snprintf(id, sizeof(id), "%s/%s", config, model_id);
	if ((ok = route_model_allowed(allowed, id, NULL)) != 0)
		return ok;
	if ((a = cJSON_Parse(allowed)) == NULL)
		return 0;
	arr = cJSON_IsArray(a) ? a : NULL;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && strchr(it->valuestring, '/') == NULL &&
		    route_match(it->valuestring, model_id))
			ok = 1;
	cJSON_Delete(a);
	return ok;
}

long
route_backoff_ms(int attempt, int retry_after_s, int max_wait_s)
{
	unsigned int	 r = 0;
	long		 ms = ROUTE_BACKOFF_BASE_MS;

	if (retry_after_s > max_wait_s)
		return -1;
	while (attempt-- > 0 && ms < ROUTE_BACKOFF_MAX_MS)
		ms *= 2;
	if (ms > ROUTE_BACKOFF_MAX_MS)
		ms = ROUTE_BACKOFF_MAX_MS;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)getpid();
	ms = ms / 2 + (long)(r % (unsigned int)(ms / 2 + 1));	/* jitter */
	if (retry_after_s > 0 && ms < retry_after_s * 1000L)
		ms = retry_after_s * 1000L;
	return ms;
}
