/* config: INI parsing and validation (see config.h). Comments start with ; or
 * #, sections are [name], values are key = value with surrounding blanks
 * trimmed. Unknown keys are kept raw for modules; known keys are typed here. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "config.h"
#include "hex.h"
#include "sbconst.h"

#define CONFIG_MAX_FILE	(256 * 1024)

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
config_add(struct config *cfg, const char *section, const char *key, const char *value)
{
	struct config_entry	*e;

	if (cfg->nentries >= CONFIG_MAX_ENTRIES)
		return -1;
	e = &cfg->entries[cfg->nentries];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	if (!e->section || !e->key || !e->value) {
		free(e->section);
		free(e->key);
		free(e->value);
		return -1;
	}
	cfg->nentries++;
	return 0;
}

const char *
config_get(const struct config *cfg, const char *section, const char *key)
{
	int	 i;

	/* The last definition wins. */
	for (i = cfg->nentries - 1; i >= 0; i--)
		if (strcmp(cfg->entries[i].section, section) == 0 &&
		    strcmp(cfg->entries[i].key, key) == 0)
			return cfg->entries[i].value;
	return NULL;
}

static int
parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1"))
		*out = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
parse_key_hex(const char *s, unsigned char out[32])
{
	return strlen(s) == 64 ? hex_decode(s, 64, out) : -1;
}

/* Typed settings: name, where it lands, bounds. */
struct config_long {
	const char	*section;
	const char	*key;
	size_t		 offset;
	int		 is_int;
	long		 min;
	long		 max;
	long		 def;
};

static const struct config_long config_longs[] = {
	{ "database", "port", offsetof(struct config, db_port), 1, 0, 65535, 3306 },
	{ "database", "failback_s", offsetof(struct config, db_failback_s), 1, 0, 86400, 30 },
	{ "server", "max_body_bytes", offsetof(struct config, max_body_bytes), 0, 1024, SB_MAX_BODY_HARD, SB_MAX_BODY_DEFAULT },
	{ "server", "max_json_depth", offsetof(struct config, max_json_depth), 1, 2, 512, SB_MAX_JSON_DEPTH },
	{ "server", "session_lifetime", offsetof(struct config, session_lifetime), 0, 60, 365L * 86400, SB_SESSION_TTL_DEFAULT },
	{ "server", "password_iterations", offsetof(struct config, password_iterations), 1, SB_PBKDF2_ITER_MIN, 10000000, SB_PBKDF2_ITER_DEFAULT },
	{ "server", "login_max_failures", offsetof(struct config, login_max_failures), 1, 1, 1000, SB_LOGIN_MAX_FAILURES },
	{ "server", "login_max_per_address", offsetof(struct config, login_max_per_address), 1, 1, 100000, SB_LOGIN_MAX_ADDR },
	{ "upstream", "connect_timeout_ms", offsetof(struct config, connect_timeout_ms), 0, 100, 120000, 10000 },
	{ "upstream", "first_byte_timeout_ms", offsetof(struct config, first_byte_timeout_ms), 0, 100, 600000, 120000 },
	{ "upstream", "idle_timeout_ms", offsetof(struct config, idle_timeout_ms), 0, 100, 600000, 120000 },
	{ "upstream", "max_attempts", offsetof(struct config, max_attempts), 1, 1, 10, 3 },
	{ "upstream", "heartbeat_s", offsetof(struct config, heartbeat_s), 1, 1, 300, 15 },
	{ "upstream", "circuit_failures", offsetof(struct config, circuit_failures), 1, 1, 1000, 3 },
	{ "upstream", "circuit_cooldown_s", offsetof(struct config, circuit_cooldown_s), 1, 1, 86400, 30 },
	{ "upstream", "max_retry_wait_s", offsetof(struct config, max_retry_wait_s), 1, 0, 60, 2 },
	{ "upstream", "attempt_timeout_ms", offsetof(struct config, attempt_timeout_ms), 0, 1000, 86400000L, 600000 },
	{ "upstream", "request_timeout_ms", offsetof(struct config, request_timeout_ms), 0, 1000, 86400000L, 900000 },
	{ "chat", "route_cache_s", offsetof(struct config, route_cache_s), 1, 0, SB_TRUST_MAX_S, 0 },
	{ "chat", "key_cache_s", offsetof(struct config, key_cache_s), 1, 0, SB_TRUST_MAX_S, 0 },
	{ "sync", "timeout_ms", offsetof(struct config, sync_timeout_ms), 0, 100, 600000, SB_SYNC_TIMEOUT_MS_DEFAULT },
	{ "usage", "rollup_lag_minutes", offsetof(struct config, rollup_lag_minutes), 1, 0, 24 * 60, SB_ROLLUP_LAG_DEFAULT_MIN },
	{ "usage", "retention_days", offsetof(struct config, retention_days), 1, SB_RETENTION_MIN_D, 36500, SB_RETENTION_DEFAULT_D },
	{ "limits", "global_rpm", offsetof(struct config, global_rpm), 1, 0, 100000000, 0 },
	{ "limits", "user_max_concurrent", offsetof(struct config, user_max_concurrent), 1, 0, 100000, 0 },
	{ "server", "metrics_max_series", offsetof(struct config, metrics_max_series), 1, 1, 100000, 1000 },
};

