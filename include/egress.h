/* egress: every connection to an upstream (chat, embeddings, model sync,
 * key checks, probes) goes through here. The URL is checked under the
 * endpoint policy (netcheck: https, no private/loopback/link-local/metadata
 * address unless allow_private_endpoints), the handle is pinned to the
 * checked address (CURLOPT_RESOLVE), the socket callback checks the peer
 * curl actually connects to (so a later DNS answer, a reused name or a
 * rebinding can never reach a refused address), and proxies from the
 * environment are ignored. Knows nothing of what is sent. */
#ifndef SB_EGRESS_H
#define SB_EGRESS_H

#include <stddef.h>

#include <curl/curl.h>

#include "netcheck.h"

struct egress {
	struct netcheck_target	 target;		/* the checked URL and address */
	struct curl_slist	*pin;			/* the CURLOPT_RESOLVE line */
	int			 allow_private;
	int			 refused;		/* the socket check refused a peer */
	char			 refused_addr[NETCHECK_ADDR_MAX];
};

/* Check url under the policy and set h up to connect only to what was
 * checked. NETCHECK_OK, or a netcheck status with msg (may be NULL) filled
 * with a fixed sentence; h is untouched then. Call egress_release after the
 * transfer either way. */
int	egress_open(CURL *h, const char *url, int allow_private, struct egress *e,
	    char *msg, size_t msgsize);
/* Drop the pin and the callbacks from h. */
void	egress_release(CURL *h, struct egress *e);

#endif
