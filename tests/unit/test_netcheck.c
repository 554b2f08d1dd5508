/* Unit tests for netcheck: the address classification table (IPv4, IPv6 and
 * IPv4 embedded in IPv6), URL syntax, and whole checks that need no DNS
 * (IP literals) plus "localhost" from /etc/hosts. */
#include "unit.h"
#include "netcheck.h"

struct class_case {
	const char		*addr;
	enum netcheck_class	 want;
};

static const struct class_case class_cases[] = {
	{ "8.8.8.8", NETCHECK_PUBLIC },
	{ "1.1.1.1", NETCHECK_PUBLIC },
	{ "0.0.0.0", NETCHECK_UNSPECIFIED },
	{ "0.1.2.3", NETCHECK_UNSPECIFIED },
	{ "10.0.0.1", NETCHECK_PRIVATE },
	{ "10.255.255.255", NETCHECK_PRIVATE },
	{ "100.63.255.255", NETCHECK_PUBLIC },
	{ "100.64.0.1", NETCHECK_CGNAT },
	{ "100.127.255.255", NETCHECK_CGNAT },
	{ "100.128.0.0", NETCHECK_PUBLIC },
	{ "127.0.0.1", NETCHECK_LOOPBACK },
	{ "127.255.255.254", NETCHECK_LOOPBACK },
	{ "169.254.169.254", NETCHECK_RESERVED },	/* cloud metadata: always refused */
	{ "169.254.170.2", NETCHECK_RESERVED },
	{ "169.254.1.1", NETCHECK_LINK_LOCAL },
	{ "100.100.100.200", NETCHECK_RESERVED },
	{ "fd00:ec2::254", NETCHECK_RESERVED },
	{ "fd00:ec2::253", NETCHECK_UNIQUE_LOCAL },
	{ "172.15.255.255", NETCHECK_PUBLIC },
	{ "172.16.0.1", NETCHECK_PRIVATE },
	{ "172.31.255.255", NETCHECK_PRIVATE },
	{ "172.32.0.0", NETCHECK_PUBLIC },
	{ "192.0.0.8", NETCHECK_RESERVED },
	{ "192.0.2.1", NETCHECK_RESERVED },
	{ "192.88.99.1", NETCHECK_RESERVED },
	{ "192.168.1.1", NETCHECK_PRIVATE },
	{ "198.18.0.1", NETCHECK_RESERVED },
	{ "198.19.255.255", NETCHECK_RESERVED },
	{ "198.51.100.7", NETCHECK_RESERVED },
	{ "203.0.113.9", NETCHECK_RESERVED },
	{ "224.0.0.1", NETCHECK_MULTICAST },
	{ "239.255.255.250", NETCHECK_MULTICAST },
	{ "240.0.0.1", NETCHECK_RESERVED },
	{ "255.255.255.255", NETCHECK_RESERVED },
	{ "::", NETCHECK_UNSPECIFIED },
	{ "::1", NETCHECK_LOOPBACK },
	{ "::2", NETCHECK_RESERVED },
	{ "::ffff:127.0.0.1", NETCHECK_LOOPBACK },
	{ "::ffff:10.1.2.3", NETCHECK_PRIVATE },
	{ "::ffff:8.8.8.8", NETCHECK_PUBLIC },
	{ "::127.0.0.1", NETCHECK_RESERVED },
	{ "64:ff9b::127.0.0.1", NETCHECK_LOOPBACK },
	{ "64:ff9b::8.8.4.4", NETCHECK_PUBLIC },
	{ "64:ff9b:1::1", NETCHECK_PRIVATE },
	{ "100::1", NETCHECK_RESERVED },
	{ "2001::1", NETCHECK_RESERVED },
	{ "2001:db8::1", NETCHECK_RESERVED },
	{ "3fff::1", NETCHECK_RESERVED },
	{ "2002:7f00:1::1", NETCHECK_LOOPBACK },
	{ "2002:c0a8:101::1", NETCHECK_PRIVATE },
	{ "2002:808:808::1", NETCHECK_PUBLIC },
	{ "fc00::1", NETCHECK_UNIQUE_LOCAL },
	{ "fd12:3456:789a::1", NETCHECK_UNIQUE_LOCAL },
	{ "fe80::1", NETCHECK_LINK_LOCAL },
	{ "febf::1", NETCHECK_LINK_LOCAL },
	{ "fec0::1", NETCHECK_PRIVATE },
	{ "ff02::1", NETCHECK_MULTICAST },
	{ "2606:4700:4700::1111", NETCHECK_PUBLIC },
	{ "2a00:1450:4001:80b::200e", NETCHECK_PUBLIC },
	{ "4000::1", NETCHECK_RESERVED },
};