struct config_str {
	const char	*section;
	const char	*key;
	size_t		 offset;
	const char	*def;
};

static const struct config_str config_strs[] = {
	{ "database", "host", offsetof(struct config, db_host), "localhost" },
	{ "database", "socket", offsetof(struct config, db_socket), "" },
	{ "database", "user", offsetof(struct config, db_user), "switchboard" },
	{ "database", "password", offsetof(struct config, db_password), "" },
	{ "database", "name", offsetof(struct config, db_name), "switchboard" },
	{ "server", "metrics_token", offsetof(struct config, metrics_token), "" },
	{ "server", "url_prefix", offsetof(struct config, url_prefix), "" },
	{ "server", "sql_dir", offsetof(struct config, sql_dir), "sql" },
	{ "usage", "spool_dir", offsetof(struct config, spool_dir), "" },
	{ "alerts", "sendmail", offsetof(struct config, sendmail), "/usr/sbin/sendmail" },
	{ "alerts", "mail_from", offsetof(struct config, mail_from), "switchboard@localhost" },
	{ "alerts", "smtp_url", offsetof(struct config, smtp_url), "" },
	{ "alerts", "smtp_user", offsetof(struct config, smtp_user), "" },
	{ "alerts", "smtp_password", offsetof(struct config, smtp_password), "" },
};

static int
config_apply_longs(struct config *cfg, char *err, size_t errsz)
{
	const struct config_long	*c;
	const char			*v;
	long				 val;
	size_t				 i;

	for (i = 0; i < sizeof(config_longs) / sizeof(config_longs[0]); i++) {
		c = &config_longs[i];
		val = c->def;
		if ((v = config_get(cfg, c->section, c->key)) != NULL &&
		    parse_long(v, c->min, c->max, &val) == -1) {
			snprintf(err, errsz, "[%s] %s: expected a number from %ld to %ld",
			    c->section, c->key, c->min, c->max);
			return -1;
		}
		if (c->is_int)
			*(int *)((char *)cfg + c->offset) = (int)val;
		else
			*(long *)((char *)cfg + c->offset) = val;
	}
	return 0;
}

