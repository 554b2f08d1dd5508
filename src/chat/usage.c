/* usage: cost arithmetic in integers (128-bit intermediate, never floats) and
 * the one usage-log row per request: written with one prepared INSERT (in
 * one transaction with its budget settlement, when it has one), or kept
 * (usage_keep) for the spool's batch of rows written in one bulk INSERT; a
 * failure is logged, never shown to the client. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "quota.h"
#include "usage.h"

const char *const usage_status_names[USAGE_STATUS__MAX] = {
	"success", "error", "cancelled",
};

#define USAGE_TABLE \
    " aggregator_usage_logs (request_id, user_id, gateway_key_id," \
    " provider, config_id, endpoint, requested_model, resolved_model, is_stream," \
    " prompt_tokens, completion_tokens, total_tokens, cache_read_tokens," \
    " cache_write_tokens, reasoning_tokens, tokens_estimated, cost_micros," \
    " price_known, latency_ms, ttft_ms, http_status, status, error_category," \
    " error_message, attempts, route) VALUES"
#define USAGE_VALUES	"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
static const char SQL_USAGE_INSERT[] = "INSERT INTO" USAGE_TABLE " " USAGE_VALUES;
/* A row from the spool: the request id is unique, so a row that did reach
 * the database before is not written twice. */
static const char SQL_USAGE_REPLAY[] = "INSERT IGNORE INTO" USAGE_TABLE " " USAGE_VALUES;

long long
usage_cost(const struct adapter_usage *u, const struct usage_prices *p,
    int *known)
{
	__int128	 sum;
	long long	 plain, cr, cw;
	int64_t		 crp, cwp;

	*known = p->input >= 0 && p->output >= 0;
	if (!*known)
		return 0;
	cr = u->cache_read > 0 ? u->cache_read : 0;
	cw = u->cache_write > 0 ? u->cache_write : 0;
	plain = u->prompt - cr - cw;
	if (plain < 0)
		plain = 0;
	crp = p->cache_read >= 0 ? p->cache_read : p->input;
	cwp = p->cache_write >= 0 ? p->cache_write : p->input;
	sum = (__int128)plain * p->input + (__int128)cr * crp +
	    (__int128)cw * cwp + (__int128)(u->completion > 0 ?
	    u->completion : 0) * p->output;
	sum = (sum + 500000) / 1000000;
	if (sum > (__int128)INT64_MAX / 2)
		sum = INT64_MAX / 2;
	return (long long)sum;
}

long long
usage_estimate_tokens(size_t bytes)
{
	return bytes == 0 ? 0 : (long long)((bytes + 3) / 4);
}

void
usage_rec_init(struct usage_rec *rec, const char *request_id,
    const char *endpoint, long long started_us)
{
	memset(rec, 0, sizeof(*rec));
	rec->request_id = request_id;
	rec->endpoint = endpoint;
	rec->started_us = started_us;
	rec->price_known = 1;
	rec->status = USAGE_SUCCESS;
	rec->http_status = 200;
}

void
usage_rec_error(struct usage_rec *rec, enum err_category cat, int http_status,
    const char *message)
{
	size_t	 n = message ? strlen(message) : 0;

	rec->status = USAGE_ERROR;
	rec->category = cat;
	rec->http_status = http_status;
	if (n > USAGE_MAX_ERROR)
		n = USAGE_MAX_ERROR;
	/* Do not cut a UTF-8 sequence in half. */
	while (n > 0 && n < strlen(message) &&
	    ((unsigned char)message[n] & 0xC0) == 0x80)
		n--;
	memcpy(rec->error_message, message ? message : "", n);
	rec->error_message[n] = '\0';
}

static long long
usage_clamp(long long v, long long max)
{
	return v < 0 ? 0 : v > max ? max : v;
}

void
usage_rec_route(struct usage_rec *rec, const char *target, const char *outcome)
{
	size_t	 n = strlen(rec->route);

	snprintf(rec->route + n, sizeof(rec->route) - n, "%s%s: %s",
	    n ? "; " : "", target, outcome);
}

