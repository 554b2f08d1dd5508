/* Unit tests for config: parsing, defaults, validation messages. */
#include "unit.h"
#include "config.h"

static const char *const minimal =
    "[vault]\ncurrent_key_id = 1\n"
    "key_1 = 0101010101010101010101010101010101010101010101010101010101010101\n";

static int
fails_with(const char *text, const char *needle)
{
	struct config	 cfg;
	char		 err[256] = "";

	if (config_parse(&cfg, text, err, sizeof(err)) == 0) {
		config_free(&cfg);
		return 0;
	}
	return strstr(err, needle) != NULL;
}

/* Every key goes through the declared table: a bad value is refused at
 * load (and so by `switchboard check`), naming the key; none is silently
 * replaced by its default. */
static void
test_sections_refused(void)
{
	char		 text[1024];
	size_t		 i;
	static const char *const bad[][2] = {
		{ "[chat]\nroute_cache_s = abc\n", "[chat] route_cache_s" },
		{ "[chat]\nroute_cache_s = 61\n", "[chat] route_cache_s" },
		{ "[chat]\nkey_cache_s = 5\n", "key_cache_s needs route_cache_s" },
		{ "[sync]\ntimeout_ms = 5\n", "[sync] timeout_ms" },
		{ "[usage]\nretention_days = 1\n", "[usage] retention_days" },
		{ "[usage]\nrollup_lag_minutes = -1\n", "[usage] rollup_lag_minutes" },
		{ "[upstream]\nmax_retry_wait_s = x\n", "[upstream] max_retry_wait_s" },
		{ "[chat]\ntest_headers = maybe\n", "[chat] test_headers" },
		{ "[vault]\nkey_2 = 0000000000000000000000000000000000000000000000000000000000000000\n", "placeholder" },
	};

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", minimal, bad[i][0]);
		CHECK(fails_with(text, bad[i][1]));
	}
}

/* [database] host: one server or a list tried in order, each with its port. */
static void
test_db_hosts(void)
{
	struct config	 cfg;
	char		 err[256], text[1024];

	CHECK(config_parse(&cfg, minimal, err, sizeof(err)) == 0);
	CHECK(cfg.ndb_hosts == 1 && cfg.db_hosts[0].port == 3306);
	CHECK_STR(cfg.db_hosts[0].name, "localhost");
	CHECK(cfg.db_sync_wait == 0 && cfg.db_failback_s == 30);
	config_free(&cfg);
	snprintf(text, sizeof(text), "[database]\nport = 3310\nhost = db1, 10.0.0.2:3307 ,[::1]:3308,[fe80::1]\n"
	    "sync_wait = true\nfailback_s = 5\n%s", minimal);
	CHECK(config_parse(&cfg, text, err, sizeof(err)) == 0);
	CHECK(cfg.ndb_hosts == 4);
	CHECK_STR(cfg.db_hosts[0].name, "db1");
	CHECK(cfg.db_hosts[0].port == 3310);
	CHECK_STR(cfg.db_hosts[1].name, "10.0.0.2");
	CHECK(cfg.db_hosts[1].port == 3307);
	CHECK_STR(cfg.db_hosts[2].name, "::1");
	CHECK(cfg.db_hosts[2].port == 3308);
	CHECK_STR(cfg.db_hosts[3].name, "fe80::1");
	CHECK(cfg.db_hosts[3].port == 3310);
	CHECK(cfg.db_sync_wait == 1 && cfg.db_failback_s == 5);
	config_free(&cfg);
	snprintf(text, sizeof(text), "[database]\nhost = db1:0\n%s", minimal);
	CHECK(fails_with(text, "[database] host"));
	snprintf(text, sizeof(text), "[database]\nhost = ::1\n%s", minimal);
	CHECK(fails_with(text, "[database] host"));
	snprintf(text, sizeof(text), "[database]\nhost = a,,b\n%s", minimal);
	CHECK(config_parse(&cfg, text, err, sizeof(err)) == 0 && cfg.ndb_hosts == 2);
	config_free(&cfg);
	snprintf(text, sizeof(text), "[database]\nhost = ,\n%s", minimal);
	CHECK(fails_with(text, "[database] host: empty"));
	snprintf(text, sizeof(text), "[database]\nhost = a,b,c,d,e,f,g,h,i\n%s", minimal);
	CHECK(fails_with(text, "at most 8"));
}

int
main(void)
{
	struct config	 cfg;
	char		 err[256], text[1024];

	CHECK(config_parse(&cfg, minimal, err, sizeof(err)) == 0);
	CHECK(cfg.db_port == 3306);
	CHECK_STR(cfg.db_host, "localhost");
	CHECK(cfg.max_body_bytes == 10L * 1024 * 1024);
	CHECK(cfg.max_json_depth == 64);
	CHECK(cfg.allow_private_endpoints == 0);
	CHECK(cfg.test_headers == 0);	/* X-Switchboard-Timeout-Ms ignored by default */
	CHECK(cfg.route_cache_s == 0 && cfg.retention_days == 90 && cfg.sync_timeout_ms == 15000);
	CHECK(cfg.secure_cookies == -1);
	CHECK(cfg.password_iterations == 600000);
	CHECK(cfg.nkeys == 1 && cfg.keys[0].id == 1 && cfg.keys[0].key[31] == 1);
	config_free(&cfg);

	snprintf(text, sizeof(text), "; comment\n# another\n[database]\n host = 127.0.0.1 \nport=33061\n"
	    "password = p=w;x\n[server]\nallow_private_endpoints = true\nmax_body_bytes = 2048\n"
	    "secure_cookies = false\n[custom]\nthing = 1\n%s", minimal);
	CHECK(config_parse(&cfg, text, err, sizeof(err)) == 0);
	CHECK_STR(cfg.db_host, "127.0.0.1");
	CHECK(cfg.db_port == 33061);
	CHECK_STR(cfg.db_password, "p=w;x");
	CHECK(cfg.allow_private_endpoints == 1);
	CHECK(cfg.max_body_bytes == 2048);
	CHECK(cfg.secure_cookies == 0);
	CHECK_STR(config_get(&cfg, "custom", "thing"), "1");
	CHECK(config_get(&cfg, "custom", "missing") == NULL);
	config_free(&cfg);

	CHECK(fails_with("[vault]\n", "current_key_id"));
	CHECK(fails_with("[vault]\ncurrent_key_id = 2\nkey_1 = 0101010101010101010101010101010101010101010101010101010101010101\n",
	    "has no key_2"));
	CHECK(fails_with("[vault]\ncurrent_key_id = 1\nkey_1 = 0101\n", "64 hex"));
	CHECK(fails_with("[database\n", "line 1: bad section"));
	CHECK(fails_with("[database]\njunk\n", "line 2: expected key = value"));
	snprintf(text, sizeof(text), "[database]\nport = 70000\n%s", minimal);
	CHECK(fails_with(text, "port"));
	snprintf(text, sizeof(text), "[server]\nmax_json_depth = deep\n%s", minimal);
	CHECK(fails_with(text, "max_json_depth"));
	snprintf(text, sizeof(text), "[server]\nallow_private_endpoints = maybe\n%s", minimal);
	CHECK(fails_with(text, "allow_private_endpoints"));
	test_db_hosts();
	CHECK(config_load(&cfg, "/nonexistent/switchboard.ini", err, sizeof(err)) == -1);
	CHECK(strstr(err, "No such file") != NULL);
	test_sections_refused();
	return unit_done("test_config");
}
