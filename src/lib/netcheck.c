/* netcheck: base_url validation against SSRF (see netcheck.h).  Parses the
 * URL strictly, resolves the host, classifies every address (IPv4 and IPv6
 * special ranges, with IPv4 embedded in IPv6 looked through) and returns the
 * checked address for pinning.  Knows nothing of curl or HTTP requests. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "netcheck.h"

const char *const netcheck_class_names[NETCHECK_CLASS__MAX] = {
	"public", "loopback", "private", "link-local", "unique-local",
	"carrier-grade NAT", "multicast", "unspecified", "reserved",
};

static const char *const netcheck_errors[NETCHECK__MAX] = {
	"ok",
	"base_url must be an absolute http(s) URL without credentials, query or fragment",
	"base_url must use https",
	"base_url points to a private or reserved address",
	"the base_url host name does not resolve",
};

const char *
netcheck_strerror(int status)
{
	if (status < 0 || status >= NETCHECK__MAX)
		return "unknown error";
	return netcheck_errors[status];
}

/* ---- classification --------------------------------------------------- */

struct netcheck_v4rule {
	uint32_t		 net;
	int			 bits;
	enum netcheck_class	 klass;
};

/* First match wins: the cloud metadata services come before the ranges that
 * hold them, so they stay refused even with allow_private_endpoints (which
 * a site turns on for a local Ollama, not to let users reach instance
 * credentials). */
static const struct netcheck_v4rule netcheck_v4rules[] = {
	{ 0xa9fea9fe, 32, NETCHECK_RESERVED },		/* 169.254.169.254 metadata */
	{ 0xa9feaa02, 32, NETCHECK_RESERVED },		/* 169.254.170.2 ECS metadata */
	{ 0x646464c8, 32, NETCHECK_RESERVED },		/* 100.100.100.200 Alibaba metadata */
	{ 0x00000000, 8, NETCHECK_UNSPECIFIED },	/* 0.0.0.0/8 */
	{ 0x0a000000, 8, NETCHECK_PRIVATE },		/* 10/8 */
	{ 0x64400000, 10, NETCHECK_CGNAT },		/* 100.64/10 */
	{ 0x7f000000, 8, NETCHECK_LOOPBACK },		/* 127/8 */
	{ 0xa9fe0000, 16, NETCHECK_LINK_LOCAL },	/* 169.254/16 */
	{ 0xac100000, 12, NETCHECK_PRIVATE },		/* 172.16/12 */
	{ 0xc0000000, 24, NETCHECK_RESERVED },		/* 192.0.0/24 IETF */
	{ 0xc0000200, 24, NETCHECK_RESERVED },		/* 192.0.2/24 TEST-NET-1 */
	{ 0xc0586300, 24, NETCHECK_RESERVED },		/* 192.88.99/24 6to4 relay */
	{ 0xc0a80000, 16, NETCHECK_PRIVATE },		/* 192.168/16 */
	{ 0xc6120000, 15, NETCHECK_RESERVED },		/* 198.18/15 benchmarking */
	{ 0xc6336400, 24, NETCHECK_RESERVED },		/* 198.51.100/24 TEST-NET-2 */
	{ 0xcb007100, 24, NETCHECK_RESERVED },		/* 203.0.113/24 TEST-NET-3 */
	{ 0xe0000000, 4, NETCHECK_MULTICAST },		/* 224/4 */
	{ 0xf0000000, 4, NETCHECK_RESERVED },		/* 240/4 incl. broadcast */
};

static enum netcheck_class
netcheck_classify_v4(uint32_t a)
{
	size_t	 i;

	for (i = 0; i < sizeof(netcheck_v4rules) / sizeof(netcheck_v4rules[0]); i++) {
		const struct netcheck_v4rule *r = &netcheck_v4rules[i];
		uint32_t mask = r->bits == 0 ? 0 : 0xffffffffu << (32 - r->bits);

		if ((a & mask) == r->net)
			return r->klass;
	}
	return NETCHECK_PUBLIC;
}

