/* alerts: the notifications, alert_channels and alert_deliveries rows
 * (alerts.h). Events become notifications by INSERT IGNORE on (user,
 * event_key), so running the job twice, or on two nodes at once, makes each
 * notification once; a delivery row per (notification, channel) is claimed by
 * pushing its next_at forward before the POST, so two runs never send it
 * twice. Webhook URLs are sealed with the vault (associated data
 * "alert:<user id>") and only opened to deliver. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "alerts.h"
#include "buf.h"
#include "db.h"
#include "egress.h"
#include "json.h"
#include "log.h"
#include "netcheck.h"
#include "sbconst.h"
#include "vault.h"

#define ALERTS_URL_MAX	2048
#define ALERTS_BATCH	100

/* Budget periods that crossed a line (alert_at or exhausted_at): the
 * owner is the user (scope user) or the key's user (scope key). */
#define ALERTS_BUDGET(col, kind, what)						\
    "INSERT IGNORE INTO notifications (user_id, event_key, kind, title, body, link)" \
    " SELECT COALESCE(k.user_id, b.scope_id),"					\
    " CONCAT('" kind ":', b.scope, ':', b.scope_id, ':', b.period), '" kind "',"	\
    " CONCAT(IF(b.scope = 'key', CONCAT('API key \"', k.name, '\"'), 'Your account'),"	\
    "  ' " what "'),"								\
    " CONCAT('$', FORMAT(b.spent_micros / 1000000, 2), ' of $',"		\
    "  FORMAT(b.limit_micros / 1000000, 2), ' spent in ', b.period, '.'),"	\
    " IF(b.scope = 'key', 'keys.html', 'budget.html')"				\
    " FROM budget_periods b LEFT JOIN gateway_keys k ON b.scope = 'key' AND k.id = b.scope_id" \
    " WHERE b." col " IS NOT NULL AND b." col " > NOW(6) - INTERVAL 40 DAY"	\
    " AND b.limit_micros IS NOT NULL AND (b.scope = 'user' OR k.id IS NOT NULL)"

static const char SQL_EVENTS_BUDGET_ALERT[] =
    ALERTS_BUDGET("alert_at", "budget_alert", "reached its budget alert threshold");
static const char SQL_EVENTS_BUDGET_SPENT[] =
    ALERTS_BUDGET("exhausted_at", "budget_exhausted", "used up its budget");
/* One per stored key the provider refused (a replaced key starts afresh). */
static const char SQL_EVENTS_KEY_REFUSED[] =
    "INSERT IGNORE INTO notifications (user_id, event_key, kind, title, body, link)"
    " SELECT c.user_id, CONCAT('key_refused:', c.id, ':', LEFT(HEX(c.key_fingerprint), 16)),"
    " 'key_refused', CONCAT(c.name, ' refused its API key'),"
    " CONCAT('The provider answered that the key ending ', c.key_hint, ' is not valid;"
    " requests go to your other providers. Replace the key under Providers.'), 'providers.html'"
    " FROM user_api_providers c WHERE c.status = 'key_refused' AND c.is_active = 1";
/* A circuit open after many failures in a row: one word a day. */
static const char SQL_EVENTS_CIRCUIT[] =
    "INSERT IGNORE INTO notifications (user_id, event_key, kind, title, body, link)"
    " SELECT c.user_id, LEFT(CONCAT('circuit_open:', s.config_id, ':', DATE(NOW(6)), ':',"
    "  s.model_id), 190), 'circuit_open',"
    " LEFT(CONCAT(c.name, IF(s.model_id = '', '', CONCAT('/', s.model_id)), ' keeps failing'), 255),"
    " CONCAT(s.failures, ' failures in a row (the last: ', COALESCE(s.last_category, 'unknown'),"
    "  '); requests go to your other providers until it answers again.'), 'status.html'"
    " FROM circuit_state s JOIN user_api_providers c ON c.id = s.config_id"
    " WHERE s.open_until > NOW(6) AND s.failures >= ?";
/* Every channel of the user gets the notifications made after it. */
static const char SQL_DELIVERIES_ADD[] =
    "INSERT IGNORE INTO alert_deliveries (notification_id, channel_id)"
    " SELECT n.id, ch.id FROM notifications n JOIN alert_channels ch ON ch.user_id = n.user_id"
    " WHERE n.created_at >= ch.created_at AND n.created_at > NOW(6) - INTERVAL 7 DAY";
