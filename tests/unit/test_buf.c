/* Unit tests for buf: caps are enforced, contents stay NUL-terminated. */
#include "unit.h"
#include "buf.h"

int
main(void)
{
	struct buf	 b;
	char		*s;

	buf_init(&b, 8);
	CHECK(buf_puts(&b, "abcd") == BUF_OK);
	CHECK(buf_puts(&b, "efgh") == BUF_OK);
	CHECK(buf_puts(&b, "i") == BUF_FULL);
	CHECK_STR(b.data, "abcdefgh");
	buf_consume(&b, 3);
	CHECK_STR(b.data, "defgh");
	CHECK(buf_printf(&b, "%d", 123) == BUF_OK);
	CHECK_STR(b.data, "defgh123");
	CHECK(buf_printf(&b, "%d", 4) == BUF_FULL);
	s = buf_steal(&b);
	CHECK_STR(s, "defgh123");
	CHECK(b.len == 0 && b.data == NULL);
	free(s);
	buf_free(&b);
	return unit_done("test_buf");
}
