-- Failed logins per (username, address) and per address, for throttling guessing.
CREATE TABLE login_throttle (
  throttle_key   BINARY(32)   NOT NULL PRIMARY KEY,
  failures       INT UNSIGNED NOT NULL DEFAULT 0,
  window_start   DATETIME(6)  NOT NULL,
  locked_until   DATETIME(6)  NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
