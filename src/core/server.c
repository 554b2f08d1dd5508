/* server: the request loop and dispatch shared by every *.fcgi program (see
 * server.h). One process serves one request at a time; the web server runs
 * as many processes as it is told. Nothing here knows about a handler's data. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include <curl/curl.h>
#include <fastcgi.h>
#include <fcgiapp.h>

#include "audit.h"
#include "auth.h"
#include "db.h"
#include "install.h"
#include "log.h"
#include "migrate.h"
#include "nodestamp.h"
#include "server.h"
#include "vault.h"

extern char **environ;

static struct config	server_cfg;
static char		server_cfg_path[1024];	/* where the config is (to be) */
static int		server_fastcgi;		/* requests come from the FastCGI loop */
/* What the loop waits on, one epoll set: the listening socket and the
 * connections the web server keeps open between requests (fastcgi_keep_conn,
 * Apache's enablereuse), however many it opens to this process. The listening
 * socket may be shared by several processes (spawn-fcgi -F N): it is in the
 * set as exclusive, so a new connection wakes one waiting process, not every
 * one of them (with poll, each woke all the idle ones, and all but one found
 * nothing to accept). A full set stops accepting new connections until the
 * web server closes one. Level-triggered and read one event at a time, so
 * epoll's ready list takes the ready connections in turn. */
#define SERVER_KEPT_MAX	32
static int		server_ep = -1;
static int		server_nkept;
static int		server_listening;	/* the listening socket is in the set */
static int		server_ready = -1;	/* the fd a wait (or server_busy) found readable */
static volatile sig_atomic_t server_stopping;	/* SIGTERM or SIGUSR1 came */
static sigset_t		server_waitmask;	/* the signal mask while waiting */

const struct config *
server_config(void)
{
	return &server_cfg;
}

int
server_secure_cookies(const struct req *r)
{
	if (server_cfg.secure_cookies >= 0)
		return server_cfg.secure_cookies;
	return r->https;
}

