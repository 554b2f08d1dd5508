/* sbconst: the fixed limits that more than one module relies on, named in
 * one place (a limit only one module uses stays in that module, next to the
 * code it bounds). Values that make sense to change per site are also INI
 * settings (config.h); these are their defaults and hard caps. */
#ifndef SB_SBCONST_H
#define SB_SBCONST_H

#define SB_MAX_BODY_DEFAULT	(10L * 1024 * 1024)	/* request body, bytes */
#define SB_MAX_BODY_HARD	(64L * 1024 * 1024)
#define SB_MAX_JSON_DEPTH	64
#define SB_MAX_UPSTREAM_BODY	(32u * 1024 * 1024)	/* an upstream request or answer, bytes */
#define SB_DEFAULT_MAX_OUTPUT	4096	/* output tokens when the request and the model say none */
#define SB_TRUST_MAX_S		60	/* [chat] route_cache_s / key_cache_s cap */
#define SB_ROLLUP_LAG_DEFAULT_MIN	15	/* an hour is rolled this long after it ends */
#define SB_RETENTION_DEFAULT_D	90	/* [usage] retention_days */
#define SB_RETENTION_MIN_D	2	/* health needs 24 h of raw rows */
#define SB_SYNC_TIMEOUT_MS_DEFAULT 15000	/* [sync] timeout_ms: a list fetch, per page */
#define SB_MAX_JSON_NODES	100000	/* values in one request body: caps what parsing costs */
#define SB_AUTH_MAX_BODY	16384	/* bodies under /api/auth/, read before anyone is known */
#define SB_ACCOUNT_MAX_BODY	65536	/* the other account.fcgi bodies */
#define SB_DB_RETRY_AFTER_S	2	/* Retry-After on 503 database_unavailable */
#define SB_MAX_PATH		2048
#define SB_MAX_QUERY		4096
#define SB_MAX_HEADER		8192
#define SB_MAX_USERNAME		64
#define SB_MIN_PASSWORD		8
#define SB_MAX_PASSWORD		256
#define SB_MAX_NAME		100	/* key names, config names */
#define SB_MAX_MODEL_ID		255
#define SB_MAX_MODEL_REF	320	/* provider/model */
#define SB_MAX_URL		512
#define SB_MAX_API_KEY		1024
#define SB_ROUTE_PARAMS		4
#define SB_SESSION_TTL_DEFAULT	(7L * 24 * 3600)
#define SB_PBKDF2_ITER_DEFAULT	600000	/* OWASP 2023 for PBKDF2-HMAC-SHA256 */
#define SB_PBKDF2_ITER_MIN	1000
#define SB_LOGIN_MAX_FAILURES	5	/* per user+address per window */
#define SB_LOGIN_MAX_ADDR	50	/* per address per window */
#define SB_LOGIN_WINDOW_S	900
#define SB_REQUEST_ID_LEN	32
#define SB_TOKEN_BYTES		32	/* session tokens and gateway key secrets */
#define SB_LOG_LINE		2048

#endif
