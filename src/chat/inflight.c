/* inflight: the notes (inflight.h): inflight_requests rows, and this
 * process's note file spool_dir/inflight-<host>-<pid>.json, which holds the
 * current request's note (a FastCGI process serves one request at a time)
 * as the JSON array of SQL_INFLIGHT_ADOPT's parameters (padded with spaces),
 * and is marked ended (its first byte) when the request ends. Recovery
 * adopts a dead process's file note into the table and recovers it from
 * there: it takes a note by deleting it (one process wins it), then writes
 * the usage row only if none exists (the request id is unique) and, only
 * then, releases the reservation; all in one transaction.
 * Must not be consulted on the request path beyond two file writes, or one
 * INSERT and one DELETE. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "db.h"
#include "inflight.h"
#include "log.h"

static const char SQL_INFLIGHT_ADD[] =
    "INSERT INTO inflight_requests (request_id, host, pid, user_id, key_id,"
    " provider, config_id, endpoint, requested_model, resolved_model, is_stream,"
    " period, reserved_micros, user_scope_id, key_scope_id, key_period)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
/* A dead process's file note; its started_at in microseconds since 1970. */
static const char SQL_INFLIGHT_ADOPT[] =
    "INSERT IGNORE INTO inflight_requests (request_id, host, pid, user_id, key_id,"
    " provider, config_id, endpoint, requested_model, resolved_model, is_stream,"
    " period, reserved_micros, user_scope_id, key_scope_id, key_period, started_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, FROM_UNIXTIME(? / 1000000))";
static const char SQL_INFLIGHT_DROP[] =
    "DELETE FROM inflight_requests WHERE request_id = ?";
/* Notes of this host (to check their pid) and old notes of any host. */
static const char SQL_INFLIGHT_CANDIDATES[] =
    "SELECT request_id, pid, host = ? FROM inflight_requests"
    " WHERE host = ? OR started_at < NOW(6) - INTERVAL ? SECOND LIMIT 500";
static const char SQL_INFLIGHT_TO_USAGE[] =
    "INSERT IGNORE INTO aggregator_usage_logs (request_id, user_id, gateway_key_id,"
    " provider, config_id, endpoint, requested_model, resolved_model, is_stream,"
    " latency_ms, http_status, status, error_category, error_message, attempts)"
    " SELECT request_id, user_id, key_id, provider, config_id, endpoint,"
    " requested_model, resolved_model, is_stream,"
    " LEAST(TIMESTAMPDIFF(MICROSECOND, started_at, NOW(6)) DIV 1000, 4294967295),"
    " 502, 'error', 'internal', ?, 1"
    " FROM inflight_requests WHERE request_id = ?";
static const char SQL_INFLIGHT_GET[] =
    "SELECT period, reserved_micros, user_scope_id, key_scope_id,"
    " COALESCE(key_period, period) FROM inflight_requests WHERE request_id = ?";
static const char SQL_INFLIGHT_COUNT[] =
    "SELECT (SELECT COUNT(*) FROM inflight_requests WHERE user_id = ?"
    "  AND started_at > NOW(6) - INTERVAL ? SECOND),"
    " (SELECT COUNT(*) FROM inflight_requests WHERE key_id = ?"
    "  AND started_at > NOW(6) - INTERVAL ? SECOND)";
static const char SQL_INFLIGHT_RELEASE[] =
    "UPDATE budget_periods SET reserved_micros = GREATEST(reserved_micros - ?, 0)"
    " WHERE scope = ? AND scope_id = ? AND period = ?";

static const char INFLIGHT_MESSAGE[] =
    "The gateway process serving this request ended before it finished "
    "(killed or restarted); the answer may have been cut short.";

#define INFLIGHT_NPARAMS	17	/* SQL_INFLIGHT_ADD's, then started_at */
#define INFLIGHT_MAX_FILE	65536
#define INFLIGHT_ENDED		"-"	/* a note file's first byte once it ended */

static char	 inflight_dir[1024];
static char	 inflight_hostname[65];	/* this host and process, read once */
static long	 inflight_pid;
static int	 inflight_fd = -1;		/* this process's note file */
static size_t	 inflight_file_len;		/* its size */
static char	 inflight_current[64];	/* the request noted in it, or "" */

