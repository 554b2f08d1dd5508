/* fuzz_modellist: every provider's model-list parser, then the finishing
 * pass (sort, dedupe, table fill). The first byte picks the format. */
#include "fuzz.h"
#include "modellist.h"
#include "price.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_list	 l;
	enum modellist_format	 fmt;

	if (size < 1)
		return 0;
	fmt = (enum modellist_format)(data[0] % MODELLIST__MAX);
	modellist_init(&l);
	if (modellist_parse(fmt, (const char *)data + 1, size - 1, &l) == 0)
		(void)modellist_finish(fmt, data[0] & 0x80, &l);
	modellist_free(&l);
	return 0;
}
