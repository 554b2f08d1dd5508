/* log: one escaped line per event on stderr (see log.h). Under lighttpd and
 * Apache stderr of a FastCGI program goes to the server's error log. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sbconst.h"

static const char *const log_level_names[LOG_LEVEL__MAX] = {
	"error", "warn", "info", "debug"
};

static const char	*log_program = "switchboard";
static enum log_level	 log_max = LOG_INFO;
static char		 log_request[SB_REQUEST_ID_LEN + 1];

void
log_init(const char *program, enum log_level max)
{
	log_program = program;
	log_max = max;
}

void
log_set_request(const char *request_id)
{
	if (request_id == NULL)
		log_request[0] = '\0';
	else
		snprintf(log_request, sizeof(log_request), "%s", request_id);
}

/* Copy src into dst escaping control and non-ASCII bytes as \xNN. */
static void
log_escape(char *dst, size_t dstsz, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t		  o = 0;
	unsigned char	  c;

	for (; *src != '\0' && o + 5 < dstsz; src++) {
		c = (unsigned char)*src;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	dst[o] = '\0';
}

void
log_msg(enum log_level lvl, const char *func, const char *fmt, ...)
{
	char		 raw[SB_LOG_LINE], esc[SB_LOG_LINE], ts[32];
	va_list		 ap;
	time_t		 now;
	struct tm	 tm;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_escape(esc, sizeof(esc), raw);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s req=%s %s %s: %s\n", ts, log_level_names[lvl],
	    log_request[0] ? log_request : "-", log_program, func, esc);
}
