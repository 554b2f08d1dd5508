/* chat: one proxied request from start to usage row, for chat.fcgi.
 * Authenticate, validate, resolve the model, check rate limits and reserve
 * budget, call the upstream through its adapter (retrying and falling back
 * while nothing reached the client), stream or answer, settle, and write
 * exactly one usage row. The routes live in chat_main.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "adapter.h"
#include "auth.h"
#include "catalog.h"
#include "chat.h"
#include "chatcache.h"
#include "circuit.h"
#include "db.h"
#include "inflight.h"
#include "ingress.h"
#include "json.h"
#include "log.h"
#include "price.h"
#include "prices.h"
#include "quota.h"
#include "respstore.h"
#include "spool.h"
#include "route.h"
#include "server.h"
#include "upstream.h"
#include "usage.h"

#define CHAT_MAX_MESSAGES	10000
#define CHAT_MAX_CHOICES	128	/* "n" */
#define CHAT_MAX_FALLBACKS	8	/* entries of "models" */
#define CHAT_MIN_TIMEOUT_MS	100
#define CHAT_MIN_HEARTBEAT_MS	1000

static const char *const chat_endpoints[CHAT_MODE__MAX] = {
	"chat", "llm_chat", "llm_stream", "embeddings", "messages", "responses",
};

/* The outcome of one upstream attempt. */
enum chat_step { STEP_OK, STEP_RETRY, STEP_NEXT, STEP_FATAL };

struct chat {
	struct req		*r;
	enum chat_mode		 mode;
	int			 ingress;	/* enum ingress_format, or -1: ours */
	struct ingress_stream	*ing;		/* its stream renderer */
	struct buf		 out;		/* what the renderer produced */
	cJSON			*orig;		/* the client's own body (ingress) */
	cJSON			*final;		/* the response object sent (non-stream ingress) */
	int			 native;	/* this attempt passes orig through */
	int			 prev_remote;	/* previous_response_id is the upstream's */
	struct buf		 raw;		/* native stream: bytes of an unfinished event */
	int			 feeding;	/* writing what one upstream read brought */
	int			 unflushed;	/* written while feeding, not yet flushed */
	int			 stream;	/* upstream and client stream */
	int			 include_usage;
	const char		*model;		/* as requested */
	size_t			 prompt_bytes;
	struct usage_rec	 rec;
	struct quota_limits	 lim;
	struct chatcache_snap	 snap;		/* valid: limits already in lim */
	struct quota_reservation resv;
	struct upstream_opts	 opts;
	struct catalog_target	 targets[CATALOG_TARGETS_MAX];
	int			 ntargets;
	char			 resolved[CATALOG_REF_MAX + 1];
	struct usage_prices	 prices;
	/* per attempt */
	const struct catalog_target *t;
	enum adapter_format	 fmt;
	struct adapter_stream	*st;
	struct buf		 body;		/* non-stream upstream body */
	struct buf		 errbody;
	int			 started;	/* response headers sent */
	int			 sent;		/* a chunk reached the client */
	int			 ended;		/* the stream's last line was written */
	int			 ok;		/* the request succeeded */
	size_t			 content_bytes;
	long long		 last_write_us;
	long long		 heartbeat_us;
	int			 retry_after;
	long long		 rl_limit;	/* the upstream's x-ratelimit-*, -1 unknown */
	long long		 rl_remaining;
	int			 timeout_lowered;	/* the client lowered a timeout */
	int			 noted;		/* an inflight note was written */
	char			 key[SB_MAX_API_KEY + 1];	/* this attempt's provider key */
	long			 attempt_ms;	/* one attempt's total time */
	long long		 deadline_us;	/* the whole request's */
	struct circuit_pause	 paused;	/* why targets were skipped */
	int			 too_long;	/* a target said: context window exceeded */
};

/* --- small helpers ------------------------------------------------------- */

static const struct config *
cfg(void)
{
	return server_config();
}

/* The client-facing status for an upstream failure of category cat. */
static int
chat_status_for(enum err_category cat)
{
	switch (cat) {
	case ERR_VALIDATION:
		return 400;
	case ERR_MODEL:
		return 404;
	case ERR_RATE_LIMIT:
		return 429;
	case ERR_BUDGET:
		return 402;
	case ERR_TIMEOUT:
		return 504;
	case ERR_INTERNAL:
		return 500;
	default:
		return 502;
	}
}

static const char *
chat_code_for(enum err_category cat)
{
	switch (cat) {
	case ERR_AUTH:
		return "provider_auth_failed";
	case ERR_RATE_LIMIT:
		return "provider_rate_limited";
	case ERR_BUDGET:
		return "provider_quota_exhausted";
	case ERR_MODEL:
		return "provider_model_not_found";
	case ERR_VALIDATION:
		return "provider_rejected_request";
	case ERR_TIMEOUT:
		return "provider_timeout";
	case ERR_NETWORK:
		return "provider_unreachable";
	default:
		return "provider_error";
	}
}

/* Record an upstream failure on the request (the last one wins). */
static void
chat_fail_upstream(struct chat *c, enum err_category cat, const char *msg)
{
	const char	*cfgname = c->t ? c->t->config.name : "?";

	err_set(&c->r->err, cat, chat_status_for(cat), chat_code_for(cat),
	    "Provider '%s': %s", cfgname, msg);
	adapter_scrub_secret(c->r->err.message, c->key);
	if (cat == ERR_RATE_LIMIT && c->retry_after > 0)
		c->r->err.retry_after = c->retry_after;
	if (cat == ERR_RATE_LIMIT && (c->rl_limit >= 0 || c->rl_remaining >= 0)) {
		c->r->err.has_limit = 1;
		c->r->err.limit = c->rl_limit;
		c->r->err.remaining = c->rl_remaining;
	}
}

static long
chat_timeout_override(const struct req *r, long v)
{
	const char	*h = cfg()->test_headers ?
	    http_header(r, "HTTP_X_SWITCHBOARD_TIMEOUT_MS") : NULL;
	char		*end;
	long long	 ms;

	if (h == NULL)
		return v;
	ms = strtoll(h, &end, 10);
	if (end == h || *end != '\0' || ms < CHAT_MIN_TIMEOUT_MS)
		return v;
	return v > 0 && ms > v ? v : (long)ms;
}

/* --- writing to the client ----------------------------------------------- */

static int
chat_begin(struct chat *c)
{
	if (c->started)
		return c->r->client_gone ? -1 : 0;
	c->started = 1;
	c->last_write_us = http_now_us();
	return http_begin_stream(c->r, 200, c->mode == CHAT_LLM_NDJSON ?
	    "application/x-ndjson; charset=utf-8" :
	    "text/event-stream; charset=utf-8");
}

/* Write to the client and flush, or, while the events of one upstream read
 * are written (feeding), flush once after the last of them, or, for the
 * answer's end (hold_response), with the request's end. */
static int
chat_write(struct chat *c, const char *p, size_t n)
{
	if (chat_begin(c) != 0 || http_write(c->r, p, n) != 0)
		return -1;
	c->unflushed = c->feeding;
	if (!c->feeding && !c->r->hold_response && http_flush(c->r) != 0)
		return -1;
	c->last_write_us = http_now_us();
	return 0;
}

static int
chat_write_json_line(struct chat *c, cJSON *o, const char *pre,
    const char *post)
{
	char	*s = json_print(o);
	struct buf b;
	int	 rc = -1;

	buf_init(&b, SB_MAX_UPSTREAM_BODY);
	if (s && buf_puts(&b, pre) == BUF_OK && buf_puts(&b, s) == BUF_OK &&
	    buf_puts(&b, post) == BUF_OK)
		rc = chat_write(c, b.data, b.len);
	buf_free(&b);
	free(s);
	return rc;
}

/* Write what the ingress renderer put in c->out (rc: its result). */
static int
chat_write_ingress(struct chat *c, int rc)
{
	if (rc == 0 && c->out.len)
		rc = chat_write(c, c->out.data, c->out.len);
	buf_free(&c->out);
	buf_init(&c->out, SB_MAX_UPSTREAM_BODY);
	return rc;
}