static void
inflight_host(char *out, size_t size)
{
	if (inflight_hostname[0] == '\0') {
		if (gethostname(inflight_hostname, sizeof(inflight_hostname)) != 0)
			snprintf(inflight_hostname, sizeof(inflight_hostname), "localhost");
		inflight_hostname[sizeof(inflight_hostname) - 1] = '\0';
	}
	snprintf(out, size, "%s", inflight_hostname);
}

void
inflight_configure(const char *spool_dir)
{
	snprintf(inflight_dir, sizeof(inflight_dir), "%s", spool_dir ? spool_dir : "");
	inflight_pid = (long)getpid();
}

static void
inflight_file_path(char *out, size_t size, const char *host, long pid)
{
	snprintf(out, size, "%s/inflight-%s-%ld.json", inflight_dir, host, pid);
}

/* Empty a note file: by its descriptor, else by its path. */
static void
inflight_truncate(int fd, const char *path)
{
	if ((fd >= 0 ? ftruncate(fd, 0) : truncate(path, 0)) != 0)
		log_warn("in-flight note file not emptied: %s", strerror(errno));
}

/* Write the note over this process's file, padded with spaces over what a
 * longer earlier note left. 0, or -1: use the table. */
static int
inflight_file_write(const struct db_param *p, const char *request_id)
{
	char		 host[65], path[1200];
	struct buf	 note;
	ssize_t		 n = -1;

	if (inflight_dir[0] == '\0' || strlen(request_id) >= sizeof(inflight_current))
		return -1;
	if (inflight_fd < 0) {
		inflight_host(host, sizeof(host));
		inflight_file_path(path, sizeof(path), host, (long)getpid());
		(void)mkdir(inflight_dir, 0700);
		if ((inflight_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
			return -1;
		inflight_file_len = 0;
	}
	buf_init(&note, INFLIGHT_MAX_FILE);
	if (usage_params_text(p, INFLIGHT_NPARAMS, &note) == BUF_OK) {
		while (note.len < inflight_file_len && buf_append(&note, " ", 1) == BUF_OK)
			;
		n = pwrite(inflight_fd, note.data, note.len, 0);
		if (n != (ssize_t)note.len) {
			inflight_truncate(inflight_fd, NULL);
			inflight_file_len = 0;
			n = -1;
		} else if (note.len > inflight_file_len)
			inflight_file_len = note.len;
	}
	buf_free(&note);
	if (n < 0)
		return -1;
	memcpy(inflight_current, request_id, strlen(request_id) + 1);
	return 0;
}

void
inflight_begin(const struct usage_rec *rec, const struct quota_reservation *r,
    int shared)
{
	char		 host[65];
	struct db_param	 p[INFLIGHT_NPARAMS];

	inflight_host(host, sizeof(host));
	p[0] = db_str(rec->request_id);
	p[1] = db_str(host);
	p[2] = db_int(inflight_pid ? inflight_pid : (long long)getpid());
	p[3] = db_int(rec->user_id);
	p[4] = rec->key_id ? db_int(rec->key_id) : db_null();
	p[5] = db_str(rec->provider[0] ? rec->provider : NULL);
	p[6] = rec->config_id ? db_int(rec->config_id) : db_null();
	p[7] = db_str(rec->endpoint);
	p[8] = db_str(rec->requested_model[0] ? rec->requested_model : NULL);
	p[9] = db_str(rec->resolved_model[0] ? rec->resolved_model : NULL);
	p[10] = db_int(rec->is_stream != 0);
	p[11] = db_str(r->period[QUOTA_USER][0] ? r->period[QUOTA_USER] : "-");
	p[12] = db_int(r->active ? r->micros : 0);
	p[13] = db_int(r->active ? r->scope_id[QUOTA_USER] : 0);
	p[14] = db_int(r->active ? r->scope_id[QUOTA_KEY] : 0);
	p[15] = db_str(r->period[QUOTA_KEY][0] ? r->period[QUOTA_KEY] : NULL);
	p[16] = db_int(rec->started_us);
	if (!shared && inflight_file_write(p, rec->request_id) == 0)
		return;
	if (db_exec(SQL_INFLIGHT_ADD, p, INFLIGHT_NPARAMS - 1, NULL, NULL) != DB_OK)
		log_warn("in-flight note for %s not written: %s", rec->request_id, db_error());
}

int
inflight_count(long long user_id, long long key_id, long max_age_s,
    long long *by_user, long long *by_key)
{
	struct db_param	 p[4] = { db_int(user_id), db_int(max_age_s),
	    db_int(key_id), db_int(max_age_s) };
	struct db_rows	 rows;
	int		 rc = -1;

	*by_user = *by_key = 0;
	if (db_query(SQL_INFLIGHT_COUNT, p, 4, &rows) == DB_OK && rows.nrows == 1) {
		*by_user = db_ll(&rows, 0, 0, 0);
		*by_key = key_id != 0 ? db_ll(&rows, 0, 1, 0) : 0;
		rc = 0;
	}
	db_rows_free(&rows);
	return rc;
}

void
inflight_fini(void)
{
	char	 host[65], path[1200];

	if (inflight_fd < 0 || inflight_current[0] != '\0')
		return;
	inflight_host(host, sizeof(host));
	inflight_file_path(path, sizeof(path), host, (long)getpid());
	(void)unlink(path);
	close(inflight_fd);
	inflight_fd = -1;
}

/* Mark the note ended if the file holds request_id's: its first byte
 * becomes INFLIGHT_ENDED (one byte written, where emptying the file costs
 * the file system more). 1 it did, 0 it did not. */
static int
inflight_file_end(const char *request_id)
{
	if (request_id == NULL || inflight_current[0] == '\0' ||
	    strcmp(request_id, inflight_current) != 0)
		return 0;
	inflight_current[0] = '\0';
	if (pwrite(inflight_fd, INFLIGHT_ENDED, 1, 0) != 1) {
		inflight_truncate(inflight_fd, NULL);
		inflight_file_len = 0;
	}
	return 1;
}

void
inflight_spooled(const char *request_id)
{
	(void)inflight_file_end(request_id);
}

void
inflight_end(const char *request_id)
{
	struct db_param	 p[1] = { db_str(request_id) };

	if (inflight_file_end(request_id))
		return;
	if (request_id && db_exec(SQL_INFLIGHT_DROP, p, 1, NULL, NULL) != DB_OK)
		log_warn("in-flight note for %s not dropped: %s", request_id, db_error());
}

/* Release what the dead request had reserved, per scope. */
static int
inflight_release(const struct db_rows *rows)
{
	static const char *const scope[2] = { "user", "key" };
	struct db_param	 p[4];
	long long	 id;
	int		 i;

	for (i = 0; i < 2; i++) {
		if ((id = db_ll(rows, 0, 2 + i, 0)) == 0)
			continue;
		p[0] = db_int(db_ll(rows, 0, 1, 0));
		p[1] = db_str(scope[i]);
		p[2] = db_int(id);
		p[3] = db_str(db_val(rows, 0, i == 0 ? 0 : 4));	/* that scope's period */
		if (db_exec(SQL_INFLIGHT_RELEASE, p, 4, NULL, NULL) != DB_OK)
			return -1;
	}
	return 0;
}

/* Recover one note in a transaction. 1 recovered, 0 someone else did, -1. */
static int
inflight_recover_one(const char *request_id)
{
	struct db_param		 p[2] = { db_str(INFLIGHT_MESSAGE), db_str(request_id) };
	struct db_rows		 rows;
	unsigned long long	 added = 0, gone = 0;
	int			 rc = -1;

	memset(&rows, 0, sizeof(rows));
	if (db_begin() != DB_OK)
		return -1;
	if (db_query(SQL_INFLIGHT_GET, p + 1, 1, &rows) != DB_OK ||
	    db_exec(SQL_INFLIGHT_TO_USAGE, p, 2, &added, NULL) != DB_OK ||
	    db_exec(SQL_INFLIGHT_DROP, p + 1, 1, &gone, NULL) != DB_OK)
		goto out;
	/* Released only with the row: a row already written was settled. */
	if (gone == 1 && added == 1 && rows.nrows == 1 && inflight_release(&rows) != 0)
		goto out;
	rc = gone == 1 ? 1 : 0;
out:
	db_rows_free(&rows);
	if (rc < 0 || db_commit() != DB_OK) {
		db_rollback();
		return -1;
	}
	if (rc == 1)
		log_warn("request %s: its process died; recorded as an error", request_id);
	return rc;
}

/* Adopt one file note into the table. 0 (or nothing to adopt), -1. */
static int
inflight_adopt(const char *path, char *request_id, size_t idsize)
{
	char		 text[INFLIGHT_MAX_FILE + 1];
	struct db_param	 p[INFLIGHT_NPARAMS];
	cJSON		*arr;
	ssize_t		 n;
	int		 fd, rc = 0;

	request_id[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, text, INFLIGHT_MAX_FILE);
	close(fd);
	if (n <= 0 || text[0] == INFLIGHT_ENDED[0])
		return n < 0 ? -1 : 0;
	text[n] = '\0';
	if ((arr = cJSON_Parse(text)) != NULL && cJSON_GetArraySize(arr) == INFLIGHT_NPARAMS - 1 &&
	    usage_params_parse(arr, p, INFLIGHT_NPARAMS - 1) == 0) {
		/* A note written before key_period: the key's period was the user's. */
		p[INFLIGHT_NPARAMS - 1] = p[INFLIGHT_NPARAMS - 2];
		p[INFLIGHT_NPARAMS - 2] = db_null();
	} else if (arr == NULL || usage_params_parse(arr, p, INFLIGHT_NPARAMS) != 0) {
		p[0] = db_null();
	}
	if (p[0].type != DBP_STR) {
		log_warn("in-flight note %s unreadable; removed", path);
		cJSON_Delete(arr);
		return 0;
	}
	snprintf(request_id, idsize, "%s", (const char *)p[0].s);
	if (db_exec(SQL_INFLIGHT_ADOPT, p, INFLIGHT_NPARAMS, NULL, NULL) != DB_OK)
		rc = -1;
	cJSON_Delete(arr);
	return rc;
}

/* The note files of this host's dead processes (and this process's own,
 * which at its start can only be a dead namesake's): adopted and recovered,
 * then removed. Returns how many were recovered. */
static int
inflight_recover_files(const char *host)
{
	char		 prefix[100], path[1200], id[64];
	struct dirent	*e;
	DIR		*d;
	char		*end;
	long		 pid;
	int		 n = 0, rc;

	if (inflight_dir[0] == '\0' || (d = opendir(inflight_dir)) == NULL)
		return 0;
	snprintf(prefix, sizeof(prefix), "inflight-%s-", host);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		pid = strtol(e->d_name + strlen(prefix), &end, 10);
		if (strcmp(end, ".json") != 0 || pid <= 0 ||
		    (pid == (long)getpid() ? inflight_current[0] != '\0' :
		    !(kill((pid_t)pid, 0) == -1 && errno == ESRCH)))
			continue;
		inflight_file_path(path, sizeof(path), host, pid);
		if (inflight_adopt(path, id, sizeof(id)) != 0)
			continue;	/* kept for the next start */
		if (id[0] != '\0') {
			if ((rc = inflight_recover_one(id)) < 0)
				continue;
			n += rc;
		}
		if (pid != (long)getpid())
			(void)unlink(path);
		else
			inflight_truncate(inflight_fd, path);
	}
	closedir(d);
	return n;
}

int
inflight_recover(void)
{
	char		 host[65];
	struct db_param	 p[3];
	struct db_rows	 rows;
	int		 i, n = 0, dead;
	long		 pid;

	inflight_host(host, sizeof(host));
	n = inflight_recover_files(host);
	p[0] = db_str(host);
	p[1] = db_str(host);
	p[2] = db_int(INFLIGHT_MAX_AGE_S);
	if (db_query(SQL_INFLIGHT_CANDIDATES, p, 3, &rows) != DB_OK) {
		db_rows_free(&rows);
		log_warn("in-flight notes not read: %s", db_error());
		return -1;
	}
	for (i = 0; i < rows.nrows; i++) {
		pid = (long)db_ll(&rows, i, 1, 0);
		dead = !db_ll(&rows, i, 2, 0) || pid <= 0 ||
		    (kill((pid_t)pid, 0) == -1 && errno == ESRCH);
		if (dead && inflight_recover_one(db_val(&rows, i, 0)) == 1)
			n++;
	}
	db_rows_free(&rows);
	return n;
}
