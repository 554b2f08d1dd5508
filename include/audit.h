/* audit: the append-only audit_log. Every management write (POST, PUT,
 * DELETE by a browser session or an admin API token) is recorded after it
 * was answered: who, how (session or token), method and path (never a body
 * or a query), the status, the address, when, the request id. Nothing here
 * may fail a request: a row that cannot be written is logged. */
#ifndef SB_AUDIT_H
#define SB_AUDIT_H

#include <cjson/cJSON.h>

#include "http.h"

#define AUDIT_LIST_MAX	500

void	 audit_record(const struct req *r);
/* The newest rows, at most limit (1..AUDIT_LIST_MAX), as {"entries":[…]};
 * NULL when the database failed. */
cJSON	*audit_list_json(int limit);

#endif
