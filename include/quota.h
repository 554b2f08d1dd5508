/* quota: rate limits and budgets (by month, ISO week or day) for the chat path, counted in the
 * database so they hold across processes and web nodes. Rate limits use
 * sharded one-minute windows summed on read; budgets reserve a request's
 * worst-case cost with ONE guarded conditional UPDATE and settle the real
 * cost afterwards. (Named quota, not limits: include/limits.h would shadow
 * the system header.) */
#ifndef SB_QUOTA_H
#define SB_QUOTA_H

#include "error.h"

#define QUOTA_SHARDS		8
#define QUOTA_NO_LIMIT		(-1LL)

enum quota_scope { QUOTA_GLOBAL = 0, QUOTA_USER, QUOTA_KEY, QUOTA_SCOPE__MAX };
extern const char *const quota_scope_names[QUOTA_SCOPE__MAX];

/* A budget's window, UTC: the calendar month, the ISO week (from Monday) or
 * the day. Its period is named "2026-12", "2026-W49" or "2026-12-04". */
enum quota_window { QUOTA_MONTH = 0, QUOTA_WEEK, QUOTA_DAY, QUOTA_WINDOW__MAX };
extern const char *const quota_window_names[QUOTA_WINDOW__MAX];
#define QUOTA_PERIOD_MAX	11	/* "2026-12-04" and its NUL */

/* The window named s ("month", "week", "day"); QUOTA_MONTH for anything else. */
enum quota_window quota_window_parse(const char *s);
/* Whether s names a window (for client input). */
int	quota_window_known(const char *s);
/* The period of window w holding the instant now (seconds since 1970) into
 * out, and its [start, end) in seconds when those are not NULL. */
void	quota_period_of(enum quota_window w, long long now, char out[QUOTA_PERIOD_MAX],
	    long long *start, long long *end);

struct quota_limits {
	long long	 rpm[QUOTA_SCOPE__MAX];		/* 0 = none */
	long long	 tpm[QUOTA_SCOPE__MAX];		/* 0 = none */
	long long	 budget[QUOTA_SCOPE__MAX];	/* micro-USD, QUOTA_NO_LIMIT = none */
	enum quota_window window[QUOTA_SCOPE__MAX];
	int		 alert_pct[QUOTA_SCOPE__MAX];
	int		 hard_stop[QUOTA_SCOPE__MAX];
	long long	 concurrent[QUOTA_SCOPE__MAX];	/* in flight, 0 = none */
};

/* What the rate check saw, for x-ratelimit-* headers (the tightest limit). */
struct quota_rate_info {
	long long	 limit;		/* 0 = no request limit applies */
	long long	 remaining;
	int		 reset_s;
};

/* A budget reservation to settle after the request. */
struct quota_reservation {
	long long	 scope_id[QUOTA_SCOPE__MAX];	/* 0 = nothing reserved */
	long long	 micros;
	int		 alert_pct[QUOTA_SCOPE__MAX];
	char		 period[QUOTA_SCOPE__MAX][QUOTA_PERIOD_MAX];	/* each scope's */
	int		 active;
};

struct db_rows;

/* Once per process: the default cap on a user's requests in flight. */
void	quota_configure(int user_max_concurrent);
/* No limits but the global request limit (global_rpm, 0 = none). */
void	quota_limits_init(struct quota_limits *l, int global_rpm);
/* Scope s from columns off..off+4 of row 0: rpm, tpm, budget micros
 * (NULL = none), alert percent, hard stop. */
void	quota_limits_row(const struct db_rows *rows, int off,
	    struct quota_limits *l, enum quota_scope s);
/* The user's and the key's concurrency caps from columns cu and ck of row
 * 0 (NULL: none; the user's falls back to [limits] user_max_concurrent). */
void	quota_concurrency_row(const struct db_rows *rows, int cu, int ck,
	    struct quota_limits *l);
/* The user's and the key's budget windows from columns wu and wk of row 0. */
void	quota_window_row(const struct db_rows *rows, int wu, int wk,
	    struct quota_limits *l);
/* Load the caller's limits (key_id 0 = session). 0, or -1 with e (503). */
int	quota_load(long long user_id, long long key_id, int global_rpm,
	    struct quota_limits *l, struct sb_error *e);
/* Count this request against every request limit; 0 allowed, or -1 with e
 * set (429 rate_limit, e->retry_after) and nothing counted. */
int	quota_rate_check(const struct quota_limits *l, long long user_id,
	    long long key_id, struct quota_rate_info *info, struct sb_error *e);
/* Add used tokens to this minute's windows (for tokens-per-minute limits). */
void	quota_rate_tokens(const struct quota_limits *l, long long user_id,
	    long long key_id, long long tokens);
/* Reserve micros against the user's and the key's budgets, each in the
 * period of its window now. 0, or -1
 * with e set (402 budget "budget_exceeded") and nothing reserved. */
int	quota_budget_reserve(const struct quota_limits *l, long long user_id,
	    long long key_id, long long micros, struct quota_reservation *res,
	    struct sb_error *e);
/* Release the reservation and add the real cost (once; then inactive).
 * DB_OK, or the first failing scope's db_status (the other scopes are
 * settled all the same; inside a transaction, the caller rolls back). */
int	quota_budget_settle(struct quota_reservation *res, long long actual);

#endif