int
usage_params_text(const struct db_param *p, int np, struct buf *b)
{
	char	 num[24];
	int	 i, rc = buf_append(b, "[", 1);

	for (i = 0; i < np && rc == BUF_OK; i++) {
		if (i > 0)
			rc = buf_append(b, ",", 1);
		if (rc != BUF_OK)
			break;
		if (p[i].type == DBP_INT)
			rc = buf_append(b, num, (size_t)snprintf(num, sizeof(num), "%lld", p[i].i));
		else if (p[i].type == DBP_STR)
			rc = json_append_string(b, (const char *)p[i].s, p[i].len);
		else
			rc = buf_append(b, "null", 4);
	}
	return rc ? rc : buf_append(b, "]", 1);
}

int
usage_params_parse(const cJSON *row, struct db_param *p, int np)
{
	const cJSON	*v;
	int		 i = 0;

	if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != np)
		return -1;
	cJSON_ArrayForEach(v, row) {
		if (cJSON_IsNumber(v))
			p[i] = db_int((long long)v->valuedouble);
		else if (cJSON_IsString(v))
			p[i] = db_str(v->valuestring);
		else
			p[i] = db_null();
		i++;
	}
	return 0;
}

int
usage_insert_kept(const struct usage_kept *rows, int n)
{
	struct db_param	 p[USAGE_MAX_ROWS * USAGE_NPARAMS];
	int		 i;

	if (n < 1 || n > USAGE_MAX_ROWS)
		return n == 0 ? 0 : -1;
	for (i = 0; i < n; i++)
		memcpy(p + i * USAGE_NPARAMS, rows[i].p, sizeof(rows[i].p));
	return db_exec_rows(SQL_USAGE_REPLAY, p, USAGE_NPARAMS, n) == DB_OK ? 0 : -1;
}

/* One row's parameters with the replay statement: DB_OK, DB_DUPLICATE when
 * its request id is there already, or the failure. */
static int
usage_insert_params(const struct db_param *p)
{
	unsigned long long affected = 0;
	int		 rc = db_exec(SQL_USAGE_REPLAY, p, USAGE_NPARAMS, &affected, NULL);

	return rc == DB_OK && affected == 0 ? DB_DUPLICATE : rc;
}

/* The row and its settlement in one transaction: a db_status, DB_DUPLICATE
 * when the row was there already (nothing settled). */
static int
usage_insert_settled_once(const struct db_param *p,
    const struct quota_reservation *res, long long actual)
{
	struct quota_reservation settle = *res;
	int		 rc;

	if ((rc = db_begin()) != DB_OK)
		return rc;
	rc = usage_insert_params(p);
	if (rc == DB_OK)
		rc = quota_budget_settle(&settle, actual);
	if (rc == DB_OK || rc == DB_DUPLICATE) {
		int c = db_commit();

		if (c == DB_OK)
			return rc;
		rc = c;
	}
	db_rollback();
	return rc;
}

/* Insert a row's parameters unless its request id is there already, and
 * settle res (when active) with actual in the same transaction (retried on
 * a conflict). DB_OK, DB_DUPLICATE (there already: nothing settled), or the
 * failure (nothing written). */
static int
usage_insert_settled(const struct db_param *p,
    const struct quota_reservation *res, long long actual)
{
	int	 tries = 0, rc;

	if (!res->active)
		return usage_insert_params(p);
	do
		rc = usage_insert_settled_once(p, res, actual);
	while (rc == DB_RETRY && ++tries < USAGE_TX_TRIES);
	return rc;
}

int
usage_insert_row(const cJSON *row, const struct quota_reservation *res,
    long long actual)
{
	struct db_param	 p[USAGE_NPARAMS];
	int		 rc;

	if (usage_params_parse(row, p, USAGE_NPARAMS) != 0)
		return 1;
	rc = usage_insert_settled(p, res, actual);
	return rc == DB_DUPLICATE ? 2 : rc == DB_OK ? 0 : -1;
}