/* One translated chunk to the client (SSE, or an NDJSON content line). */
static int
chat_emit(void *ctx, const struct adapter_chunk *ch)
{
	struct chat	*c = ctx;
	cJSON		*o;
	int		 rc = 0;

	if (c->r->client_gone)
		return 1;
	if (ch->content_len && c->rec.first_token_us == 0)
		c->rec.first_token_us = http_now_us();
	c->content_bytes += ch->content_len;
	if (c->native)
		return 0;	/* the upstream's own events go out (chat_forward) */
	if (c->mode == CHAT_LLM_NDJSON) {
		if (ch->content == NULL || ch->content_len == 0)
			return 0;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "chunk");
		cJSON_AddStringToObject(o, "content", ch->content);
		rc = chat_write_json_line(c, o, "", "\n");
		cJSON_Delete(o);
	} else if (c->ing) {
		rc = chat_write_ingress(c, ingress_stream_chunk(c->ing, ch->json,
		    ch->len, &c->out));
	} else {
		struct buf b;

		buf_init(&b, ch->len + 16);
		if (buf_puts(&b, "data: ") != BUF_OK ||
		    buf_append(&b, ch->json, ch->len) != BUF_OK ||
		    buf_puts(&b, "\n\n") != BUF_OK)
			rc = -1;
		else
			rc = chat_write(c, b.data, b.len);
		buf_free(&b);
	}
	if (rc == 0)
		c->sent = 1;
	return rc != 0;
}

/* The heartbeat interval: [upstream] heartbeat_s, which a client may lower
 * for one request with X-Switchboard-Heartbeat-Ms (at least 1000). */
static long long
chat_heartbeat_us(const struct req *r)
{
	const char	*h = cfg()->test_headers ?
	    http_header(r, "HTTP_X_SWITCHBOARD_HEARTBEAT_MS") : NULL;
	long long	 us = (cfg()->heartbeat_s > 0 ? cfg()->heartbeat_s : 15) *
	    1000000LL, ms;
	char		*end;

	if (h == NULL)
		return us;
	ms = strtoll(h, &end, 10);
	if (end == h || *end != '\0' || ms < CHAT_MIN_HEARTBEAT_MS ||
	    ms * 1000 >= us)
		return us;
	return ms * 1000;
}

/* curl's tick (about once a second, also while waiting for the first
 * byte): a heartbeat while the upstream is silent. Writing is the only way
 * to learn that the client went away; then the transfer is aborted. */
static int
chat_tick(void *ctx)
{
	struct chat	*c = ctx;
	long long	 now = http_now_us();

	if (!c->stream)
		return 0;
	if (c->r->client_gone)
		return 1;
	if (now - c->last_write_us < c->heartbeat_us && c->started)
		return 0;
	if (!c->started && now - c->rec.started_us < c->heartbeat_us)
		return 0;
	if (c->mode == CHAT_LLM_NDJSON)
		return chat_write(c, "{\"type\":\"ping\"}\n", 16) != 0;
	return chat_write(c, ": keepalive\n\n", 13) != 0;
}

/* Native stream: forward the upstream's bytes up to its last complete
 * event (a blank line), so that an error event of ours never lands inside
 * one of its events. */
static int
chat_forward(struct chat *c, const char *p, size_t n)
{
	size_t	 i, end = 0;

	if (buf_append(&c->raw, p, n) != BUF_OK)
		return -1;
	for (i = c->raw.len; i >= 2 && end == 0; i--)
		if (c->raw.data[i - 1] == '\n' && (c->raw.data[i - 2] == '\n' ||
		    (i >= 3 && c->raw.data[i - 2] == '\r' && c->raw.data[i - 3] == '\n')))
			end = i;
	if (end == 0)
		return 0;
	if (chat_write(c, c->raw.data, end) != 0)
		return -1;
	c->sent = 1;
	memmove(c->raw.data, c->raw.data + end, c->raw.len - end);
	c->raw.len -= end;
	return 0;
}

/* What one upstream read brought: each event it completes goes to the
 * client, in one write. */
static int
chat_on_stream_data(void *ctx, const char *p, size_t n)
{
	struct chat	*c = ctx;
	int		 rc;

	c->feeding = 1;
	rc = adapter_stream_feed(c->st, p, n) != ADAPTER_STREAM_OK ||
	    (c->native && chat_forward(c, p, n) != 0);
	c->feeding = 0;
	if (c->unflushed) {
		c->unflushed = 0;
		if (http_flush(c->r) != 0)
			rc = 1;
	}
	return rc;
}

static int
chat_on_body(void *ctx, const char *p, size_t n)
{
	struct chat	*c = ctx;

	return buf_append(&c->body, p, n) != BUF_OK;
}

/* --- accounting ---------------------------------------------------------- */

/* A target's prices: its model row's (an admin's override included), else
 * the price table's (model_prices). */
static void
chat_target_prices(const struct catalog_target *t, struct usage_prices *p)
{
	const struct price_entry	*pe = NULL;

	p->input = t->model.input_price;
	p->output = t->model.output_price;
	p->cache_read = t->model.cache_read_price;
	p->cache_write = t->model.cache_write_price;
	if (!t->model_known || p->input < 0 || p->output < 0) {
		prices_ensure();
		pe = price_lookup(t->model.model_id);
	}
	if (pe != NULL) {
		p->input = pe->input;
		p->output = pe->output;
		p->cache_read = pe->cache_read;
		p->cache_write = pe->cache_write;
	}
}

static void
chat_prices(struct chat *c, const struct catalog_target *t)
{
	chat_target_prices(t, &c->prices);
}

/* Fill tokens (estimated if the upstream gave none) and cost on the record. */
static void
chat_account(struct chat *c, const struct adapter_usage *u)
{
	c->rec.u = *u;
	if (!u->known && (c->sent || c->content_bytes)) {
		c->rec.u.prompt = usage_estimate_tokens(c->prompt_bytes);
		c->rec.u.completion = usage_estimate_tokens(c->content_bytes);
		c->rec.u.total = c->rec.u.prompt + c->rec.u.completion;
		c->rec.tokens_estimated = 1;
	}
	c->rec.cost_micros = usage_cost(&c->rec.u, &c->prices,
	    &c->rec.price_known);
	if (u->cost_known) {	/* what the upstream charged beats our arithmetic */
		c->rec.cost_micros = u->cost_micros;
		c->rec.price_known = 1;
	}
}

static void
chat_note_target(struct chat *c, const struct catalog_target *t)
{
	c->rec.config_id = t->config.id;
	/* The config name (the routing prefix): two custom endpoints stay
	 * apart in reports, and ?provider=ollama matches what was logged. */
	snprintf(c->rec.provider, sizeof(c->rec.provider), "%s",
	    t->config.name);
	snprintf(c->rec.resolved_model, sizeof(c->rec.resolved_model), "%s",
	    t->model.model_id);
	chat_prices(c, t);
}

/* --- one upstream attempt ------------------------------------------------ */

/* The provider refused the key itself (401): its config leaves the
 * rotation, visibly (status key_refused in Providers), until its owner
 * replaces the key (or a model sync succeeds with it again). */
static void
chat_key_refused(struct chat *c, long status, const char *msg)
{
	char	 why[CATALOG_ERROR_MAX + 1];

	snprintf(why, sizeof(why), "The provider refused this API key (HTTP %ld: "
	    "%.120s); it is out of rotation until you replace it.", status, msg);
	adapter_scrub_secret(why, c->key);
	if (catalog_config_set_status(c->r->who.user_id, c->t->config.id,
	    CATALOG_STATUS_KEY_REFUSED, why) != 0)
		log_warn("could not mark config %lld: %s", c->t->config.id, db_error());
}

static enum chat_step
chat_classify_http(struct chat *c, long status)
{
	char		 msg[ADAPTER_MAX_MSG];
	enum err_category cat;

	cat = adapter_parse_error(c->fmt, status, c->errbody.data,
	    c->errbody.len, msg, sizeof(msg));
	chat_fail_upstream(c, cat, msg);
	if (cat == ERR_AUTH && status == 401)	/* a 403 may be about one model */
		chat_key_refused(c, status, msg);
	if (cat == ERR_VALIDATION && adapter_context_exceeded(msg)) {
		c->too_long = 1;	/* OpenAI's code, which clients know */
		snprintf(c->r->err.code, sizeof(c->r->err.code),
		    "context_length_exceeded");
	}
	if (adapter_retryable(cat, status))
		return STEP_RETRY;
	return cat == ERR_VALIDATION ? STEP_FATAL : STEP_NEXT;
}