static void
test_classify(void)
{
	size_t	 i;
	int	 c;

	for (i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]); i++) {
		c = netcheck_classify_text(class_cases[i].addr);
		if (c != (int)class_cases[i].want)
			fprintf(stderr, "classify %s: got %d want %d\n", class_cases[i].addr,
			    c, class_cases[i].want);
		CHECK(c == (int)class_cases[i].want);
	}
	CHECK(netcheck_classify_text("not-an-ip") == -1);
	CHECK(netcheck_classify_text("127.1") == -1);
	CHECK(netcheck_class_allowed(NETCHECK_PUBLIC, 0));
	CHECK(!netcheck_class_allowed(NETCHECK_LOOPBACK, 0));
	CHECK(netcheck_class_allowed(NETCHECK_LOOPBACK, 1));
	CHECK(netcheck_class_allowed(NETCHECK_CGNAT, 1));
	CHECK(!netcheck_class_allowed(NETCHECK_MULTICAST, 1));
	CHECK(!netcheck_class_allowed(NETCHECK_UNSPECIFIED, 1));
	CHECK(!netcheck_class_allowed(NETCHECK_RESERVED, 1));
}

struct url_case {
	const char	*url;
	int		 ok;
	const char	*host;
	int		 port;
};

static const struct url_case url_cases[] = {
	{ "https://api.openai.com/v1", 1, "api.openai.com", 443 },
	{ "https://api.openai.com", 1, "api.openai.com", 443 },
	{ "HTTPS://Example.COM:8443/x/y", 1, "Example.COM", 8443 },
	{ "http://localhost:11434/v1", 1, "localhost", 11434 },
	{ "http://127.0.0.1:8080", 1, "127.0.0.1", 8080 },
	{ "https://[::1]:8443/v1", 1, "::1", 8443 },
	{ "https://[2606:4700::1]/", 1, "2606:4700::1", 443 },
	{ "https://a-b.c-d.example/", 1, "a-b.c-d.example", 443 },
	{ "ftp://example.com", 0, NULL, 0 },
	{ "example.com", 0, NULL, 0 },
	{ "https://", 0, NULL, 0 },
	{ "https:///v1", 0, NULL, 0 },
	{ "https://user:pw@example.com/", 0, NULL, 0 },
	{ "https://example.com/v1?x=1", 0, NULL, 0 },
	{ "https://example.com/#frag", 0, NULL, 0 },
	{ "https://exa mple.com/", 0, NULL, 0 },
	{ "https://example.com\\@evil.com/", 0, NULL, 0 },
	{ "https://example.com:0/", 0, NULL, 0 },
	{ "https://example.com:65536/", 0, NULL, 0 },
	{ "https://example.com:/", 0, NULL, 0 },
	{ "https://example.com:12a/", 0, NULL, 0 },
	{ "https://example.com:000443/", 0, NULL, 0 },
	{ "https://-bad.example.com/", 0, NULL, 0 },
	{ "https://bad-.example.com/", 0, NULL, 0 },
	{ "https://ex..ample.com/", 0, NULL, 0 },
	{ "https://example.com./", 0, NULL, 0 },
	{ "https://exa_mple.com/", 0, NULL, 0 },
	{ "https://127.1/", 0, NULL, 0 },
	{ "https://2130706433/", 0, NULL, 0 },
	{ "https://0x7f.0.0.1/", 0, NULL, 0 },
	{ "https://[::1/", 0, NULL, 0 },
	{ "https://[::1]x/", 0, NULL, 0 },
	{ "https://[nothex]/", 0, NULL, 0 },
	{ "https://caf\xc3\xa9.example/", 0, NULL, 0 },
	{ "https://example.com/\x01", 0, NULL, 0 },
};

