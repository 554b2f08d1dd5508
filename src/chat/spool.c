/* spool: the usage-row spool and batch (spool.h). Owns the files under
 * spool_dir, one JSON line per row ({row, request_id, settle}):
 * usage-<host>-<pid>[-<n>].jsonl, rows the database did not take, appended
 * with O_APPEND and fsync; batch-<host>-<pid>.jsonl, this process's deferred
 * rows, appended without fsync (a killed process's page cache survives it)
 * and emptied once they are written. A replay claims a file by renaming it
 * first (…jsonl.replay-<host>-<pid>), so two processes never replay the same
 * rows; a batch file only once its process is gone. A claim whose process
 * died (same host, pid gone) is claimed again; rows it had written already
 * are skipped, and their budgets not settled twice. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "inflight.h"
#include "json.h"
#include "log.h"
#include "quota.h"
#include "spool.h"
#include "usage.h"

#define SPOOL_MAX_FILE	(64u * 1024 * 1024)
#define SPOOL_MAX_LINE	(64u * 1024)

static char	spool_dir[1024];
static int	spool_mine;	/* this process spooled rows */
static int	spool_handed;	/* batches handed to the spool (file names) */

/* This process's deferred rows: in memory for the one INSERT, and in the
 * batch file for a replay if the process dies first. */
static struct usage_kept batch_rows[USAGE_MAX_ROWS];
static int	 batch_n;
static int	 batch_fd = -1;

void
spool_configure(const char *dir)
{
	snprintf(spool_dir, sizeof(spool_dir), "%s", dir ? dir : "");
}

int
spool_pending(void)
{
	return spool_mine;
}

static cJSON *
spool_settle_json(const struct quota_reservation *res, long long cost)
{
	cJSON	*s = cJSON_CreateObject();

	cJSON_AddBoolToObject(s, "active", res->active);
	cJSON_AddStringToObject(s, "period", res->period[QUOTA_USER]);
	cJSON_AddStringToObject(s, "key_period", res->period[QUOTA_KEY]);
	cJSON_AddNumberToObject(s, "micros", (double)res->micros);
	cJSON_AddNumberToObject(s, "user_scope", (double)res->scope_id[QUOTA_USER]);
	cJSON_AddNumberToObject(s, "key_scope", (double)res->scope_id[QUOTA_KEY]);
	cJSON_AddNumberToObject(s, "user_alert", res->alert_pct[QUOTA_USER]);
	cJSON_AddNumberToObject(s, "key_alert", res->alert_pct[QUOTA_KEY]);
	cJSON_AddNumberToObject(s, "cost", (double)cost);
	return s;
}

static void
spool_host(char *host, size_t size)
{
	if (gethostname(host, size) != 0)
		snprintf(host, size, "localhost");
	host[size - 1] = '\0';
}

/* This process's file of kind ("usage" or "batch"); n > 0 numbers one. */
static void
spool_path(char *out, size_t size, const char *kind, int n)
{
	char	 host[64], num[16] = "";

	spool_host(host, sizeof(host));
	if (n > 0)
		snprintf(num, sizeof(num), "-%d", n);
	snprintf(out, size, "%s/%s-%s-%ld%s.jsonl", spool_dir, kind, host,
	    (long)getpid(), num);
}

/* Append one line to this process's spool file. */
static int
spool_append(const char *line)
{
	char	 path[1200];
	size_t	 n = strlen(line);
	int	 fd, rc;

	if (spool_dir[0] == '\0')
		return -1;
	(void)mkdir(spool_dir, 0700);
	spool_path(path, sizeof(path), "usage", 0);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600)) < 0)
		return -1;
	rc = write(fd, line, n) == (ssize_t)n && fsync(fd) == 0 ? 0 : -1;
	close(fd);
	return rc;
}

/* Append the file line of a row to b: {row, request_id[, settle]} and a
 * newline. BUF_OK or buf's error. */
static int
spool_line(struct buf *b, const struct usage_kept *row, const char *request_id,
    const cJSON *settle)
{
	char	*s = settle != NULL ? json_print(settle) : NULL;
	int	 rc;

	if (settle != NULL && s == NULL)
		return BUF_NOMEM;
	rc = buf_puts(b, "{\"row\":");
	rc = rc ? rc : usage_params_text(row->p, USAGE_NPARAMS, b);
	rc = rc ? rc : buf_puts(b, ",\"request_id\":");
	rc = rc ? rc : json_append_string(b, request_id, strlen(request_id));
	if (s != NULL) {
		rc = rc ? rc : buf_puts(b, ",\"settle\":");
		rc = rc ? rc : buf_puts(b, s);
		free(s);
	}
	return rc ? rc : buf_puts(b, "}\n");
}

