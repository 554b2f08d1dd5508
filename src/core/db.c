/* db: connection, statement cache, reconnect and typed rows (see db.h).
 * The only place that calls the MariaDB Connector/C API. Never builds SQL
 * from data: every value travels as a bound parameter. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "db.h"
#include "log.h"

#define DB_MAX_STMTS	256
#define DB_MAX_PARAMS	32
#define DB_MAX_ROWS	64	/* rows of one bulk execution (db_exec_rows) */
#define DB_MAX_COLS	64
#define DB_COL_MIN	64
#define DB_DOWN_SKIP_S	10	/* a host that failed is tried last for this long */
#define DB_DEADLOCK_TRIES 6	/* a statement refused by 1213 (deadlock, Galera certification) */

struct db_cached {
	const char	*sql;
	MYSQL_STMT	*stmt;
};

static const struct config	*db_cfg;
static MYSQL			*db_conn;
static struct db_cached		 db_stmts[DB_MAX_STMTS];
static int			 db_nstmts;
static int			 db_in_tx;
static int			 db_host;	/* index in db_cfg->db_hosts */
static time_t			 db_opened_at;
static time_t			 db_down_at[CONFIG_MAX_DB_HOSTS];
static unsigned int		 db_last_errno;
static char			 db_last_error[256];

struct db_param
db_int(long long v)
{
	struct db_param p = { DBP_INT, v, NULL, 0 };

	return p;
}

struct db_param
db_str(const char *s)
{
	struct db_param p = { s ? DBP_STR : DBP_NULL, 0, s, s ? strlen(s) : 0 };

	return p;
}

struct db_param
db_bytes(const void *s, size_t n)
{
	struct db_param p = { DBP_STR, 0, s, n };

	return p;
}

struct db_param
db_null(void)
{
	struct db_param p = { DBP_NULL, 0, NULL, 0 };

	return p;
}

void
db_configure(const struct config *cfg)
{
	db_cfg = cfg;
}

static void
db_set_error(unsigned int no, const char *msg)
{
	db_last_errno = no;
	snprintf(db_last_error, sizeof(db_last_error), "%u %s", no, msg);
}

static int
db_classify(unsigned int no)
{
	switch (no) {
	case ER_DUP_ENTRY:
		return DB_DUPLICATE;
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
		return DB_RETRY;
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_LOST_EXTENDED:
	case 1047:		/* WSREP has not yet prepared node */
		return DB_UNAVAILABLE;
	default:
		return DB_ERROR;
	}
}

void
db_close(void)
{
	int	 i;

	for (i = 0; i < db_nstmts; i++)
		mysql_stmt_close(db_stmts[i].stmt);
	db_nstmts = 0;
	if (db_conn)
		mysql_close(db_conn);
	db_conn = NULL;
	db_in_tx = 0;
}

