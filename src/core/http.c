/* http: request parsing and response writing over libfcgi streams, or
 * stdin/stdout under plain CGI (see http.h). Every read is capped; every
 * response carries the request id and no-store/nosniff headers. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "hex.h"
#include "http.h"
#include "json.h"
#include "log.h"

#define HTTP_MAX_EXTRA_HEADERS	4096
#define HTTP_ID_TIME		12	/* hex digits of milliseconds */
#define HTTP_ID_RAW		((SB_REQUEST_ID_LEN - HTTP_ID_TIME) / 2)
#define HTTP_IDS_PER_DRAW	32

/* A request id is the time in milliseconds (12 hex digits) and 80 random
 * bits (20): unique, unguessable, and in time order, so that the usage
 * table's unique index grows at its end instead of at random pages. The
 * random bytes come from a per-process pool filled HTTP_IDS_PER_DRAW ids at
 * a time: RAND_bytes per request cost a getpid and the generator's locks.
 * A forked child starts with an empty pool. */
static unsigned char	http_id_pool[HTTP_ID_RAW * HTTP_IDS_PER_DRAW];
static size_t		http_id_left;

static void
http_id_pool_drop(void)
{
	http_id_left = 0;
}

static int
http_new_request_id(char out[SB_REQUEST_ID_LEN + 1])
{
	static int	 watching_forks;

	if (!watching_forks)
		watching_forks = pthread_atfork(NULL, NULL, http_id_pool_drop) == 0;
	if (http_id_left == 0) {
		if (RAND_bytes(http_id_pool, sizeof(http_id_pool)) != 1)
			return -1;
		http_id_left = sizeof(http_id_pool);
	}
	snprintf(out, HTTP_ID_TIME + 1, "%012llx",
	    (unsigned long long)(http_now_us() / 1000) & 0xffffffffffffULL);
	hex_encode(http_id_pool + sizeof(http_id_pool) - http_id_left, HTTP_ID_RAW,
	    out + HTTP_ID_TIME);
	http_id_left -= HTTP_ID_RAW;
	return 0;
}

long long
http_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *
http_param(const struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->envp);
}

/* Copy the path part of REQUEST_URI (no query), minus the configured prefix. */
static int
http_init_path(struct req *r, const char *uri, const char *prefix)
{
	size_t	 plen = prefix ? strlen(prefix) : 0, n;

	if (plen && strncmp(uri, prefix, plen) == 0)
		uri += plen;
	n = strcspn(uri, "?");
	if (n == 0 || n >= sizeof(r->path))
		return -1;
	memcpy(r->path, uri, n);
	r->path[n] = '\0';
	return 0;
}

int
http_req_init(struct req *r, char **envp, FCGX_Stream *in, FCGX_Stream *out,
    const char *url_prefix)
{
	const char	*uri, *https;

	memset(r, 0, sizeof(*r));
	r->envp = envp;
	r->in = in;
	r->out = out;
	r->started_us = http_now_us();
	buf_init(&r->headers, HTTP_MAX_EXTRA_HEADERS);
	if (http_new_request_id(r->request_id) != 0)
		return -1;
	r->method = http_param(r, "REQUEST_METHOD");
	if (r->method == NULL)
		r->method = "GET";
	if ((uri = http_param(r, "REQUEST_URI")) == NULL)
		uri = http_param(r, "SCRIPT_NAME");
	r->query = http_param(r, "QUERY_STRING");
	if (r->query == NULL)
		r->query = "";
	https = http_param(r, "HTTPS");
	r->https = https && (strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0);
	if (uri == NULL || http_init_path(r, uri, url_prefix) == -1 ||
	    strlen(r->query) > SB_MAX_QUERY) {
		err_set(&r->err, ERR_VALIDATION, 414, "uri_too_long", "The request URI is too long.");
		return -1;
	}
	return 0;
}

void
http_req_free(struct req *r)
{
	if (r->body) {
		free(r->body);
		r->body = NULL;
	}
	cJSON_Delete(r->json);
	r->json = NULL;
	free(r->who.allowed_models);
	r->who.allowed_models = NULL;
	buf_free(&r->headers);
}

int
http_cookie(const struct req *r, const char *name, char *out, size_t outsz)
{
	const char	*c = http_param(r, "HTTP_COOKIE"), *v, *end;
	size_t		 nlen = strlen(name), vlen;

	if (c == NULL || strlen(c) > SB_MAX_HEADER)
		return -1;
	while (*c) {
		while (*c == ' ' || *c == ';')
			c++;
		end = c + strcspn(c, ";");
		if (strncmp(c, name, nlen) == 0 && c[nlen] == '=') {
			v = c + nlen + 1;
			vlen = (size_t)(end - v);
			if (vlen >= outsz)
				return -1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 0;
		}
		c = end;
	}
	return -1;
}

