/* usagerep: the read side of the usage log for reports, logs and metrics.
 * Below the roll-up watermark an aggregate reads daily roll-ups for whole
 * UTC days (everyone's, summed over users and keys, when the filter names
 * neither) and hourly ones for the edge hours; from the watermark on, raw
 * rows; so results are the same before and after a roll-up. Every query is
 * bound to a user id unless the caller (an admin view) passes 0. */
#ifndef SB_USAGEREP_H
#define SB_USAGEREP_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define USAGEREP_MAX_GROUPS	20000	/* rows one aggregate query may return */
#define USAGEREP_PROVIDER_MAX	64
#define USAGEREP_MODEL_MAX	320

struct usage_filter {
	long long	 user_id;	/* 0: every user (admin views only) */
	long long	 key_id;	/* 0: any key */
	const char	*provider;	/* NULL: any */
	const char	*model;		/* NULL: any */
	const char	*status;	/* logs only; NULL: any */
	int64_t		 from;		/* UTC epoch s, inclusive */
	int64_t		 to;		/* exclusive */
};

/* Where a time-keyed row came from (usagerep_series). */
enum usagerep_kind {
	USAGEREP_HOUR = 0,	/* one UTC hour (roll-up or raw) */
	USAGEREP_DAY,		/* one UTC day (daily roll-up) */
	USAGEREP_FIX,		/* an hour already counted in its DAY row */
	USAGEREP_KIND__MAX
};

struct usagerep_row {
	int64_t			 t;		/* series: hour or day start */
	enum usagerep_kind	 kind;
	char			 provider[USAGEREP_PROVIDER_MAX + 1];
	char			 model[USAGEREP_MODEL_MAX + 1];
	struct report_agg	 agg;
};

struct usagerep_result {
	struct usagerep_row	*v;
	size_t			 n;
	int64_t			 watermark;	/* rolled_until used */
};

/* Totals of f by provider and model (sorted by provider, model): daily
 * roll-ups for whole UTC days, hourly for edge hours, raw rows past the
 * watermark. f->from/to should be hour-aligned. 0 or a DB_* status. */
int	usagerep_aggregate(const struct usage_filter *f, struct usagerep_result *out);
/* Totals of f by time. With use_daily, whole UTC days come as DAY rows and
 * the hours-of-day set in fix_mask (bit h = UTC hour h) of those days also
 * as FIX rows, so a caller bucketing by local day can move them; every
 * other hour comes as an HOUR row. Without use_daily all rows are HOUR. */
int	usagerep_series(const struct usage_filter *f, int use_daily,
	    uint32_t fix_mask, struct usagerep_result *out);
void	usagerep_free(struct usagerep_result *r);

/* One page of raw log rows, newest first. The cursor (created_at string and
 * row id of the last row seen) continues after that row; pass NULL to start.
 * Columns, in order: see USAGEREP_LOG_COLS in usagerep.c. */
struct db_rows;
int	usagerep_logs(const struct usage_filter *f, const char *cursor_time,
	    long long cursor_id, long long limit, long long offset,
	    struct db_rows *out);
/* Total raw rows matching f (for page counts). */
int	usagerep_count(const struct usage_filter *f, long long *total);

/* Column indexes of a usagerep_logs row. */
enum usagerep_log_col {
	ULC_ID = 0, ULC_REQUEST_ID, ULC_CREATED_AT, ULC_USER_ID, ULC_USERNAME,
	ULC_KEY_ID, ULC_PROVIDER, ULC_REQUESTED_MODEL, ULC_RESOLVED_MODEL,
	ULC_ENDPOINT, ULC_IS_STREAM, ULC_PROMPT, ULC_COMPLETION, ULC_TOTAL,
	ULC_COST, ULC_PRICE_KNOWN, ULC_ESTIMATED, ULC_LATENCY, ULC_TTFT,
	ULC_HTTP_STATUS, ULC_STATUS, ULC_ERR_CATEGORY, ULC_ERR_MESSAGE,
	ULC_ATTEMPTS, ULC_ROUTE, ULC__MAX
};

#endif
