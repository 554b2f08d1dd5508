/* tzbucket: IANA time-zone names and local hour/day/month buckets of UTC time.
 * A name is accepted only if it is a plain relative path of safe characters
 * naming a TZif file under /usr/share/zoneinfo (no "..", no absolute paths,
 * no leap-second "right/" zones). Bucket edges follow the zone's rules, so a
 * DST day has 23 or 25 hours. Not thread-safe: it switches the process TZ
 * for the duration of one call and restores it. */
#ifndef SB_TZBUCKET_H
#define SB_TZBUCKET_H

#include <stddef.h>
#include <stdint.h>

#define TZB_ZONEINFO	"/usr/share/zoneinfo"	/* unless $TZDIR says otherwise */
#define TZB_DIR_MAX	256
#define TZB_NAME_MAX	64	/* longest accepted zone name */
#define TZB_LABEL_MAX	64
#define TZB_MAX_BUCKETS	2000	/* most buckets one call may make */

enum tzb_unit { TZB_HOUR = 0, TZB_DAY, TZB_MONTH, TZB_UNIT__MAX };
extern const char *const tzb_unit_names[TZB_UNIT__MAX];

enum tzb_status { TZB_OK = 0, TZB_BAD_ZONE, TZB_BAD_RANGE, TZB_TOO_MANY,
	TZB_NOMEM };

struct tzb_bucket {
	int64_t	 start;			/* UTC epoch seconds, inclusive */
	int64_t	 end;			/* exclusive */
	int	 offset_min;		/* UTC offset at start, minutes */
	char	 label[TZB_LABEL_MAX];	/* local: "2026-03-29" (day, month)
					 * or "2026-03-29T02:00:00+01:00" */
};

struct tzb_list {
	struct tzb_bucket	*v;
	size_t			 n;
};

/* 1 if name is an acceptable zone (see above), else 0. */
int	tzb_valid_name(const char *name);
/* The start of the local unit (hour, day, month) that contains t. */
int	tzb_floor(const char *tz, int64_t t, enum tzb_unit unit, int64_t *out);
/* Start of the local unit n units after the one starting at start
 * (n may be negative); start must be a unit start from tzb_floor. */
int	tzb_step(const char *tz, int64_t start, enum tzb_unit unit, int n,
	    int64_t *out);
/* Start of local midnight of the civil date y-m-d (m 1..12) in tz. */
int	tzb_date_start(const char *tz, int y, int m, int d, int64_t *out);
/* Buckets covering [from, to): the first starts at tzb_floor(from), the last
 * contains to - 1. At most max (<= TZB_MAX_BUCKETS). Free with tzb_free. */
int	tzb_make(const char *tz, int64_t from, int64_t to, enum tzb_unit unit,
	    size_t max, struct tzb_list *out);
/* Index of the bucket holding t, or -1 (binary search). */
long	tzb_find(const struct tzb_list *l, int64_t t);
void	tzb_free(struct tzb_list *l);
/* Unit name → enum, -1 if unknown. */
int	tzb_unit_from_name(const char *s);

#endif