/* The row's statement parameters (USAGE_NPARAMS), its latency ending now. */
static void
usage_params(const struct usage_rec *rec, struct db_param *p)
{
	long long	 now = http_now_us(), lat, ttft = -1;
	const long long	 U32 = 4294967295LL;

	lat = (now - rec->started_us) / 1000;
	if (rec->first_token_us > 0)
		ttft = (rec->first_token_us - rec->started_us) / 1000;
	p[0] = db_str(rec->request_id);
	p[1] = db_int(rec->user_id);
	p[2] = rec->key_id ? db_int(rec->key_id) : db_null();
	p[3] = db_str(rec->provider[0] ? rec->provider : NULL);
	p[4] = rec->config_id ? db_int(rec->config_id) : db_null();
	p[5] = db_str(rec->endpoint);
	p[6] = db_str(rec->requested_model[0] ? rec->requested_model : NULL);
	p[7] = db_str(rec->resolved_model[0] ? rec->resolved_model : NULL);
	p[8] = db_int(rec->is_stream != 0);
	p[9] = db_int(usage_clamp(rec->u.prompt, U32));
	p[10] = db_int(usage_clamp(rec->u.completion, U32));
	p[11] = db_int(usage_clamp(rec->u.total, U32));
	p[12] = db_int(usage_clamp(rec->u.cache_read, U32));
	p[13] = db_int(usage_clamp(rec->u.cache_write, U32));
	p[14] = db_int(usage_clamp(rec->u.reasoning, U32));
	p[15] = db_int(rec->tokens_estimated != 0);
	p[16] = db_int(rec->cost_micros);
	p[17] = db_int(rec->price_known != 0);
	p[18] = db_int(usage_clamp(lat, U32));
	p[19] = ttft >= 0 ? db_int(usage_clamp(ttft, U32)) : db_null();
	p[20] = db_int(usage_clamp(rec->http_status, 65535));
	p[21] = db_str(usage_status_names[rec->status]);
	p[22] = rec->category != ERR_NONE ?
	    db_str(err_category_names[rec->category]) : db_null();
	p[23] = db_str(rec->error_message[0] ? rec->error_message : NULL);
	p[24] = db_int(usage_clamp(rec->attempts, 255));
	p[25] = db_str(rec->route[0] ? rec->route : NULL);
}

/* Copy p into k, its strings into one block. 0, or -1 (out of memory). */
static int
usage_keep_params(struct usage_kept *k, const struct db_param *p)
{
	size_t	 total = 0, at = 0;
	int	 i;

	memcpy(k->p, p, sizeof(k->p));
	for (i = 0; i < USAGE_NPARAMS; i++)
		if (p[i].type == DBP_STR)
			total += p[i].len + 1;
	if ((k->strings = malloc(total ? total : 1)) == NULL)
		return -1;
	for (i = 0; i < USAGE_NPARAMS; i++) {
		if (p[i].type != DBP_STR)
			continue;
		memcpy(k->strings + at, p[i].s, p[i].len);
		k->strings[at + p[i].len] = '\0';
		k->p[i].s = k->strings + at;
		at += p[i].len + 1;
	}
	return 0;
}

int
usage_keep(const struct usage_rec *rec, struct usage_kept *k)
{
	struct db_param	 p[USAGE_NPARAMS];

	usage_params(rec, p);
	return usage_keep_params(k, p);
}

void
usage_kept_free(struct usage_kept *k)
{
	free(k->strings);
	k->strings = NULL;
}

void
usage_rec_written(struct usage_rec *rec)
{
	rec->request_id = NULL;
}

int
usage_log(struct usage_rec *rec, const struct quota_reservation *res,
    struct usage_kept *unwritten)
{
	struct db_param	 p[USAGE_NPARAMS];
	int		 rc;

	if (unwritten)
		unwritten->strings = NULL;
	if (rec->request_id == NULL)
		return 0;
	usage_params(rec, p);
	rc = res != NULL && res->active ?
	    usage_insert_settled(p, res, rec->cost_micros) :
	    db_exec(SQL_USAGE_INSERT, p, USAGE_NPARAMS, NULL, NULL);
	if (rc != DB_OK && rc != DB_DUPLICATE) {
		log_err("usage row for %s not written: %s", rec->request_id,
		    db_error());
		if (unwritten && usage_keep_params(unwritten, p) != 0)
			unwritten->strings = NULL;
	}
	rec->request_id = NULL;
	return rc == DB_OK || rc == DB_DUPLICATE ? 0 : -1;
}
