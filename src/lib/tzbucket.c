/* tzbucket: local-time buckets in an IANA zone (tzbucket.h). Uses the C
 * library's zone rules by pointing TZ at the validated zone file for one call;
 * all arithmetic on civil dates is done in UTC (timegm) to avoid mktime's
 * guesses, and bucket edges are searched on the 15-minute grid that every
 * modern UTC offset lies on. Knows nothing of HTTP or SQL. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tzbucket.h"

#define TZB_GRID	900	/* seconds: offsets are multiples of 15 min */
#define TZB_MIN_T	946684800LL	/* 2000-01-01: earliest time served */
#define TZB_MAX_T	4102444800LL	/* 2100-01-01: latest */

const char *const tzb_unit_names[TZB_UNIT__MAX] = { "hour", "day", "month" };

/* --- zone names ---------------------------------------------------------- */

static int
tzb_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+';
}

/* Syntax only: components of safe characters, none starting with '.' or
 * '-', separated by single slashes; no leading or trailing slash. */
static int
tzb_name_syntax(const char *s)
{
	size_t	 i, n = strlen(s), comp = 0;

	if (n == 0 || n > TZB_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '/') {
			if (comp == 0)
				return 0;
			comp = 0;
			continue;
		}
		if (!tzb_name_char((unsigned char)s[i]))
			return 0;
		if (comp == 0 && s[i] == '-')
			return 0;
		comp++;
	}
	if (comp == 0)
		return 0;
	return strncmp(s, "right/", 6) != 0 && strcmp(s, "posixrules") != 0 &&
	    strcmp(s, "localtime") != 0;
}

int
tzb_valid_name(const char *name)
{
	char		 path[TZB_DIR_MAX + TZB_NAME_MAX + 2];
	const char	*dir;
	char		 magic[4];
	struct stat	 st;
	int		 fd, ok = 0;

	if (name == NULL || !tzb_name_syntax(name))
		return 0;
	if (strcmp(name, "UTC") == 0)
		return 1;	/* glibc knows UTC without a zoneinfo file */
	if ((dir = getenv("TZDIR")) == NULL || dir[0] == '\0' ||
	    strlen(dir) > TZB_DIR_MAX)
		dir = TZB_ZONEINFO;	/* glibc's tzset reads TZDIR the same way */
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 44 &&
	    read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0)
		ok = 1;
	close(fd);
	return ok;
}

int
tzb_unit_from_name(const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < TZB_UNIT__MAX; i++)
		if (strcmp(s, tzb_unit_names[i]) == 0)
			return i;
	return -1;
}

/* --- switching the process zone for one call ----------------------------- */

struct tzb_saved {
	char	*old;		/* previous TZ value (strdup) or NULL */
	int	 had;
};

static int
tzb_enter(const char *tz, struct tzb_saved *sv)
{
	char		 val[TZB_NAME_MAX + 2];
	const char	*o;

	sv->old = NULL;
	sv->had = 0;
	if (!tzb_valid_name(tz))
		return TZB_BAD_ZONE;
	if ((o = getenv("TZ")) != NULL) {
		if ((sv->old = strdup(o)) == NULL)
			return TZB_NOMEM;
		sv->had = 1;
	}
	snprintf(val, sizeof(val), ":%s", tz);
	if (setenv("TZ", val, 1) != 0) {
		free(sv->old);
		return TZB_NOMEM;
	}
	tzset();
	return TZB_OK;
}

static void
tzb_leave(struct tzb_saved *sv)
{
	if (sv->had)
		setenv("TZ", sv->old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(sv->old);
	sv->old = NULL;
}

/* --- local arithmetic (TZ already set) ----------------------------------- */

static int
tzb_local(int64_t t, struct tm *tm)
{
	time_t	 tt = (time_t)t;

	return localtime_r(&tt, tm) != NULL ? 0 : -1;
}

/* Days since the epoch of a civil date (normalised, any m/d overflow). */
static int64_t
tzb_days(int y, int m, int d)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	return (int64_t)timegm(&tm) / 86400;
}

