/* nodestamp: the host's change counter in /dev/shm and the stamps lease
 * (nodestamp.h). Owns the segment and the stamp_lease row; knows nothing
 * of what the stamps guard (chatcache.c reads them, stamp.c reports
 * changes). The segment holds this host's id in the lease, its counter,
 * the lease's epoch and term (CLOCK_MONOTONIC, which every process of a
 * host shares) and when it is next due for renewal. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "db.h"
#include "hex.h"
#include "log.h"
#include "nodestamp.h"

#define NS_MAGIC	0x3153544e42530a01ULL	/* layout 1 */
#define NS_MARGIN_MS	500	/* allowance for clocks that disagree */
#define NS_TEND_MS	1000	/* one renewal a second per host */
#define NS_CONTEST_S	60	/* a change elsewhere keeps the lease free this long */
#define NS_RETRY_MS	1000	/* a segment that cannot be opened: try again after */

struct ns_segment {
	uint64_t		 magic;
	char			 holder[33];	/* hex: this host in stamp_lease */
	_Atomic uint64_t	 count;		/* changes made on this host */
	_Atomic uint64_t	 epoch;		/* one more for each lease after a lapse */
	_Atomic int64_t		 valid_until_ms;	/* the lease holds until (0: never) */
	_Atomic int64_t		 tend_at_ms;	/* the next take or renewal */
};

/* Take the lease, or renew it: only when it is ours, free or past its term,
 * and no change elsewhere has contested it. */
static const char SQL_TAKE[] =
    "UPDATE stamp_lease SET holder = ?, lease_until = NOW(6) + INTERVAL ? SECOND"
    " WHERE id = 1 AND (holder = ? OR lease_until IS NULL OR lease_until < NOW(6))"
    " AND (contested_until IS NULL OR contested_until < NOW(6))";
/* A change on a host that does not hold the lease: stop its holder from
 * renewing it (a row changed = another host holds it, or just did). */
static const char SQL_CONTEST[] =
    "UPDATE stamp_lease SET contested_until = NOW(6) + INTERVAL ? SECOND"
    " WHERE id = 1 AND holder <> ? AND lease_until > NOW(6) - INTERVAL ? MICROSECOND";
static const char SQL_TERM_LEFT[] =
    "SELECT TIMESTAMPDIFF(MICROSECOND, NOW(6), lease_until) FROM stamp_lease WHERE id = 1";

static char			 ns_path[80];	/* "" = not used */
static int			 ns_own;	/* ns_path is this user's own (ns_open) */
static struct ns_segment	*ns_seg;
static int64_t			 ns_retry_ms;

static int64_t
ns_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t
ns_hash(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL;	/* "a" "bc" differs from "ab" "c" */
}

void
nodestamp_configure(const struct config *cfg)
{
	uint64_t	 h = 14695981039346656037ULL;
	char		 port[16];

	if (ns_seg != NULL)
		munmap(ns_seg, sizeof(*ns_seg));
	ns_seg = NULL;
	ns_path[0] = '\0';
	ns_own = 0;
	if (!cfg->node_stamps)
		return;
	snprintf(port, sizeof(port), "%d", cfg->db_port);
	h = ns_hash(ns_hash(ns_hash(ns_hash(h, cfg->db_host), cfg->db_socket), port),
	    cfg->db_name);
	snprintf(ns_path, sizeof(ns_path), "/dev/shm/switchboard-%016llx",
	    (unsigned long long)h);
}

/* A new segment, whole before anyone sees it: written under a name of its
 * own, then linked into place (a process that lost the race opens the
 * winner's). The open segment's fd, or -1. */
static int
ns_create(void)
{
	struct ns_segment	 s;
	unsigned char		 id[16];
	char			 tmp[sizeof(ns_path) + 16];
	int			 fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.%ld", ns_path, (long)getpid());
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		return -1;
	memset(&s, 0, sizeof(s));
	s.magic = NS_MAGIC;
	ok = RAND_bytes(id, sizeof(id)) == 1;
	hex_encode(id, sizeof(id), s.holder);
	ok = ok && write(fd, &s, sizeof(s)) == (ssize_t)sizeof(s) &&
	    (link(tmp, ns_path) == 0 || errno == EEXIST);
	(void)unlink(tmp);
	close(fd);
	return ok ? open(ns_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW) : -1;
}

/* The segment's fd: the host's, or where another user made that one (a
 * root-run program first, say), this user's own beside it, which makes
 * this user's processes a node of their own in the lease. -1: none. */