int
spool_write(const struct usage_kept *row, const char *request_id,
    const struct quota_reservation *res, long long cost)
{
	cJSON		*settle = spool_settle_json(res, cost);
	struct buf	 line;
	int		 rc = -1;

	buf_init(&line, SPOOL_MAX_LINE);
	if (spool_line(&line, row, request_id, settle) == BUF_OK)
		rc = spool_append(line.data);
	buf_free(&line);
	cJSON_Delete(settle);
	if (rc == 0) {
		spool_mine = 1;
		log_warn("usage row of %s spooled in %s until the database takes it",
		    request_id, spool_dir);
	} else
		log_err("usage row of %s could not be spooled either (%s): its "
		    "in-flight note recovers it", request_id, strerror(errno));
	return rc;
}

int
spool_defer(const struct usage_rec *rec)
{
	struct usage_kept	*k = &batch_rows[batch_n];
	struct buf		 line;
	char			 path[1200];
	int			 rc = -1;

	if (spool_dir[0] == '\0' || rec->request_id == NULL || usage_keep(rec, k) != 0)
		return -1;
	if (batch_fd < 0) {
		(void)mkdir(spool_dir, 0700);
		spool_path(path, sizeof(path), "batch", 0);
		batch_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	}
	buf_init(&line, SPOOL_MAX_LINE);
	if (batch_fd >= 0 && spool_line(&line, k, rec->request_id, NULL) == BUF_OK)
		rc = write(batch_fd, line.data, line.len) == (ssize_t)line.len ? 0 : -1;
	buf_free(&line);
	if (rc != 0) {
		usage_kept_free(k);
		return -1;
	}
	if (++batch_n == USAGE_MAX_ROWS)
		(void)spool_flush();	/* written, or in the spool */
	return 0;
}

int
spool_deferred(void)
{
	return batch_n;
}

/* Hand the batch file to the spool (a name spool_replay takes). */
static void
spool_hand_over(void)
{
	char	 from[1200], to[1300];

	spool_path(from, sizeof(from), "batch", 0);
	spool_path(to, sizeof(to), "usage", ++spool_handed);
	if (rename(from, to) != 0)
		log_err("spool: batch file %s not handed over (%s): a replay "
		    "takes it once this process is gone", from, strerror(errno));
	close(batch_fd);
	batch_fd = -1;
	spool_mine = 1;
}

int
spool_flush(void)
{
	int	 i, rc;

	if (batch_n == 0)
		return 0;
	rc = usage_insert_kept(batch_rows, batch_n);
	if (rc == 0 && ftruncate(batch_fd, 0) != 0)
		log_warn("spool: batch file not emptied: %s", strerror(errno));
	if (rc != 0) {
		log_err("%d usage row(s) not written (%s): kept in the spool",
		    batch_n, db_error());
		spool_hand_over();
	}
	for (i = 0; i < batch_n; i++)
		usage_kept_free(&batch_rows[i]);
	batch_n = 0;
	return rc == 0 ? 0 : -1;
}

void
spool_fini(void)
{
	char	 path[1200];

	if (spool_flush() != 0 || batch_fd < 0)
		return;
	close(batch_fd);
	batch_fd = -1;
	spool_path(path, sizeof(path), "batch", 0);
	(void)unlink(path);
}

/* A spooled row's reservation and the cost to settle it with (its
 * "settle" member; inactive when there is none). */
static long long
spool_reservation(const cJSON *o, struct quota_reservation *res)
{
	const cJSON	*s = cJSON_GetObjectItemCaseSensitive(o, "settle");
	const char	*period = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(s, "period"));
	const char	*key_period = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(s, "key_period"));

	memset(res, 0, sizeof(*res));
	res->active = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "active"));
	snprintf(res->period[QUOTA_USER], sizeof(res->period[QUOTA_USER]), "%s", period ? period : "");
	/* Rows spooled before key_period had one period for both scopes. */
	snprintf(res->period[QUOTA_KEY], sizeof(res->period[QUOTA_KEY]), "%s",
	    key_period ? key_period : period ? period : "");
	res->micros = (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "micros"));
	res->scope_id[QUOTA_USER] = (long long)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "user_scope"));
	res->scope_id[QUOTA_KEY] = (long long)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "key_scope"));
	res->alert_pct[QUOTA_USER] = (int)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "user_alert"));
	res->alert_pct[QUOTA_KEY] = (int)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "key_alert"));
	return (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "cost"));
}

