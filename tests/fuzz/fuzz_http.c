/* fuzz_http: request setup (URI, path), the query string and cookie readers
 * and percent-decoding. The input is "URI\nQUERY\nCOOKIE\nNAME" with any of
 * them possibly empty or missing. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"

/* Split the next \n-terminated field off *s into a fresh string. */
static char *
field(const char **s, const char *end, const char *prefix)
{
	const char	*nl = memchr(*s, '\n', (size_t)(end - *s));
	size_t		 n = (nl ? nl : end) - *s, plen = strlen(prefix);
	char		*out = malloc(plen + n + 1);

	if (out == NULL)
		abort();
	memcpy(out, prefix, plen);
	memcpy(out + plen, *s, n);
	out[plen + n] = '\0';
	*s = nl ? nl + 1 : end;
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data, *end = s + size;
	char		*env[5] = { 0 }, *name, out[256];
	struct req	 r;
	long long	 id;
	size_t		 i;

	env[0] = field(&s, end, "REQUEST_URI=");
	env[1] = field(&s, end, "QUERY_STRING=");
	env[2] = field(&s, end, "HTTP_COOKIE=");
	name = field(&s, end, "");
	if (http_req_init(&r, env, NULL, NULL, "/api") == 0) {
		(void)http_query(&r, name, out, sizeof(out));
		(void)http_query(&r, "cursor", out, sizeof(out));
		(void)http_cookie(&r, name, out, sizeof(out));
		(void)http_cookie(&r, "sb_session", out, sizeof(out));
	}
	http_req_free(&r);
	(void)http_parse_id(name, &id);
	(void)http_percent_decode(name, strlen(name), out, sizeof(out), 1);
	for (i = 0; i < 3; i++)
		free(env[i]);
	free(name);
	return 0;
}
