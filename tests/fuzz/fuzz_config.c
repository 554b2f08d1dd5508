/* fuzz_config: the INI parser and its validation of every declared key. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg = calloc(1, sizeof(*cfg));
	char		*text = malloc(size + 1), err[256];

	if (cfg == NULL || text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	(void)config_parse(cfg, text, err, sizeof(err));
	config_free(cfg);
	free(cfg);
	free(text);
	return 0;
}
