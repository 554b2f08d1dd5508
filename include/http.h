/* http: one request and its response over FastCGI (or plain CGI). Reads
 * parameters, headers, cookies, the query string and a size-capped body;
 * writes JSON responses, the OpenAI-shaped error, and streams (SSE, NDJSON)
 * with a flush after every event. Knows nothing of routes or the database. */
#ifndef SB_HTTP_H
#define SB_HTTP_H

#include <stddef.h>

#include <fcgiapp.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "error.h"
#include "sbconst.h"

enum auth_via { AUTH_VIA_NONE = 0, AUTH_VIA_SESSION, AUTH_VIA_KEY, AUTH_VIA_TOKEN };

/* Who is calling; filled by auth before the handler runs. */
struct identity {
	enum auth_via	 via;
	long long	 user_id;
	char		 username[SB_MAX_USERNAME + 1];
	int		 is_admin;
	char		 csrf_token[65];	/* session only */
	long long	 key_id;		/* gateway key only, else 0 */
	char		*allowed_models;	/* gateway key: JSON array text or NULL */
	long long	 token_id;		/* admin API token only, else 0 */
	char		 scopes[64];		/* admin API token: "reports,keys,…" */
};

struct req {
	char			**envp;
	FCGX_Stream		 *in;
	FCGX_Stream		 *out;		/* NULL under plain CGI: stdout */
	const char		 *method;
	char			  path[SB_MAX_PATH];
	const char		 *query;
	char			  request_id[SB_REQUEST_ID_LEN + 1];
	int			  https;
	long long		  started_us;
	char			 *body;
	size_t			  body_len;
	cJSON			 *json;		/* parsed body, owned by the request */
	const char		 *route_params[SB_ROUTE_PARAMS];
	char			  route_buf[SB_MAX_PATH];
	struct identity		  who;
	struct sb_error		  err;
	struct buf		  headers;	/* extra response headers */
	int			  status;	/* sent status, 0 = nothing sent */
	int			  client_gone;
	/* A whole response is held until the request ends and leaves with
	 * its end in one write (set when the process has nothing slow left
	 * to do first); 0: flushed at once. */
	int			  hold_response;
	/* The error body in another API's shape (e.g. Anthropic's), set by
	 * a handler; NULL: ours (OpenAI's shape). Returns a new object. */
	cJSON			*(*error_body)(const struct req *r);
};

/* Set up a request from the server's parameters (envp) and streams. */
int		 http_req_init(struct req *r, char **envp, FCGX_Stream *in, FCGX_Stream *out,
		    const char *url_prefix);
void		 http_req_free(struct req *r);
/* A CGI/FastCGI parameter such as "REQUEST_METHOD"; NULL if absent. */
const char	*http_param(const struct req *r, const char *name);
/* A request header by its CGI name, e.g. "HTTP_AUTHORIZATION". */
#define http_header(r, cginame) http_param((r), (cginame))
/* Cookie value into out; 0 found, -1 not. */
int		 http_cookie(const struct req *r, const char *name, char *out, size_t outsz);
/* Decode %XX (and + as a space when plus_is_space) from s[0..n) into out;
 * 0, or -1 if malformed, holding NUL, or too long for out. */
int		 http_percent_decode(const char *s, size_t n, char *out, size_t outsz,
		    int plus_is_space);
/* URL-decoded query parameter into out; 0 found, -1 not (or too long). */
int		 http_query(const struct req *r, const char *name, char *out, size_t outsz);
/* A positive decimal id (at most 18 digits) into out; 0, or -1 if s is not one. */
int		 http_parse_id(const char *s, long long *out);
/* The n-th {param} matched in the route pattern. */
const char	*http_route_param(const struct req *r, int n);

/* Read the body (at most max bytes, else 413); 0 or -1 with r->err set. */
int		 http_read_body(struct req *r, long max);
/* Read and parse a JSON object body; 0 with r->json set, or -1 with r->err. */
int		 http_json_body(struct req *r, long max, int max_depth);

/* Set r->err and return -1, so handlers can `return http_fail(...)`. */
int		 http_fail(struct req *r, enum err_category cat, int status,
		    const char *code, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
/* Queue an extra response header line ("Name: value"), sent with the next response. */
int		 http_add_header(struct req *r, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* Responses. Each returns 0, or -1 if the client is gone. */
int		 http_send_json(struct req *r, int status, const cJSON *body);
int		 http_send_body(struct req *r, int status, const char *content_type,
		    const char *body, size_t len);
int		 http_send_empty(struct req *r, int status);
/* The OpenAI-shaped error from r->err (500 internal if unset). */
int		 http_send_error(struct req *r);
/* Build the error object {"error":{...}} for r->err (for streams too). */
cJSON		*http_error_json(const struct req *r);

/* Streaming: the head, then writes; http_flush sends what was written (the
 * head goes with the first flush). */
int		 http_begin_stream(struct req *r, int status, const char *content_type);
int		 http_write(struct req *r, const void *data, size_t len);
int		 http_flush(struct req *r);

long long	 http_now_us(void);
const char	*http_status_text(int status);

#endif