int
http_percent_decode(const char *s, size_t n, char *out, size_t outsz, int plus_is_space)
{
	size_t		 i, o = 0;
	unsigned char	 c;

	for (i = 0; i < n; i++) {
		if (o + 1 >= outsz)
			return -1;
		if (s[i] == '+' && plus_is_space) {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n || hex_decode(s + i + 1, 2, &c) == -1 || c == 0)
				return -1;
			out[o++] = (char)c;
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return 0;
}

int
http_query(const struct req *r, const char *name, char *out, size_t outsz)
{
	const char	*q = r->query, *end, *eq;
	size_t		 nlen = strlen(name);

	while (*q) {
		end = q + strcspn(q, "&");
		eq = memchr(q, '=', (size_t)(end - q));
		if (eq && (size_t)(eq - q) == nlen && strncmp(q, name, nlen) == 0)
			return http_percent_decode(eq + 1, (size_t)(end - eq - 1), out, outsz, 1);
		q = *end ? end + 1 : end;
	}
	return -1;
}

int
http_parse_id(const char *s, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 18)
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v <= 0)
		return -1;
	*out = v;
	return 0;
}

const char *
http_route_param(const struct req *r, int n)
{
	return n >= 0 && n < SB_ROUTE_PARAMS ? r->route_params[n] : NULL;
}

static int
http_read_raw(struct req *r, char *p, int n)
{
	if (r->in)
		return FCGX_GetStr(p, n, r->in);
	return (int)fread(p, 1, (size_t)n, stdin);
}

int
http_read_body(struct req *r, long max)
{
	const char	*cl = http_param(r, "CONTENT_LENGTH");
	char		*end;
	long long	 len = 0;
	int		 got;
	size_t		 off = 0;

	if (r->body)
		return 0;
	if (cl && *cl) {
		len = strtoll(cl, &end, 10);
		if (*end != '\0' || len < 0)
			return http_fail(r, ERR_VALIDATION, 400, "bad_length", "Invalid Content-Length.");
	}
	if (len > max)
		return http_fail(r, ERR_VALIDATION, 413, "body_too_large",
		    "The request body is larger than the limit of %ld bytes.", max);
	if ((r->body = malloc((size_t)len + 1)) == NULL)
		return http_fail(r, ERR_INTERNAL, 500, "out_of_memory", "Out of memory.");
	while (off < (size_t)len) {
		got = http_read_raw(r, r->body + off, (int)((size_t)len - off));
		if (got <= 0)
			break;
		off += (size_t)got;
	}
	r->body[off] = '\0';
	r->body_len = off;
	if (off != (size_t)len)
		return http_fail(r, ERR_VALIDATION, 400, "incomplete_body", "The request body was cut short.");
	return 0;
}

int
http_json_body(struct req *r, long max, int max_depth)
{
	if (r->json)
		return 0;
	if (http_read_body(r, max) == -1)
		return -1;
	if ((r->json = json_parse(r->body, r->body_len, max_depth, &r->err)) == NULL)
		return -1;
	if (!cJSON_IsObject(r->json))
		return http_fail(r, ERR_VALIDATION, 400, "invalid_json", "The request body must be a JSON object.");
	return 0;
}

int
http_fail(struct req *r, enum err_category cat, int status, const char *code, const char *fmt, ...)
{
	va_list	 ap;

	r->err.category = cat;
	r->err.status = status;
	snprintf(r->err.code, sizeof(r->err.code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(r->err.message, sizeof(r->err.message), fmt, ap);
	va_end(ap);
	return -1;
}

int
http_add_header(struct req *r, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || strpbrk(line, "\r\n"))
		return -1;
	if (buf_puts(&r->headers, line) != BUF_OK || buf_puts(&r->headers, "\r\n") != BUF_OK)
		return -1;
	return 0;
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default:  return "Status";
	}
}

int
http_write(struct req *r, const void *data, size_t len)
{
	if (r->client_gone)
		return -1;
	if (r->out) {
		if (len && FCGX_PutStr(data, (int)len, r->out) < 0)
			r->client_gone = 1;
	} else if (len && fwrite(data, 1, len, stdout) != len) {
		r->client_gone = 1;
	}
	return r->client_gone ? -1 : 0;
}