static enum chat_step
chat_classify_net(struct chat *c, const struct upstream_result *res)
{
	chat_fail_upstream(c, res->cat, res->message);
	if (res->refused)
		return STEP_NEXT;
	return res->cat == ERR_INTERNAL ? STEP_FATAL : STEP_RETRY;
}

/* The client went away while we answered. */
static enum chat_step
chat_gone(struct chat *c)
{
	c->rec.status = USAGE_CANCELLED;
	c->rec.http_status = 499;
	snprintf(c->rec.error_message, sizeof(c->rec.error_message),
	    "the client disconnected");
	return STEP_FATAL;
}

/* When the request's row will join the batch (chat_defer_row), nothing slow
 * is left: what remains of the answer leaves with the request's end, in one
 * write. */
static void
chat_hold_to_end(struct chat *c)
{
	c->r->hold_response = !c->resv.active && server_busy();
}

/* A complete non-stream answer: translate and send it. */
static enum chat_step
chat_answer(struct chat *c)
{
	struct adapter_usage	 u;
	cJSON			*out = NULL, *o, *msg, *ch;
	char			 err[ADAPTER_MAX_MSG];
	enum err_category	 rc;

	if (c->mode == CHAT_EMBED) {
		adapter_parse_embeddings_usage(c->body.data, c->body.len, &u);
		chat_account(c, &u);
		return http_send_body(c->r, 200, "application/json",
		    c->body.data ? c->body.data : "", c->body.len) == 0 ?
		    STEP_OK : chat_gone(c);
	}
	if ((rc = adapter_parse_response(c->fmt, c->body.data ? c->body.data :
	    "", c->body.len, NULL, &out, &u, err, sizeof(err))) != ERR_NONE) {
		chat_fail_upstream(c, rc, err);
		return STEP_RETRY;
	}
	c->rec.first_token_us = http_now_us();
	ch = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "choices"), 0);
	msg = cJSON_GetObjectItem(ch, "message");
	if (cJSON_IsString(cJSON_GetObjectItem(msg, "content")))
		c->content_bytes = strlen(cJSON_GetObjectItem(msg,
		    "content")->valuestring);
	c->sent = 1;
	chat_account(c, &u);
	chat_hold_to_end(c);
	if (c->native) {
		rc = http_send_body(c->r, 200, "application/json", c->body.data,
		    c->body.len);
	} else if (c->mode == CHAT_OPENAI) {
		rc = http_send_json(c->r, 200, out);
	} else if (c->ingress >= 0) {
		o = ingress_response(c->ingress, out, &c->rec.u, c->r->request_id,
		    c->model, c->orig);
		rc = http_send_json(c->r, 200, o);
		cJSON_Delete(c->final);
		c->final = o;		/* kept for store: true */
	} else {
		o = cJSON_CreateObject();
		json_add_str_or_null(o, "content", cJSON_GetStringValue(
		    cJSON_GetObjectItem(msg, "content")));
		cJSON_AddStringToObject(o, "model", c->model);
		json_add_str_or_null(o, "finish_reason", cJSON_GetStringValue(
		    cJSON_GetObjectItem(ch, "finish_reason")));
		if (cJSON_GetObjectItem(msg, "tool_calls"))
			cJSON_AddItemToObject(o, "tool_calls", cJSON_Duplicate(
			    cJSON_GetObjectItem(msg, "tool_calls"), 1));
		msg = cJSON_AddObjectToObject(o, "usage");
		cJSON_AddNumberToObject(msg, "prompt_tokens", (double)c->rec.u.prompt);
		cJSON_AddNumberToObject(msg, "completion_tokens",
		    (double)c->rec.u.completion);
		cJSON_AddNumberToObject(msg, "total_tokens", (double)c->rec.u.total);
		if (c->rec.price_known)
			json_add_usd(o, "cost_usd", c->rec.cost_micros);
		else
			cJSON_AddNullToObject(o, "cost_usd");
		cJSON_AddStringToObject(o, "request_id", c->r->request_id);
		rc = http_send_json(c->r, 200, o);
		cJSON_Delete(o);
	}
	cJSON_Delete(out);
	return rc == 0 ? STEP_OK : chat_gone(c);
}

/* An error event in an already started stream (never a [DONE] after it). */
static void
chat_stream_error(struct chat *c)
{
	cJSON	*o;

	c->ended = 1;
	if (c->ing) {
		chat_write_ingress(c, ingress_stream_fail(c->ing, c->r->err.status ?
		    c->r->err.status : 502, c->r->err.code, c->r->err.message, &c->out));
		return;
	}
	o = http_error_json(c->r);
	if (c->mode == CHAT_LLM_NDJSON) {
		cJSON_AddStringToObject(o, "type", "error");
		chat_write_json_line(c, o, "", "\n");
	} else
		chat_write_json_line(c, o, "data: ", "\n\n");
	cJSON_Delete(o);
}

/* The outcome of a stream's last write (rc): done, or a client that went
 * away just before the end, which is a cancelled request, not a failure. */
static enum chat_step
chat_end_written(struct chat *c, int rc)
{
	if (rc == 0)
		return STEP_OK;
	return c->r->client_gone ? chat_gone(c) : STEP_FATAL;
}

/* The stream's end: [DONE] / the NDJSON done line, or an error event. */
static enum chat_step
chat_stream_end(struct chat *c, int fin)
{
	const char	*msg;
	enum err_category cat;
	cJSON		*o, *u;
	int		 rc;

	chat_account(c, adapter_stream_usage(c->st));
	if (fin == ADAPTER_STREAM_ABORTED || c->r->client_gone)
		return chat_gone(c);
	if (fin != ADAPTER_STREAM_OK) {
		cat = adapter_stream_error(c->st, &msg);
		chat_fail_upstream(c, cat, msg);
		if (!c->sent)
			return STEP_RETRY;
		chat_stream_error(c);
		return STEP_FATAL;
	}
	c->ended = 1;
	chat_hold_to_end(c);
	if (c->native)
		return STEP_OK;		/* its own last event went out */
	if (c->ing)
		return chat_end_written(c, chat_write_ingress(c,
		    ingress_stream_end(c->ing, &c->rec.u, &c->out)));
	if (c->mode != CHAT_LLM_NDJSON)
		return chat_end_written(c, chat_write(c, "data: [DONE]\n\n", 14));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "done");
	u = cJSON_AddObjectToObject(o, "usage");
	cJSON_AddNumberToObject(u, "prompt_tokens", (double)c->rec.u.prompt);
	cJSON_AddNumberToObject(u, "completion_tokens", (double)c->rec.u.completion);
	cJSON_AddNumberToObject(u, "total_tokens", (double)c->rec.u.total);
	if (c->rec.price_known)
		json_add_usd(o, "cost_usd", c->rec.cost_micros);
	else
		cJSON_AddNullToObject(o, "cost_usd");
	cJSON_AddStringToObject(o, "request_id", c->r->request_id);
	json_add_str_or_null(o, "finish_reason", adapter_stream_finish_reason(c->st));
	cJSON_AddStringToObject(o, "model", c->model);
	rc = chat_write_json_line(c, o, "", "\n");
	cJSON_Delete(o);
	return chat_end_written(c, rc);
}

static int
chat_build(struct chat *c, const struct catalog_target *t,
    struct adapter_call *call)
{
	struct adapter_params	 p;
	struct sb_error		 e;
	char			*key = c->key, err[ADAPTER_MAX_MSG];
	enum err_category	 rc;

