-- One row per model-list sync of a provider config (API or cron): when, what
-- changed, and how it ended. Written at start (running) and updated at the end.
CREATE TABLE sync_runs (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  config_id     BIGINT UNSIGNED NOT NULL,
  user_id       BIGINT UNSIGNED NOT NULL,
  trigger_src   ENUM('api','cron','create') NOT NULL DEFAULT 'api',
  status        ENUM('running','ok','error') NOT NULL DEFAULT 'running',
  added         INT UNSIGNED    NOT NULL DEFAULT 0,
  updated       INT UNSIGNED    NOT NULL DEFAULT 0,
  removed       INT UNSIGNED    NOT NULL DEFAULT 0,
  total         INT UNSIGNED    NOT NULL DEFAULT 0,
  error_message VARCHAR(255)    NULL,
  started_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  finished_at   DATETIME(6)     NULL,
  KEY ix_sync_runs_config_time (config_id, started_at),
  KEY ix_sync_runs_user_time (user_id, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
