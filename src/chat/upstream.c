/* upstream: one libcurl easy handle per process, reset (not recreated) per
 * request and run on the process's one multi handle, whose connection cache
 * keeps kept-alive connections for the next request. Timeouts are enforced
 * in the progress callback, which also gives the caller its heartbeat tick.
 * Never follows redirects; only http and https. Logs no headers (they hold
 * keys). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "egress.h"
#include "log.h"
#include "upstream.h"

static CURL	*upstream_h;
static CURLM	*upstream_m;

struct upstream_xfer {
	const struct upstream_opts	*o;
	upstream_data_fn		 on_data;
	upstream_tick_fn		 on_tick;
	void				*ctx;
	struct upstream_result		*res;
	struct buf			*errbody;
	long long			 start_us;
	long long			 last_data_us;
	long long			 last_tick_us;
	int				 timed_out;	/* 1 first byte, 2 idle, 3 total */
};

static long long
upstream_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
upstream_init(void)
{
	if (upstream_h == NULL && (upstream_h = curl_easy_init()) == NULL)
		return -1;
	if (upstream_m == NULL && (upstream_m = curl_multi_init()) == NULL)
		return -1;
	return 0;
}

void
upstream_fini(void)
{
	if (upstream_m)
		curl_multi_cleanup(upstream_m);
	if (upstream_h)
		curl_easy_cleanup(upstream_h);
	upstream_m = NULL;
	upstream_h = NULL;
}

/* curl_easy_perform, driven here: its wait (curl_multi_poll) also polls a
 * wake-up socket of its own, which costs a system call per request;
 * curl_multi_wait polls only the transfer's sockets, at most a second
 * between calls of the progress callback, as before. */
static CURLcode
upstream_run(CURL *h)
{
	CURLMcode	 mc;
	CURLMsg		*m;
	CURLcode	 cc = CURLE_OUT_OF_MEMORY;
	int		 running = 1, left;

	if (curl_multi_add_handle(upstream_m, h) != CURLM_OK)
		return CURLE_FAILED_INIT;
	do {
		mc = curl_multi_perform(upstream_m, &running);
		if (mc == CURLM_OK && running)
			mc = curl_multi_wait(upstream_m, NULL, 0, 1000, NULL);
	} while (mc == CURLM_OK && running);
	while ((m = curl_multi_info_read(upstream_m, &left)) != NULL)
		if (m->msg == CURLMSG_DONE && m->easy_handle == h)
			cc = m->data.result;
	curl_multi_remove_handle(upstream_m, h);
	return cc;
}