	err_clear(&e);
	if (chatcache_config_key(&c->snap, c->r->who.user_id, t->config.id, key,
	    sizeof(c->key), &e) != 0) {
		chat_fail_upstream(c, ERR_INTERNAL, "its stored API key cannot "
		    "be decrypted; re-enter it in Providers");
		return STEP_NEXT;
	}
	memset(&p, 0, sizeof(p));
	p.format = c->fmt;
	p.base_url = t->config.base_url;
	p.api_key = key;
	p.model = t->model.model_id;
	p.stream = c->stream;
	p.default_max_tokens = t->model.max_output > 0 ? t->model.max_output :
	    SB_DEFAULT_MAX_OUTPUT;
	if (c->mode == CHAT_MESSAGES) {
		p.version = http_header(c->r, "HTTP_ANTHROPIC_VERSION");
		p.beta = http_header(c->r, "HTTP_ANTHROPIC_BETA");
	}
	rc = c->native ?
	    adapter_build_native(&p, c->orig, call, err, sizeof(err)) :
	    c->mode == CHAT_EMBED ?
	    adapter_build_embeddings(&p, c->r->json, call, err, sizeof(err)) :
	    adapter_build(&p, c->r->json, call, err, sizeof(err));
	if (rc == ERR_NONE)
		return STEP_OK;
	if (rc == ERR_VALIDATION) {
		http_fail(c->r, ERR_VALIDATION, 400, "invalid_request", "%s", err);
		return STEP_FATAL;
	}
	chat_fail_upstream(c, rc, err);
	return STEP_NEXT;
}

/* Does target t speak the client's own format, so that the request is
 * passed through? Anthropic upstreams speak Messages; OpenAI's own API
 * (the catalog provider "openai") speaks Responses, other OpenAI-format
 * servers mostly do not. */
static int
chat_speaks_native(const struct chat *c, const struct catalog_target *t)
{
	int	 nf = c->orig ? ingress_native_format(c->ingress) : -1;

	if (nf == ADAPTER_ANTHROPIC)
		return t->config.api_format == CATALOG_FMT_ANTHROPIC;
	if (nf == ADAPTER_OPENAI_RESPONSES)
		/* Ours to keep (store: true) or continue (a stored id): translated. */
		return t->config.api_format == CATALOG_FMT_OPENAI &&
		    strcmp(t->config.provider, "openai") == 0 &&
		    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c->orig, "store")) &&
		    (c->prev_remote || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
		    c->orig, "previous_response_id")));
	return 0;
}

static enum chat_step
chat_attempt(struct chat *c, const struct catalog_target *t)
{
	struct adapter_call	 call;
	struct upstream_result	 res;
	enum chat_step		 step;
	int			 rc, fin;

	c->t = t;
	c->fmt = route_format(t->config.api_format);
	if ((c->native = chat_speaks_native(c, t)) != 0)
		c->fmt = ingress_native_format(c->ingress);
	chat_note_target(c, t);
	if ((step = chat_build(c, t, &call)) != STEP_OK)
		return step;
	buf_init(&c->body, SB_MAX_UPSTREAM_BODY);
	buf_init(&c->errbody, UPSTREAM_MAX_ERROR_BODY);
	buf_init(&c->raw, ADAPTER_MAX_EVENT);
	c->st = NULL;
	if (c->stream)
		c->st = adapter_stream_new(c->fmt, NULL, c->include_usage,
		    chat_emit, c);
	rc = upstream_perform(&call, &c->opts, c->stream ? chat_on_stream_data :
	    chat_on_body, chat_tick, c, &res, &c->errbody);
	adapter_call_free(&call);
	c->retry_after = res.retry_after;
	c->rl_limit = res.rl_limit;
	c->rl_remaining = res.rl_remaining;
	if (c->r->client_gone && !(res.status >= 200 && res.status < 300 &&
	    c->stream)) {
		/* The client hung up before the upstream answered (noticed by a
		 * heartbeat write): not the provider's fault, nothing to retry. */
		step = chat_gone(c);
	} else if (res.status >= 200 && res.status < 300 && c->stream) {
		fin = adapter_stream_feed(c->st, "", 0);
		if (fin == ADAPTER_STREAM_OK)
			fin = adapter_stream_finish(c->st);
		if (rc != 0 && fin != ADAPTER_STREAM_OK && !c->sent &&
		    !c->r->client_gone && res.cat != ERR_NONE &&
		    !res.aborted) {
			step = chat_classify_net(c, &res);
			chat_account(c, adapter_stream_usage(c->st));
		} else if (fin != ADAPTER_STREAM_OK && res.cat == ERR_TIMEOUT &&
		    c->sent && !c->r->client_gone) {
			/* Cut by a timeout of ours mid-stream: say so, not "truncated". */
			chat_account(c, adapter_stream_usage(c->st));
			chat_fail_upstream(c, res.cat, res.message);
			chat_stream_error(c);
			step = STEP_FATAL;
		} else
			step = chat_stream_end(c, fin);
	} else if (rc != 0 && res.status == 0)
		step = chat_classify_net(c, &res);
	else if (res.status >= 200 && res.status < 300)
		step = rc == 0 ? chat_answer(c) : chat_classify_net(c, &res);
	else
		step = chat_classify_http(c, res.status);
	adapter_stream_free(c->st);
	c->st = NULL;
	buf_free(&c->body);
	buf_free(&c->errbody);
	buf_free(&c->raw);
	OPENSSL_cleanse(c->key, sizeof(c->key));
	return step;
}

/* Did this target fail in a way that counts against its circuit? Retryable
 * failures (network, timeout, 5xx) do, also a stream that broke after it
 * started; a 429 (rate limiting, circuit_cooldown instead), the client
 * hanging up, a timeout the client lowered and a refused request do not. */
static int
chat_target_failed(const struct chat *c, enum chat_step step)
{
	enum err_category	 cat = c->r->err.category;

	if (c->rec.status == USAGE_CANCELLED || c->r->client_gone ||
	    cat == ERR_RATE_LIMIT || (cat == ERR_TIMEOUT && c->timeout_lowered))
		return 0;
	return step == STEP_RETRY || (step == STEP_FATAL && c->sent &&
	    adapter_retryable(cat, 0));
}

/* Set this attempt's total time: its own cap, or what is left of the
 * request's. -1 (r->err a timeout, unless an earlier failure is there) when
 * nothing is left. */
static int
chat_time_left(struct chat *c)
{
	long long	 left_ms = (c->deadline_us - http_now_us()) / 1000;

	if (left_ms <= 0) {
		if (c->r->err.category == ERR_NONE)
			http_fail(c->r, ERR_TIMEOUT, 504, "request_timeout",
			    "The request took longer than its total time limit.");
		return -1;
	}
	c->opts.total_ms = c->attempt_ms < left_ms ? c->attempt_ms : (long)left_ms;
	return 0;
}

/* Attempts on one target while nothing reached the client: a retryable
 * failure is retried after a backoff, a 429 only when its Retry-After is
 * short, a timeout never (the next target gets the time). Returns the last
 * step; *tries is how many attempts were made. */
static enum chat_step
chat_try_target(struct chat *c, const struct catalog_target *t, int *tries)
{
	int		 a, max = cfg()->max_attempts > 0 ? cfg()->max_attempts : 1;
	enum chat_step	 step = STEP_NEXT;
	long		 ms;

	for (a = 0; a < max; a++) {
		if (chat_time_left(c) != 0)
			break;
		c->rec.attempts++;
		step = chat_attempt(c, t);
		if (step != STEP_RETRY || c->sent || a + 1 >= max ||
		    c->r->err.category == ERR_TIMEOUT)
			break;
		if ((ms = route_backoff_ms(a, c->retry_after, cfg()->max_retry_wait_s)) < 0)
			break;
		usleep((useconds_t)ms * 1000);
	}
	*tries = a + 1;
	return step;
}

/* Report the target's outcome to its circuit. */
static void
chat_circuit_report(struct chat *c, const struct catalog_target *t,
    enum chat_step step, enum circuit_verdict v, int tries)
{
	if (step == STEP_RETRY && c->r->err.category == ERR_RATE_LIMIT)
		circuit_cooldown(t->config.id, t->model.model_id, c->retry_after);
	else if (chat_target_failed(c, step))
		circuit_failed(t->config.id, t->model.model_id, c->r->err.category);
	else if (step == STEP_OK && (v == CIRCUIT_RECOVERING || tries > 1))
		circuit_ok(t->config.id, t->model.model_id);
}