static uint32_t
netcheck_v4_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* 1 if the first `bits` bits of a equal those of prefix. */
static int
netcheck_v6_in(const uint8_t *a, const uint8_t *prefix, int bits)
{
	int	 full = bits / 8, rest = bits % 8;

	if (memcmp(a, prefix, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return (a[full] >> (8 - rest)) == (prefix[full] >> (8 - rest));
}

static enum netcheck_class
netcheck_classify_v6(const uint8_t *a)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff };
	static const uint8_t nat64[12] = { 0,0x64,0xff,0x9b, 0,0,0,0, 0,0,0,0 };
	static const uint8_t nat64local[16] = { 0,0x64,0xff,0x9b, 0,0x01 };
	static const uint8_t discard[16] = { 0x01,0,0,0, 0,0,0,0 };
	static const uint8_t teredo[16] = { 0x20,0x01,0,0 };
	static const uint8_t ietf[16] = { 0x20,0x01 };		/* 2001::/23 */
	static const uint8_t doc[16] = { 0x20,0x01,0x0d,0xb8 };
	static const uint8_t doc2[16] = { 0x3f,0xff };		/* 3fff::/20 */
	static const uint8_t six2four[16] = { 0x20,0x02 };
	static const uint8_t global[16] = { 0x20 };		/* 2000::/3 */
	static const uint8_t ec2meta[16] = { 0xfd,0,0x0e,0xc2, 0,0,0,0, 0,0,0,0, 0,0,0x02,0x54 };

	if (memcmp(a, zero, 15) == 0 && a[15] <= 1)
		return a[15] == 0 ? NETCHECK_UNSPECIFIED : NETCHECK_LOOPBACK;
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return netcheck_classify_v4(netcheck_v4_at(a + 12));
	if (netcheck_v6_in(a, zero, 96) || netcheck_v6_in(a, discard, 64))
		return NETCHECK_RESERVED;
	if (netcheck_v6_in(a, nat64local, 48))
		return NETCHECK_PRIVATE;
	if (memcmp(a, ec2meta, 16) == 0)
		return NETCHECK_RESERVED;	/* fd00:ec2::254 metadata */
	if (a[0] == 0xff)
		return NETCHECK_MULTICAST;
	if ((a[0] & 0xfe) == 0xfc)
		return NETCHECK_UNIQUE_LOCAL;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return NETCHECK_LINK_LOCAL;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return NETCHECK_PRIVATE;	/* deprecated site-local */
	if (netcheck_v6_in(a, six2four, 16))
		return netcheck_classify_v4(netcheck_v4_at(a + 2));
	if (netcheck_v6_in(a, teredo, 32) || netcheck_v6_in(a, ietf, 23) ||
	    netcheck_v6_in(a, doc, 32) || netcheck_v6_in(a, doc2, 20))
		return NETCHECK_RESERVED;
	if (!netcheck_v6_in(a, global, 3))
		return NETCHECK_RESERVED;	/* outside global unicast */
	return NETCHECK_PUBLIC;
}

enum netcheck_class
netcheck_classify(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;

		return netcheck_classify_v4(ntohl(s4->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

		return netcheck_classify_v6(s6->sin6_addr.s6_addr);
	}
	return NETCHECK_RESERVED;
}

int
netcheck_classify_text(const char *addr)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return netcheck_classify_v4(ntohl(a4.s_addr));
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return netcheck_classify_v6(a6.s6_addr);
	return -1;
}

int
netcheck_class_allowed(enum netcheck_class c, int allow_private)
{
	switch (c) {
	case NETCHECK_PUBLIC:
		return 1;
	case NETCHECK_LOOPBACK:
	case NETCHECK_PRIVATE:
	case NETCHECK_LINK_LOCAL:
	case NETCHECK_UNIQUE_LOCAL:
	case NETCHECK_CGNAT:
		return allow_private;
	default:
		return 0;
	}
}

/* ---- URL syntax ------------------------------------------------------- */

/* A DNS name: labels of [A-Za-z0-9-] (1..63, no edge '-'), and a last label
 * that is not all digits (so "127.1" or "2130706433" are not names). */
static int
netcheck_hostname_ok(const char *h)
{
	size_t	 label = 0;
	int	 all_digits = 1;
	const char *p;

	if (h[0] == '\0' || strlen(h) > NETCHECK_HOST_MAX)
		return 0;
	for (p = h; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || p[-1] == '-')
				return 0;
			if (*p == '\0')
				return !all_digits;
			label = 0;
			all_digits = 1;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return 0;
		if (label == 0 && *p == '-')
			return 0;
		if (!isdigit((unsigned char)*p))
			all_digits = 0;
		if (++label > 63)
			return 0;
	}
}

/* Split "host[:port]" / "[v6][:port]" (authority of len bytes) into out. */
static int
netcheck_authority(const char *s, size_t len, struct netcheck_url *out)
{
	const char	*hend, *colon = NULL;
	struct in6_addr	 a6;
	struct in_addr	 a4;
	size_t		 hl;

	if (len == 0 || memchr(s, '@', len) != NULL)
		return -1;
	if (s[0] == '[') {
		if ((hend = memchr(s, ']', len)) == NULL)
			return -1;
		hl = (size_t)(hend - s - 1);
		if (hl == 0 || hl > NETCHECK_HOST_MAX)
			return -1;
		memcpy(out->host, s + 1, hl);
		out->host[hl] = '\0';
		if (inet_pton(AF_INET6, out->host, &a6) != 1)
			return -1;
		out->host_is_ip = 1;
		hend++;
		if (hend != s + len && *hend != ':')
			return -1;
		colon = hend != s + len ? hend : NULL;
	} else {
		colon = memchr(s, ':', len);
		hl = colon ? (size_t)(colon - s) : len;
		if (hl == 0 || hl > NETCHECK_HOST_MAX)
			return -1;
		memcpy(out->host, s, hl);
		out->host[hl] = '\0';
		if (inet_pton(AF_INET, out->host, &a4) == 1)
			out->host_is_ip = 1;
		else if (!netcheck_hostname_ok(out->host))
			return -1;
	}
	out->port = out->https ? 443 : 80;
	if (colon != NULL) {
		const char	*p = colon + 1, *end = s + len;
		long		 port = 0;

		if (p == end || end - p > 5)
			return -1;
		for (; p < end; p++) {
			if (!isdigit((unsigned char)*p))
				return -1;
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535)
			return -1;
		out->port = (int)port;
	}
	return 0;
}