int
server_match(struct req *r, const char *pattern, const char *path)
{
	char	*out = r->route_buf;
	size_t	 room = sizeof(r->route_buf);
	int	 n = 0;

	while (*pattern && *path) {
		if (*pattern == '{') {
			/* "{*}" ends a pattern and takes the rest, slashes too. */
			size_t len = strcmp(pattern, "{*}") == 0 ? strlen(path) :
			    strcspn(path, "/");

			if (len == 0 || len >= room || n >= SB_ROUTE_PARAMS)
				return 0;
			memcpy(out, path, len);
			out[len] = '\0';
			r->route_params[n++] = out;
			out += len + 1;
			room -= len + 1;
			path += len;
			pattern = strchr(pattern, '}');
			if (pattern == NULL)
				return 0;
			pattern++;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

static const struct route *
server_route(const struct program *prog, struct req *r)
{
	const struct route	*found = NULL;
	const char		*method = r->method;
	size_t			 i;
	int			 path_ok = 0;

	/* HEAD is GET without a body; the web server drops the body. */
	if (strcmp(method, "HEAD") == 0)
		method = "GET";

	for (i = 0; i < prog->nroutes; i++) {
		if (!server_match(r, prog->routes[i].pattern, r->path))
			continue;
		path_ok = 1;
		if (strcmp(prog->routes[i].method, method) == 0) {
			found = &prog->routes[i];
			break;
		}
	}
	if (found)
		return found;
	memset(r->route_params, 0, sizeof(r->route_params));
	if (path_ok) {
		http_fail(r, ERR_VALIDATION, 405, "method_not_allowed",
		    "The method %s is not allowed on %s.", r->method, r->path);
		return NULL;
	}
	http_fail(r, ERR_VALIDATION, 404, "not_found", "There is no API at %s.", r->path);
	return NULL;
}

static int
server_is_write(const char *method)
{
	return strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
}

/* A key limited to some models (allowed_models not null/empty). */
static int
server_key_restricted(const struct req *r)
{
	const char	*a = r->who.allowed_models;

	return r->who.via == AUTH_VIA_KEY && a != NULL && a[0] != '\0' &&
	    strcmp(a, "null") != 0 && strcmp(a, "[]") != 0;
}

/* A management path (what the audit log records): /api/ outside sign-in
 * and the browser's chat; never the gateway's /v1/. */
static int
server_is_management(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 && strncmp(path, "/api/llm/", 9) != 0 &&
	    strncmp(path, "/api/auth/", 10) != 0;
}

/* An admin API token may call this route: its scopes name what the
 * route's path needs (auth_token_scope). */
static int
server_token_allowed(struct req *r)
{
	const char	*need = auth_token_scope(r->method, r->path), *p;
	size_t		 n;

	for (p = r->who.scopes; need != NULL && *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == strlen(need) && strncmp(p, need, n) == 0)
			return 0;
	}
	return http_fail(r, ERR_AUTH, 403, "token_scope",
	    need ? "This admin API token's scopes do not include \"%s\"." :
	    "Admin API tokens cannot call this; use a browser session.", need ? need : "");
}

int
server_authenticate(struct req *r, enum route_auth need)
{
	int	 rc;

	if (need == ROUTE_SELF)
		return 0;
	if (need == ROUTE_PUBLIC) {
		rc = auth_from_session(r);
		return rc == -1 ? -1 : 0;
	}
	/* An admin API token: no session, no CSRF token, its scopes only. */
	if ((rc = auth_from_token(r)) != 1)
		return rc == 0 ? server_token_allowed(r) : -1;
	if (need == ROUTE_USER && (rc = auth_from_key(r)) != 1) {
		/* A model-restricted key sees its models through /v1/ only:
		 * the management listings would show the owner's others. */
		if (rc == 0 && server_key_restricted(r) && strncmp(r->path, "/v1/", 4) != 0)
			return http_fail(r, ERR_AUTH, 403, "key_restricted",
			    "This API key may use only some models, so it can call /v1/ only; "
			    "use an unrestricted key or a browser session for this.");
		return rc;
	}
	if ((rc = auth_from_session(r)) == -1)
		return -1;
	if (rc == 1)
		return http_fail(r, ERR_AUTH, 401, "not_authenticated",
		    need == ROUTE_USER ? "Send a Switchboard API key as 'Authorization: Bearer "
		    "sk-sb-…' (create one under API keys), or log in." :
		    "Log in first.");
	if (need == ROUTE_ADMIN && !r->who.is_admin)
		return http_fail(r, ERR_AUTH, 403, "forbidden", "Only an administrator can do this.");
	if (server_is_write(r->method) && !auth_csrf_ok(r))
		return http_fail(r, ERR_AUTH, 403, "csrf_failed",
		    "Missing or wrong X-CSRF-Token header; reload the page and try again.");
	return 0;
}

static void
server_handle(const struct program *prog, struct req *r)
{
	const struct route	*route;
	int			 rc = -1;

	log_set_request(r->request_id);
	if (r->err.category == ERR_NONE && (route = server_route(prog, r)) != NULL &&
	    server_authenticate(r, route->auth) == 0)
		rc = route->handler(r);
	if (rc != 0 && r->status == 0)
		http_send_error(r);
	if (server_is_write(r->method) && r->who.user_id != 0 &&
	    (r->who.via == AUTH_VIA_SESSION || r->who.via == AUTH_VIA_TOKEN) &&
	    server_is_management(r->path))
		audit_record(r);
	if (r->status >= 500 || (rc != 0 && r->err.category == ERR_INTERNAL))
		log_err("%s %s -> %d %s: %s", r->method, r->path, r->status, r->err.code, r->err.message);
	else
		log_debug("%s %s -> %d (%lld us)", r->method, r->path, r->status,
		    http_now_us() - r->started_us);
	log_set_request(NULL);
}

static int
server_init(const struct program *prog, const char *path)
{
	char	 err[256];

	log_init(prog->name, LOG_INFO);
	if (config_load(&server_cfg, path, err, sizeof(err)) == -1) {
		log_err("configuration: %s", err);
		return -1;
	}
	if (server_cfg.log_debug)
		log_init(prog->name, LOG_DEBUG);
	if (vault_init(&server_cfg) == -1) {
		log_err("configuration: no master key");
		return -1;
	}
	db_configure(&server_cfg);
	nodestamp_configure(&server_cfg);
	if (migrate_auto(&server_cfg) == -1)
		return -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if (prog->init && prog->init(&server_cfg) == -1)
		return -1;
	return 0;
}

static void
server_fini(const struct program *prog)
{
	if (prog->fini)
		prog->fini();
	db_close();
	curl_global_cleanup();
	vault_shutdown();
	config_free(&server_cfg);
}

/* Install mode: the installer (account.fcgi) or 503 not_installed. */
static void
server_handle_install(const struct program *prog, struct req *r)
{
	log_set_request(r->request_id);
	if (install_handle(r, server_cfg_path, prog->installer) != 0 && r->status == 0)
		http_send_error(r);
	if (r->status >= 500 && r->status != 503)
		log_err("%s %s -> %d %s: %s", r->method, r->path, r->status,
		    r->err.code, r->err.message);
	log_set_request(NULL);
}

/* 1 configured, 0 broken, 2 install mode (no config file yet: each request
 * looks again, so every program leaves it once the installer wrote one). */
static int
server_start(const struct program *prog, const char *path)
{
	snprintf(server_cfg_path, sizeof(server_cfg_path), "%s", path);
	if (install_pending(path))
		return 2;
	return server_init(prog, path) == 0;
}

/* A config failure still answers every request, with a clear 500. */
static void
server_handle_broken(struct req *r)
{
	http_fail(r, ERR_INTERNAL, 500, "misconfigured",
	    "Switchboard is not configured correctly; the operator should run 'switchboard check'.");
	http_send_error(r);
}

int
server_busy(void)
{
	struct epoll_event ev;

	if (server_ready < 0 && server_fastcgi && epoll_wait(server_ep, &ev, 1, 0) > 0)
		server_ready = ev.data.fd;
	return server_ready >= 0;
}

/* Put the listening socket in the set (exclusive; a kernel without
 * EPOLLEXCLUSIVE, before 4.5, takes it plain) or take it out. */
static int
server_listen(int on)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
				  .data.fd = FCGI_LISTENSOCK_FILENO };

	if (on == server_listening)
		return 0;
	server_listening = on;
	if (!on)
		return epoll_ctl(server_ep, EPOLL_CTL_DEL, FCGI_LISTENSOCK_FILENO, NULL);
	if (epoll_ctl(server_ep, EPOLL_CTL_ADD, FCGI_LISTENSOCK_FILENO, &ev) == 0)
		return 0;
	ev.events = EPOLLIN;
	return epoll_ctl(server_ep, EPOLL_CTL_ADD, FCGI_LISTENSOCK_FILENO, &ev);
}