static int
config_apply_strs(struct config *cfg, char *err, size_t errsz)
{
	const struct config_str	*c;
	const char		*v;
	char			**slot;
	size_t			 i;

	for (i = 0; i < sizeof(config_strs) / sizeof(config_strs[0]); i++) {
		c = &config_strs[i];
		v = config_get(cfg, c->section, c->key);
		slot = (char **)((char *)cfg + c->offset);
		if ((*slot = strdup(v ? v : c->def)) == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int
config_apply_flags(struct config *cfg, char *err, size_t errsz)
{
	static const struct { const char *section, *key; size_t offset; int def; } flags[] = {
		{ "server", "allow_private_endpoints", offsetof(struct config, allow_private_endpoints), 0 },
		{ "server", "log_debug", offsetof(struct config, log_debug), 0 },
		{ "server", "auto_migrate", offsetof(struct config, auto_migrate), 1 },
		{ "chat", "test_headers", offsetof(struct config, test_headers), 0 },
		{ "chat", "node_stamps", offsetof(struct config, node_stamps), 1 },
		{ "database", "sync_wait", offsetof(struct config, db_sync_wait), 0 },
	};
	const char	*v;
	int		*out;
	size_t		 i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		out = (int *)((char *)cfg + flags[i].offset);
		*out = flags[i].def;
		if ((v = config_get(cfg, flags[i].section, flags[i].key)) &&
		    parse_bool(v, out) == -1) {
			snprintf(err, errsz, "[%s] %s: expected true or false",
			    flags[i].section, flags[i].key);
			return -1;
		}
	}
	cfg->secure_cookies = -1;
	if ((v = config_get(cfg, "server", "secure_cookies")) && strcmp(v, "auto") != 0 &&
	    parse_bool(v, &cfg->secure_cookies) == -1) {
		snprintf(err, errsz, "[server] secure_cookies: expected auto, true or false");
		return -1;
	}
	return 0;
}

/* One "name", "name:port" or "[v6]:port" of the host list. */
static int
config_db_host_item(struct config *cfg, char *item, char *err, size_t errsz)
{
	struct config_db_host	*h = &cfg->db_hosts[cfg->ndb_hosts];
	char			*name = trim(item), *port = NULL, *end;
	long			 n = cfg->db_port;

	if (*name == '[' && (end = strchr(name, ']')) != NULL) {
		*end = '\0';
		name++;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			name = "";
	} else if ((port = strchr(name, ':')) != NULL) {
		if (strchr(port + 1, ':') != NULL)
			name = "";	/* a bare IPv6 address needs [brackets] */
		*port++ = '\0';
	}
	if (*name == '\0' || strlen(name) >= sizeof(h->name) ||
	    (port && parse_long(port, 1, 65535, &n) == -1)) {
		snprintf(err, errsz, "[database] host: expected host, host:port or [v6]:port, "
		    "separated by commas");
		return -1;
	}
	memcpy(h->name, name, strlen(name) + 1);
	h->port = (int)n;
	cfg->ndb_hosts++;
	return 0;
}

/* [database] host = a, b:3307, [::1]:3308: the servers in the order they are
 * tried (docs/scaling.md). */
static int
config_apply_db_hosts(struct config *cfg, char *err, size_t errsz)
{
	char	*list, *item, *save = NULL;
	int	 rc = 0;

	if ((list = strdup(cfg->db_host)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	cfg->ndb_hosts = 0;
	for (item = strtok_r(list, ",", &save); item && rc == 0; item = strtok_r(NULL, ",", &save)) {
		if (cfg->ndb_hosts == CONFIG_MAX_DB_HOSTS) {
			snprintf(err, errsz, "[database] host: at most %d servers", CONFIG_MAX_DB_HOSTS);
			rc = -1;
		} else {
			rc = config_db_host_item(cfg, item, err, errsz);
		}
	}
	free(list);
	if (rc == 0 && cfg->ndb_hosts == 0) {
		snprintf(err, errsz, "[database] host: empty");
		rc = -1;
	}
	return rc;
}

/* An all-zero master key is the example file's placeholder, never a key. */
static int
config_key_is_placeholder(const unsigned char *k)
{
	size_t	 i;

	for (i = 0; i < 32; i++)
		if (k[i])
			return 0;
	return 1;
}

/* [vault] current_key_id = N and key_N = 64 hex digits. */
static int
config_apply_keys(struct config *cfg, char *err, size_t errsz)
{
	const struct config_entry	*e;
	const char			*v;
	long				 id;
	int				 i, found = 0;

	for (i = 0; i < cfg->nentries; i++) {
		e = &cfg->entries[i];
		if (strcmp(e->section, "vault") || strncmp(e->key, "key_", 4))
			continue;
		if (parse_long(e->key + 4, 1, 65535, &id) == -1 || cfg->nkeys >= CONFIG_MAX_KEYS) {
			snprintf(err, errsz, "[vault] %s: key names are key_1 … key_65535 (at most %d)",
			    e->key, CONFIG_MAX_KEYS);
			return -1;
		}
		if (parse_key_hex(e->value, cfg->keys[cfg->nkeys].key) == -1) {
			snprintf(err, errsz, "[vault] %s: expected 64 hex digits (32 bytes)", e->key);
			return -1;
		}
		if (config_key_is_placeholder(cfg->keys[cfg->nkeys].key)) {
			snprintf(err, errsz, "[vault] %s: all zeros (the example's placeholder); "
			    "generate a key with `openssl rand -hex 32`", e->key);
			return -1;
		}
		cfg->keys[cfg->nkeys++].id = (int)id;
	}
	if ((v = config_get(cfg, "vault", "current_key_id")) == NULL ||
	    parse_long(v, 1, 65535, &id) == -1) {
		snprintf(err, errsz, "[vault] current_key_id: missing or not a number");
		return -1;
	}
	cfg->current_key_id = (int)id;
	for (i = 0; i < cfg->nkeys; i++)
		found |= cfg->keys[i].id == cfg->current_key_id;
	if (!found) {
		snprintf(err, errsz, "[vault] current_key_id %d has no key_%d", (int)id, (int)id);
		return -1;
	}
	return 0;
}

static int
config_parse_lines(struct config *cfg, char *text, char *err, size_t errsz)
{
	char	 section[64] = "";
	char	*line, *next, *eq, *s;
	int	 lineno = 0;

	for (line = text; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		s = trim(line);
		if (*s == '\0' || *s == ';' || *s == '#')
			continue;
		if (*s == '[') {
			if (s[strlen(s) - 1] != ']' || strlen(s) - 2 >= sizeof(section)) {
				snprintf(err, errsz, "line %d: bad section header", lineno);
				return -1;
			}
			s[strlen(s) - 1] = '\0';
			snprintf(section, sizeof(section), "%s", trim(s + 1));
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errsz, "line %d: expected key = value", lineno);
			return -1;
		}
		*eq = '\0';
		if (config_add(cfg, section, trim(s), trim(eq + 1)) == -1) {
			snprintf(err, errsz, "line %d: too many settings", lineno);
			return -1;
		}
	}
	return 0;
}

int
config_parse(struct config *cfg, const char *text, char *err, size_t errsz)
{
	char	*copy;
	int	 rc;

	memset(cfg, 0, sizeof(*cfg));
	if ((copy = strdup(text)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	rc = config_parse_lines(cfg, copy, err, errsz);
	OPENSSL_cleanse(copy, strlen(text));
	free(copy);
	if (rc == 0)
		rc = config_apply_longs(cfg, err, errsz);
	if (rc == 0)
		rc = config_apply_strs(cfg, err, errsz);
	if (rc == 0)
		rc = config_apply_db_hosts(cfg, err, errsz);
	if (rc == 0)
		rc = config_apply_flags(cfg, err, errsz);
	if (rc == 0)
		rc = config_apply_keys(cfg, err, errsz);
	if (rc == 0 && cfg->smtp_url[0] && strncmp(cfg->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(cfg->smtp_url, "smtps://", 8) != 0) {
		snprintf(err, errsz, "[alerts] smtp_url: smtp://host[:port] or smtps://host[:port]");
		rc = -1;
	}
	if (rc == 0 && cfg->key_cache_s > 0 && cfg->route_cache_s == 0) {
		snprintf(err, errsz, "[chat] key_cache_s needs route_cache_s > 0");
		rc = -1;
	}
	if (rc == -1)
		config_free(cfg);
	return rc;
}

/* [usage] spool_dir defaults to spool/ beside the config file. */
static int
config_default_spool(struct config *cfg, const char *path, char *err, size_t errsz)
{
	const char	*slash = strrchr(path, '/');
	size_t		 n = slash ? (size_t)(slash - path) + 1 : 0;
	char		*dir = malloc(n + 6);

	if (dir == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	memcpy(dir, path, n);
	memcpy(dir + n, "spool", 6);
	free(cfg->spool_dir);
	cfg->spool_dir = dir;
	return 0;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errsz)
{
	struct buf	 b;
	char		 chunk[4096];
	size_t		 n;
	FILE		*f;
	int		 rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	buf_init(&b, CONFIG_MAX_FILE);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) != BUF_OK) {
			snprintf(err, errsz, "%s: file too large", path);
			goto out;
		}
	rc = config_parse(cfg, b.data ? b.data : "", err, errsz);
	if (rc == 0 && cfg->spool_dir[0] == '\0')
		rc = config_default_spool(cfg, path, err, errsz);
out:
	fclose(f);
	if (b.data)
		OPENSSL_cleanse(b.data, b.len);
	OPENSSL_cleanse(chunk, sizeof(chunk));
	buf_free(&b);
	return rc;
}

void
config_free(struct config *cfg)
{
	size_t	 i;
	int	 j;

	for (j = 0; j < cfg->nentries; j++) {
		if (cfg->entries[j].value)
			OPENSSL_cleanse(cfg->entries[j].value, strlen(cfg->entries[j].value));
		free(cfg->entries[j].section);
		free(cfg->entries[j].key);
		free(cfg->entries[j].value);
	}
	for (i = 0; i < sizeof(config_strs) / sizeof(config_strs[0]); i++)
		free(*(char **)((char *)cfg + config_strs[i].offset));
	OPENSSL_cleanse(cfg->keys, sizeof(cfg->keys));
	memset(cfg, 0, sizeof(*cfg));
}

const char *
config_path(void)
{
	const char	*p = getenv("SWITCHBOARD_CONFIG");

	return p && *p ? p : "var/switchboard.ini";
}
