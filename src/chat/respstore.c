/* respstore: the stored_responses rows (respstore.h). Owns that table and
 * nothing else; the chat path calls it only for requests that ask for it
 * (store: true, previous_response_id). */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "log.h"
#include "respstore.h"

#define RESPSTORE_PRUNE_BATCH	5000

static const char SQL_SAVE[] =
    "INSERT INTO stored_responses (id, user_id, conversation, response)"
    " VALUES (?, ?, ?, ?)";
static const char SQL_CONVERSATION[] =
    "SELECT conversation FROM stored_responses WHERE id = ? AND user_id = ?";
static const char SQL_RESPONSE[] =
    "SELECT response FROM stored_responses WHERE id = ? AND user_id = ?";
static const char SQL_DELETE[] =
    "DELETE FROM stored_responses WHERE id = ? AND user_id = ?";
static const char SQL_PRUNE[] =
    "DELETE FROM stored_responses WHERE created_at < ? LIMIT 5000";

int
respstore_save(const char *id, long long user_id, const cJSON *conversation,
    const cJSON *response)
{
	char		*conv = json_print(conversation);
	char		*resp = json_print(response);
	struct db_param	 p[4];
	int		 rc = -1;

	if (conv == NULL || resp == NULL ||
	    strlen(conv) + strlen(resp) > RESPSTORE_MAX_BYTES) {
		log_warn("respstore: response %s not stored: larger than %u bytes",
		    id, RESPSTORE_MAX_BYTES);
		goto out;
	}
	p[0] = db_str(id);
	p[1] = db_int(user_id);
	p[2] = db_str(conv);
	p[3] = db_str(resp);
	if (db_exec(SQL_SAVE, p, 4, NULL, NULL) == DB_OK)
		rc = 0;
	else
		log_warn("respstore: response %s not stored: %s", id, db_error());
out:
	free(conv);
	free(resp);
	return rc;
}

static int
respstore_get(const char *sql, const char *id, long long user_id, cJSON **out)
{
	struct db_param	 p[2] = { db_str(id), db_int(user_id) };
	struct db_rows	 rows;
	int		 rc;

	*out = NULL;
	rc = db_query(sql, p, 2, &rows);
	if (rc == DB_OK && rows.nrows == 0)
		rc = 1;
	else if (rc == DB_OK)
		rc = (*out = cJSON_Parse(db_val(&rows, 0, 0))) != NULL ? 0 : -1;
	else
		rc = -1;
	db_rows_free(&rows);
	return rc;
}

int
respstore_conversation(const char *id, long long user_id, cJSON **out)
{
	return respstore_get(SQL_CONVERSATION, id, user_id, out);
}

int
respstore_response(const char *id, long long user_id, cJSON **out)
{
	return respstore_get(SQL_RESPONSE, id, user_id, out);
}

int
respstore_delete(const char *id, long long user_id)
{
	struct db_param		 p[2] = { db_str(id), db_int(user_id) };
	unsigned long long	 n = 0;

	if (db_exec(SQL_DELETE, p, 2, &n, NULL) != DB_OK)
		return -1;
	return n > 0 ? 0 : 1;
}

int
respstore_prune(const char *cutoff, int64_t *deleted)
{
	struct db_param		 p = db_str(cutoff);
	unsigned long long	 n;

	*deleted = 0;
	do {
		n = 0;
		if (db_exec(SQL_PRUNE, &p, 1, &n, NULL) != DB_OK)
			return -1;
		*deleted += (int64_t)n;
	} while (n >= RESPSTORE_PRUNE_BATCH);
	return 0;
}