static const char SQL_DELIVERIES_DUE[] =
    "SELECT d.notification_id, d.channel_id, d.attempts, ch.user_id, ch.format,"
    " ch.url_enc, ch.url_key_id, n.kind, n.title, n.body,"
    " DATE_FORMAT(n.created_at, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM alert_deliveries d JOIN alert_channels ch ON ch.id = d.channel_id"
    " JOIN notifications n ON n.id = d.notification_id"
    " WHERE d.delivered_at IS NULL AND d.attempts < ? AND d.next_at <= NOW(6) LIMIT ?";
/* Claimed for a minute before sending; a run that dies leaves it due again. */
static const char SQL_DELIVERY_CLAIM[] =
    "UPDATE alert_deliveries SET next_at = NOW(6) + INTERVAL 60 SECOND"
    " WHERE notification_id = ? AND channel_id = ? AND attempts = ? AND delivered_at IS NULL"
    " AND next_at <= NOW(6)";
static const char SQL_DELIVERY_DONE[] =
    "UPDATE alert_deliveries SET attempts = attempts + 1, delivered_at = NOW(6),"
    " last_status = ?, last_error = NULL WHERE notification_id = ? AND channel_id = ?";
static const char SQL_DELIVERY_FAILED[] =
    "UPDATE alert_deliveries SET attempts = attempts + 1,"
    " next_at = NOW(6) + INTERVAL ? MINUTE, last_status = ?, last_error = ?"
    " WHERE notification_id = ? AND channel_id = ?";

static const char SQL_NOTES_LIST[] =
    "SELECT id, kind, title, body, link, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(read_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " (SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL)"
    " FROM notifications WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?";
static const char SQL_NOTES_READ[] =
    "UPDATE notifications SET read_at = NOW(6) WHERE user_id = ? AND read_at IS NULL";
static const char SQL_CHANNELS_LIST[] =
    "SELECT ch.id, ch.kind, ch.format, ch.url_hint, DATE_FORMAT(ch.created_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " (SELECT COUNT(*) FROM alert_deliveries d WHERE d.channel_id = ch.id AND d.delivered_at IS NOT NULL),"
    " (SELECT COUNT(*) FROM alert_deliveries d WHERE d.channel_id = ch.id AND d.delivered_at IS NULL),"
    " (SELECT d.last_error FROM alert_deliveries d WHERE d.channel_id = ch.id AND d.last_error IS NOT NULL"
    "  ORDER BY d.next_at DESC LIMIT 1)"
    " FROM alert_channels ch WHERE ch.user_id = ? ORDER BY ch.created_at, ch.id";
static const char SQL_CHANNELS_COUNT[] =
    "SELECT COUNT(*) FROM alert_channels WHERE user_id = ?";
static const char SQL_CHANNEL_ADD[] =
    "INSERT INTO alert_channels (user_id, kind, format, url_enc, url_key_id, url_hint)"
    " VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_CHANNEL_DELETE[] =
    "DELETE FROM alert_channels WHERE id = ? AND user_id = ?";
static const char SQL_CHANNEL_DELIVERIES_DELETE[] =
    "DELETE FROM alert_deliveries WHERE channel_id = ?";

static const char SQL_CHANNELS_STALE[] =
    "SELECT id, user_id, url_enc, url_key_id FROM alert_channels WHERE url_key_id <> ?";
static const char SQL_CHANNEL_RESEAL[] =
    "UPDATE alert_channels SET url_enc = ?, url_key_id = ? WHERE id = ? AND url_key_id = ?";

static const char *const alerts_formats[] = { "json", "slack", "discord", "email" };

static void
alerts_aad(long long user_id, char *out, size_t size)
{
	snprintf(out, size, "alert:%lld", user_id);
}

/* ---- the job ---------------------------------------------------------------- */

/* Minutes before attempt n + 1 (n attempts made). */
static int
alerts_backoff_min(int n)
{
	static const int min[] = { 1, 5, 15, 60, 180, 360, 720 };

	return min[n < 0 ? 0 : n >= 7 ? 6 : n];
}

