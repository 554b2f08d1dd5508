/* Unit tests for egress, with real sockets on 127.0.0.1: whatever brings
 * curl to a refused address (here CURLOPT_CONNECT_TO, standing in for a DNS
 * answer that changed after the check) is stopped at connect time and no
 * connection reaches the listener; an allowed address is reached; a proxy
 * from the environment is ignored; a refused URL leaves the handle alone. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "unit.h"
#include "egress.h"

/* A listening socket on 127.0.0.1 (ephemeral port), non-blocking. */
static int
listener(int *port)
{
	struct sockaddr_in	 a;
	socklen_t		 n = sizeof(a);
	int			 fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(fd, 8) != 0 || getsockname(fd, (struct sockaddr *)&a, &n) != 0)
		abort();
	fcntl(fd, F_SETFL, O_NONBLOCK);
	*port = ntohs(a.sin_port);
	return fd;
}

/* How many connections are waiting on the listener (accepts and closes). */
static int
connections(int fd)
{
	int	 c, k = 0;

	while ((c = accept(fd, NULL, NULL)) >= 0) {
		close(c);
		k++;
	}
	return k;
}

static size_t
discard(char *p, size_t sz, size_t nm, void *ud)
{
	(void)p; (void)ud;
	return sz * nm;
}

/* GET url through egress; connect_to (may be NULL) redirects the connection. */
static CURLcode
get(const char *url, int allow_private, const char *connect_to, struct egress *e, int *rc)
{
	CURL			*h = curl_easy_init();
	struct curl_slist	*ct = NULL;
	CURLcode		 cc = CURLE_FAILED_INIT;
	char			 msg[256];

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1500L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	if (connect_to) {
		ct = curl_slist_append(NULL, connect_to);
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, ct);
	}
	*rc = egress_open(h, url, allow_private, e, msg, sizeof(msg));
	if (*rc == NETCHECK_OK)
		cc = curl_easy_perform(h);
	egress_release(h, e);
	curl_slist_free_all(ct);
	curl_easy_cleanup(h);
	return cc;
}

static void
test_refused_at_connect(void)
{
	struct egress	 e;
	char		 ct[64];
	int		 port, fd = listener(&port), rc;

	/* A public literal passes the check; the connection is then steered to
	 * the loopback listener: the socket check must refuse it. */
	snprintf(ct, sizeof(ct), "93.184.216.34:443:127.0.0.1:%d", port);
	CHECK(get("https://93.184.216.34/v1/models", 0, ct, &e, &rc) != CURLE_OK);
	CHECK(rc == NETCHECK_OK);
	CHECK(e.refused == 1);
	CHECK_STR(e.refused_addr, "127.0.0.1");
	CHECK(connections(fd) == 0);
	/* The same with private endpoints allowed reaches the listener. */
	(void)get("https://93.184.216.34/v1/models", 1, ct, &e, &rc);
	CHECK(rc == NETCHECK_OK && e.refused == 0);
	CHECK(connections(fd) == 1);
	close(fd);
}

static void
test_refused_before_connect(void)
{
	struct egress	 e;
	char		 url[64];
	int		 port, fd = listener(&port), rc;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
	CHECK(get(url, 0, NULL, &e, &rc) == CURLE_FAILED_INIT);
	CHECK(rc == NETCHECK_ESCHEME || rc == NETCHECK_EADDRESS);
	snprintf(url, sizeof(url), "https://localhost:%d/v1", port);
	CHECK(get(url, 0, NULL, &e, &rc) == CURLE_FAILED_INIT);
	CHECK(rc == NETCHECK_EADDRESS);
	CHECK(get("https://169.254.169.254/latest/meta-data/", 1, NULL, &e, &rc) ==
	    CURLE_FAILED_INIT);
	CHECK(rc == NETCHECK_EADDRESS);
	CHECK(connections(fd) == 0);
	close(fd);
}

static void
test_proxy_ignored(void)
{
	struct egress	 e;
	char		 url[64], proxy[64];
	int		 pport, tport, pfd = listener(&pport), tfd = listener(&tport), rc;

	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", pport);
	setenv("http_proxy", proxy, 1);
	setenv("https_proxy", proxy, 1);
	setenv("ALL_PROXY", proxy, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", tport);
	(void)get(url, 1, NULL, &e, &rc);
	CHECK(rc == NETCHECK_OK);
	CHECK(connections(pfd) == 0);
	CHECK(connections(tfd) == 1);
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("ALL_PROXY");
	close(pfd);
	close(tfd);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_refused_at_connect();
	test_refused_before_connect();
	test_proxy_ignored();
	curl_global_cleanup();
	return unit_done("test_egress");
}
