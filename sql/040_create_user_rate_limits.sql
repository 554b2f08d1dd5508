-- Per-user rate limits (chat proxy, issue 4): requests and tokens per minute, NULL = none.
-- (Per-key limits live in gateway_keys, the user's budget settings in user_budgets,
-- the global one in the INI [limits] global_rpm.)
CREATE TABLE user_rate_limits (
  user_id     BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  rpm_limit   INT UNSIGNED    NULL,
  tpm_limit   INT UNSIGNED    NULL,
  updated_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