/* Every target was paused: answer with the kind of failure that paused
 * them (rate limited 429, timeouts 504, else 503) and when to retry. */
static void
chat_all_paused(struct chat *c)
{
	const struct circuit_pause	*p = &c->paused;

	if (p->cat == ERR_RATE_LIMIT)
		http_fail(c->r, ERR_RATE_LIMIT, 429, "rate_limited",
		    "Every provider that serves '%s' is rate limiting it; retry after %d s.",
		    c->model, p->retry_after_s);
	else
		http_fail(c->r, p->cat == ERR_TIMEOUT ? ERR_TIMEOUT : ERR_UPSTREAM,
		    p->cat == ERR_TIMEOUT ? 504 : 503, "circuit_open",
		    "Every provider that serves '%s' failed repeatedly (%s) and is "
		    "paused; retry after %d s.", c->model, err_category_names[p->cat],
		    p->retry_after_s);
	c->r->err.retry_after = p->retry_after_s;
}

/* The route note of target t: how its attempts ended (usage row "route"). */
static void
chat_note_route(struct chat *c, const struct catalog_target *t,
    enum chat_step step, int tries, const struct circuit_pause *paused)
{
	char	 target[CATALOG_REF_MAX + 1], outcome[160];

	snprintf(target, sizeof(target), "%s/%s", t->config.name, t->model.model_id);
	if (paused)
		snprintf(outcome, sizeof(outcome), "skipped, paused (%s) for %d s",
		    err_category_names[paused->cat], paused->retry_after_s);
	else if (c->rec.status == USAGE_CANCELLED)
		snprintf(outcome, sizeof(outcome), "the client disconnected");
	else if (step == STEP_OK)
		snprintf(outcome, sizeof(outcome), "ok");
	else
		snprintf(outcome, sizeof(outcome), "%d %s", c->r->err.status,
		    c->r->err.code[0] ? c->r->err.code : err_category_names[c->r->err.category]);
	if (tries > 1)
		snprintf(outcome + strlen(outcome), sizeof(outcome) - strlen(outcome),
		    " after %d attempts", tries);
	usage_rec_route(&c->rec, target, outcome);
}

/* Keep the pause that lifts first (the one the client can retry after). */
static void
chat_note_pause(struct chat *c, const struct circuit_pause *why)
{
	if (c->paused.retry_after_s == 0 || why->retry_after_s < c->paused.retry_after_s)
		c->paused = *why;
}

static int	chat_add_stored(struct chat *c);
static int	chat_add_equivalents(struct chat *c);
static int	chat_add_larger(struct chat *c);

/* One target that cannot be tried: its key was refused. */
static void
chat_skip_refused(struct chat *c, const struct catalog_target *t, int tried)
{
	if (!tried && c->r->err.category == ERR_NONE) {
		chat_note_target(c, t);
		http_fail(c->r, ERR_AUTH, 502, "provider_auth_failed",
		    "Provider '%s' refused its API key earlier, so it is "
		    "out of rotation: replace the key under Providers.",
		    t->config.name);
	}
	usage_rec_route(&c->rec, t->config.name, "skipped, its key was refused");
}

/* Try targets from..ntargets in order, each with retries, while nothing
 * has reached the client. A request that fails on a target counts as one
 * failure of its circuit, however many attempts it made there. *tried is
 * set once a target was called. Returns the last step. */
static enum chat_step
chat_walk(struct chat *c, int from, int *tried)
{
	struct circuit_pause	 why;
	enum circuit_verdict	 v;
	enum chat_step		 step = STEP_NEXT;
	int			 i, tries;

	for (i = from; i < c->ntargets; i++) {
		const struct catalog_target *t = &c->targets[i];

		if (strcmp(t->config.status, CATALOG_STATUS_KEY_REFUSED) == 0) {
			chat_skip_refused(c, t, *tried);
			continue;
		}
		v = circuit_allow(&c->snap, t->config.id, t->model.model_id, &why);
		if (v == CIRCUIT_PAUSED) {
			if (!*tried)
				chat_note_target(c, t);
			chat_note_pause(c, &why);
			chat_note_route(c, t, STEP_NEXT, 0, &why);
			continue;
		}
		*tried = 1;
		step = chat_try_target(c, t, &tries);
		chat_circuit_report(c, t, step, v, tries);
		chat_note_route(c, t, step, tries, NULL);
		if (step == STEP_OK || step == STEP_FATAL || c->sent ||
		    c->r->client_gone)
			break;
	}
	return step;
}

/* May the walk go on to targets added after the first ones? Only while
 * nothing reached the client, and after a refused request only when it was
 * refused for its length (then only the context fallbacks follow). */
static int
chat_may_continue(const struct chat *c, enum chat_step step)
{
	return step != STEP_OK && (step != STEP_FATAL || c->too_long) &&
	    !c->sent && !c->r->client_gone;
}

/* The targets in order; when every one failed before anything reached the
 * client, the user's stored fallback list for the model, then (when turned
 * on) the same model on their other providers; when a target said the
 * prompt is too long for it, the model's context fallbacks. Returns 0 when
 * the response was sent, -1 with r->err. */
static int
chat_dispatch(struct chat *c)
{
	enum chat_step		 step;
	int			 from, tried = 0;

	static int	(*const more[])(struct chat *) = {
		chat_add_stored, chat_add_equivalents, chat_add_larger,
	};
	size_t		 i;

	step = chat_walk(c, 0, &tried);
	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		if (chat_may_continue(c, step) && (from = more[i](c)) > 0)
			step = chat_walk(c, from, &tried);
	c->ok = step == STEP_OK;
	if (!tried && c->r->err.category == ERR_NONE)
		chat_all_paused(c);
	if (c->ok || c->r->status == 0)
		return c->ok ? 0 : -1;
	/* Headers went out (a heartbeat) before the failure: say it in-stream. */
	if (c->started && !c->ended && !c->r->client_gone)
		chat_stream_error(c);
	return 0;
}

/* --- request checks ------------------------------------------------------ */

static int
chat_validate(struct chat *c)
{
	struct req	*r = c->r;
	const cJSON	*v;
	char		*s;
	int		 b = 0, present;

	if (json_field_str(r->json, "model", 1, 1, SB_MAX_MODEL_REF, &c->model,
	    NULL, &r->err) != 0)
		return -1;
	snprintf(c->rec.requested_model, sizeof(c->rec.requested_model), "%s",
	    c->model);
	if (c->mode == CHAT_EMBED) {
		v = cJSON_GetObjectItem(r->json, "input");
		if (!cJSON_IsString(v) && !cJSON_IsArray(v))
			return http_fail(r, ERR_VALIDATION, 400, "invalid_input",
			    "\"input\" must be a string or an array.");
	} else {
		v = cJSON_GetObjectItem(r->json, "messages");
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0 ||
		    cJSON_GetArraySize(v) > CHAT_MAX_MESSAGES)
			return http_fail(r, ERR_VALIDATION, 400,
			    "invalid_messages", "\"messages\" must be a "
			    "non-empty array of {role, content} objects.");
	}
	if ((s = json_print(v)) != NULL) {
		c->prompt_bytes = strlen(s);
		free(s);
	}
	if (json_field_bool(r->json, "stream", 0, &b, &present, &r->err) != 0)
		return -1;
	c->stream = c->mode == CHAT_OPENAI || c->ingress >= 0 ? b :
	    c->mode == CHAT_LLM_NDJSON;
	c->rec.is_stream = c->stream;
	v = cJSON_GetObjectItem(r->json, "stream_options");
	c->include_usage = cJSON_IsTrue(cJSON_GetObjectItem(v, "include_usage"));
	return 0;
}

/* Read the body, turn another API's request into ours, and check it. */
static int
chat_read(struct chat *c)
{
	struct req	*r = c->r;
	char		 err[ADAPTER_MAX_MSG];
	cJSON		*canon;

	if (http_json_body(r, cfg()->max_body_bytes, cfg()->max_json_depth) != 0)
		return -1;
	if (c->ingress >= 0) {
		if (ingress_request(c->ingress, r->json, &canon, err,
		    sizeof(err)) != ERR_NONE)
			return http_fail(r, ERR_VALIDATION, 400, "invalid_request",
			    "%s", err);
		c->orig = r->json;	/* kept for an upstream that speaks it */
		r->json = canon;
	}
	if (chat_validate(c) != 0)
		return -1;
	if (c->ingress >= 0 && c->stream &&
	    (c->ing = ingress_stream_new(c->ingress, r->request_id, c->model,
	    c->orig)) == NULL)
		return http_fail(r, ERR_INTERNAL, 500, "out_of_memory",
		    "The server is out of memory.");
	return 0;
}

