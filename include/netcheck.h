/* netcheck: is a provider base_url safe to connect to?  https only, and no
 * loopback/private/link-local/unique-local/CGNAT/multicast/unspecified or
 * otherwise reserved address unless allow_private (then plain http to such
 * addresses is allowed too).  The check runs on every address the name
 * resolves to, and hands back the checked address so the caller pins it
 * with CURLOPT_RESOLVE: no DNS rebinding between check and use.  Callers must
 * not follow redirects (CURLOPT_FOLLOWLOCATION off). */
#ifndef SB_NETCHECK_H
#define SB_NETCHECK_H

#include <stddef.h>
#include <sys/socket.h>

#define NETCHECK_URL_MAX	512
#define NETCHECK_HOST_MAX	253
#define NETCHECK_ADDR_MAX	46	/* INET6_ADDRSTRLEN */

/* What an address is; everything but PUBLIC is refused by default. */
enum netcheck_class {
	NETCHECK_PUBLIC = 0,
	NETCHECK_LOOPBACK,	/* 127/8, ::1 */
	NETCHECK_PRIVATE,	/* 10/8, 172.16/12, 192.168/16, fec0::/10 */
	NETCHECK_LINK_LOCAL,	/* 169.254/16, fe80::/10 */
	NETCHECK_UNIQUE_LOCAL,	/* fc00::/7 */
	NETCHECK_CGNAT,		/* 100.64/10 */
	NETCHECK_MULTICAST,	/* 224/4, ff00::/8 */
	NETCHECK_UNSPECIFIED,	/* 0/8, :: */
	NETCHECK_RESERVED,	/* documentation, benchmarking, 240/4, broadcast, ... */
	NETCHECK_CLASS__MAX
};
extern const char *const netcheck_class_names[NETCHECK_CLASS__MAX];

enum netcheck_status {
	NETCHECK_OK = 0,
	NETCHECK_EURL,		/* not an absolute http(s) URL we accept */
	NETCHECK_ESCHEME,	/* http where https is required */
	NETCHECK_EADDRESS,	/* resolves to a refused address */
	NETCHECK_ERESOLVE,	/* the name does not resolve */
	NETCHECK__MAX
};

struct netcheck_url {
	int	 https;
	char	 host[NETCHECK_HOST_MAX + 1];	/* without IPv6 brackets */
	int	 port;
	int	 host_is_ip;
};

/* The result of a successful check: where to connect, and the line for
 * CURLOPT_RESOLVE ("host:port:addr", IPv6 addr in brackets). */
struct netcheck_target {
	struct netcheck_url	 url;
	char			 addr[NETCHECK_ADDR_MAX];
	enum netcheck_class	 klass;
	char			 resolve[NETCHECK_HOST_MAX + NETCHECK_ADDR_MAX + 16];
};

/* Syntax only: scheme http/https, host (name, IPv4, [IPv6]), optional port,
 * optional path; no userinfo, query, fragment, whitespace or control bytes;
 * at most NETCHECK_URL_MAX bytes.  Returns NETCHECK_OK or NETCHECK_EURL. */
int	netcheck_parse_url(const char *url, struct netcheck_url *out);
/* Classify one address (AF_INET or AF_INET6 sockaddr); IPv4-mapped,
 * NAT64 and 6to4 IPv6 addresses are classified by the IPv4 inside. */
enum netcheck_class netcheck_classify(const struct sockaddr *sa);
/* Classify a numeric address text; -1 when it is not one. */
int	netcheck_classify_text(const char *addr);
/* Is an address of this class acceptable under allow_private? */
int	netcheck_class_allowed(enum netcheck_class c, int allow_private);
/* Parse, resolve (getaddrinfo; IP literals without DNS), check every
 * address and the scheme, and fill *t.  Returns a netcheck_status; on
 * failure msg (may be NULL) gets a fixed, actionable sentence. */
int	netcheck_check(const char *url, int allow_private, struct netcheck_target *t,
	    char *msg, size_t msgsize);
const char *netcheck_strerror(int status);

#endif
