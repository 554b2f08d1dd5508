/* fuzz_sse: the incremental SSE parser over arbitrary bytes and arbitrary
 * splits. The first byte picks the split size, so one input also checks that
 * splitting never changes what is parsed. */
#include <string.h>

#include "fuzz.h"
#include "sse.h"

struct tally {
	size_t	 events;
	size_t	 bytes;
};

static int
count_event(void *ctx, const struct sse_event *ev)
{
	struct tally *t = ctx;

	t->events++;
	t->bytes += ev->data_len + ev->type_len;
	/* Touch every byte: a bad length shows up under ASan. */
	if (ev->data_len && ev->data[ev->data_len] != '\0')
		__builtin_trap();
	return 0;
}

static int
parse(const uint8_t *data, size_t size, size_t step, struct tally *t)
{
	struct sse_parser	 p;
	size_t			 off, n;
	int			 rc = SSE_OK;

	memset(t, 0, sizeof(*t));
	sse_init(&p, 4096, count_event, t);
	for (off = 0; off < size && rc == SSE_OK; off += n) {
		n = size - off < step ? size - off : step;
		rc = sse_feed(&p, (const char *)data + off, n);
	}
	if (rc == SSE_OK)
		rc = sse_finish(&p);
	sse_free(&p);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally	 whole, split;
	int		 rc_whole, rc_split;

	if (size < 1)
		return 0;
	rc_whole = parse(data + 1, size - 1, size, &whole);
	rc_split = parse(data + 1, size - 1, 1 + data[0] % 7, &split);
	if (rc_whole != rc_split || whole.events != split.events ||
	    whole.bytes != split.bytes)
		__builtin_trap();
	return 0;
}
