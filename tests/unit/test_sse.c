/* Unit tests for sse: events come out the same whatever the byte splits,
 * all line endings work, comments are skipped and caps are enforced. */
#include "unit.h"
#include "buf.h"
#include "sse.h"

struct collect {
	struct buf	 out;
	int		 count;
	int		 stop_at;	/* abort on this event number (1-based), 0 = never */
};

static int
on_event(void *ctx, const struct sse_event *ev)
{
	struct collect	*c = ctx;

	c->count++;
	buf_printf(&c->out, "[%.*s|%.*s]", (int)ev->type_len, ev->type,
	    (int)ev->data_len, ev->data);
	return c->stop_at && c->count == c->stop_at;
}

/* Parse s in pieces split at a and b; return the collected text (static). */
static const char *
parse_split(const char *s, size_t n, size_t a, size_t b, int *fin)
{
	static struct buf	 keep;
	struct sse_parser	 p;
	struct collect		 c = { .count = 0, .stop_at = 0 };

	buf_init(&c.out, 1 << 16);
	sse_init(&p, 0, on_event, &c);
	sse_feed(&p, s, a);
	sse_feed(&p, s + a, b - a);
	sse_feed(&p, s + b, n - b);
	*fin = sse_finish(&p);
	sse_free(&p);
	buf_free(&keep);
	keep = c.out;
	return keep.data ? keep.data : "";
}

static const char STREAM[] =
    "\xEF\xBB\xBF: a comment\r\n"
    "event: message_start\r\n"
    "data: {\"a\":1}\r\n"
    "\r\n"
    "data:no-space\n"
    "data:  two spaces\n"
    "id: 7\n"
    "retry: 100\n"
    "\n"
    "event: only-type\n"
    "\n"
    "data: caf\xC3\xA9 \xF0\x9F\x98\x80\r"
    "\r"
    "data\n"
    "\n"
    "data: [DONE]\n\n";

static const char EXPECT[] =
    "[message_start|{\"a\":1}]"
    "[|no-space\n two spaces]"
    "[|caf\xC3\xA9 \xF0\x9F\x98\x80]"
    "[|]"
    "[|[DONE]]";

static void
test_every_split(void)
{
	size_t	 n = sizeof(STREAM) - 1, a, b;
	int	 fin, bad = 0;

	CHECK_STR(parse_split(STREAM, n, 0, 0, &fin), EXPECT);
	CHECK(fin == SSE_OK);
	for (a = 0; a <= n; a++)
		for (b = a; b <= n; b++)
			if (strcmp(parse_split(STREAM, n, a, b, &fin),
			    EXPECT) != 0 || fin != SSE_OK)
				bad++;
	CHECK(bad == 0);
}

static void
test_byte_by_byte(void)
{
	struct sse_parser	 p;
	struct collect		 c = { .count = 0, .stop_at = 0 };
	size_t			 i;

	buf_init(&c.out, 1 << 16);
	sse_init(&p, 0, on_event, &c);
	for (i = 0; i < sizeof(STREAM) - 1; i++)
		CHECK(sse_feed(&p, STREAM + i, 1) == SSE_OK);
	CHECK_STR(c.out.data, EXPECT);
	CHECK(c.count == 5);
	CHECK(sse_finish(&p) == SSE_OK);
	sse_free(&p);
	buf_free(&c.out);
}

static void
test_truncated(void)
{
	int	 fin;

	CHECK_STR(parse_split("data: a\n\ndata: b", 16, 3, 9, &fin), "[|a]");
	CHECK(fin == SSE_TRUNCATED);
	CHECK_STR(parse_split("data: a\n\ndata: b\n", 17, 3, 9, &fin), "[|a]");
	CHECK(fin == SSE_TRUNCATED);
}

static void
test_caps(void)
{
	struct sse_parser	 p;
	struct collect		 c = { .count = 0, .stop_at = 0 };
	char			 big[100];

	memset(big, 'x', sizeof(big));
	buf_init(&c.out, 1 << 16);
	sse_init(&p, 64, on_event, &c);
	CHECK(sse_feed(&p, "data: ", 6) == SSE_OK);
	CHECK(sse_feed(&p, big, sizeof(big)) == SSE_TOO_BIG);
	CHECK(sse_feed(&p, "\n\n", 2) == SSE_TOO_BIG);
	CHECK(sse_finish(&p) == SSE_TOO_BIG);
	sse_free(&p);

	/* Many short data lines add up past the event cap. */
	sse_init(&p, 64, on_event, &c);
	for (int i = 0; i < 20; i++)
		if (sse_feed(&p, "data: 0123456789\n", 17) != SSE_OK)
			break;
	CHECK(p.status == SSE_TOO_BIG);
	CHECK(c.count == 0);
	sse_free(&p);
	buf_free(&c.out);
}

static void
test_abort(void)
{
	struct sse_parser	 p;
	struct collect		 c = { .count = 0, .stop_at = 1 };

	buf_init(&c.out, 1 << 16);
	sse_init(&p, 0, on_event, &c);
	CHECK(sse_feed(&p, "data: 1\n\ndata: 2\n\n", 18) == SSE_ABORTED);
	CHECK(c.count == 1);
	sse_free(&p);
	buf_free(&c.out);
}

int
main(void)
{
	test_every_split();
	test_byte_by_byte();
	test_truncated();
	test_caps();
	test_abort();
	return unit_done("test_sse");
}
