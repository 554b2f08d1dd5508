/* config: the INI file (path from SWITCHBOARD_CONFIG). Parsed once per
 * process into typed fields with defaults; every value is validated at load
 * so a bad file is reported up front ("switchboard check"), never mid-request.
 * Master keys are kept here only until the vault takes them. */
#ifndef SB_CONFIG_H
#define SB_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_KEYS		16
#define CONFIG_MAX_ENTRIES	128
#define CONFIG_MAX_DB_HOSTS	8

struct config_entry {
	char	*section;
	char	*key;
	char	*value;
};

struct config_master_key {
	int		 id;
	unsigned char	 key[32];
};

/* One database server of [database] host, in the order they are tried. */
struct config_db_host {
	char	 name[256];
	int	 port;
};

struct config {
	/* [database] */
	char	*db_host;		/* "localhost" = unix socket; or a list */
	char	*db_socket;
	int	 db_port;
	struct config_db_host db_hosts[CONFIG_MAX_DB_HOSTS];
	int	 ndb_hosts;
	int	 db_sync_wait;		/* wsrep_sync_wait = 1: reads see the cluster's last commit */
	int	 db_failback_s;		/* back to the first host after this long elsewhere */
	char	*db_user;
	char	*db_password;
	char	*db_name;
	/* [vault] */
	int			 current_key_id;
	struct config_master_key keys[CONFIG_MAX_KEYS];
	int			 nkeys;
	/* [server] */
	long	 max_body_bytes;
	int	 max_json_depth;
	long	 session_lifetime;	/* seconds */
	int	 password_iterations;
	int	 login_max_failures;	/* per username + address per window */
	int	 login_max_per_address;	/* per address per window */
	int	 allow_private_endpoints;
	int	 secure_cookies;	/* 1 always, 0 never, -1 auto (HTTPS) */
	char	*metrics_token;
	int	 metrics_max_series;	/* labelled provider/model pairs on /metrics */
	char	*url_prefix;		/* stripped from REQUEST_URI before routing */
	char	*spool_dir;		/* [usage] usage rows the database could not take */
	char	*sendmail;		/* [alerts] the host's sendmail, for e-mail alerts */
	char	*mail_from;		/* [alerts] their From: address */
	char	*smtp_url;		/* [alerts] smtp[s]://host[:port]: SMTP instead of sendmail */
	char	*smtp_user;		/* [alerts] the host's mail credentials, if it wants them */
	char	*smtp_password;
	char	*sql_dir;
	int	 log_debug;
	/* [upstream] */
	long	 connect_timeout_ms;
	long	 first_byte_timeout_ms;
	long	 idle_timeout_ms;
	int	 max_attempts;
	int	 heartbeat_s;
	int	 circuit_failures;
	int	 circuit_cooldown_s;
	int	 max_retry_wait_s;	/* a longer Retry-After moves on to the next target */
	long	 attempt_timeout_ms;	/* one upstream attempt, start to last byte */
	long	 request_timeout_ms;	/* the whole request, every attempt included */
	/* [chat] */
	int	 route_cache_s;		/* trust cached routes N s (0 = check each request) */
	int	 key_cache_s;		/* trust a key's identity N s (needs route_cache_s) */
	int	 node_stamps;		/* count changes in /dev/shm under the stamps lease */
	int	 test_headers;		/* honour X-Switchboard-Timeout-Ms / -Heartbeat-Ms */
	int	 auto_migrate;		/* programs bring an older schema up to date */
	/* [sync] */
	long	 sync_timeout_ms;
	/* [usage] */
	int	 rollup_lag_minutes;
	int	 retention_days;	/* a longer Retry-After moves on to the next target */
	/* [limits] */
	int	 global_rpm;
	int	 user_max_concurrent;	/* requests in flight per user, 0 = none */
	/* every raw entry, for modules that read their own settings */
	struct config_entry	 entries[CONFIG_MAX_ENTRIES];
	int			 nentries;
};

/* Load and validate; on failure returns -1 and writes a one-line reason
 * (with the line number) to err. cfg must be freed with config_free. */
int		 config_load(struct config *cfg, const char *path, char *err, size_t errsz);
/* Parse from memory (tests). */
int		 config_parse(struct config *cfg, const char *text, char *err, size_t errsz);
void		 config_free(struct config *cfg);
/* Raw lookup of section.key; NULL if absent. */
const char	*config_get(const struct config *cfg, const char *section, const char *key);
/* The path from SWITCHBOARD_CONFIG, or the default "var/switchboard.ini". */
const char	*config_path(void);

#endif