/* The value of header name in the line p (n bytes), or NULL. */
static const char *
upstream_header_value(const char *p, size_t n, const char *name, char *out, size_t size)
{
	size_t	 k = strlen(name), i, j = 0;

	if (n <= k || strncasecmp(p, name, k) != 0 || p[k] != ':')
		return NULL;
	for (i = k + 1; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	while (i < n && p[i] != '\r' && p[i] != '\n' && j + 1 < size)
		out[j++] = p[i++];
	out[j] = '\0';
	return out;
}

/* "1s", "6m0s", "1.5s", "250ms", "2h" (OpenAI's reset format) → whole
 * seconds, rounded up; 0 when unreadable. */
static int
upstream_duration_s(const char *s)
{
	double		 total = 0, v;
	char		*end;

	while (*s) {
		v = strtod(s, &end);
		if (end == s || v < 0)
			return 0;
		if (strncmp(end, "ms", 2) == 0) {
			total += v / 1000;
			end += 2;
		} else if (*end == 'h' || *end == 'm' || *end == 's') {
			total += v * (*end == 'h' ? 3600 : *end == 'm' ? 60 : 1);
			end++;
		} else
			return 0;
		s = end;
	}
	return total > UPSTREAM_MAX_RETRY_AFTER ? UPSTREAM_MAX_RETRY_AFTER :
	    (int)(total + 0.999);
}

/* The rate-limit headers: x-ratelimit-{limit,remaining,reset}-requests. */
static void
upstream_ratelimit_header(struct upstream_result *res, const char *p, size_t n)
{
	char	 v[64];

	if (upstream_header_value(p, n, "x-ratelimit-limit-requests", v, sizeof(v)))
		res->rl_limit = strtoll(v, NULL, 10);
	else if (upstream_header_value(p, n, "x-ratelimit-remaining-requests", v, sizeof(v)))
		res->rl_remaining = strtoll(v, NULL, 10);
	else if (upstream_header_value(p, n, "x-ratelimit-reset-requests", v, sizeof(v)) &&
	    res->retry_after == 0)
		res->retry_after = upstream_duration_s(v);
}

/* Retry-After: delta-seconds only (an HTTP date is treated as absent). */
static size_t
upstream_on_header(char *p, size_t sz, size_t nm, void *ud)
{
	struct upstream_xfer	*x = ud;
	size_t			 n = sz * nm, i;
	long			 v = 0;

	upstream_ratelimit_header(x->res, p, n);
	if (n > 12 && strncasecmp(p, "retry-after:", 12) == 0) {
		for (i = 12; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		for (; i < n && p[i] >= '0' && p[i] <= '9' &&
		    v <= UPSTREAM_MAX_RETRY_AFTER; i++)
			v = v * 10 + (p[i] - '0');
		x->res->retry_after = v > UPSTREAM_MAX_RETRY_AFTER ?
		    UPSTREAM_MAX_RETRY_AFTER : (int)v;
	}
	return n;
}

static size_t
upstream_on_data(char *p, size_t sz, size_t nm, void *ud)
{
	struct upstream_xfer	*x = ud;
	size_t			 n = sz * nm;
	long			 status = 0;

	curl_easy_getinfo(upstream_h, CURLINFO_RESPONSE_CODE, &status);
	x->res->status = status;
	x->last_data_us = upstream_now_us();
	if (x->res->first_byte_us == 0)
		x->res->first_byte_us = x->last_data_us;
	if (status < 200 || status >= 300) {
		if (x->errbody->len < UPSTREAM_MAX_ERROR_BODY)
			(void)buf_append(x->errbody, p, n < UPSTREAM_MAX_ERROR_BODY -
			    x->errbody->len ? n : UPSTREAM_MAX_ERROR_BODY -
			    x->errbody->len);
		return n;
	}
	if (x->on_data && x->on_data(x->ctx, p, n) != 0) {
		x->res->aborted = 1;
		return 0;
	}
	return n;
}

static int
upstream_on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct upstream_xfer	*x = ud;
	long long		 now = upstream_now_us();

	(void)dt; (void)dn; (void)ut; (void)un;
	if (x->res->first_byte_us == 0 && x->o->first_byte_ms > 0 &&
	    now - x->start_us > x->o->first_byte_ms * 1000) {
		x->timed_out = 1;
		return 1;
	}
	if (x->res->first_byte_us != 0 && x->o->idle_ms > 0 &&
	    now - x->last_data_us > x->o->idle_ms * 1000) {
		x->timed_out = 2;
		return 1;
	}
	if (x->o->total_ms > 0 && now - x->start_us > x->o->total_ms * 1000) {
		x->timed_out = 3;
		return 1;
	}
	if (x->on_tick && now - x->last_tick_us >= 900000) {
		x->last_tick_us = now;
		if (x->on_tick(x->ctx) != 0) {
			x->res->aborted = 1;
			return 1;
		}
	}
	return 0;
}

/* Free a header list, wiping the copies (they hold the provider key). */
static void
upstream_headers_free(struct curl_slist *l)
{
	struct curl_slist	*t;

	for (t = l; t; t = t->next)
		OPENSSL_cleanse(t->data, strlen(t->data));
	curl_slist_free_all(l);
}

static struct curl_slist *
upstream_headers(const struct adapter_call *call)
{
	struct curl_slist	*l = NULL, *t;
	size_t			 i;

	for (i = 0; i < call->nheaders; i++) {
		if ((t = curl_slist_append(l, call->headers[i])) == NULL) {
			upstream_headers_free(l);
			return NULL;
		}
		l = t;
	}
	/* No "Expect: 100-continue" round trip on large bodies. */
	if ((t = curl_slist_append(l, "Expect:")) == NULL) {
		upstream_headers_free(l);
		return NULL;
	}
	return t;
}

static void
upstream_setup(const struct adapter_call *call, const struct upstream_opts *o,
    struct curl_slist *hdr, struct upstream_xfer *x)
{
	CURL	*h = upstream_h;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, call->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "switchboard/" SB_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms > 0 ?
	    o->connect_ms : 10000L);
	if (call->body) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, call->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)call->body_len);
	}
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, upstream_on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, upstream_on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, upstream_on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
}

