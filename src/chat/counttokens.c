/* counttokens: POST /v1/messages/count_tokens. The input tokens of a
 * Messages request, counted by the model's first provider where it has a
 * counting call (Anthropic's), else estimated from the text. Resolves the
 * model like a chat request but reserves, limits and logs nothing:
 * counting is free. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "adapter.h"
#include "auth.h"
#include "catalog.h"
#include "chat.h"
#include "chatcache.h"
#include "ingress.h"
#include "log.h"
#include "route.h"
#include "server.h"
#include "upstream.h"

static const struct config *
cfg(void)
{
	return server_config();
}

static int
count_body(void *ctx, const char *p, size_t n)
{
	return buf_append(ctx, p, n) != BUF_OK;
}

/* The upstream's own count of req at target t (Anthropic's count_tokens),
 * sent to the client as it came. 0 when sent, -1 when the upstream could
 * not count it (the caller estimates instead). */
static int
count_upstream(struct req *r, const struct catalog_target *t,
    const cJSON *req)
{
	struct adapter_params	 p;
	struct adapter_call	 call;
	struct upstream_opts	 opts;
	struct upstream_result	 res;
	struct sb_error		 e;
	struct buf		 body, errbody;
	char			 key[SB_MAX_API_KEY + 1], err[ADAPTER_MAX_MSG];
	cJSON			*o;
	int			 rc = -1;

	if (!adapter_has_count(route_format(t->config.api_format)) ||
	    chatcache_config_key(NULL, r->who.user_id, t->config.id, key,
	    sizeof(key), &e) != 0)
		return -1;
	memset(&p, 0, sizeof(p));
	p.format = route_format(t->config.api_format);
	p.base_url = t->config.base_url;
	p.api_key = key;
	p.model = t->model.model_id;
	p.version = http_header(r, "HTTP_ANTHROPIC_VERSION");
	p.beta = http_header(r, "HTTP_ANTHROPIC_BETA");
	rc = adapter_build_count(&p, req, &call, err, sizeof(err)) == ERR_NONE ? 0 : -1;
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != 0)
		return -1;
	memset(&opts, 0, sizeof(opts));
	opts.allow_private = cfg()->allow_private_endpoints;
	opts.connect_ms = cfg()->connect_timeout_ms;
	opts.first_byte_ms = cfg()->first_byte_timeout_ms;
	opts.idle_ms = cfg()->idle_timeout_ms;
	opts.total_ms = cfg()->attempt_timeout_ms;
	buf_init(&body, SB_MAX_UPSTREAM_BODY);
	buf_init(&errbody, UPSTREAM_MAX_ERROR_BODY);
	rc = upstream_perform(&call, &opts, count_body, NULL, &body, &res, &errbody);
	adapter_call_free(&call);
	o = rc == 0 && res.status == 200 ? cJSON_ParseWithLength(body.data, body.len) : NULL;
	rc = -1;
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "input_tokens"))) {
		http_send_body(r, 200, "application/json", body.data, body.len);
		rc = 0;
	} else
		log_info("count_tokens: provider '%s' did not count (HTTP %ld); "
		    "estimated instead", t->config.name, res.status);
	cJSON_Delete(o);
	buf_free(&body);
	buf_free(&errbody);
	return rc;
}

/* POST /v1/messages/count_tokens: the input tokens of a Messages request,
 * counted by the model's first provider where it has a counting call
 * (Anthropic), else estimated from the text (about four bytes a token). No
 * usage row: counting is free. */
int
chat_count_tokens(struct req *r)
{
	struct catalog_target	 t[CATALOG_TARGETS_MAX];
	char			 err[ADAPTER_MAX_MSG];
	const char		*model;
	cJSON			*in, *canon = NULL, *o;
	int			 rc, n;

	r->error_body = ingress_messages_error;
	if (server_authenticate(r, ROUTE_USER) != 0 ||
	    http_json_body(r, cfg()->max_body_bytes, cfg()->max_json_depth) != 0)
		return -1;
	in = cJSON_Duplicate(r->json, 1);
	if (in != NULL && !cJSON_HasObjectItem(in, "max_tokens"))
		cJSON_AddNumberToObject(in, "max_tokens", 1);
	rc = ingress_request(INGRESS_MESSAGES, in, &canon, err, sizeof(err));
	cJSON_Delete(in);
	if (rc != ERR_NONE)
		return http_fail(r, ERR_VALIDATION, 400, "invalid_request", "%s", err);
	model = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(canon, "model"));
	if (r->who.via == AUTH_VIA_KEY && !route_model_allowed(r->who.allowed_models,
	    model, NULL)) {
		http_fail(r, ERR_AUTH, 403, "model_not_allowed",
		    "This API key may not use the model '%.200s'.", model);
		cJSON_Delete(canon);
		return -1;
	}
	n = chatcache_resolve(NULL, r->who.user_id, model, t, CATALOG_TARGETS_MAX,
	    NULL, &r->err);
	if (n < 0) {
		http_fail(r, ERR_MODEL, 404, "model_not_found",
		    "The model '%.200s' is not available to you.", model);
		cJSON_Delete(canon);
		return -1;
	}
	if (n > 0 && count_upstream(r, &t[0], r->json) == 0) {
		cJSON_Delete(canon);
		return 0;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "input_tokens", (double)ingress_estimate_tokens(canon));
	http_send_json(r, 200, o);	/* a gone client: nothing to do */
	cJSON_Delete(o);
	cJSON_Delete(canon);
	return 0;
}