/* The body a webhook gets, in its format; NULL when out of memory. */
static char *
alerts_body(const char *format, const struct db_rows *r, int i)
{
	const char	*kind = db_val(r, i, 7), *title = db_val(r, i, 8), *body = db_val(r, i, 9);
	char		 text[1400];
	cJSON		*o = cJSON_CreateObject();
	char		*s;

	snprintf(text, sizeof(text), "%s\n%s", title ? title : "", body ? body : "");
	if (strcmp(format, "slack") == 0) {
		cJSON_AddStringToObject(o, "text", text);
	} else if (strcmp(format, "discord") == 0) {
		cJSON_AddStringToObject(o, "content", text);
	} else {
		cJSON_AddNumberToObject(o, "id", (double)db_ll(r, i, 0, 0));
		cJSON_AddStringToObject(o, "event", kind ? kind : "");
		cJSON_AddStringToObject(o, "title", title ? title : "");
		cJSON_AddStringToObject(o, "text", body ? body : "");
		cJSON_AddStringToObject(o, "created_at", db_val(r, i, 10) ? db_val(r, i, 10) : "");
	}
	s = json_print(o);
	cJSON_Delete(o);
	return s;
}

static size_t
alerts_discard(void *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* POST body to url through egress. The HTTP status, or 0 with msg set. */
static long
alerts_post(CURL *c, const char *url, const char *body, int allow_private, char *msg, size_t msgsz)
{
	struct curl_slist	*h = curl_slist_append(NULL, "Content-Type: application/json");
	struct egress		 eg;
	CURLcode		 cc;
	long			 status = 0;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "switchboard/" SB_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, alerts_discard);
	if (egress_open(c, url, allow_private, &eg, msg, msgsz) != NETCHECK_OK) {
		egress_release(c, &eg);
		curl_slist_free_all(h);
		return 0;
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	egress_release(c, &eg);
	curl_slist_free_all(h);
	if (eg.refused) {
		snprintf(msg, msgsz, "the address now resolves to %s, which this server does not connect to",
		    eg.refused_addr);
		return 0;
	}
	if (cc != CURLE_OK) {
		snprintf(msg, msgsz, "%s", curl_easy_strerror(cc));
		return 0;
	}
	if (status < 200 || status > 299)
		snprintf(msg, msgsz, "the webhook answered %ld", status);
	return status;
}

/* A header value without line breaks (a key or provider name could hold one). */
static void
alerts_one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			*s = ' ';
}

/* The message for row i to `to` (RFC 5322, LF line ends) into out; 0, or
 * -1 when out of memory. */
static int
alerts_message(const struct config *cfg, const char *to, const struct db_rows *r, int i,
    struct buf *out)
{
	char		 subject[300], from[256], date[64];
	time_t		 now = time(NULL);
	struct tm	 tm;

	snprintf(subject, sizeof(subject), "[Switchboard] %s", db_val(r, i, 8) ? db_val(r, i, 8) : "");
	snprintf(from, sizeof(from), "%s", cfg->mail_from);
	alerts_one_line(subject);
	alerts_one_line(from);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	return buf_printf(out, "To: %s\nFrom: %s\nSubject: %s\nDate: %s\n"
	    "Content-Type: text/plain; charset=utf-8\nAuto-Submitted: auto-generated\n\n%s\n",
	    to, from, subject, date, db_val(r, i, 9) ? db_val(r, i, 9) : "") == BUF_OK ? 0 : -1;
}

/* Hand the message to the host's sendmail (-t -i: recipients from the
 * headers, a lone dot is not the end). 1 accepted, 0 with msg set. */
