/* test_route_match: the router's path patterns, including the trailing
 * "{*}" form that captures the rest of the path (model ids with slashes). */
#include <string.h>

#include "route.h"
#include "server.h"
#include "unit.h"

static int
match(struct req *r, const char *pattern, const char *path)
{
	memset(r, 0, sizeof(*r));
	return server_match(r, pattern, path);
}

int
main(void)
{
	static struct req	 r;

	CHECK(match(&r, "/api/keys/{id}", "/api/keys/12"));
	CHECK_STR(r.route_params[0], "12");
	CHECK(!match(&r, "/api/keys/{id}", "/api/keys/12/x"));
	CHECK(!match(&r, "/api/keys/{id}", "/api/keys/"));
	CHECK(match(&r, "/v1/models/{*}", "/v1/models/gpt-4o"));
	CHECK_STR(r.route_params[0], "gpt-4o");
	CHECK(match(&r, "/v1/models/{*}", "/v1/models/openrouter/anthropic/claude-3.5-sonnet"));
	CHECK_STR(r.route_params[0], "openrouter/anthropic/claude-3.5-sonnet");
	CHECK(!match(&r, "/v1/models/{*}", "/v1/models/"));
	CHECK(!match(&r, "/v1/models/{*}", "/v1/models"));
	CHECK(!match(&r, "/v1/models/{*}", "/v1/modelsx/a"));
	CHECK(match(&r, "/a/{x}/b/{*}", "/a/1/b/c/d"));
	CHECK_STR(r.route_params[0], "1");
	CHECK_STR(r.route_params[1], "c/d");
	/* allowed_models against the provider/model a request routes to */
	CHECK(route_target_allowed(NULL, "openai", "gpt-4o"));
	CHECK(route_target_allowed("[\"openai/gpt-4o-mini\"]", "openai", "gpt-4o-mini"));
	CHECK(!route_target_allowed("[\"openai/gpt-4o-mini\"]", "backup", "gpt-4o-mini"));
	CHECK(route_target_allowed("[\"gpt-4o-mini\"]", "backup", "gpt-4o-mini"));
	CHECK(route_target_allowed("[\"openai/*\"]", "openai", "gpt-4o"));
	CHECK(!route_target_allowed("[\"openai/*\"]", "openrouter", "openai/gpt-4o"));
	CHECK(!route_target_allowed("[\"openai/gpt-4o\"]", "openrouter", "openai/gpt-4o"));
	CHECK(!route_target_allowed("not json", "openai", "gpt-4o"));
	return unit_done("test_route_match");
}
