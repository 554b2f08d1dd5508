/* chat.fcgi: the OpenAI-compatible proxy (/v1/chat/completions, /v1/models,
 * /v1/embeddings), Anthropic's /v1/messages, OpenAI's /v1/responses and the browser's /api/llm/chat and /api/llm/stream. The
 * request lifecycle is in chat.c; this file holds the routes and the model
 * listing. */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "catalog.h"
#include "chat.h"
#include "nodestamp.h"
#include "respstore.h"
#include "route.h"
#include "server.h"
#include "spool.h"

static int
handle_completions(struct req *r)
{
	return chat_run(r, CHAT_OPENAI);
}

static int
handle_llm_chat(struct req *r)
{
	return chat_run(r, CHAT_LLM_JSON);
}

static int
handle_llm_stream(struct req *r)
{
	return chat_run(r, CHAT_LLM_NDJSON);
}

static int
handle_embeddings(struct req *r)
{
	return chat_run(r, CHAT_EMBED);
}

static int
handle_messages(struct req *r)
{
	return chat_run(r, CHAT_MESSAGES);
}

static int
handle_responses(struct req *r)
{
	return chat_run(r, CHAT_RESPONSES);
}

/* --- /v1/responses/{id}: the caller's stored responses ------------------ */

static int
response_missing(struct req *r, const char *id)
{
	return http_fail(r, ERR_VALIDATION, 404, "response_not_found",
	    "No stored response '%.100s' of yours (only requests with "
	    "\"store\": true are kept, for the usage retention period).",
	    id ? id : "");
}

static int
handle_response_get(struct req *r)
{
	const char	*id = http_route_param(r, 0);
	cJSON		*o = NULL;
	int		 rc = id ? respstore_response(id, r->who.user_id, &o) : 1;

	if (rc < 0)
		return err_db_unavailable(&r->err);
	if (rc > 0)
		return response_missing(r, id);
	http_send_json(r, 200, o);	/* a gone client: nothing to do */
	cJSON_Delete(o);
	return 0;
}

static int
handle_response_delete(struct req *r)
{
	const char	*id = http_route_param(r, 0);
	int		 rc = id ? respstore_delete(id, r->who.user_id) : 1;
	cJSON		*o;

	if (rc < 0)
		return err_db_unavailable(&r->err);
	if (rc > 0)
		return response_missing(r, id);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "object", "response");
	cJSON_AddTrueToObject(o, "deleted");
	http_send_json(r, 200, o);
	cJSON_Delete(o);
	return 0;
}

/* --- /v1/models ---------------------------------------------------------- */

struct models_ctx {
	const struct req	*r;
	cJSON			*data;
	const char		*want;	/* one model id (GET /v1/models/{id}) */
};

/* Is the listed model usable by the caller (a key's allowed_models)? */
static int
models_allowed(const struct req *r, const char *config, const char *model_id)
{
	return r->who.via != AUTH_VIA_KEY || route_target_allowed(
	    r->who.allowed_models, config, model_id);
}

static cJSON *
models_object(const char *id, const char *owner)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "object", "model");
	cJSON_AddNumberToObject(o, "created", 0);
	cJSON_AddStringToObject(o, "owned_by", owner);
	return o;
}

static int
models_add(void *ctx, const struct catalog_config *cf,
    const struct catalog_model *m)
{
	struct models_ctx	*x = ctx;
	char			 id[CATALOG_REF_MAX + 1];

	snprintf(id, sizeof(id), "%s/%s", cf->name, m->model_id);
	if (x->want && strcmp(x->want, id) != 0)
		return 0;
	if (!models_allowed(x->r, cf->name, m->model_id))
		return 0;
	cJSON_AddItemToArray(x->data, models_object(id, cf->name));
	return x->want != NULL || cJSON_GetArraySize(x->data) >= 100000;
}

static int
handle_models(struct req *r)
{
	cJSON			*o = cJSON_CreateObject();
	struct models_ctx	 x = { r, NULL, NULL };

	cJSON_AddStringToObject(o, "object", "list");
	x.data = cJSON_AddArrayToObject(o, "data");
	if (catalog_each_model(r->who.user_id, models_add, &x) != 0) {
		cJSON_Delete(o);
		return err_db_unavailable(&r->err);
	}
	http_send_json(r, 200, o);
	cJSON_Delete(o);
	return 0;
}

/* GET /v1/models/{model}: OpenAI's model object; the id may hold slashes. */
static int
handle_model(struct req *r)
{
	char			 want[CATALOG_REF_MAX + 1];
	const char		*p = http_route_param(r, 0);
	struct models_ctx	 x = { r, NULL, want };
	cJSON			*one;

	if (p == NULL || http_percent_decode(p, strlen(p), want, sizeof(want), 0) != 0 ||
	    want[0] == '\0')
		goto unknown;
	x.data = cJSON_CreateArray();
	if (catalog_each_model(r->who.user_id, models_add, &x) != 0) {
		cJSON_Delete(x.data);
		return err_db_unavailable(&r->err);
	}
	if ((one = cJSON_GetArrayItem(x.data, 0)) != NULL) {
		http_send_json(r, 200, one);	/* a gone client: nothing to do */
		cJSON_Delete(x.data);
		return 0;
	}
	cJSON_Delete(x.data);
unknown:
	return http_fail(r, ERR_MODEL, 404, "model_not_found",
	    "The model '%.200s' does not exist or is not available to you; "
	    "list the models you can use with GET /v1/models.",
	    p ? p : "");
}

static const struct route routes[] = {
	{ "POST", "/v1/chat/completions",	handle_completions,	ROUTE_SELF },
	{ "GET",  "/v1/models",			handle_models,		ROUTE_USER },
	{ "GET",  "/v1/models/{*}",		handle_model,		ROUTE_USER },
	{ "POST", "/v1/embeddings",		handle_embeddings,	ROUTE_SELF },
	{ "POST", "/v1/messages",		handle_messages,	ROUTE_SELF },
	{ "POST", "/v1/messages/count_tokens",	chat_count_tokens,	ROUTE_SELF },
	{ "POST", "/v1/responses",		handle_responses,	ROUTE_SELF },
	{ "GET",  "/v1/responses/{id}",		handle_response_get,	ROUTE_USER },
	{ "DELETE", "/v1/responses/{id}",	handle_response_delete,	ROUTE_USER },
	{ "POST", "/api/llm/chat",		handle_llm_chat,	ROUTE_SELF },
	{ "POST", "/api/llm/stream",		handle_llm_stream,	ROUTE_SELF },
};

int
main(void)
{
	static const struct program prog = {
		.name = "chat", .routes = routes,
		.nroutes = sizeof(routes) / sizeof(routes[0]),
		.init = chat_init, .fini = chat_fini,
		/* usage rows deferred while requests queue (spool.h) */
		.deferred = spool_deferred, .idle = spool_flush,
		/* the host's stamps lease, renewed while requests come (nodestamp.h) */
		.answered = nodestamp_tend
	};

	return server_run(&prog);
}