/* Worst case: every prompt byte a token, plus the full output allowance. */
static long long
chat_worst_cost(struct chat *c)
{
	struct adapter_usage	 u;
	struct usage_prices	 p;
	long long		 max = adapter_req_max_tokens(c->r->json), n = 1, cost, worst = 0;
	int			 i, known, present;
	struct sb_error		 e;

	if (json_field_int(c->r->json, "n", 0, 1, CHAT_MAX_CHOICES, &n, &present, &e) != 0)
		n = 1;
	for (i = 0; i < c->ntargets; i++) {
		const struct catalog_target *t = &c->targets[i];

		memset(&u, 0, sizeof(u));
		u.prompt = (long long)c->prompt_bytes;
		u.completion = c->mode == CHAT_EMBED ? 0 : n * (max > 0 ? max :
		    t->model.max_output > 0 ? t->model.max_output : SB_DEFAULT_MAX_OUTPUT);
		u.total = u.prompt + u.completion;
		chat_target_prices(t, &p);
		cost = usage_cost(&u, &p, &known);
		if (!known)
			return -1;
		if (cost > worst)
			worst = cost;
	}
	return worst;
}

/* Does a budget that refuses (hard stop) apply to this request? */
static int
chat_budget_binds(const struct quota_limits *l)
{
	int	 s;

	for (s = 0; s < QUOTA_SCOPE__MAX; s++)
		if (l->budget[s] != QUOTA_NO_LIMIT && l->hard_stop[s])
			return 1;
	return 0;
}

static int
chat_limits(struct chat *c)
{
	struct quota_rate_info	 info;
	struct req		*r = c->r;
	long long		 worst;
	int			 rc;

	if (!c->snap.valid && quota_load(r->who.user_id, r->who.key_id,
	    cfg()->global_rpm, &c->lim, &r->err) != 0)
		return -1;
	rc = quota_rate_check(&c->lim, r->who.user_id, r->who.key_id, &info,
	    &r->err);
	if (info.limit > 0) {
		http_add_header(r, "x-ratelimit-limit-requests: %lld", info.limit);
		http_add_header(r, "x-ratelimit-remaining-requests: %lld",
		    info.remaining);
		http_add_header(r, "x-ratelimit-reset-requests: %ds", info.reset_s);
	}
	if (rc != 0 && r->err.category == ERR_RATE_LIMIT && info.limit > 0) {
		r->err.has_limit = 1;
		r->err.limit = info.limit;
		r->err.remaining = info.remaining;
	}
	if (rc != 0)
		return -1;	/* http_send_error adds Retry-After */
	worst = chat_worst_cost(c);
	if (quota_budget_reserve(&c->lim, r->who.user_id, r->who.key_id,
	    worst > 0 ? worst : 0, &c->resv, &r->err) != 0)
		return -1;
	if (worst < 0 && chat_budget_binds(&c->lim)) {
		quota_budget_settle(&c->resv, 0);
		return http_fail(r, ERR_BUDGET, 402, "price_unknown",
		    "The price of '%.200s' is not known, so your budget cannot be "
		    "enforced on it: set its price under Models, or use a priced model.",
		    c->model);
	}
	return 0;
}

/* Is "config/model" of target t allowed by a key's allowed_models? The
 * requested name, the alias-resolved name and the provider/model it
 * resolved to are all matched. */
static int
chat_target_allowed(const struct chat *c, const char *allowed,
    const struct catalog_target *t)
{
	return route_model_allowed(allowed, c->model, c->resolved) ||
	    route_target_allowed(allowed, t->config.name, t->model.model_id);
}

/* Keep the targets matching f, in order; returns how many are left (the
 * first one stays in place when none is, for the usage row). */
static int
chat_keep(struct chat *c, int (*f)(const struct chat *, const void *,
    const struct catalog_target *), const void *arg)
{
	int	 i, n = 0;

	for (i = 0; i < c->ntargets; i++)
		if (f(c, arg, &c->targets[i])) {
			if (n != i)
				c->targets[n] = c->targets[i];
			n++;
		}
	if (n > 0)
		c->ntargets = n;
	return n;
}

static int
chat_f_allowed(const struct chat *c, const void *allowed,
    const struct catalog_target *t)
{
	return chat_target_allowed(c, allowed, t);
}

static int
chat_f_openai(const struct chat *c, const void *arg,
    const struct catalog_target *t)
{
	(void)c;
	(void)arg;
	return t->config.api_format == CATALOG_FMT_OPENAI;
}

static int
chat_keep_allowed(struct chat *c, const char *allowed)
{
	return chat_keep(c, chat_f_allowed, allowed);
}

/* Embeddings: only OpenAI-format configs serve them. */
static int
chat_keep_openai(struct chat *c)
{
	return chat_keep(c, chat_f_openai, NULL);
}

/* Is target t (config and upstream model) already among c's targets? */
static int
chat_has_target(const struct chat *c, const struct catalog_target *t)
{
	int	 i;

	for (i = 0; i < c->ntargets; i++)
		if (c->targets[i].config.id == t->config.id &&
		    strcmp(c->targets[i].model.model_id, t->model.model_id) == 0)
			return 1;
	return 0;
}

/* Append target t unless it is there already or the caller may not use it
 * (a key's allowed models, embeddings from OpenAI-format configs only). */
static void
chat_append_target(struct chat *c, const struct catalog_target *t)
{
	if (c->ntargets >= CATALOG_TARGETS_MAX || chat_has_target(c, t) ||
	    (c->r->who.via == AUTH_VIA_KEY && !chat_target_allowed(c,
	    c->r->who.allowed_models, t)) ||
	    (c->mode == CHAT_EMBED && t->config.api_format != CATALOG_FMT_OPENAI))
		return;
	c->targets[c->ntargets++] = *t;
}

/* The targets of each name of list (at most CHAT_MAX_FALLBACKS; names the
 * user cannot resolve are skipped), after those there, in order. */
static void
chat_add_names(struct chat *c, const cJSON *list)
{
	struct catalog_target	 more[CATALOG_TARGETS_MAX];
	struct sb_error		 e;
	const cJSON		*it;
	int			 n, k, entries = 0;

	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it) || strlen(it->valuestring) > SB_MAX_MODEL_REF ||
		    ++entries > CHAT_MAX_FALLBACKS)
			continue;
		err_clear(&e);
		n = chatcache_resolve(&c->snap, c->r->who.user_id, it->valuestring,
		    more, CATALOG_TARGETS_MAX, NULL, &e);
		for (k = 0; k < n; k++)
			chat_append_target(c, &more[k]);
	}
}

/* A request-level fallback list, OpenRouter's and LiteLLM's "models": after
 * the targets of "model", those of each entry in order. The list is not
 * sent upstream. */
static void
chat_add_fallbacks(struct chat *c)
{
	const cJSON	*list = cJSON_GetObjectItemCaseSensitive(c->r->json, "models");

	if (cJSON_IsArray(list))
		chat_add_names(c, list);
	cJSON_DeleteItemFromObjectCaseSensitive(c->r->json, "models");
	cJSON_DeleteItemFromObjectCaseSensitive(c->orig, "models");
}

/* The stored id of this request's response ("resp_<request id>"). */
static void
chat_response_id(const struct req *r, char *out, size_t n)
{
	snprintf(out, n, "resp_%s", r->request_id);
}

static int
chat_is_system(const cJSON *m)
{
	const char	*role = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m,
	    "role"));

	return role != NULL && strcmp(role, "system") == 0;
}

/* previous_response_id: the stored conversation (the caller's own) goes
 * between the request's system messages and its new input. */
