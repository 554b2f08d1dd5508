-- A user's monthly budget settings (the per-key ones live in gateway_keys).
-- NULL limit = no limit. Spent and reserved amounts are kept by the chat
-- path's limits module; this table holds only the settings.
CREATE TABLE user_budgets (
  user_id                BIGINT UNSIGNED  NOT NULL PRIMARY KEY,
  monthly_budget_micros  BIGINT           NULL,
  budget_alert_pct       TINYINT UNSIGNED NOT NULL DEFAULT 80,
  budget_hard_stop       TINYINT(1)       NOT NULL DEFAULT 1,
  updated_at             DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
