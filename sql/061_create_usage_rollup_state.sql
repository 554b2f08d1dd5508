-- The roll-up watermark (single row id=1): every raw row with created_at <
-- rolled_until is counted in usage_rollup_hourly, and reports read roll-ups
-- below it and raw rows from it on. pruned_before: raw rows older than this
-- may be gone, so roll-ups below it must never be rebuilt from raw rows.
CREATE TABLE usage_rollup_state (
  id             TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  rolled_until   DATETIME         NOT NULL,
  pruned_before  DATETIME         NOT NULL,
  updated_at     DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