static int
alerts_sendmail(const struct config *cfg, const struct buf *m, char *msg, size_t msgsz)
{
	int	 fd[2], status = 0, devnull;
	pid_t	 pid;
	FILE	*f;

	if (pipe(fd) != 0 || (pid = fork()) < 0) {
		snprintf(msg, msgsz, "cannot start sendmail: %s", strerror(errno));
		return 0;
	}
	if (pid == 0) {
		char *const argv[] = { "sendmail", "-t", "-i", NULL };
		sigset_t none;

		sigemptyset(&none);	/* the server loop blocks its stop signals */
		sigprocmask(SIG_SETMASK, &none, NULL);
		devnull = open("/dev/null", O_WRONLY);
		dup2(fd[0], 0);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		close(fd[1]);
		execv(cfg->sendmail, argv);
		_exit(127);
	}
	close(fd[0]);
	if ((f = fdopen(fd[1], "w")) == NULL) {
		close(fd[1]);
	} else {
		fwrite(m->data, 1, m->len, f);
		fclose(f);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	snprintf(msg, msgsz, "%s exited with status %d", cfg->sendmail,
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

struct alerts_upload {
	const char	*p;
	size_t		 left;
};

static size_t
alerts_upload_read(char *dst, size_t size, size_t n, void *arg)
{
	struct alerts_upload	*u = arg;
	size_t			 k = size * n < u->left ? size * n : u->left;

	memcpy(dst, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

/* Whether the SMTP URL names this machine (credentials may then go in the
 * clear; to anyone else they need TLS). */
static int
alerts_smtp_local(const char *url)
{
	const char	*h = strstr(url, "://") + 3;

	return strncmp(h, "127.", 4) == 0 || strncmp(h, "localhost", 9) == 0 ||
	    strncmp(h, "[::1]", 5) == 0;
}

/* Send the message through [alerts] smtp_url with libcurl. 1 accepted, 0
 * with msg set. The server is the admin's (the config file), so no egress
 * check; the password never reaches msg (curl's errors do not hold it). */
static int
alerts_smtp(CURL *c, const struct config *cfg, const char *to, const struct buf *m,
    char *msg, size_t msgsz)
{
	struct alerts_upload	 u = { m->data, m->len };
	struct curl_slist	*rcpt = curl_slist_append(NULL, to);
	int			 creds = cfg->smtp_user[0] != '\0';
	CURLcode		 cc;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, cfg->mail_from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, alerts_upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_CRLF, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(c, CURLOPT_USE_SSL, creds && !alerts_smtp_local(cfg->smtp_url) ?
	    (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	if (creds) {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password);
	}
	cc = curl_easy_perform(c);
	curl_easy_reset(c);	/* drops the credentials from the handle */
	curl_slist_free_all(rcpt);
	if (cc == CURLE_OK)
		return 1;
	snprintf(msg, msgsz, "SMTP: %s", curl_easy_strerror(cc));
	return 0;
}

/* Mail row i to `to`: SMTP when [alerts] smtp_url is set, else sendmail. */
static int
alerts_mail(CURL *c, const struct config *cfg, const char *to, const struct db_rows *r, int i,
    char *msg, size_t msgsz)
{
	struct buf	 m;
	int		 ok;

	buf_init(&m, 16384);
	if (alerts_message(cfg, to, r, i, &m) != 0) {
		buf_free(&m);
		snprintf(msg, msgsz, "out of memory");
		return 0;
	}
	ok = cfg->smtp_url[0] ? alerts_smtp(c, cfg, to, &m, msg, msgsz) :
	    alerts_sendmail(cfg, &m, msg, msgsz);
	buf_free(&m);
	return ok;
}

/* Open the channel's URL and send row i. 1 delivered, 0 failed (recorded). */
static int
alerts_deliver(CURL *c, const struct config *cfg, const struct db_rows *r, int i)
{
	char		 url[ALERTS_URL_MAX + 1], aad[32], msg[256] = "";
	char		*body = NULL;
	size_t		 len = 0;
	long		 status = 0;
	struct db_param	 p[5];
	int		 attempts = (int)db_ll(r, i, 2, 0);

	alerts_aad(db_ll(r, i, 3, 0), aad, sizeof(aad));
	if (vault_decrypt((int)db_ll(r, i, 6, 0), (const unsigned char *)db_val(r, i, 5),
	    db_len(r, i, 5), aad, url, sizeof(url), &len) != VAULT_OK)
		snprintf(msg, sizeof(msg), "the webhook address cannot be opened (master key missing?)");
	else if (strncmp(url, "mailto:", 7) == 0)
		status = alerts_mail(c, cfg, url + 7, r, i, msg, sizeof(msg)) ? 250 : 0;
	else if ((body = alerts_body(db_val(r, i, 4), r, i)) == NULL)
		snprintf(msg, sizeof(msg), "out of memory");
	else
		status = alerts_post(c, url, body, cfg->allow_private_endpoints, msg, sizeof(msg));
	OPENSSL_cleanse(url, sizeof(url));
	free(body);
	if (status >= 200 && status <= 299) {
		p[0] = db_int(status);
		p[1] = db_int(db_ll(r, i, 0, 0));
		p[2] = db_int(db_ll(r, i, 1, 0));
		(void)db_exec(SQL_DELIVERY_DONE, p, 3, NULL, NULL);
		return 1;
	}
	p[0] = db_int(alerts_backoff_min(attempts));
	p[1] = status ? db_int(status) : db_null();
	p[2] = db_str(msg);
	p[3] = db_int(db_ll(r, i, 0, 0));
	p[4] = db_int(db_ll(r, i, 1, 0));
	(void)db_exec(SQL_DELIVERY_FAILED, p, 5, NULL, NULL);
	log_warn("alert %lld to channel %lld not delivered (attempt %d): %s",
	    db_ll(r, i, 0, 0), db_ll(r, i, 1, 0), attempts + 1, msg);
	return 0;
}

/* Send what is due; returns how many failed. */
static int
alerts_deliver_due(const struct config *cfg, int *sent)
{
	struct db_param		 p[4] = { db_int(ALERTS_MAX_TRIES), db_int(ALERTS_BATCH) };
	struct db_rows		 r;
	unsigned long long	 claimed;
	CURL			*c;
	int			 i, failed = 0;

	if (db_query(SQL_DELIVERIES_DUE, p, 2, &r) != DB_OK) {
		db_rows_free(&r);
		return -1;
	}
	if ((c = curl_easy_init()) == NULL) {
		db_rows_free(&r);
		return -1;
	}
	for (i = 0; i < r.nrows; i++) {
		p[0] = db_int(db_ll(&r, i, 0, 0));
		p[1] = db_int(db_ll(&r, i, 1, 0));
		p[2] = db_int(db_ll(&r, i, 2, 0));
		claimed = 0;
		if (db_exec(SQL_DELIVERY_CLAIM, p, 3, &claimed, NULL) != DB_OK || claimed != 1)
			continue;	/* another run has it */
		if (alerts_deliver(c, cfg, &r, i))
			(*sent)++;
		else
			failed++;
	}
	curl_easy_cleanup(c);
	db_rows_free(&r);
	return failed;
}

int
alerts_cli(const struct config *cfg, int argc, char **argv)
{
	static const char *const events[] = { SQL_EVENTS_BUDGET_ALERT, SQL_EVENTS_BUDGET_SPENT,
	    SQL_EVENTS_KEY_REFUSED };
	struct db_param		 p[1] = { db_int(ALERTS_CIRCUIT_FAILS) };
	unsigned long long	 n, made = 0;
	size_t			 i;
	int			 sent = 0, failed;

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);	/* a sendmail that exits early */
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		n = 0;
		if (db_exec(events[i], NULL, 0, &n, NULL) != DB_OK)
			goto dberr;
		made += n;
	}
	n = 0;
	if (db_exec(SQL_EVENTS_CIRCUIT, p, 1, &n, NULL) != DB_OK ||
	    db_exec(SQL_DELIVERIES_ADD, NULL, 0, NULL, NULL) != DB_OK)
		goto dberr;
	made += n;
	if ((failed = alerts_deliver_due(cfg, &sent)) < 0)
		goto dberr;
	printf("alerts: %llu new notification(s), %d delivered, %d delivery attempt(s) failed\n",
	    made, sent, failed);
	return 0;
dberr:
	fprintf(stderr, "alerts: database error: %s\n", db_error());
	return 1;
}

/* ---- for the UI -------------------------------------------------------------- */

cJSON *
alerts_notifications_json(long long user_id, int limit, struct sb_error *e)
{
	static const char *const names[] = { "id", "kind", "title", "body", "link", "created_at", "read_at" };
	struct db_param	 p[3] = { db_int(user_id), db_int(user_id), db_int(limit) };
	struct db_rows	 r;
	cJSON		*root, *arr, *o;
	long long	 unread = 0;
	int		 i, c;

	if (db_query(SQL_NOTES_LIST, p, 3, &r) != DB_OK) {
		db_rows_free(&r);
		err_db_unavailable(e);
		return NULL;
	}
	root = cJSON_CreateObject();
	arr = cJSON_CreateArray();
	for (i = 0; i < r.nrows; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)db_ll(&r, i, 0, 0));
		for (c = 1; c < 7; c++) {
			if (db_val(&r, i, c))
				cJSON_AddStringToObject(o, names[c], db_val(&r, i, c));
			else
				cJSON_AddNullToObject(o, names[c]);
		}
		unread = db_ll(&r, i, 7, 0);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddNumberToObject(root, "unread", (double)unread);
	cJSON_AddItemToObject(root, "notifications", arr);
	db_rows_free(&r);
	return root;
}

int
alerts_mark_read(long long user_id, struct sb_error *e)
{
	struct db_param	 p[1] = { db_int(user_id) };

	return db_exec(SQL_NOTES_READ, p, 1, NULL, NULL) == DB_OK ? 0 : err_db_unavailable(e);
}

cJSON *
alerts_channels_json(long long user_id, struct sb_error *e)
{
	struct db_param	 p[1] = { db_int(user_id) };
	struct db_rows	 r;
	cJSON		*root, *arr, *o;
	int		 i;

	if (db_query(SQL_CHANNELS_LIST, p, 1, &r) != DB_OK) {
		db_rows_free(&r);
		err_db_unavailable(e);
		return NULL;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "channels");
	for (i = 0; i < r.nrows; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)db_ll(&r, i, 0, 0));
		cJSON_AddStringToObject(o, "kind", db_val(&r, i, 1) ? db_val(&r, i, 1) : "webhook");
		cJSON_AddStringToObject(o, "format", db_val(&r, i, 2) ? db_val(&r, i, 2) : "json");
		cJSON_AddStringToObject(o, "url_hint", db_val(&r, i, 3) ? db_val(&r, i, 3) : "");
		cJSON_AddStringToObject(o, "created_at", db_val(&r, i, 4) ? db_val(&r, i, 4) : "");
		cJSON_AddNumberToObject(o, "delivered", (double)db_ll(&r, i, 5, 0));
		cJSON_AddNumberToObject(o, "pending", (double)db_ll(&r, i, 6, 0));
		if (db_val(&r, i, 7))
			cJSON_AddStringToObject(o, "last_error", db_val(&r, i, 7));
		else
			cJSON_AddNullToObject(o, "last_error");
		cJSON_AddItemToArray(arr, o);
	}
	db_rows_free(&r);
	return root;
}

/* scheme://host[:port]/…last4: enough to recognise, not to use (a Slack or
 * Discord webhook's path is its secret). */
static void
alerts_url_hint(const char *url, const struct netcheck_url *u, char *out, size_t size)
{
	size_t	 n = strlen(url);

	snprintf(out, size, "%s://%s%s…%s", u->https ? "https" : "http", u->host,
	    strchr(url + (u->https ? 8 : 7), '/') ? "/" : "", n > 4 ? url + n - 4 : "");
}

/* An e-mail address we are willing to hand to sendmail: one @, no spaces,
 * quotes or line breaks. */
static int
alerts_email_ok(const char *a)
{
	const char	*at = strchr(a, '@');

	return strlen(a) <= 254 && at != NULL && at != a && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && strchr(at + 1, '.') != NULL &&
	    strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    ".!#$%&'*+/=?^_`{|}~@-") == strlen(a) && a[0] != '-';
}

