/* server: the FastCGI (or plain CGI) request loop every program shares. It
 * loads the config once, keeps the DB connection across requests, and
 * rejects requests in a fixed order: route (404), method (405), auth (401),
 * role (403), CSRF (403), then calls the handler. A handler returns 0 when it
 * sent the response, or -1 with req->err set and the loop sends the error. */
#ifndef SB_SERVER_H
#define SB_SERVER_H

#include "config.h"
#include "http.h"

enum route_auth {
	ROUTE_PUBLIC,		/* no identity needed (handler may still look) */
	ROUTE_SESSION,		/* browser session only */
	ROUTE_USER,		/* session or gateway key */
	ROUTE_ADMIN,		/* admin session */
	ROUTE_SELF,		/* the handler authenticates (server_authenticate), so
				 * that a refusal still writes its usage row */
	ROUTE_AUTH__MAX
};

struct route {
	const char	*method;	/* "GET", "POST", … */
	const char	*pattern;	/* "/api/users/{id}": {x} matches one segment */
	int		(*handler)(struct req *);
	enum route_auth	 auth;
};

struct program {
	const char		*name;
	const struct route	*routes;
	size_t			 nroutes;
	int			(*init)(const struct config *);	/* once per process; may be NULL */
	void			(*fini)(void);			/* may be NULL */
	int			 installer;	/* serves the web installer (install.h) */
	/* Work put off while other requests waited (may be NULL): whether some
	 * is left, and doing it (its result is the program's to log). The loop
	 * calls idle before it waits for a request while none is queued, or
	 * after SERVER_IDLE_MS without one. */
	int			(*deferred)(void);
	int			(*idle)(void);
	/* After each request is answered and its connection finished or
	 * kept, before the next wait (FastCGI only; may be NULL). */
	void			(*answered)(void);
};

#define SERVER_IDLE_MS	2

/* Run the program: FastCGI loop, or one request under plain CGI. */
int			 server_run(const struct program *prog);
/* The process-wide config (valid for the life of the process). */
const struct config	*server_config(void);
/* Whether another request is queued for this process (FastCGI: a
 * connection waits on the listening socket, or a connection the web server
 * keeps has something to read); 0 under plain CGI. Once seen, it stays 1
 * until the next request is accepted (one poll). */
int			 server_busy(void);
/* Whether cookies should carry Secure for this request. */
int			 server_secure_cookies(const struct req *r);

/* Establish r->who as need demands (key or session, role, CSRF on writes);
 * 0, or -1 with r->err set (401/403) on refusal. The loop calls it for every
 * route but ROUTE_SELF, whose handler calls it itself. */
int			 server_authenticate(struct req *r, enum route_auth need);

/* Match path against pattern, capturing {params} into r. 1 on match. */
int			 server_match(struct req *r, const char *pattern, const char *path);

#endif
