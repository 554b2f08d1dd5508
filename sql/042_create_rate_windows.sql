-- Rate-limit counters per one-minute window (chat proxy, issue 4), sharded so
-- concurrent requests do not all update one hot row; the limit is checked on the sum.
-- scope: 'user', 'key' or 'global' (scope_id 0). win = Unix minute.
CREATE TABLE rate_windows (
  scope      VARCHAR(8)       NOT NULL,
  scope_id   BIGINT UNSIGNED  NOT NULL,
  win        INT UNSIGNED     NOT NULL,
  shard      TINYINT UNSIGNED NOT NULL,
  requests   INT UNSIGNED     NOT NULL DEFAULT 0,
  tokens     BIGINT UNSIGNED  NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, scope_id, win, shard),
  KEY ix_rate_windows_win (win)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