static int
ns_open(int create)
{
	int		 fd = open(ns_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	size_t		 len = strlen(ns_path);

	if (fd == -1 && errno == EACCES && !ns_own) {
		ns_own = 1;
		snprintf(ns_path + len, sizeof(ns_path) - len, "-u%u", (unsigned)geteuid());
		fd = open(ns_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd == -1 && errno == ENOENT && create)
		fd = ns_create();
	return fd;
}

/* The host's segment, mapped once per process. create: make it when there
 * is none (the chat path's tending does; a writer only joins one).
 * hurried: the chat path, which after a failed open asks again only a
 * second later, not on every request. NULL when not used, or not there or
 * not ours to open. */
static struct ns_segment *
ns_map(int create, int hurried)
{
	struct stat	 st;
	void		*p;
	int64_t		 now;
	int		 fd;

	if (ns_seg != NULL || ns_path[0] == '\0')
		return ns_seg;
	now = ns_now_ms();
	if (hurried && now < ns_retry_ms)
		return NULL;
	fd = ns_open(create);
	ns_retry_ms = now + NS_RETRY_MS;
	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(*ns_seg) &&
	    (p = mmap(NULL, sizeof(*ns_seg), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0)) != MAP_FAILED) {
		if (((struct ns_segment *)p)->magic == NS_MAGIC)
			ns_seg = p;
		else
			munmap(p, sizeof(*ns_seg));
	}
	if (ns_seg == NULL && create)
		(void)unlink(ns_path);	/* another layout's: made anew next time */
	close(fd);
	return ns_seg;
}

int
nodestamp_read(char *fp, size_t size)
{
	struct ns_segment	*s = ns_map(0, 1);

	if (s == NULL || ns_now_ms() >= atomic_load(&s->valid_until_ms))
		return 0;
	snprintf(fp, size, "n%llu.%llu",
	    (unsigned long long)atomic_load(&s->epoch),
	    (unsigned long long)atomic_load(&s->count));
	return 1;
}

void
nodestamp_tend(void)
{
	struct ns_segment	*s = ns_map(1, 1);
	struct db_param		 p[3];
	unsigned long long	 affected = 0;
	int64_t			 at, sent;

	if (s == NULL)
		return;
	at = atomic_load(&s->tend_at_ms);
	sent = ns_now_ms();
	if (sent < at || !atomic_compare_exchange_strong(&s->tend_at_ms, &at,
	    sent + NS_TEND_MS))
		return;		/* not due, or another process tends it */
	p[0] = db_str(s->holder);
	p[1] = db_int(NODESTAMP_LEASE_S);
	p[2] = db_str(s->holder);
	if (db_exec(SQL_TAKE, p, 3, &affected, NULL) != DB_OK || affected != 1)
		return;		/* held elsewhere, contested, or no database */
	/* After a lapse, changes made elsewhere meanwhile went uncounted here:
	 * a new epoch, so that nothing cached before it matches. */
	if (ns_now_ms() >= atomic_load(&s->valid_until_ms))
		atomic_fetch_add(&s->epoch, 1);
	/* The term counts from before the statement left, so it ends here
	 * before it ends in the database. */
	atomic_store(&s->valid_until_ms, sent + NODESTAMP_LEASE_S * 1000 - NS_MARGIN_MS);
}

/* Sleep ms milliseconds, signals or not. */
static void
ns_sleep_ms(int64_t ms)
{
	struct timespec	 until;
	int64_t		 end = ns_now_ms() + ms;

	until.tv_sec = end / 1000;
	until.tv_nsec = (end % 1000) * 1000000;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
}

/* Take the lease away from the host that holds it and, with wait, wait
 * out its term. 0, or -1 when the database did not answer. */
static int
ns_contest(const char *me, int wait)
{
	struct db_param		 p[3] = { db_int(NS_CONTEST_S), db_str(me),
				    db_int(NS_MARGIN_MS * 1000LL) };
	unsigned long long	 affected = 0;
	struct db_rows		 rows;
	long long		 left;
	int			 rc;

	if (db_exec(SQL_CONTEST, p, 3, &affected, NULL) != DB_OK)
		goto down;
	if (affected == 0 || !wait)
		return 0;	/* no other host holds it */
	rc = db_query(SQL_TERM_LEFT, NULL, 0, &rows);
	left = db_ll(&rows, 0, 0, 0) / 1000 + NS_MARGIN_MS;
	db_rows_free(&rows);
	if (rc != DB_OK)
		goto down;
	if (left > NODESTAMP_LEASE_S * 1000 + NS_MARGIN_MS)
		left = NODESTAMP_LEASE_S * 1000 + NS_MARGIN_MS;
	if (left > 0)
		ns_sleep_ms(left);
	return 0;
down:
	log_warn("stamps lease not taken back (%s): another node may use what it "
	    "cached for up to %d s", db_error(), NODESTAMP_LEASE_S);
	return -1;
}

int
nodestamp_changed(int wait)
{
	struct ns_segment	*s = ns_map(0, 0);

	if (s != NULL) {
		atomic_fetch_add(&s->count, 1);
		if (ns_now_ms() < atomic_load(&s->valid_until_ms))
			return 0;	/* ours: every process here sees the count */
	}
	return ns_contest(s ? s->holder : "", wait);
}