static void
upstream_classify(CURLcode cc, struct upstream_xfer *x)
{
	struct upstream_result	*res = x->res;

	if (x->timed_out == 3) {
		res->cat = ERR_TIMEOUT;
		snprintf(res->message, sizeof(res->message),
		    "the provider's answer took longer than %ld ms in all", x->o->total_ms);
	} else if (x->timed_out) {
		res->cat = ERR_TIMEOUT;
		snprintf(res->message, sizeof(res->message), x->timed_out == 1 ?
		    "the provider did not start answering within %ld ms" :
		    "the provider went silent for more than %ld ms",
		    x->timed_out == 1 ? x->o->first_byte_ms : x->o->idle_ms);
	} else if (res->aborted) {
		res->cat = ERR_UPSTREAM;
		snprintf(res->message, sizeof(res->message),
		    "the transfer was stopped");
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		res->cat = ERR_TIMEOUT;
		snprintf(res->message, sizeof(res->message),
		    "could not connect to the provider in time");
	} else {
		res->cat = ERR_NETWORK;
		snprintf(res->message, sizeof(res->message),
		    "network error talking to the provider: %s",
		    curl_easy_strerror(cc));
	}
}

/* The endpoint policy refused the address: not a network failure, and no
 * retry on this target can help. */
static int
upstream_refused(struct upstream_result *res, const char *msg)
{
	res->cat = ERR_NETWORK;
	res->refused = 1;
	snprintf(res->message, sizeof(res->message), "%s", msg);
	return -1;
}

int
upstream_perform(const struct adapter_call *call,
    const struct upstream_opts *o, upstream_data_fn on_data,
    upstream_tick_fn on_tick, void *ctx, struct upstream_result *res,
    struct buf *errbody)
{
	struct upstream_xfer	 x;
	struct egress		 eg;
	struct curl_slist	*hdr;
	char			 msg[256];
	CURLcode		 cc;

	memset(res, 0, sizeof(*res));
	res->rl_limit = res->rl_remaining = -1;
	if (upstream_init() != 0 || (hdr = upstream_headers(call)) == NULL) {
		res->cat = ERR_INTERNAL;
		snprintf(res->message, sizeof(res->message), "out of memory");
		return -1;
	}
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.on_data = on_data;
	x.on_tick = on_tick;
	x.ctx = ctx;
	x.res = res;
	x.errbody = errbody;
	x.start_us = x.last_tick_us = upstream_now_us();
	upstream_setup(call, o, hdr, &x);
	if (egress_open(upstream_h, call->url, o->allow_private, &eg, msg,
	    sizeof(msg)) != NETCHECK_OK) {
		egress_release(upstream_h, &eg);
		curl_easy_setopt(upstream_h, CURLOPT_HTTPHEADER, NULL);
		upstream_headers_free(hdr);
		return upstream_refused(res, msg);
	}
	cc = upstream_run(upstream_h);
	egress_release(upstream_h, &eg);
	if (res->status == 0)
		curl_easy_getinfo(upstream_h, CURLINFO_RESPONSE_CODE, &res->status);
	/* Drop the reference to the headers (they hold the key) before freeing. */
	curl_easy_setopt(upstream_h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(upstream_h, CURLOPT_POSTFIELDS, NULL);
	upstream_headers_free(hdr);
	if (cc == CURLE_OK)
		return 0;
	if (eg.refused) {
		snprintf(msg, sizeof(msg), "The provider's address now resolves to "
		    "%s, which this server does not connect to "
		    "(allow_private_endpoints is off).", eg.refused_addr);
		return upstream_refused(res, msg);
	}
	upstream_classify(cc, &x);
	return -1;
}
