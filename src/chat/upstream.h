/* upstream: the HTTP call to an LLM provider over libcurl. One easy handle
 * per process, reused so connections stay alive across requests; connect,
 * first-byte and idle timeouts; the body is handed over as it arrives; a
 * tick about once a second lets the caller send heartbeats and notice a gone
 * client. Every call goes through egress (the SSRF check and pin). Knows nothing of API formats (see adapter.h) or of the client. */
#ifndef SB_UPSTREAM_H
#define SB_UPSTREAM_H

#include <stddef.h>

#include "adapter.h"
#include "buf.h"

#define UPSTREAM_MAX_ERROR_BODY	(64u * 1024)	/* kept from a non-2xx answer */
#define UPSTREAM_MAX_RETRY_AFTER 3600

struct upstream_opts {
	int	 allow_private;	/* [server] allow_private_endpoints (egress.h) */
	long	 connect_ms;
	long	 first_byte_ms;	/* until the first body byte */
	long	 idle_ms;	/* longest silence after that */
	long	 total_ms;	/* the whole attempt, however the bytes trickle (0 = none) */
};

/* Body bytes of a 2xx answer; return 0 to go on, non-zero to abort. */
typedef int (*upstream_data_fn)(void *ctx, const char *p, size_t n);
/* Called about once a second; return non-zero to abort (client gone). */
typedef int (*upstream_tick_fn)(void *ctx);

struct upstream_result {
	long		 status;	/* HTTP status, 0 when none arrived */
	enum err_category cat;		/* NONE, or network/timeout/upstream(aborted) */
	int		 aborted;	/* a callback asked to stop */
	int		 refused;	/* the endpoint policy refused the address */
	int		 retry_after;	/* seconds from Retry-After (or
					 * x-ratelimit-reset-requests), 0 = none */
	long long	 rl_limit;	/* x-ratelimit-limit-requests, -1 unknown */
	long long	 rl_remaining;	/* x-ratelimit-remaining-requests, -1 */
	long long	 first_byte_us;	/* when the first body byte came, 0 = never */
	char		 message[320];	/* for cat != NONE: what went wrong */
};

/* Once per process (after curl_global_init). 0 or -1. */
int	upstream_init(void);
void	upstream_fini(void);
/* POST (body) or GET (body NULL) call->url. A 2xx body goes to on_data; any
 * other status's body goes to errbody (capped). Returns 0 when an HTTP answer
 * was read completely (check res->status), -1 otherwise (res->cat says why). */
int	upstream_perform(const struct adapter_call *call,
	    const struct upstream_opts *o, upstream_data_fn on_data,
	    upstream_tick_fn on_tick, void *ctx, struct upstream_result *res,
	    struct buf *errbody);

#endif