/* Replay one claimed file; lines left when the database fails go back to
 * the spool. The rows written, or -1. */
static int
spool_replay_file(const char *path)
{
	struct buf	 b;
	char		 chunk[8192], *line, *nl;
	size_t		 n;
	FILE		*f;
	cJSON		*o;
	struct quota_reservation res;
	long long	 cost;
	int		 done = 0, failed = 0, rc;

	buf_init(&b, SPOOL_MAX_FILE);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) != BUF_OK)
			break;
	fclose(f);
	for (line = b.data; line != NULL && *line; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (failed) {
			if (spool_append(line) != 0 || spool_append("\n") != 0)
				log_err("spool: a row of %s was lost", path);
			continue;
		}
		o = cJSON_Parse(line);
		cost = spool_reservation(o, &res);
		/* With its settlement in one transaction: a row found written
		 * before was settled then. */
		rc = usage_insert_row(cJSON_GetObjectItemCaseSensitive(o, "row"),
		    &res, cost);
		if (rc == 0 || rc == 2) {
			inflight_end(cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(o, "request_id")));
			done += rc == 0;
		} else if (rc < 0) {
			failed = 1;
			if (spool_append(line) != 0 || spool_append("\n") != 0)
				log_err("spool: a row of %s was lost", path);
		} else
			log_err("spool: a malformed line in %s was dropped", path);
		cJSON_Delete(o);
	}
	buf_free(&b);
	unlink(path);
	return failed ? -1 : done;
}

/* Whether s is "<host>-<pid>" then end, for a dead process of this host. */
static int
spool_dead(const char *s, const char *host, const char *end)
{
	size_t	 hl = strlen(host);
	char	*e;
	long	 pid;

	if (strncmp(s, host, hl) != 0 || s[hl] != '-')
		return 0;		/* another host's */
	pid = strtol(s + hl + 1, &e, 10);
	return strcmp(e, end) == 0 && pid > 0 && pid != (long)getpid() &&
	    kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Whether name is a file to replay: a spool file, the batch file of a
 * process of this host that died, or a claim by one that died before it
 * finished. */
static int
spool_claimable(const char *name, const char *host)
{
	const char	*claim;
	size_t		 n = strlen(name);
	int		 ours = strncmp(name, "usage-", 6) == 0 ||
	    strncmp(name, "batch-", 6) == 0;

	if (!ours)
		return 0;
	if ((claim = strstr(name, ".jsonl.replay-")) != NULL)
		return spool_dead(claim + strlen(".jsonl.replay-"), host, "");
	if (n < 6 || strcmp(name + n - 6, ".jsonl") != 0)
		return 0;
	return name[0] == 'u' || spool_dead(name + 6, host, ".jsonl");
}

int
spool_replay(void)
{
	struct dirent	*de;
	DIR		*d;
	char		 host[64], from[1300], claimed[1400], *dot;
	int		 total = 0, n, failed = 0;

	if (spool_dir[0] == '\0' || (d = opendir(spool_dir)) == NULL)
		return 0;
	spool_host(host, sizeof(host));
	while (!failed && (de = readdir(d)) != NULL) {
		if (!spool_claimable(de->d_name, host))
			continue;
		snprintf(from, sizeof(from), "%s/%s", spool_dir, de->d_name);
		dot = strstr(de->d_name, ".jsonl");	/* there: claimable */
		snprintf(claimed, sizeof(claimed), "%s/%.*s.jsonl.replay-%s-%ld",
		    spool_dir, (int)(dot - de->d_name), de->d_name, host,
		    (long)getpid());
		if (rename(from, claimed) != 0)
			continue;	/* another process claimed it */
		if ((n = spool_replay_file(claimed)) < 0)
			failed = 1;
		else
			total += n;
	}
	closedir(d);
	if (!failed)
		spool_mine = 0;
	if (total > 0)
		log_info("spool: %d usage row(s) written", total);
	return failed ? -1 : total;
}

int
spool_cli(const struct config *cfg, int argc, char **argv)
{
	int	 n;

	(void)argc;
	(void)argv;
	spool_configure(cfg->spool_dir);
	if (db_connect() != DB_OK) {
		fprintf(stderr, "spool: database unavailable: %s\n", db_error());
		return 1;
	}
	if ((n = spool_replay()) < 0) {
		fprintf(stderr, "spool: the database failed; the rows stay in %s\n", cfg->spool_dir);
		return 1;
	}
	printf("spool: %d usage row(s) written\n", n);
	return 0;
}