static int
chat_previous(struct chat *c)
{
	const char	*id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    c->orig, "previous_response_id"));
	cJSON		*conv, *msgs, *m, *all;
	char		*s;
	int		 rc;

	if (c->ingress != INGRESS_RESPONSES || id == NULL)
		return 0;
	if ((rc = respstore_conversation(id, c->r->who.user_id, &conv)) < 0)
		return err_db_unavailable(&c->r->err);
	if (rc > 0) {
		/* Not ours: OpenAI's own, when the request goes there as it came. */
		c->prev_remote = 1;
		return 0;
	}
	msgs = cJSON_GetObjectItemCaseSensitive(c->r->json, "messages");
	all = cJSON_CreateArray();
	while ((m = msgs->child) != NULL && chat_is_system(m))
		cJSON_AddItemToArray(all, cJSON_DetachItemViaPointer(msgs, m));
	while ((m = conv->child) != NULL)
		cJSON_AddItemToArray(all, cJSON_DetachItemViaPointer(conv, m));
	while ((m = msgs->child) != NULL)
		cJSON_AddItemToArray(all, cJSON_DetachItemViaPointer(msgs, m));
	cJSON_Delete(conv);
	cJSON_ReplaceItemInObjectCaseSensitive(c->r->json, "messages", all);
	if ((s = json_print(all)) != NULL)
		c->prompt_bytes = strlen(s);
	free(s);
	return 0;
}

/* store: true: keep the conversation and the response for a later turn. */
static void
chat_store(struct chat *c)
{
	const cJSON	*resp = c->final ? c->final : ingress_stream_final(c->ing);
	cJSON		*conv;
	char		 id[SB_REQUEST_ID_LEN + 8];

	if (c->ingress < 0 || resp == NULL || !cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(c->orig, "store")))
		return;
	if ((conv = ingress_conversation(c->ingress, c->r->json, resp)) == NULL)
		return;
	chat_response_id(c->r, id, sizeof(id));
	(void)respstore_save(id, c->r->who.user_id, conv, resp);	/* logged */
	cJSON_Delete(conv);
}

/* Several keys of one provider (configs of the same catalog provider and
 * equal priority) share the load by weight: their places in the list are
 * filled in a weighted random order (Efraimidis–Spirakis: the largest
 * u^(1/weight) first), so a config with weight 3 comes first three times as
 * often as one with 1, and the others stay its fallbacks. Configs of other
 * providers keep their places. */
static void
chat_share_load(struct catalog_target *t, int n)
{
	struct catalog_target	 tmp[CATALOG_TARGETS_MAX], tx;
	double			 key[CATALOG_TARGETS_MAX], kx;
	int			 pos[CATALOG_TARGETS_MAX], done[CATALOG_TARGETS_MAX];
	int			 i, k, m, a, b;

	memset(done, 0, sizeof(done));
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		for (m = 0, k = i; k < n; k++)
			if (t[k].config.priority == t[i].config.priority &&
			    strcmp(t[k].config.provider, t[i].config.provider) == 0) {
				done[k] = 1;
				pos[m++] = k;
			}
		if (m < 2)
			continue;
		for (a = 0; a < m; a++) {
			tmp[a] = t[pos[a]];
			key[a] = pow(((double)random() + 1.0) / ((double)RAND_MAX + 2.0),
			    1.0 / (tmp[a].config.weight > 0 ? tmp[a].config.weight : 1));
		}
		for (a = 1; a < m; a++)	/* insertion sort, largest key first */
			for (b = a; b > 0 && key[b] > key[b - 1]; b--) {
				kx = key[b];
				key[b] = key[b - 1];
				key[b - 1] = kx;
				tx = tmp[b];
				tmp[b] = tmp[b - 1];
				tmp[b - 1] = tx;
			}
		for (a = 0; a < m; a++)
			t[pos[a]] = tmp[a];
	}
}

/* May more targets be added once the first ones failed? Not under a hard
 * budget: its reservation covered the targets known at the start. */
static int
chat_may_add(const struct chat *c)
{
	return c->ntargets > 0 && c->ntargets < CATALOG_TARGETS_MAX &&
	    !chat_budget_binds(&c->lim);
}

/* One of the user's stored lists for the name the request used (a model or
 * an alias; model_fallbacks), appended after the targets. Returns the index
 * of the first added target, or 0. */
static int
chat_add_list(struct chat *c, enum catalog_fallback_kind kind, const char *label)
{
	cJSON	*list;
	int	 n0 = c->ntargets, failed;

	if (!chat_may_add(c) || (list = catalog_fallbacks(c->r->who.user_id,
	    c->model, kind, &failed)) == NULL)
		return 0;
	chat_add_names(c, list);
	cJSON_Delete(list);
	if (c->ntargets > n0)
		usage_rec_route(&c->rec, label, "tried next");
	return c->ntargets > n0 ? n0 : 0;
}

/* The stored fallbacks, asked for only once every target failed (not when
 * one refused the request for its length: the same prompt would fail). */
static int
chat_add_stored(struct chat *c)
{
	return c->too_long ? 0 : chat_add_list(c, FALLBACK_ON_FAILURE,
	    "stored fallbacks");
}

/* The context fallbacks (LiteLLM's context_window_fallbacks), asked for
 * only when a target said the prompt exceeds its context window. */
static int
chat_add_larger(struct chat *c)
{
	int	 from;

	if (!c->too_long)
		return 0;
	from = chat_add_list(c, FALLBACK_ON_CONTEXT, "context fallbacks");
	if (from > 0)
		c->too_long = 0;	/* the walk starts afresh */
	return from;
}

/* Automatic fallback (user_routing.auto_fallback): the same model as the
 * first target's on the user's other providers, after the targets already
 * there; only asked for once every target failed, so it costs nothing on
 * the way of a request that succeeds. Returns the index of the first added
 * target, or 0 when none was added. */
static int
chat_add_equivalents(struct chat *c)
{
	struct catalog_target	 more[CATALOG_TARGETS_MAX];
	int			 n0 = c->ntargets, n, k;

	if (c->too_long || !chat_may_add(c) ||
	    catalog_auto_fallback(c->r->who.user_id) != 1)
		return 0;
	n = catalog_equivalents(c->r->who.user_id, c->targets[0].model.model_id, 0,
	    more, CATALOG_TARGETS_MAX);
	for (k = 0; k < n; k++)
		chat_append_target(c, &more[k]);
	if (c->ntargets > n0)
		usage_rec_route(&c->rec, "automatic fallback", "the same model elsewhere");
	return c->ntargets > n0 ? n0 : 0;
}

static int
chat_prepare(struct chat *c)
{
	struct req	*r = c->r;
	int		 n;

	/* Who asks first (a gateway key with its limits and the change
	 * stamps in one statement), then the body. */
	if (auth_key_header(r) != NULL) {
		if (chatcache_load(r, cfg()->global_rpm, &c->lim, &c->snap) != 0)
			return -1;
	} else {
		if (server_authenticate(r, ROUTE_USER) != 0)
			return -1;
		if (r->who.via == AUTH_VIA_SESSION && chatcache_load_user(
		    r->who.user_id, cfg()->global_rpm, &c->lim, &c->snap,
		    &r->err) != 0)
			return -1;
	}
	c->rec.user_id = r->who.user_id;
	c->rec.key_id = r->who.key_id;
	if (chat_read(c) != 0)
		return -1;
	if (chat_previous(c) != 0)
		return -1;
	n = chatcache_resolve(&c->snap, r->who.user_id, c->model, c->targets,
	    CATALOG_TARGETS_MAX, c->resolved, &r->err);
	if (n < 0) {
		if (r->who.via == AUTH_VIA_KEY && !route_model_allowed(
		    r->who.allowed_models, c->model, NULL))
			goto not_allowed;	/* say nothing about other models */
		if (r->err.category == ERR_MODEL)
			err_set(&r->err, ERR_MODEL, 404, "model_not_found",
			    "The model '%.200s' is not available to you. List "
			    "the models you can use with GET /v1/models, or "
			    "use 'provider/model'.", c->model);
		return -1;
	}
	c->ntargets = n;
	chat_share_load(c->targets, n);
	chat_add_fallbacks(c);
	if (r->who.via == AUTH_VIA_KEY && chat_keep_allowed(c,
	    r->who.allowed_models) == 0)
		goto not_allowed;
	if (c->mode == CHAT_EMBED && chat_keep_openai(c) == 0) {
		chat_note_target(c, &c->targets[0]);
		return http_fail(r, ERR_VALIDATION, 400, "embeddings_not_supported",
		    "Embeddings are only available from OpenAI-format providers "
		    "(OpenAI, xAI, OpenRouter, AiHubMix, custom endpoints); "
		    "'%.200s' is served by '%s', which is not one.", c->model,
		    c->targets[0].config.name);
	}
	chat_note_target(c, &c->targets[0]);
	if (c->prev_remote && !chat_speaks_native(c, &c->targets[0]))
		return http_fail(r, ERR_VALIDATION, 404, "response_not_found",
		    "previous_response_id '%.100s' is not a stored response of "
		    "yours (only requests with \"store\": true are kept, for "
		    "the usage retention period).", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(c->orig, "previous_response_id")));
	return chat_limits(c);
