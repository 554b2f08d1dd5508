/* fuzz_json: the depth pre-check, the limited parser and every typed field
 * getter over whatever object comes out. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"

static void
read_fields(const cJSON *obj)
{
	const cJSON	*it;
	struct sb_error	 e;
	const char	*s;
	long long	 ll;
	int		 b, present;

	cJSON_ArrayForEach(it, obj) {
		if (it->string == NULL)
			continue;
		memset(&e, 0, sizeof(e));
		(void)json_field_str(obj, it->string, 0, 0, 64, &s, &present, &e);
		(void)json_field_int(obj, it->string, 0, -1000, 1000, &ll, &present, &e);
		(void)json_field_int(obj, it->string, 0, LLONG_MIN, LLONG_MAX, &ll, &present, &e);
		(void)json_field_bool(obj, it->string, 0, &b, &present, &e);
		(void)json_field_usd(obj, it->string, 0, &ll, &present, &e);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_error	 e;
	cJSON		*doc;

	memset(&e, 0, sizeof(e));
	(void)json_depth_ok((const char *)data, size, 16);
	doc = json_parse((const char *)data, size, 16, &e);
	if (doc == NULL)
		return 0;
	if (cJSON_IsObject(doc))
		read_fields(doc);
	cJSON_Delete(doc);
	return 0;
}