/* Keep a connection the web server will send its next request on. The set
 * has room: a full one accepts no new connection, and a kept one left it
 * while its request was served. */
static void
server_keep(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (server_nkept == SERVER_KEPT_MAX ||	/* not reached; never overflow */
	    epoll_ctl(server_ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		return;
	}
	if (++server_nkept == SERVER_KEPT_MAX)
		(void)server_listen(0);
}

static void
server_on_stop(int sig)
{
	(void)sig;
	server_stopping = 1;
}

/* SIGTERM and SIGUSR1 (the web server's "stop", which libfcgi's accept
 * obeyed) end the loop between requests: they are blocked while a request
 * is served and let in only while waiting for the next one (epoll_pwait),
 * so a request in progress is never cut and none is lost to a race. */
static int
server_signals(void)
{
	struct sigaction sa;
	sigset_t	 stop;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = server_on_stop;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGUSR1);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0 ||
	    sigprocmask(SIG_BLOCK, &stop, &server_waitmask) != 0)
		return -1;
	sigdelset(&server_waitmask, SIGTERM);
	sigdelset(&server_waitmask, SIGUSR1);
	return 0;
}

/* The connection behind the fd a wait found readable: a kept connection
 * (its next request, or the web server closing it, which libfcgi sees),
 * taken out of the set; a new one, accepted here; -1 if none (a connection
 * another process took first: the listening socket is non-blocking, every
 * process on it is this program); -2 on an error. */
static int
server_take(int fd)
{
	if (fd != FCGI_LISTENSOCK_FILENO) {
		server_nkept--;
		if (epoll_ctl(server_ep, EPOLL_CTL_DEL, fd, NULL) != 0 || server_listen(1) != 0)
			return -2;
		return fd;
	}
	if ((fd = accept(FCGI_LISTENSOCK_FILENO, NULL, NULL)) >= 0)
		return fd;
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
	    errno != ECONNABORTED)
		return -2;
	return -1;
}

/* Wait for the next request's connection (server_take): accepted here,
 * not by libfcgi, whose accept also waits up to 2 s for a connection's
 * first bytes and dropped it unanswered when a signal came in that wait.
 * With deferred work the wait is at most SERVER_IDLE_MS, after which the
 * work is done. What server_busy's poll saw while the last request was
 * served needs no second poll. The connection's fd, or -1 (an error, or
 * told to stop). */
static int
server_wait(const struct program *prog)
{
	struct epoll_event ev;
	int		 fd, pending, n;

	for (;; server_ready = -1) {
		if (server_stopping)
			return -1;
		pending = prog->deferred != NULL && prog->deferred();
		if (server_ready < 0) {
			n = epoll_pwait(server_ep, &ev, 1, pending ? SERVER_IDLE_MS : -1,
			    &server_waitmask);
			if (n == 0)
				(void)prog->idle();	/* none came within SERVER_IDLE_MS */
			if (n <= 0)
				continue;	/* or a signal: stop? */
			server_ready = ev.data.fd;
		}
		if ((fd = server_take(server_ready)) != -1)
			return fd < 0 ? -1 : fd;
	}
}

/* Accept the next request (FCGX_Accept_r's result) on the connection
 * found above: libfcgi reads from a connection it is given (ipcFd) and
 * keeps it open across its own finish of the last request (keepConnection;
 * the web server's begin record sets it again). A connection closed before
 * its request makes libfcgi close it and accept another itself, which on
 * the non-blocking socket may find none (EAGAIN): then wait here again. */
