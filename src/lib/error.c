/* error: filling categorized errors (see error.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "sbconst.h"

const char *const err_category_names[ERR__MAX] = {
	"none", "auth", "rate_limit", "budget", "model", "validation",
	"network", "timeout", "upstream", "internal"
};

void
err_set(struct sb_error *e, enum err_category cat, int status,
    const char *code, const char *fmt, ...)
{
	va_list	 ap;

	e->category = cat;
	e->status = status;
	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

void
err_clear(struct sb_error *e)
{
	memset(e, 0, sizeof(*e));
}

int
err_db_unavailable(struct sb_error *e)
{
	err_set(e, ERR_INTERNAL, 503, "database_unavailable",
	    "The database is unavailable; try again shortly.");
	e->retry_after = SB_DB_RETRY_AFTER_S;
	return -1;
}
