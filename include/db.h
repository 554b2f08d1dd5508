/* db: the process's one MariaDB/MySQL connection. Prepared statements only,
 * each prepared once per connection and cached by its SQL text. [database]
 * host may list several servers (a Galera cluster): the first that answers
 * takes every statement, a lost one is left for the next (docs/scaling.md).
 * Outside a transaction a lost connection (2006/2013/2002/1047) is reopened
 * and the statement retried once, except a write (db_exec) lost after it was
 * sent, which the server may have applied: that one fails with
 * DB_UNAVAILABLE. A write goes out only on a connection that a poll finds
 * still open. A deadlock or certification conflict (1213) is retried with
 * backoff. Results come back as rows of byte strings.
 * The session runs in UTC. Queries themselves live in the modules that own the
 * data, as named constants. */
#ifndef SB_DB_H
#define SB_DB_H

#include <stddef.h>

#include "config.h"

enum db_status {
	DB_OK = 0,
	DB_DUPLICATE,		/* 1062: unique key */
	DB_RETRY,		/* 1213/1205: deadlock, lock wait, certification: retry the transaction */
	DB_UNAVAILABLE,		/* cannot reach the server */
	DB_ERROR,
	DB_STATUS__MAX
};

enum db_ptype { DBP_NULL, DBP_INT, DBP_STR };

struct db_param {
	enum db_ptype	 type;
	long long	 i;
	const void	*s;
	unsigned long	 len;
};

struct db_rows {
	int		  nrows;
	int		  ncols;
	char		**cells;	/* nrows*ncols, NULL for SQL NULL, NUL-terminated */
	unsigned long	 *lens;
};

struct db_param	db_int(long long v);
/* NULL s becomes SQL NULL. */
struct db_param	db_str(const char *s);
struct db_param	db_bytes(const void *p, size_t n);
struct db_param	db_null(void);

/* Remember the settings; the connection is opened on first use. */
void		 db_configure(const struct config *cfg);
int		 db_connect(void);
void		 db_close(void);
/* Run a statement that returns no rows. affected/insert_id may be NULL. */
int		 db_exec(const char *sql, const struct db_param *p, int np,
		    unsigned long long *affected, unsigned long long *insert_id);
/* Run a statement that returns no rows for nrows (1..64) rows of np values
 * each (p holds them row after row): in one round trip where the server
 * takes bulk execution (MariaDB), else row by row. Outside a transaction a
 * retry may run rows again: make the statement idempotent (INSERT IGNORE). */
int		 db_exec_rows(const char *sql, const struct db_param *p, int np, int nrows);
/* Run a query; rows must be freed with db_rows_free even on error. */
int		 db_query(const char *sql, const struct db_param *p, int np,
		    struct db_rows *rows);
void		 db_rows_free(struct db_rows *rows);
const char	*db_val(const struct db_rows *rows, int row, int col);
unsigned long	 db_len(const struct db_rows *rows, int row, int col);
/* The cell as a number, or def when NULL or not a number. */
long long	 db_ll(const struct db_rows *rows, int row, int col, long long def);
int		 db_begin(void);
int		 db_commit(void);
void		 db_rollback(void);
/* Multi-statement script without parameters (migrations only). */
int		 db_run_script(const char *sql);
/* The server's last error text, for logs. */
const char	*db_error(void);
unsigned int	 db_errno(void);

#endif
