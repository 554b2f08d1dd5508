/* usage: the chat path's accounting. Cost in integer micro-USD from token
 * counts and integer prices (micro-USD per 1M tokens), token estimates when
 * an upstream reports none, and exactly one aggregator_usage_logs row per
 * request (success, upstream error, refusal, disconnect). */
#ifndef SB_USAGE_H
#define SB_USAGE_H

#include <stdint.h>

#include "adapter.h"
#include "buf.h"
#include "db.h"
#include "error.h"
#include "quota.h"

#define USAGE_MAX_ERROR	255
#define USAGE_MAX_ROUTE	1023
#define USAGE_NPARAMS	26	/* values of a row */
#define USAGE_MAX_ROWS	16	/* rows one usage_insert_kept writes at most */
#define USAGE_TX_TRIES	3	/* a row and its settlement refused by a conflict */

enum usage_status { USAGE_SUCCESS = 0, USAGE_ERROR, USAGE_CANCELLED,
	USAGE_STATUS__MAX };
extern const char *const usage_status_names[USAGE_STATUS__MAX];

/* Prices of one model, micro-USD per 1M tokens; -1 (PRICE_UNKNOWN) = unknown. */
struct usage_prices {
	int64_t	 input;
	int64_t	 output;
	int64_t	 cache_read;	/* unknown: charged at the input price */
	int64_t	 cache_write;	/* unknown: charged at the input price */
};

struct usage_rec {
	const char		*request_id;
	long long		 user_id;	/* 0 when the caller is unknown */
	long long		 key_id;	/* 0 = none */
	char			 provider[65];
	long long		 config_id;	/* 0 = none */
	const char		*endpoint;	/* "chat", "embeddings", "llm_chat", … */
	char			 requested_model[321];
	char			 resolved_model[256];
	int			 is_stream;
	struct adapter_usage	 u;
	int			 tokens_estimated;
	long long		 cost_micros;
	int			 price_known;
	long long		 started_us;	/* http_now_us() at start */
	long long		 first_token_us;	/* 0 = none */
	int			 http_status;
	enum usage_status	 status;
	enum err_category	 category;
	char			 error_message[USAGE_MAX_ERROR + 1];
	int			 attempts;
	char			 route[USAGE_MAX_ROUTE + 1];	/* "target: outcome; …" */
};

/* Cost of u at prices p, rounded half up to a micro-USD. Returns the cost, or
 * 0 with *known = 0 when the input or output price is unknown. */
long long	usage_cost(const struct adapter_usage *u,
		    const struct usage_prices *p, int *known);
/* Rough token count of text: ceil(bytes / 4), at least 1 for non-empty. */
long long	usage_estimate_tokens(size_t bytes);
/* Start a record for a request (zeroes it, sets ids and start time). */
void		usage_rec_init(struct usage_rec *rec, const char *request_id,
		    const char *endpoint, long long started_us);
/* Note an error on the record (category, status, message). */
void		usage_rec_error(struct usage_rec *rec, enum err_category cat,
		    int http_status, const char *message);
/* Add "target: outcome" to the record's route (cut at its size). */
void		usage_rec_route(struct usage_rec *rec, const char *target,
		    const char *outcome);
/* A row kept to be written later (the spool): its parameters, with their
 * strings copied into one block (NULL: nothing kept). */
struct usage_kept {
	struct db_param	 p[USAGE_NPARAMS];
	char		*strings;
};
/* Insert the row (once; later calls do nothing) and, when res is active,
 * settle it with the row's cost in the same transaction: a row in the table
 * is a settled one, whoever finds it later (a spool replay, a recovery).
 * 0, or -1 (logged) with nothing written and *unwritten (when not NULL)
 * holding the row's values for the spool (its strings NULL when even that
 * failed). Free them with usage_kept_free. res itself is left as it was. */
int		 usage_log(struct usage_rec *rec,
		    const struct quota_reservation *res,
		    struct usage_kept *unwritten);
/* Keep the record's row, its latency ending now. 0, or -1 (out of memory). */
int		 usage_keep(const struct usage_rec *rec, struct usage_kept *k);
void		 usage_kept_free(struct usage_kept *k);
/* Insert n (0..USAGE_MAX_ROWS) kept rows, skipping request ids already
 * there, in one round trip (db_exec_rows). 0, or -1 (database failure; some
 * may be written). */
int		 usage_insert_kept(const struct usage_kept *rows, int n);
/* The row was kept to be written later: usage_log does nothing now. */
void		 usage_rec_written(struct usage_rec *rec);
/* Insert a spooled row (usage_log's *unwritten, as JSON) unless its request
 * id is there already, and settle res (when active) with actual in the same
 * transaction (retried on a conflict). 0 written, 2 there already (written by an earlier replay or recovered from its
 * in-flight note, and settled then), 1 malformed, -1 database failure. */
int		 usage_insert_row(const cJSON *row,
		    const struct quota_reservation *res, long long actual);
/* Statement parameters as the text of a JSON array (integers, strings,
 * nulls), appended to b, and back from its parsed form: the form rows and
 * notes take in files. usage_params_text: BUF_OK or buf's error.
 * usage_params_parse: 0, or -1 when row is not an array of np values; the
 * strings point into row. */
int		 usage_params_text(const struct db_param *p, int np, struct buf *b);
int		 usage_params_parse(const cJSON *row, struct db_param *p, int np);

#endif
