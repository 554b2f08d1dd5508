/* fuzz_adapters: every adapter's translation of what an upstream sends back:
 * a non-stream response body, an error body, and a stream fed in arbitrary
 * splits. The first byte picks the format and the split size. */
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "fuzz.h"

static int
count_chunk(void *ctx, const struct adapter_chunk *c)
{
	size_t	*n = ctx;

	if (c->json == NULL || c->json[c->len] != '\0')
		__builtin_trap();
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum adapter_format	 f;
	struct adapter_usage	 u;
	struct adapter_stream	*s;
	const char		*body, *msg;
	cJSON			*out = NULL;
	char			 err[256], emsg[ADAPTER_MAX_MSG];
	size_t			 len, step, off, n, chunks = 0;

	if (size < 1)
		return 0;
	f = (enum adapter_format)(data[0] % ADAPTER_FORMAT__MAX);
	step = 1 + (data[0] >> 2) % 13;
	body = (const char *)data + 1;
	len = size - 1;
	if (adapter_parse_response(f, body, len, "client-model", &out, &u, err,
	    sizeof(err)) == ERR_NONE && out == NULL)
		__builtin_trap();
	cJSON_Delete(out);
	(void)adapter_parse_error(f, 400 + data[0] % 200, body, len, emsg, sizeof(emsg));
	if ((s = adapter_stream_new(f, "client-model", data[0] & 1, count_chunk, &chunks)) == NULL)
		return 0;
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		if (adapter_stream_feed(s, body + off, n) != ADAPTER_STREAM_OK)
			break;
	}
	(void)adapter_stream_finish(s);
	(void)adapter_stream_usage(s);
	(void)adapter_stream_finish_reason(s);
	(void)adapter_stream_error(s, &msg);
	adapter_stream_free(s);
	return 0;
}