/* Open a connection to host i of the list. */
static int
db_open(int i)
{
	const struct config_db_host	*h = &db_cfg->db_hosts[i];
	unsigned int			 timeout = 5, rw_timeout = 30;
	const char			*socket;

	if ((db_conn = mysql_init(NULL)) == NULL)
		return DB_ERROR;
	mysql_optionsv(db_conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(db_conn, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
	mysql_optionsv(db_conn, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
	mysql_optionsv(db_conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_optionsv(db_conn, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
	if (db_cfg->db_sync_wait)
		mysql_optionsv(db_conn, MYSQL_INIT_COMMAND, "SET SESSION wsrep_sync_wait = 1");
	socket = db_cfg->db_socket[0] ? db_cfg->db_socket : NULL;
	if (mysql_real_connect(db_conn, h->name, db_cfg->db_user, db_cfg->db_password,
	    db_cfg->db_name, (unsigned)h->port, socket, CLIENT_MULTI_STATEMENTS) == NULL) {
		db_set_error(mysql_errno(db_conn), mysql_error(db_conn));
		log_err("cannot connect to the database at %s:%d: %s", h->name, h->port,
		    db_last_error);
		mysql_close(db_conn);
		db_conn = NULL;
		db_down_at[i] = time(NULL);
		return DB_UNAVAILABLE;
	}
	db_host = i;
	db_opened_at = time(NULL);
	db_down_at[i] = 0;
	return DB_OK;
}

static int
db_recently_down(int i)
{
	return db_down_at[i] != 0 && time(NULL) - db_down_at[i] < DB_DOWN_SKIP_S;
}

/* The first host of the list that answers. Hosts that failed in the last
 * DB_DOWN_SKIP_S seconds are tried last, so a dead host costs one failed
 * connect per process, not one per request. */
int
db_connect(void)
{
	int	 pass, i, status = DB_UNAVAILABLE;

	if (db_conn)
		return DB_OK;
	if (db_cfg == NULL)
		return DB_ERROR;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < db_cfg->ndb_hosts; i++)
			if (db_recently_down(i) == pass &&
			    (status = db_open(i)) != DB_UNAVAILABLE)
				return status;
	return status;
}

/* The connection was lost or its node refuses work: close it and make the
 * next connect try the other hosts first. */
static void
db_drop(void)
{
	if (db_conn)
		db_down_at[db_host] = time(NULL);
	db_close();
}

/* A connection to a later host of the list goes back to the first one after
 * [database] failback_s, between transactions, so every node's writes meet on
 * one database server again once it is back. */
static void
db_failback(void)
{
	if (db_conn && db_host > 0 && !db_in_tx && db_cfg->db_failback_s > 0 &&
	    time(NULL) - db_opened_at >= db_cfg->db_failback_s)
		db_close();
}

static MYSQL_STMT *
db_prepare(const char *sql)
{
	MYSQL_STMT	*st;
	int		 i;

	for (i = 0; i < db_nstmts; i++)
		if (db_stmts[i].sql == sql)
			return db_stmts[i].stmt;
	if ((st = mysql_stmt_init(db_conn)) == NULL)
		return NULL;
	if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
		db_set_error(mysql_stmt_errno(st), mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	/* A full cache only costs re-preparing; closing the oldest is safe. */
	if (db_nstmts == DB_MAX_STMTS) {
		mysql_stmt_close(db_stmts[0].stmt);
		memmove(db_stmts, db_stmts + 1, sizeof(db_stmts[0]) * (DB_MAX_STMTS - 1));
		db_nstmts--;
	}
	db_stmts[db_nstmts].sql = sql;
	db_stmts[db_nstmts].stmt = st;
	db_nstmts++;
	return st;
}

static void
db_bind_params(MYSQL_BIND *b, const struct db_param *p, int np)
{
	int	 i;

	memset(b, 0, sizeof(*b) * (size_t)np);
	for (i = 0; i < np; i++) {
		switch (p[i].type) {
		case DBP_NULL:
			b[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		case DBP_INT:
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = (void *)&p[i].i;
			break;
		case DBP_STR:
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)(p[i].s ? p[i].s : "");
			b[i].buffer_length = p[i].len;
			b[i].length = (unsigned long *)&p[i].len;
			break;
		}
	}
}

/* Bind nrows rows of np values (p, row after row) column by column, for
 * one bulk execution; *mem holds the columns' arrays (free it). 0, or -1
 * when a column mixes numbers and strings or memory ran out. */
static int
db_bind_rows(MYSQL_BIND *b, const struct db_param *p, int np, int nrows, void **mem)
{
	size_t		 per = ((size_t)nrows * (sizeof(long long) + sizeof(char *) +
	    sizeof(unsigned long) + 1) + 7) & ~(size_t)7;
	char		*m;
	int		 c, r, strings, ints;

	if ((m = *mem = malloc(per * (size_t)np)) == NULL)
		return -1;
	memset(b, 0, sizeof(*b) * (size_t)np);
	for (c = 0; c < np; c++, m += per) {
		long long	*ll = (long long *)(void *)m;
		const void	**str = (const void **)(ll + nrows);
		unsigned long	*len = (unsigned long *)(str + nrows);
		char		*ind = (char *)(len + nrows);

		for (r = strings = ints = 0; r < nrows; r++) {
			const struct db_param *v = &p[r * np + c];

			ind[r] = v->type == DBP_NULL ? STMT_INDICATOR_NULL : STMT_INDICATOR_NONE;
			strings |= v->type == DBP_STR;
			ints |= v->type == DBP_INT;
			ll[r] = v->i;
			str[r] = v->s;
			len[r] = (unsigned long)v->len;
		}
		if (strings && ints)
			return -1;
		b[c].buffer_type = strings ? MYSQL_TYPE_STRING : MYSQL_TYPE_LONGLONG;
		b[c].buffer = strings ? (void *)str : (void *)ll;
		b[c].length = strings ? len : NULL;
		b[c].u.indicator = ind;
	}
	return 0;
}

/* Whether the server takes bulk execution (MariaDB 10.2 and later; the
 * test MARIADB_STMT_BULK_SUPPORTED makes, through the public API). */
static int
db_bulk_supported(void)
{
	unsigned long	 caps = 0, ext = 0;

	if (mariadb_get_infov(db_conn, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps) != 0 ||
	    mariadb_get_infov(db_conn, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &ext) != 0)
		return 0;
	return !(caps & CLIENT_MYSQL) && (ext & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32));
}

/* Execute st for nrows rows: several in one bulk round trip where the
 * server takes it (MariaDB), else row by row. 0, or -1 with the error recorded. */
static int
db_execute_rows(MYSQL_STMT *st, const struct db_param *p, int np, int nrows)
{
	MYSQL_BIND	 b[DB_MAX_PARAMS];
	unsigned int	 n = (unsigned int)nrows, none = 0;
	void		*mem = NULL;
	int		 r, rc = 0;

	if (nrows > 1 && db_bulk_supported() && db_bind_rows(b, p, np, nrows, &mem) == 0) {
		mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &n);
		mysql_stmt_bind_param(st, b);
		rc = mysql_stmt_execute(st) != 0 ? -1 : 0;
		mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &none);
		free(mem);
		return rc;
	}
	free(mem);
	for (r = 0; r < nrows && rc == 0; r++) {
		if (np > 0) {
			db_bind_params(b, p + r * np, np);
			mysql_stmt_bind_param(st, b);
		}
		rc = mysql_stmt_execute(st) != 0 ? -1 : 0;
	}
	return rc;
}

/* What a statement does, for the retry rule of db_execute. */
enum db_kind {
	DB_READ,	/* db_query: running it twice changes nothing */
	DB_WRITE	/* db_exec: running it twice may apply it twice */
};

/* Whether the kept connection is still open. An idle connection has nothing
 * to read: a readable socket means the server closed it (a restart, a kill,
 * wait_timeout) or sent its last words. One poll, no round trip. */
static int
db_idle_ok(void)
{
	struct pollfd	 pfd = { .fd = (int)mysql_get_socket(db_conn), .events = POLLIN };

	return pfd.fd < 0 || poll(&pfd, 1, 0) <= 0;	/* an error: no news */
}

/* Whether errno no is a connection lost with the statement already sent:
 * the server may have run it. */
static int
db_lost_in_flight(unsigned int no)
{
	return no == CR_SERVER_LOST || no == CR_SERVER_LOST_EXTENDED ||
	    no == CR_SERVER_GONE_ERROR;
}

/* Prepare (cached), bind, execute for nrows rows of np values. A write is
 * sent only on a connection that is still open. *sent: whether the
 * statement went out. Returns the statement or NULL with the error
 * recorded. */
static MYSQL_STMT *
db_execute_once(const char *sql, const struct db_param *p, int np, int nrows,
    enum db_kind kind, int *status, int *sent)
{
	MYSQL_STMT	*st;

	*status = DB_ERROR;
	*sent = 0;
	if (np > DB_MAX_PARAMS || nrows < 1 || nrows > DB_MAX_ROWS)
		return NULL;
	if ((*status = db_connect()) != DB_OK)
		return NULL;
	if (kind == DB_WRITE && !db_idle_ok()) {
		db_set_error(CR_SERVER_GONE_ERROR, "the server closed the idle connection");
		*status = DB_UNAVAILABLE;
		return NULL;
	}
	if ((st = db_prepare(sql)) == NULL) {
		if (db_last_errno == 0)
			db_set_error(mysql_errno(db_conn), mysql_error(db_conn));
		*status = db_classify(db_last_errno);
		return NULL;
	}
	if (mysql_stmt_param_count(st) != (unsigned long)np) {
		db_set_error(0, "parameter count mismatch");
		log_err("bug: parameter count mismatch for: %.80s", sql);
		return NULL;
	}
	*sent = 1;
	if (db_execute_rows(st, p, np, nrows) != 0) {
		db_set_error(mysql_stmt_errno(st), mysql_stmt_error(st));
		*status = db_classify(db_last_errno);
		return NULL;
	}
	*status = DB_OK;
	return st;
}

/* Sleep before retry n (0-based): 1, 2, 4 … ms plus up to as much again. */
static void
db_backoff(int n)
{
	long		 ms = 1L << n;
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* its nanoseconds: jitter enough */
	ms += ts.tv_nsec % ms;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* Outside a transaction a lost connection is reopened (on the next host that
 * answers) and the statement run once more, and a statement refused by a
 * deadlock or a Galera certification conflict is run again after a short
 * backoff: it did not take effect. A write whose connection was lost after it
 * went out is not run again: the server may have applied it, and a counter
 * must not move twice; the caller gets DB_UNAVAILABLE. Inside a transaction
 * everything goes back to the caller, who owns the whole transaction. */
static MYSQL_STMT *
db_execute(const char *sql, const struct db_param *p, int np, int nrows,
    enum db_kind kind, int *status)
{
	MYSQL_STMT	*st;
	int		 tries = 0, sent;

	db_failback();
	for (;;) {
		db_last_errno = 0;
		st = db_execute_once(sql, p, np, nrows, kind, status, &sent);
		if (st != NULL || db_in_tx)
			break;
		if (*status == DB_UNAVAILABLE && kind == DB_WRITE && sent &&
		    db_lost_in_flight(db_last_errno)) {
			log_err("database connection lost during a write, not repeated "
			    "(it may have taken effect): %s", db_last_error);
			db_drop();
			return NULL;
		}
		if (*status == DB_UNAVAILABLE && tries == 0) {
			log_warn("database connection lost (%s), reconnecting", db_last_error);
			db_drop();
		} else if (db_last_errno == ER_LOCK_DEADLOCK && tries < DB_DEADLOCK_TRIES) {
			log_warn("statement refused by a conflict (%s), retrying", db_last_error);
			db_backoff(tries);
		} else {
			break;
		}
		tries++;
	}
	if (st == NULL && *status != DB_DUPLICATE)
		log_err("query failed: %s", db_last_error);
	return st;
}

int
db_exec(const char *sql, const struct db_param *p, int np,
    unsigned long long *affected, unsigned long long *insert_id)
{
	MYSQL_STMT	*st;
	int		 status;

	if ((st = db_execute(sql, p, np, 1, DB_WRITE, &status)) == NULL)
		return status;
	if (affected)
		*affected = mysql_stmt_affected_rows(st);
	if (insert_id)
		*insert_id = mysql_stmt_insert_id(st);
	mysql_stmt_free_result(st);
	return DB_OK;
}

int
db_exec_rows(const char *sql, const struct db_param *p, int np, int nrows)
{
	MYSQL_STMT	*st;
	int		 status;

	if ((st = db_execute(sql, p, np, nrows, DB_WRITE, &status)) == NULL)
		return status;
	mysql_stmt_free_result(st);
	return DB_OK;
}

static int
db_store_cell(struct db_rows *rows, int idx, MYSQL_STMT *st, MYSQL_BIND *b, int col)
{
	unsigned long	 len = *b->length;
	char		*cell;

	if ((cell = malloc(len + 1)) == NULL)
		return -1;
	if (len > b->buffer_length) {
		MYSQL_BIND	 big = *b;

		big.buffer = cell;
		big.buffer_length = len;
		if (mysql_stmt_fetch_column(st, &big, (unsigned)col, 0) != 0) {
			free(cell);
			return -1;
		}
	} else {
		memcpy(cell, b->buffer, len);
	}
	cell[len] = '\0';
	rows->cells[idx] = cell;
	rows->lens[idx] = len;
	return 0;
}

static int
db_fetch_all(MYSQL_STMT *st, struct db_rows *rows)
{
	MYSQL_BIND	 b[DB_MAX_COLS];
	char		*bufs[DB_MAX_COLS] = { 0 };
	unsigned long	 lens[DB_MAX_COLS];
	my_bool		 nulls[DB_MAX_COLS];
	MYSQL_RES	*meta;
	MYSQL_FIELD	*f;
	my_bool		 upd = 1;
	size_t		 sz;
	int		 c, r, rc, status = DB_ERROR;

	if ((meta = mysql_stmt_result_metadata(st)) == NULL)
		return DB_OK;
	rows->ncols = (int)mysql_num_fields(meta);
	if (rows->ncols > DB_MAX_COLS)
		goto out;
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &upd);
	if (mysql_stmt_store_result(st) != 0)
		goto out;
	memset(b, 0, sizeof(b));
	f = mysql_fetch_fields(meta);
	for (c = 0; c < rows->ncols; c++) {
		sz = f[c].max_length > DB_COL_MIN ? f[c].max_length : DB_COL_MIN;
		if (sz > 65536)
			sz = 65536;
		if ((bufs[c] = malloc(sz)) == NULL)
			goto out;
		b[c].buffer_type = MYSQL_TYPE_STRING;
		b[c].buffer = bufs[c];
		b[c].buffer_length = sz;
		b[c].length = &lens[c];
		b[c].is_null = &nulls[c];
	}
	if (mysql_stmt_bind_result(st, b) != 0)
		goto out;
	rows->nrows = 0;
	sz = (size_t)mysql_stmt_num_rows(st) * (size_t)rows->ncols;
	rows->cells = calloc(sz ? sz : 1, sizeof(char *));
	rows->lens = calloc(sz ? sz : 1, sizeof(unsigned long));
	if (rows->cells == NULL || rows->lens == NULL)
		goto out;
	for (r = 0; (rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED; r++) {
		if ((size_t)(r + 1) * (size_t)rows->ncols > sz)
			break;
		for (c = 0; c < rows->ncols; c++)
			if (!nulls[c] && db_store_cell(rows, r * rows->ncols + c, st, &b[c], c) == -1)
				goto out;
		rows->nrows = r + 1;
	}
	status = DB_OK;
out:
	if (status != DB_OK)
		db_set_error(mysql_stmt_errno(st), mysql_stmt_error(st));
	for (c = 0; c < DB_MAX_COLS; c++)
		free(bufs[c]);
	mysql_free_result(meta);
	mysql_stmt_free_result(st);
	return status;
}

int
db_query(const char *sql, const struct db_param *p, int np, struct db_rows *rows)
{
	MYSQL_STMT	*st;
	int		 status;

	memset(rows, 0, sizeof(*rows));
	if ((st = db_execute(sql, p, np, 1, DB_READ, &status)) == NULL)
		return status;
	if ((status = db_fetch_all(st, rows)) != DB_OK)
		log_err("fetch failed: %s", db_last_error);
	return status;
}

void
db_rows_free(struct db_rows *rows)
{
	int	 i;

	if (rows->cells)
		for (i = 0; i < rows->nrows * rows->ncols; i++)
			free(rows->cells[i]);
	free(rows->cells);
	free(rows->lens);
	memset(rows, 0, sizeof(*rows));
}

const char *
db_val(const struct db_rows *rows, int row, int col)
{
	if (row < 0 || row >= rows->nrows || col < 0 || col >= rows->ncols)
		return NULL;
	return rows->cells[row * rows->ncols + col];
}

unsigned long
db_len(const struct db_rows *rows, int row, int col)
{
	if (db_val(rows, row, col) == NULL)
		return 0;
	return rows->lens[row * rows->ncols + col];
}

long long
db_ll(const struct db_rows *rows, int row, int col, long long def)
{
	const char	*v = db_val(rows, row, col);
	char		*end;
	long long	 n;

	if (v == NULL || *v == '\0')
		return def;
	n = strtoll(v, &end, 10);
	return *end == '\0' || *end == '.' ? n : def;
}

static int
db_simple(const char *sql)
{
	int	 status;

	db_last_errno = 0;
	if ((status = db_connect()) != DB_OK)
		return status;
	if (mysql_real_query(db_conn, sql, strlen(sql)) != 0) {
		db_set_error(mysql_errno(db_conn), mysql_error(db_conn));
		return db_classify(db_last_errno);
	}
	return DB_OK;
}

int
db_begin(void)
{
	int	 status;

	db_failback();
	if ((status = db_simple("START TRANSACTION")) == DB_UNAVAILABLE) {
		db_drop();
		status = db_simple("START TRANSACTION");
	}
	db_in_tx = status == DB_OK;
	return status;
}

int
db_commit(void)
{
	int	 status = db_simple("COMMIT");

	db_in_tx = 0;
	return status;
}

void
db_rollback(void)
{
	if (db_conn && db_simple("ROLLBACK") != DB_OK)
		db_close();
	db_in_tx = 0;
}

int
db_run_script(const char *sql)
{
	MYSQL_RES	*res;
	int		 status, more;

	if ((status = db_simple(sql)) != DB_OK)
		return status;
	do {
		if ((res = mysql_store_result(db_conn)) != NULL)
			mysql_free_result(res);
		if ((more = mysql_next_result(db_conn)) > 0) {
			db_set_error(mysql_errno(db_conn), mysql_error(db_conn));
			return db_classify(db_last_errno);
		}
	} while (more == 0);
	return DB_OK;
}

const char *
db_error(void)
{
	return db_last_error;
}

unsigned int
db_errno(void)
{
	return db_last_errno;
}