static int
server_accept(const struct program *prog, FCGX_Request *freq)
{
	int	 fd, rc;

	do {
		fd = server_wait(prog);
		server_ready = -1;	/* a new request: ask afresh */
		if (fd < 0)
			return -1;
		freq->ipcFd = fd;
		freq->keepConnection = 1;
		rc = FCGX_Accept_r(freq);
	} while (rc == -EAGAIN || rc == -EWOULDBLOCK);
	return rc;
}

/* Whether the web server has sent all it will (a body was read whole, and
 * the end of the input follows it at once), so that the connection may be
 * closed at once: libfcgi otherwise shuts down its side and reads until the
 * web server closes, so that unread input cannot reset the connection under
 * a response still in flight. That costs three system calls per request.
 * Without a Content-Length nothing is read: a body may still be coming. */
static int
server_input_done(FCGX_Request *freq, const struct req *r)
{
	const char	*cl = http_param(r, "CONTENT_LENGTH");
	long long	 len = cl && *cl ? strtoll(cl, NULL, 10) : 0;

	if (len <= 0 || r->body == NULL || (long long)r->body_len != len)
		return 0;
	return FCGX_GetChar(freq->in) == EOF;
}

/* *ok is 1 (configured), 0 (broken), 2 (install mode) or -1 (not yet: the
 * config path comes from the first request's parameters, as Apache's SetEnv
 * in .htaccess passes it, when the environment has none). */
static int
server_loop(const struct program *prog, int *okp)
{
	FCGX_Request	 freq;
	struct req	 r;
	const char	*path;
	int		 ok, rc;

	if (FCGX_InitRequest(&freq, FCGI_LISTENSOCK_FILENO, 0) != 0 ||
	    server_signals() != 0 ||
	    fcntl(FCGI_LISTENSOCK_FILENO, F_SETFL,
	    fcntl(FCGI_LISTENSOCK_FILENO, F_GETFL) | O_NONBLOCK) == -1 ||
	    (server_ep = epoll_create1(EPOLL_CLOEXEC)) == -1 || server_listen(1) != 0)
		return 1;
	server_fastcgi = 1;
	while (server_accept(prog, &freq) >= 0) {
		if (*okp == -1 || *okp == 2) {
			path = FCGX_GetParam("SWITCHBOARD_CONFIG", freq.envp);
			*okp = server_start(prog, path && *path ? path : config_path());
		}
		ok = *okp;
		rc = http_req_init(&r, freq.envp, freq.in, freq.out,
		    ok == 1 ? server_cfg.url_prefix : "");
		if (rc == 0 && ok == 2)
			server_handle_install(prog, &r);
		else if (rc == 0 && ok == 0)
			server_handle_broken(&r);
		else if (ok == 1)
			server_handle(prog, &r);
		else
			http_send_error(&r);
		if (rc == 0 && server_input_done(&freq, &r))
			freq.detached = 1;	/* FCGX_Finish_r then just closes */
		http_req_free(&r);
		FCGX_Finish_r(&freq);
		if (freq.ipcFd >= 0) {	/* the web server keeps it */
			server_keep(freq.ipcFd);
			freq.ipcFd = -1;
		}
		if (ok == 1 && prog->answered != NULL)
			prog->answered();
	}
	FCGX_Free(&freq, 1);
	close(server_ep);	/* the kept connections close as the process exits */
	return 0;
}

/* Under CGI, read what the handler left of the body (up to the limit) so the
 * web server's write of it does not fail with a reset connection. */
static void
server_drain_stdin(const struct req *r)
{
	const char	*cl = http_param(r, "CONTENT_LENGTH");
	char		 sink[8192];
	long long	 left = cl ? strtoll(cl, NULL, 10) : 0;
	size_t		 n;

	if (r->body != NULL || left <= 0 || left > SB_MAX_BODY_HARD)
		return;
	while (left > 0 && (n = fread(sink, 1, sizeof(sink), stdin)) > 0)
		left -= (long long)n;
}

int
server_run(const struct program *prog)
{
	struct req	 r;
	const char	*env = getenv("SWITCHBOARD_CONFIG");
	int		 ok = -1, rc = 0;

	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0)
		return 1;
	if (FCGX_IsCGI() || (env && *env))
		ok = server_start(prog, config_path());
	if (!FCGX_IsCGI()) {
		rc = server_loop(prog, &ok);
	} else {
		if (http_req_init(&r, environ, NULL, NULL, ok == 1 ? server_cfg.url_prefix : "") == -1)
			http_send_error(&r);
		else if (ok == 2)
			server_handle_install(prog, &r);
		else if (ok == 1)
			server_handle(prog, &r);
		else
			server_handle_broken(&r);
		server_drain_stdin(&r);
		http_req_free(&r);
	}
	if (ok == 1)
		server_fini(prog);
	return rc;
}