long long
alerts_channel_add(long long user_id, const char *url, const char *format, struct sb_error *e)
{
	unsigned char		 sealed[ALERTS_URL_MAX + VAULT_OVERHEAD + 64];
	char			 aad[32], hint[NETCHECK_HOST_MAX + 32], target[ALERTS_URL_MAX + 8];
	struct netcheck_url	 u;
	struct db_param		 p[6];
	struct db_rows		 r;
	unsigned long long	 id = 0;
	size_t			 len = 0, i;
	int			 key_id = 0, known = 0, mail = strcmp(format, "email") == 0;
	long long		 have;

	for (i = 0; i < sizeof(alerts_formats) / sizeof(alerts_formats[0]); i++)
		known |= strcmp(format, alerts_formats[i]) == 0;
	if (!known)
		return err_set(e, ERR_VALIDATION, 400, "invalid_value", "format: json, slack, discord or email."), -1;
	if (mail && !alerts_email_ok(url))
		return err_set(e, ERR_VALIDATION, 400, "invalid_email", "url: an e-mail address (name@example.com)."), -1;
	if (!mail && (strlen(url) > ALERTS_URL_MAX || netcheck_parse_url(url, &u) != NETCHECK_OK))
		return err_set(e, ERR_VALIDATION, 400, "invalid_url",
		    "url: an http(s) address without credentials, at most %d characters.", ALERTS_URL_MAX), -1;
	p[0] = db_int(user_id);
	if (db_query(SQL_CHANNELS_COUNT, p, 1, &r) != DB_OK) {
		db_rows_free(&r);
		return err_db_unavailable(e), -1;
	}
	have = db_ll(&r, 0, 0, 0);
	db_rows_free(&r);
	if (have >= ALERTS_MAX_CHANNELS)
		return err_set(e, ERR_VALIDATION, 400, "too_many",
		    "At most %d alert channels per person.", ALERTS_MAX_CHANNELS), -1;
	snprintf(target, sizeof(target), "%s%s", mail ? "mailto:" : "", url);
	alerts_aad(user_id, aad, sizeof(aad));
	if (vault_encrypt(target, strlen(target), aad, sealed, sizeof(sealed), &len, &key_id) != VAULT_OK)
		return err_set(e, ERR_INTERNAL, 500, "vault_failed", "Could not seal the address."), -1;
	if (mail)
		snprintf(hint, sizeof(hint), "%c…%s", url[0], strchr(url, '@'));
	else
		alerts_url_hint(url, &u, hint, sizeof(hint));
	hint[79] = '\0';	/* url_hint VARCHAR(80); a longer host is cut */
	p[1] = db_str(mail ? "email" : "webhook");
	p[2] = db_str(format);
	p[3] = db_bytes(sealed, len);
	p[4] = db_int(key_id);
	p[5] = db_str(hint);
	if (db_exec(SQL_CHANNEL_ADD, p, 6, NULL, &id) != DB_OK)
		return err_db_unavailable(e), -1;
	return (long long)id;
}

