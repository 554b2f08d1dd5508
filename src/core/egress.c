/* egress: the SSRF guard on every upstream connection (see egress.h). It
 * owns the policy's application to a libcurl handle: the check before, the
 * pin, the connect-time peer check and the proxy override. It must not
 * decide the policy (netcheck does) nor perform transfers (callers do). */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "egress.h"
#include "log.h"

/* Called by curl for every socket it opens: refuse any peer the policy does
 * not allow, whatever name or cache brought curl there. */
static curl_socket_t
egress_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct egress		*e = ud;
	enum netcheck_class	 c;

	(void)purpose;
	c = netcheck_classify(&a->addr);
	if (!netcheck_class_allowed(c, e->allow_private)) {
		e->refused = 1;
		if (a->family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)&a->addr)->sin_addr,
			    e->refused_addr, sizeof(e->refused_addr));
		else if (a->family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr,
			    e->refused_addr, sizeof(e->refused_addr));
		log_warn("refused a connection to a %s address (%s)",
		    netcheck_class_names[c], e->refused_addr);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/* "scheme://host[:port]" of url into out: the part the policy judges (the
 * path and query are the adapter's business). 0, or -1 when it does not fit
 * or has no scheme. */
static int
egress_origin(const char *url, char *out, size_t size)
{
	const char	*p = strstr(url, "://");
	size_t		 n;

	if (p == NULL)
		return -1;
	p += 3;
	n = (size_t)(p - url) + strcspn(p, "/?#");
	if (n >= size)
		return -1;
	memcpy(out, url, n);
	out[n] = '\0';
	return 0;
}

int
egress_open(CURL *h, const char *url, int allow_private, struct egress *e,
    char *msg, size_t msgsize)
{
	int	 rc;
	char	 origin[NETCHECK_URL_MAX + 1];

	memset(e, 0, sizeof(*e));
	e->allow_private = allow_private;
	if (egress_origin(url, origin, sizeof(origin)) != 0) {
		if (msg && msgsize)
			snprintf(msg, msgsize, "%s", netcheck_strerror(NETCHECK_EURL));
		return NETCHECK_EURL;
	}
	rc = netcheck_check(origin, allow_private, &e->target, msg, msgsize);
	if (rc != NETCHECK_OK)
		return rc;
	if (e->target.resolve[0] != '\0' &&
	    (e->pin = curl_slist_append(NULL, e->target.resolve)) == NULL) {
		if (msg && msgsize)
			snprintf(msg, msgsize, "out of memory");
		return NETCHECK_ERESOLVE;
	}
	curl_easy_setopt(h, CURLOPT_RESOLVE, e->pin);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, egress_open_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, e);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	return NETCHECK_OK;
}

void
egress_release(CURL *h, struct egress *e)
{
	curl_easy_setopt(h, CURLOPT_RESOLVE, NULL);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, NULL);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, NULL);
	curl_slist_free_all(e->pin);
	e->pin = NULL;
}
