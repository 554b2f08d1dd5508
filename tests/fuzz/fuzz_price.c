/* fuzz_price: the decimal price parser, model id normalisation and lookup,
 * and the TSV table loader (which must refuse a bad line and keep the old
 * table). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "price.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, key[256], text[64];
	int64_t	 v;
	int	 exp10;

	if (size < 1)
		return 0;
	exp10 = data[0] % 13 - 3;
	if (price_parse((const char *)data + 1, size - 1, exp10, &v) == PRICE_OK)
		(void)price_format_usd(v, text, sizeof(text));
	s = malloc(size);
	if (s == NULL)
		abort();
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	(void)price_normalise(s, key, sizeof(key));
	(void)price_model_key(s, key, sizeof(key));
	(void)price_lookup(s);
	if (data[0] & 0x80)
		(void)price_table_load(s, size - 1);
	free(s);
	return 0;
}