static int64_t
tzb_local_days(int64_t t)
{
	struct tm	 tm;

	if (tzb_local(t, &tm) != 0)
		return INT64_MIN;
	return tzb_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* First instant whose local date is day number dn: guess at UTC midnight
 * minus the offset there, then walk the 15-minute grid. */
static int64_t
tzb_day_start_n(int64_t dn)
{
	struct tm	 tm;
	int64_t		 t = dn * 86400;
	int		 i;

	if (tzb_local(t, &tm) != 0)
		return INT64_MIN;
	t -= tm.tm_gmtoff;
	t -= t % TZB_GRID;
	for (i = 0; i < 400 && tzb_local_days(t) < dn; i++)
		t += TZB_GRID;
	for (i = 0; i < 400 && tzb_local_days(t - TZB_GRID) >= dn; i++)
		t -= TZB_GRID;
	return t;
}

static int64_t
tzb_hour_floor(int64_t t)
{
	struct tm	 tm;

	if (tzb_local(t, &tm) != 0)
		return INT64_MIN;
	return t - tm.tm_min * 60 - tm.tm_sec;
}

static int64_t
tzb_floor_in(int64_t t, enum tzb_unit unit)
{
	struct tm	 tm;

	if (unit == TZB_HOUR)
		return tzb_hour_floor(t);
	if (tzb_local(t, &tm) != 0)
		return INT64_MIN;
	if (unit == TZB_MONTH)
		tm.tm_mday = 1;
	return tzb_day_start_n(tzb_days(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday));
}

static int64_t
tzb_next_hour(int64_t start)
{
	int64_t	 n = tzb_hour_floor(start + 3600);

	return n > start ? n : start + 3600;
}

static int64_t
tzb_step_in(int64_t start, enum tzb_unit unit, int n)
{
	struct tm	 tm;
	int		 i;

	if (unit == TZB_HOUR) {
		for (i = 0; i < n; i++)
			start = tzb_next_hour(start);
		for (i = 0; i > n; i--)
			start = tzb_hour_floor(start - 1);
		return start;
	}
	if (tzb_local(start, &tm) != 0)
		return INT64_MIN;
	if (unit == TZB_DAY)
		tm.tm_mday += n;
	else
		tm.tm_mon += n;
	return tzb_day_start_n(tzb_days(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday));
}

static void
tzb_label(struct tzb_bucket *b, enum tzb_unit unit)
{
	struct tm	 tm;
	int		 off;

	if (tzb_local(b->start, &tm) != 0) {
		b->label[0] = '\0';
		return;
	}
	off = (int)(tm.tm_gmtoff / 60);
	b->offset_min = off;
	if (unit == TZB_HOUR)
		snprintf(b->label, sizeof(b->label),
		    "%04d-%02d-%02dT%02d:%02d:00%c%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
	else if (unit == TZB_DAY)
		snprintf(b->label, sizeof(b->label), "%04d-%02d-%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	else
		snprintf(b->label, sizeof(b->label), "%04d-%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1);
}

static int
tzb_in_range(int64_t t)
{
	return t >= TZB_MIN_T && t <= TZB_MAX_T;
}

/* --- public -------------------------------------------------------------- */

int
tzb_floor(const char *tz, int64_t t, enum tzb_unit unit, int64_t *out)
{
	struct tzb_saved sv;
	int		 rc;

	if (!tzb_in_range(t) || unit < 0 || unit >= TZB_UNIT__MAX)
		return TZB_BAD_RANGE;
	if ((rc = tzb_enter(tz, &sv)) != TZB_OK)
		return rc;
	*out = tzb_floor_in(t, unit);
	tzb_leave(&sv);
	return TZB_OK;
}

int
tzb_step(const char *tz, int64_t start, enum tzb_unit unit, int n,
    int64_t *out)
{
	struct tzb_saved sv;
	int		 rc;

	if (!tzb_in_range(start) || unit < 0 || unit >= TZB_UNIT__MAX ||
	    n < -10000 || n > 10000)
		return TZB_BAD_RANGE;
	if ((rc = tzb_enter(tz, &sv)) != TZB_OK)
		return rc;
	*out = tzb_step_in(start, unit, n);
	tzb_leave(&sv);
	return TZB_OK;
}

int
tzb_date_start(const char *tz, int y, int m, int d, int64_t *out)
{
	struct tzb_saved sv;
	int		 rc;

	if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || d > 31)
		return TZB_BAD_RANGE;
	if ((rc = tzb_enter(tz, &sv)) != TZB_OK)
		return rc;
	*out = tzb_day_start_n(tzb_days(y, m, d));
	tzb_leave(&sv);
	return TZB_OK;
}

int
tzb_make(const char *tz, int64_t from, int64_t to, enum tzb_unit unit,
    size_t max, struct tzb_list *out)
{
	struct tzb_saved sv;
	struct tzb_bucket *v = NULL;
	size_t		 n = 0;
	int64_t		 t;
	int		 rc;

	out->v = NULL;
	out->n = 0;
	if (!tzb_in_range(from) || !tzb_in_range(to) || to <= from ||
	    unit < 0 || unit >= TZB_UNIT__MAX)
		return TZB_BAD_RANGE;
	if (max == 0 || max > TZB_MAX_BUCKETS)
		max = TZB_MAX_BUCKETS;
	if ((v = calloc(max, sizeof(*v))) == NULL)
		return TZB_NOMEM;
	if ((rc = tzb_enter(tz, &sv)) != TZB_OK)
		goto out;
	for (t = tzb_floor_in(from, unit); t < to; n++) {
		if (n == max) {
			rc = TZB_TOO_MANY;
			break;
		}
		v[n].start = t;
		t = tzb_step_in(t, unit, 1);
		v[n].end = t;
		tzb_label(&v[n], unit);
	}
	tzb_leave(&sv);
out:
	if (rc != TZB_OK) {
		free(v);
		return rc;
	}
	out->v = v;
	out->n = n;
	return TZB_OK;
}

long
tzb_find(const struct tzb_list *l, int64_t t)
{
	size_t	 lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t < l->v[mid].start)
			hi = mid;
		else if (t >= l->v[mid].end)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

void
tzb_free(struct tzb_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
