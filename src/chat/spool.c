/* spool: the usage-row spool (spool.h). Owns the files under spool_dir:
 * usage-<host>-<pid>.jsonl, one JSON line per row ({row, request_id, settle}),
 * appended with O_APPEND; a replay claims a file by renaming it first
 * (…jsonl.replay-<host>-<pid>), so two processes never replay the same rows.
 * A claim whose process died (same host, pid gone) is claimed again; rows it
 * had written already are skipped, and their budgets not settled twice. */
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
#include "log.h"
#include "quota.h"
#include "spool.h"
#include "usage.h"

#define SPOOL_MAX_FILE	(64u * 1024 * 1024)

static char	spool_dir[1024];
static int	spool_mine;	/* this process spooled rows */

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

/* Append one line to this process's spool file. */
static int
spool_append(const char *line)
{
	char	 host[64], path[1200];
	size_t	 n = strlen(line);
	int	 fd, rc;

	if (spool_dir[0] == '\0')
		return -1;
	spool_host(host, sizeof(host));
	(void)mkdir(spool_dir, 0700);
	snprintf(path, sizeof(path), "%s/usage-%s-%ld.jsonl", spool_dir, host, (long)getpid());
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600)) < 0)
		return -1;
	rc = write(fd, line, n) == (ssize_t)n && fsync(fd) == 0 ? 0 : -1;
	close(fd);
	return rc;
}

int
spool_write(cJSON *row, const char *request_id, const struct quota_reservation *res,
    long long cost)
{
	cJSON	*o = cJSON_CreateObject();
	char	*s;
	int	 rc = -1;

	cJSON_AddItemToObject(o, "row", row);
	cJSON_AddStringToObject(o, "request_id", request_id);
	cJSON_AddItemToObject(o, "settle", spool_settle_json(res, cost));
	if ((s = cJSON_PrintUnformatted(o)) != NULL) {
		size_t	 n = strlen(s);
		char	*line = malloc(n + 2);

		if (line != NULL) {
			memcpy(line, s, n);
			memcpy(line + n, "\n", 2);
			rc = spool_append(line);
			free(line);
		}
		free(s);
	}
	cJSON_Delete(o);
	if (rc == 0) {
		spool_mine = 1;
		log_warn("usage row of %s spooled in %s until the database takes it",
		    request_id, spool_dir);
	} else
		log_err("usage row of %s could not be spooled either (%s): its "
		    "in-flight note recovers it", request_id, strerror(errno));
	return rc;
}

/* Settle a replayed row's reservation and drop its in-flight note. */
static void
spool_settle(const cJSON *o)
{
	const cJSON			*s = cJSON_GetObjectItemCaseSensitive(o, "settle");
	struct quota_reservation	 res;
	const char			*period = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(s, "period"));
	const char			*key_period = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(s, "key_period"));

	memset(&res, 0, sizeof(res));
	res.active = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "active"));
	snprintf(res.period[QUOTA_USER], sizeof(res.period[QUOTA_USER]), "%s", period ? period : "");
	/* Rows spooled before key_period had one period for both scopes. */
	snprintf(res.period[QUOTA_KEY], sizeof(res.period[QUOTA_KEY]), "%s",
	    key_period ? key_period : period ? period : "");
	res.micros = (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "micros"));
	res.scope_id[QUOTA_USER] = (long long)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "user_scope"));
	res.scope_id[QUOTA_KEY] = (long long)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "key_scope"));
	res.alert_pct[QUOTA_USER] = (int)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "user_alert"));
	res.alert_pct[QUOTA_KEY] = (int)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "key_alert"));
	if (res.active)
		quota_budget_settle(&res, (long long)cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(s, "cost")));
	inflight_end(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "request_id")));
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
		rc = usage_insert_row(cJSON_GetObjectItemCaseSensitive(o, "row"));
		if (rc == 0) {
			spool_settle(o);
			done++;
		} else if (rc == 2)	/* written before: settled then */
			inflight_end(cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(o, "request_id")));
		else if (rc < 0) {
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

/* Whether name is a spool file to replay: a process's own file, or a
 * claim by a process of this host that died before it finished. */
static int
spool_claimable(const char *name, const char *host)
{
	const char	*claim;
	char		 prefix[96];
	char		*end;
	long		 pid;
	size_t		 n = strlen(name);

	if (strncmp(name, "usage-", 6) != 0)
		return 0;
	if (n > 6 && strcmp(name + n - 6, ".jsonl") == 0)
		return 1;
	if ((claim = strstr(name, ".jsonl.replay-")) == NULL)
		return 0;
	snprintf(prefix, sizeof(prefix), "%s-", host);
	claim += strlen(".jsonl.replay-");
	if (strncmp(claim, prefix, strlen(prefix)) != 0)
		return 0;		/* another host's claim */
	pid = strtol(claim + strlen(prefix), &end, 10);
	return *end == '\0' && pid > 0 && pid != (long)getpid() &&
	    kill((pid_t)pid, 0) != 0 && errno == ESRCH;
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