int
http_flush(struct req *r)
{
	if (r->client_gone)
		return -1;
	if (r->out) {
		if (FCGX_FFlush(r->out) < 0 || FCGX_GetError(r->out) != 0)
			r->client_gone = 1;
	} else if (fflush(stdout) != 0) {
		r->client_gone = 1;
	}
	return r->client_gone ? -1 : 0;
}

static int
http_write_head(struct req *r, int status, const char *content_type, long long length)
{
	char	 head[512];
	int	 n;

	if (r->status)
		return -1;
	r->status = status;
	n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\n"
	    "X-Request-Id: %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n",
	    status, http_status_text(status), r->request_id);
	if (content_type)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Type: %s\r\n", content_type);
	if (r->https)	/* browsers keep to HTTPS from the first secure answer on */
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		    "Strict-Transport-Security: max-age=31536000\r\n");
	if (length >= 0)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %lld\r\n", length);
	if (http_write(r, head, (size_t)n) == -1 ||
	    (r->headers.len && http_write(r, r->headers.data, r->headers.len) == -1))
		return -1;
	return http_write(r, "\r\n", 2);
}

int
http_send_body(struct req *r, int status, const char *content_type, const char *body, size_t len)
{
	if (http_write_head(r, status, content_type, (long long)len) == -1)
		return -1;
	if (len && http_write(r, body, len) == -1)
		return -1;
	return r->hold_response ? 0 : http_flush(r);
}

int
http_send_json(struct req *r, int status, const cJSON *body)
{
	char	*s;
	int	 rc;

	if ((s = json_print(body)) == NULL)
		return http_send_body(r, 500, "application/json",
		    "{\"error\":{\"message\":\"Out of memory.\",\"type\":\"internal\",\"code\":\"out_of_memory\"}}", 81);
	rc = http_send_body(r, status, "application/json", s, strlen(s));
	free(s);
	return rc;
}

int
http_send_empty(struct req *r, int status)
{
	return http_send_body(r, status, NULL, "", 0);
}

/* error.details of a rate-limit error: {limit, remaining, reset_at}, each
 * null when unknown (SDKs ignore fields they do not know). */
static void
http_error_details(cJSON *e, const struct sb_error *err)
{
	cJSON		*d = cJSON_AddObjectToObject(e, "details");
	char		 iso[32];
	time_t		 t = time(NULL) + err->retry_after;
	struct tm	 tm;

	if (err->has_limit && err->limit >= 0)
		cJSON_AddNumberToObject(d, "limit", (double)err->limit);
	else
		cJSON_AddNullToObject(d, "limit");
	if (err->has_limit && err->remaining >= 0)
		cJSON_AddNumberToObject(d, "remaining", (double)err->remaining);
	else
		cJSON_AddNullToObject(d, "remaining");
	if (err->retry_after > 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		cJSON_AddStringToObject(d, "reset_at", iso);
	else
		cJSON_AddNullToObject(d, "reset_at");
}

cJSON *
http_error_json(const struct req *r)
{
	cJSON		*root, *e;
	enum err_category cat = r->err.category;

	if (r->error_body != NULL && (root = r->error_body(r)) != NULL)
		return root;
	if (cat <= ERR_NONE || cat >= ERR__MAX)
		cat = ERR_INTERNAL;
	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(e, "message", r->err.message[0] ? r->err.message :
	    "Something went wrong inside Switchboard; the request id helps the operator find it in the log.");
	cJSON_AddStringToObject(e, "type", err_category_names[cat]);
	cJSON_AddStringToObject(e, "code", r->err.code[0] ? r->err.code : "internal_error");
	cJSON_AddStringToObject(e, "request_id", r->request_id);
	if (cat == ERR_RATE_LIMIT)
		http_error_details(e, &r->err);
	return root;
}

int
http_send_error(struct req *r)
{
	cJSON	*j;
	int	 rc, status = r->err.status ? r->err.status : 500;

	if (r->err.retry_after > 0)
		http_add_header(r, "Retry-After: %d", r->err.retry_after);
	if (status == 401 && r->err.category == ERR_AUTH && strncmp(r->path, "/v1/", 4) == 0)
		http_add_header(r, "WWW-Authenticate: Bearer realm=\"switchboard\"");
	j = http_error_json(r);
	rc = http_send_json(r, status, j);
	cJSON_Delete(j);
	return rc;
}

/* The head goes out with the caller's first flush, together with the first
 * data: one write to the web server, not two (a wake-up less for it and for
 * the client before the first byte of the body). */
int
http_begin_stream(struct req *r, int status, const char *content_type)
{
	http_add_header(r, "X-Accel-Buffering: no");
	return http_write_head(r, status, content_type, -1);
}