int
netcheck_parse_url(const char *url, struct netcheck_url *out)
{
	const char	*p, *auth, *path;
	size_t		 n;

	memset(out, 0, sizeof(*out));
	if (url == NULL || (n = strnlen(url, NETCHECK_URL_MAX + 1)) > NETCHECK_URL_MAX)
		return NETCHECK_EURL;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '?' || *p == '#' || *p == '\\')
			return NETCHECK_EURL;
	if (strncasecmp(url, "https://", 8) == 0) {
		out->https = 1;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0)
		auth = url + 7;
	else
		return NETCHECK_EURL;
	path = strchr(auth, '/');
	if (netcheck_authority(auth, path ? (size_t)(path - auth) : strlen(auth), out) != 0)
		return NETCHECK_EURL;
	return NETCHECK_OK;
}

/* ---- the whole check -------------------------------------------------- */

static void
netcheck_msg(char *msg, size_t size, const char *fmt, const char *a, const char *b)
{
	if (msg != NULL && size > 0)
		snprintf(msg, size, fmt, a, b);
}

static void
netcheck_addr_text(const struct sockaddr *sa, char *out, size_t size)
{
	const void *src = sa->sa_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

	if (inet_ntop(sa->sa_family, src, out, (socklen_t)size) == NULL)
		snprintf(out, size, "?");
}

/* Check every resolved address; keep the first in t. */
static int
netcheck_addresses(const struct addrinfo *res, int allow_private, struct netcheck_target *t,
    int *any_public, char *msg, size_t msgsize)
{
	const struct addrinfo	*ai;
	char			 text[NETCHECK_ADDR_MAX];
	enum netcheck_class	 c;
	int			 n = 0;

	*any_public = 0;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		c = netcheck_classify(ai->ai_addr);
		netcheck_addr_text(ai->ai_addr, text, sizeof(text));
		if (!netcheck_class_allowed(c, allow_private)) {
			netcheck_msg(msg, msgsize, "base_url resolves to a %s address (%s); "
			    "only public endpoints are allowed unless allow_private_endpoints "
			    "is on (and never multicast or reserved ones)",
			    netcheck_class_names[c], text);
			return NETCHECK_EADDRESS;
		}
		if (c == NETCHECK_PUBLIC)
			*any_public = 1;
		if (n++ == 0) {
			memcpy(t->addr, text, sizeof(text));
			t->klass = c;
		}
	}
	if (n == 0) {
		netcheck_msg(msg, msgsize, "base_url host %s has no IPv4 or IPv6 address%s",
		    t->url.host, "");
		return NETCHECK_ERESOLVE;
	}
	return NETCHECK_OK;
}

int
netcheck_check(const char *url, int allow_private, struct netcheck_target *t,
    char *msg, size_t msgsize)
{
	struct addrinfo		 hints, *res = NULL;
	int			 rc, any_public;

	memset(t, 0, sizeof(*t));
	if ((rc = netcheck_parse_url(url, &t->url)) != NETCHECK_OK) {
		netcheck_msg(msg, msgsize, "%s%s", netcheck_errors[rc], "");
		return rc;
	}
	if (!t->url.https && !allow_private) {
		netcheck_msg(msg, msgsize, "%s%s", netcheck_errors[NETCHECK_ESCHEME],
		    " (plain http is only allowed to private endpoints, and only when "
		    "allow_private_endpoints is on)");
		return NETCHECK_ESCHEME;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = t->url.host_is_ip ? AI_NUMERICHOST : AI_ADDRCONFIG;
	if (getaddrinfo(t->url.host, NULL, &hints, &res) != 0 || res == NULL) {
		netcheck_msg(msg, msgsize, "base_url host %s does not resolve%s", t->url.host, "");
		return NETCHECK_ERESOLVE;
	}
	rc = netcheck_addresses(res, allow_private, t, &any_public, msg, msgsize);
	freeaddrinfo(res);
	if (rc != NETCHECK_OK)
		return rc;
	if (!t->url.https && any_public) {
		netcheck_msg(msg, msgsize, "%s%s", netcheck_errors[NETCHECK_ESCHEME],
		    " for public endpoints (plain http is only allowed to private ones)");
		return NETCHECK_ESCHEME;
	}
	if (!t->url.host_is_ip)
		snprintf(t->resolve, sizeof(t->resolve), strchr(t->addr, ':') ?
		    "%s:%d:[%s]" : "%s:%d:%s", t->url.host, t->url.port, t->addr);
	return NETCHECK_OK;
}