static void
test_parse_url(void)
{
	struct netcheck_url	 u;
	char			 longurl[600];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		rc = netcheck_parse_url(url_cases[i].url, &u);
		if ((rc == NETCHECK_OK) != url_cases[i].ok)
			fprintf(stderr, "url %s: rc %d\n", url_cases[i].url, rc);
		CHECK((rc == NETCHECK_OK) == url_cases[i].ok);
		if (url_cases[i].ok && rc == NETCHECK_OK) {
			CHECK_STR(u.host, url_cases[i].host);
			CHECK(u.port == url_cases[i].port);
		}
	}
	memset(longurl, 'a', sizeof(longurl) - 1);
	longurl[sizeof(longurl) - 1] = '\0';
	memcpy(longurl, "https://x.io/", 13);
	CHECK(netcheck_parse_url(longurl, &u) == NETCHECK_EURL);
	CHECK(netcheck_parse_url(NULL, &u) == NETCHECK_EURL);
}

static void
test_check(void)
{
	struct netcheck_target	 t;
	char			 msg[256];

	/* IP literals: no DNS involved. */
	CHECK(netcheck_check("https://8.8.8.8/v1", 0, &t, msg, sizeof(msg)) == NETCHECK_OK);
	CHECK_STR(t.addr, "8.8.8.8");
	CHECK(t.resolve[0] == '\0');		/* nothing to pin for a literal */
	CHECK(netcheck_check("https://127.0.0.1/v1", 0, &t, msg, sizeof(msg)) == NETCHECK_EADDRESS);
	CHECK(strstr(msg, "loopback") != NULL && strstr(msg, "127.0.0.1") != NULL);
	CHECK(netcheck_check("https://127.0.0.1/v1", 1, &t, msg, sizeof(msg)) == NETCHECK_OK);
	CHECK(t.klass == NETCHECK_LOOPBACK);
	CHECK(netcheck_check("https://[::ffff:169.254.169.254]/", 0, &t, msg, sizeof(msg)) ==
	    NETCHECK_EADDRESS);
	CHECK(netcheck_check("http://169.254.169.254/latest", 1, &t, msg, sizeof(msg)) ==
	    NETCHECK_EADDRESS);
	CHECK(netcheck_check("http://[fd00:ec2::254]/", 1, &t, msg, sizeof(msg)) == NETCHECK_EADDRESS);
	CHECK(netcheck_check("http://169.254.1.1/v1", 1, &t, msg, sizeof(msg)) == NETCHECK_OK);
	CHECK(netcheck_check("https://[::1]:8443/", 0, &t, NULL, 0) == NETCHECK_EADDRESS);
	CHECK(netcheck_check("https://[::1]:8443/", 1, &t, NULL, 0) == NETCHECK_OK);
	CHECK(netcheck_check("https://224.0.0.1/", 1, &t, msg, sizeof(msg)) == NETCHECK_EADDRESS);
	CHECK(netcheck_check("https://0.0.0.0/", 1, &t, msg, sizeof(msg)) == NETCHECK_EADDRESS);
	/* http: never without allow_private, and never to a public address. */
	CHECK(netcheck_check("http://8.8.8.8/", 0, &t, msg, sizeof(msg)) == NETCHECK_ESCHEME);
	CHECK(netcheck_check("http://8.8.8.8/", 1, &t, msg, sizeof(msg)) == NETCHECK_ESCHEME);
	CHECK(netcheck_check("http://10.1.2.3:11434/v1", 1, &t, msg, sizeof(msg)) == NETCHECK_OK);
	CHECK(netcheck_check("http://10.1.2.3:11434/v1", 0, &t, msg, sizeof(msg)) == NETCHECK_ESCHEME);
	CHECK(netcheck_check("gopher://x/", 1, &t, msg, sizeof(msg)) == NETCHECK_EURL);
	/* A name that resolves to loopback (from /etc/hosts) is refused too. */
	CHECK(netcheck_check("https://localhost/", 0, &t, msg, sizeof(msg)) == NETCHECK_EADDRESS);
	CHECK(netcheck_check("http://localhost:9/", 1, &t, msg, sizeof(msg)) == NETCHECK_OK);
	CHECK(strncmp(t.resolve, "localhost:9:", 12) == 0);
	CHECK(netcheck_check("https://does-not-exist.invalid/", 0, &t, msg, sizeof(msg)) ==
	    NETCHECK_ERESOLVE);
	CHECK(strcmp(netcheck_strerror(NETCHECK_ESCHEME), "base_url must use https") == 0);
}

int
main(void)
{
	test_classify();
	test_parse_url();
	test_check();
	return unit_done("test_netcheck");
}