int
alerts_channel_delete(long long user_id, long long id, struct sb_error *e)
{
	struct db_param		 p[2] = { db_int(id), db_int(user_id) };
	unsigned long long	 n = 0;

	if (db_exec(SQL_CHANNEL_DELETE, p, 2, &n, NULL) != DB_OK)
		return err_db_unavailable(e);
	if (n == 0)
		return err_set(e, ERR_VALIDATION, 404, "not_found", "There is no such alert channel."), -1;
	(void)db_exec(SQL_CHANNEL_DELIVERIES_DELETE, p, 1, NULL, NULL);
	return 0;
}

int
alerts_rotate_keys(int *rotated)
{
	unsigned char	 sealed[ALERTS_URL_MAX + VAULT_OVERHEAD + 64];
	char		 url[ALERTS_URL_MAX + 1], aad[32];
	struct db_param	 p[4] = { db_int(vault_current_key_id()) };
	struct db_rows	 r;
	size_t		 len;
	int		 i, key_id, failed = 0;

	*rotated = 0;
	if (db_query(SQL_CHANNELS_STALE, p, 1, &r) != DB_OK) {
		db_rows_free(&r);
		return -1;
	}
	for (i = 0; i < r.nrows; i++) {
		alerts_aad(db_ll(&r, i, 1, 0), aad, sizeof(aad));
		if (vault_decrypt((int)db_ll(&r, i, 3, 0), (const unsigned char *)db_val(&r, i, 2),
		    db_len(&r, i, 2), aad, url, sizeof(url), &len) != VAULT_OK ||
		    vault_encrypt(url, len, aad, sealed, sizeof(sealed), &len, &key_id) != VAULT_OK) {
			failed++;
			continue;
		}
		p[0] = db_bytes(sealed, len);
		p[1] = db_int(key_id);
		p[2] = db_int(db_ll(&r, i, 0, 0));
		p[3] = db_int(db_ll(&r, i, 3, 0));
		if (db_exec(SQL_CHANNEL_RESEAL, p, 4, NULL, NULL) == DB_OK)
			(*rotated)++;
		else
			failed++;
	}
	OPENSSL_cleanse(url, sizeof(url));
	db_rows_free(&r);
	return failed;
}
