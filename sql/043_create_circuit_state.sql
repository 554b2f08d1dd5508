-- Circuit breaker per provider config (chat proxy, issue 4), shared by every process and
-- web node: consecutive failures, and until when the circuit stays open (skipped).
-- After the cool-down one request takes the probe by moving open_until forward.
CREATE TABLE circuit_state (
  config_id       BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  failures        INT UNSIGNED    NOT NULL DEFAULT 0,
  open_until      DATETIME(6)     NULL,
  last_failure_at DATETIME(6)     NULL,
  updated_at      DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