not_allowed:
	return http_fail(r, ERR_AUTH, 403, "model_not_allowed",
	    "This API key may not use the model '%.200s'; see the key's "
	    "allowed models.", c->model);
}

/* The caps on requests in flight, counted over the in-flight notes (this
 * request's own included): a race between two requests may refuse both,
 * never admit one over the cap. A note of a dead process stops counting
 * once it is older than any request can live. */
static int
chat_concurrency(struct chat *c)
{
	const struct quota_limits	*l = &c->lim;
	struct req			*r = c->r;
	long long			 nu, nk, cap;
	const char			*who;

	if (l->concurrent[QUOTA_USER] <= 0 && l->concurrent[QUOTA_KEY] <= 0)
		return 0;
	if (inflight_count(r->who.user_id, r->who.key_id,
	    cfg()->request_timeout_ms / 1000 + 60, &nu, &nk) != 0)
		return err_db_unavailable(&r->err);
	if (l->concurrent[QUOTA_KEY] > 0 && r->who.key_id != 0 &&
	    nk > l->concurrent[QUOTA_KEY]) {
		cap = l->concurrent[QUOTA_KEY];
		who = "This API key";
	} else if (l->concurrent[QUOTA_USER] > 0 && nu > l->concurrent[QUOTA_USER]) {
		cap = l->concurrent[QUOTA_USER];
		who = "Your account";
	} else
		return 0;
	http_fail(r, ERR_RATE_LIMIT, 429, "concurrency_limit",
	    "%s may have at most %lld request(s) in flight at once and has "
	    "that many now; retry when one finishes.", who, cap);
	r->err.retry_after = 1;
	r->err.has_limit = 1;
	r->err.limit = cap;
	r->err.remaining = 0;
	return -1;
}

/* While other requests wait for this process, a row with no budget to
 * settle joins its batch, written in one INSERT when the process is idle
 * (spool.h). 1 deferred, 0 write it now. */
static int
chat_defer_row(struct chat *c)
{
	if (c->resv.active || !server_busy() || spool_defer(&c->rec) != 0)
		return 0;
	usage_rec_written(&c->rec);
	return 1;
}

/* Write the usage row and settle budget and token counters. */
static void
chat_finish(struct chat *c, int rc)
{
	struct req		*r = c->r;
	struct usage_kept	 unwritten = { .strings = NULL };
	int			 lost, spooled = 0;

	if (c->rec.status != USAGE_CANCELLED && !c->ok)
		usage_rec_error(&c->rec, r->err.category != ERR_NONE ?
		    r->err.category : ERR_INTERNAL, rc != 0 ? (r->err.status ?
		    r->err.status : 500) : r->status, r->err.message);
	/* The row and its settlement in one transaction: a process that dies
	 * before it leaves a note to recover. A row the database did not take
	 * (down, restarting, its answer lost) is spooled with its settlement,
	 * which the replay does in one transaction too. */
	lost = !chat_defer_row(c) && usage_log(&c->rec, &c->resv, &unwritten) != 0;
	if (lost && unwritten.strings != NULL)
		spooled = spool_write(&unwritten, r->request_id, &c->resv,
		    c->rec.cost_micros) == 0;
	usage_kept_free(&unwritten);
	if (spooled) {
		inflight_spooled(r->request_id);
		return;
	}
	if (lost)	/* the row could not even be kept: the budget at least */
		quota_budget_settle(&c->resv, c->rec.cost_micros);
	c->resv.active = 0;	/* settled with the row */
	quota_rate_tokens(&c->lim, r->who.user_id, r->who.key_id, c->rec.u.total);
	if (c->noted)
		inflight_end(r->request_id);
	if (c->ok)
		chat_store(c);
}

static int
chat_ingress_of(enum chat_mode mode)
{
	return mode == CHAT_MESSAGES ? INGRESS_MESSAGES :
	    mode == CHAT_RESPONSES ? INGRESS_RESPONSES : -1;
}

int
chat_run(struct req *r, enum chat_mode mode)
{
	struct chat	*c;
	int		 rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return http_fail(r, ERR_INTERNAL, 500, "out_of_memory",
		    "The server is out of memory.");
	if (spool_pending())
		(void)spool_replay();	/* rows this process could not write before */
	c->r = r;
	c->mode = mode;
	c->ingress = chat_ingress_of(mode);
	if (mode == CHAT_MESSAGES) {
		r->error_body = ingress_messages_error;
		/* Anthropic's SDKs show this header as the request id. */
		http_add_header(r, "request-id: %s", r->request_id);
	}
	buf_init(&c->out, SB_MAX_UPSTREAM_BODY);
	usage_rec_init(&c->rec, r->request_id, chat_endpoints[mode],
	    r->started_us);
	c->opts.allow_private = cfg()->allow_private_endpoints;
	c->opts.connect_ms = cfg()->connect_timeout_ms;
	c->opts.first_byte_ms = chat_timeout_override(r,
	    cfg()->first_byte_timeout_ms);
	c->opts.idle_ms = chat_timeout_override(r, cfg()->idle_timeout_ms);
	c->attempt_ms = chat_timeout_override(r, cfg()->attempt_timeout_ms);
	c->deadline_us = r->started_us + chat_timeout_override(r,
	    cfg()->request_timeout_ms) * 1000LL;
	c->timeout_lowered = c->opts.first_byte_ms != cfg()->first_byte_timeout_ms ||
	    c->opts.idle_ms != cfg()->idle_timeout_ms ||
	    c->attempt_ms != cfg()->attempt_timeout_ms;
	c->heartbeat_us = chat_heartbeat_us(r);
	rc = chat_prepare(c);
	if (rc == 0) {
		err_clear(&r->err);
		inflight_begin(&c->rec, &c->resv, c->lim.concurrent[QUOTA_USER] > 0 ||
		    c->lim.concurrent[QUOTA_KEY] > 0);
		c->noted = 1;
		rc = chat_concurrency(c) != 0 ? -1 : chat_dispatch(c);
	}
	chat_finish(c, rc);
	OPENSSL_cleanse(c->key, sizeof(c->key));
	ingress_stream_free(c->ing);
	buf_free(&c->out);
	cJSON_Delete(c->orig);
	cJSON_Delete(c->final);
	free(c);
	return rc;
}

/* [chat] route_cache_s: 0 (default) validates cached routes on every
 * request; N (1..60) trusts them for N seconds. [chat] key_cache_s (only
 * with route_cache_s): trust a key's identity and limits for M seconds. */
int
chat_init(const struct config *c)
{
	chatcache_configure(c->route_cache_s, c->key_cache_s);
	quota_configure(c->user_max_concurrent);
	spool_configure(c->spool_dir);
	inflight_configure(c->spool_dir);
	srandom((unsigned)(time(NULL) ^ (getpid() << 16)));	/* load sharing only */
	circuit_configure(c->route_cache_s);
	/* Requests of processes that died: their batches first, whose rows a
	 * note left behind must not replace. */
	(void)spool_replay();
	(void)inflight_recover();
	return upstream_init();
}

void
chat_fini(void)
{
	spool_fini();
	chatcache_flush();
	inflight_fini();
	upstream_fini();
	price_table_free();
}
