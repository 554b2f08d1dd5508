/* fuzz_ingress: the Messages and Responses ingress over any JSON body (the
 * first byte picks the format): request translation, and the answer and
 * stream rendering of whatever canonical chunks the rest of the input is
 * taken as. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "ingress.h"

static void
render(enum ingress_format f, const char *p, size_t n)
{
	struct ingress_stream	*s = ingress_stream_new(f, "fuzz", "fuzz-model", NULL);
	struct adapter_usage	 u = { .prompt = 10, .completion = 5, .total = 15, .cache_read = 2,
	    .cache_write = 1, .known = 1 };
	struct buf		 out;
	cJSON			*doc, *resp;

	buf_init(&out, 1u << 20);
	(void)ingress_stream_chunk(s, p, n, &out);
	(void)ingress_stream_chunk(s, p, n, &out);
	if (n & 1)
		(void)ingress_stream_fail(s, 502, "upstream", "failed", &out);
	else
		(void)ingress_stream_end(s, &u, &out);
	ingress_stream_free(s);
	buf_free(&out);
	if ((doc = cJSON_ParseWithLength(p, n)) != NULL) {
		resp = ingress_response(f, doc, &u, "fuzz", "fuzz-model", doc);
		cJSON_Delete(ingress_conversation(f, doc, resp));
		cJSON_Delete(resp);
		cJSON_Delete(doc);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum ingress_format	 f;
	char			 err[300];
	cJSON			*in, *out = NULL;

	if (size < 1)
		return 0;
	f = data[0] & 1 ? INGRESS_RESPONSES : INGRESS_MESSAGES;
	in = cJSON_ParseWithLength((const char *)data + 1, size - 1);
	if (in != NULL) {
		if (ingress_request(f, in, &out, err, sizeof(err)) == ERR_NONE)
			(void)ingress_estimate_tokens(out);
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	render(f, (const char *)data + 1, size - 1);
	return 0;
}
