/* audit: audit_log rows (audit.h). Writes one row per management write and
 * reads the newest for the Admin page; knows nothing of routes. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "log.h"

static const char SQL_AUDIT_ADD[] =
    "INSERT INTO audit_log (user_id, username, via, token_id, method, path, status,"
    " address, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_AUDIT_LIST[] =
    "SELECT DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%s.%fZ'), user_id, username, via, token_id,"
    " method, path, status, address, request_id FROM audit_log"
    " ORDER BY at DESC, id DESC LIMIT ?";

void
audit_record(const struct req *r)
{
	struct db_param	 p[9];

	p[0] = db_int(r->who.user_id);
	p[1] = db_str(r->who.username);
	p[2] = db_str(r->who.via == AUTH_VIA_TOKEN ? "token" : "session");
	p[3] = r->who.token_id ? db_int(r->who.token_id) : db_null();
	p[4] = db_str(r->method);
	p[5] = db_bytes(r->path, strnlen(r->path, 255));
	p[6] = db_int(r->status ? r->status : 500);
	p[7] = db_str(http_param(r, "REMOTE_ADDR"));
	p[8] = db_str(r->request_id);
	if (db_exec(SQL_AUDIT_ADD, p, 9, NULL, NULL) != DB_OK)
		log_err("audit row for %s %s not written: %s", r->method, r->path, db_error());
}

cJSON *
audit_list_json(int limit)
{
	static const char *const names[] = { "at", "user_id", "username", "via", "token_id",
	    "method", "path", "status", "address", "request_id" };
	struct db_param	 p[1] = { db_int(limit) };
	struct db_rows	 rows;
	cJSON		*root, *arr, *o;
	const char	*v;
	int		 i, c;

	if (db_query(SQL_AUDIT_LIST, p, 1, &rows) != DB_OK) {
		db_rows_free(&rows);
		return NULL;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "entries");
	for (i = 0; i < rows.nrows; i++) {
		o = cJSON_CreateObject();
		for (c = 0; c < 10; c++) {
			v = db_val(&rows, i, c);
			if (v == NULL)
				cJSON_AddNullToObject(o, names[c]);
			else if (c == 1 || c == 4 || c == 7)
				cJSON_AddNumberToObject(o, names[c], (double)db_ll(&rows, i, c, 0));
			else
				cJSON_AddStringToObject(o, names[c], v);
		}
		cJSON_AddItemToArray(arr, o);
	}
	db_rows_free(&rows);
	return root;
}
