-- Hourly roll-ups of aggregator_usage_logs (written by `switchboard rollup` and
-- on read). One row per UTC hour x user x gateway key x provider x model x
-- status x error category; hourly grain keeps daily reports exact in any
-- whole-hour time zone. Histogram columns are per-bucket counts with the upper
-- bounds of report.h (ms): 25 50 100 250 500 1000 2000 3000 5000 10000 20000
-- 30000 60000 120000 +Inf. '' / 0 stand for NULL in key columns.
CREATE TABLE usage_rollup_hourly (
  user_id            BIGINT UNSIGNED NOT NULL,
  hour_start         DATETIME        NOT NULL,
  gateway_key_id     BIGINT UNSIGNED NOT NULL DEFAULT 0,
  provider           VARCHAR(64)     NOT NULL DEFAULT '',
  model              VARCHAR(320)    NOT NULL DEFAULT '',
  status             ENUM('success','error','cancelled') NOT NULL,
  error_category     VARCHAR(16)     NOT NULL DEFAULT '',
  requests           BIGINT UNSIGNED NOT NULL DEFAULT 0,
  prompt_tokens      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  completion_tokens  BIGINT UNSIGNED NOT NULL DEFAULT 0,
  total_tokens       BIGINT UNSIGNED NOT NULL DEFAULT 0,
  cost_micros        BIGINT          NOT NULL DEFAULT 0,
  latency_sum_ms     BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ttft_sum_ms        BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ttft_count         BIGINT UNSIGNED NOT NULL DEFAULT 0,
  lat_b0 INT UNSIGNED NOT NULL DEFAULT 0, lat_b1 INT UNSIGNED NOT NULL DEFAULT 0,
  lat_b2 INT UNSIGNED NOT NULL DEFAULT 0, lat_b3 INT UNSIGNED NOT NULL DEFAULT 0,
  lat_b4 INT UNSIGNED NOT NULL DEFAULT 0, lat_b5 INT UNSIGNED NOT NULL DEFAULT 0,
  lat_b6 INT UNSIGNED NOT NULL DEFAULT 0, lat_b7 INT UNSIGNED NOT NULL DEFAULT 0,
  lat_b8 INT UNSIGNED NOT NULL DEFAULT 0, lat_b9 INT UNSIGNED NOT NULL DEFAULT 0,
  lat_b10 INT UNSIGNED NOT NULL DEFAULT 0, lat_b11 INT UNSIGNED NOT NULL DEFAULT 0,
  lat_b12 INT UNSIGNED NOT NULL DEFAULT 0, lat_b13 INT UNSIGNED NOT NULL DEFAULT 0,
  lat_b14 INT UNSIGNED NOT NULL DEFAULT 0,
  ttft_b0 INT UNSIGNED NOT NULL DEFAULT 0, ttft_b1 INT UNSIGNED NOT NULL DEFAULT 0,
  ttft_b2 INT UNSIGNED NOT NULL DEFAULT 0, ttft_b3 INT UNSIGNED NOT NULL DEFAULT 0,
  ttft_b4 INT UNSIGNED NOT NULL DEFAULT 0, ttft_b5 INT UNSIGNED NOT NULL DEFAULT 0,
  ttft_b6 INT UNSIGNED NOT NULL DEFAULT 0, ttft_b7 INT UNSIGNED NOT NULL DEFAULT 0,
  ttft_b8 INT UNSIGNED NOT NULL DEFAULT 0, ttft_b9 INT UNSIGNED NOT NULL DEFAULT 0,
  ttft_b10 INT UNSIGNED NOT NULL DEFAULT 0, ttft_b11 INT UNSIGNED NOT NULL DEFAULT 0,
  ttft_b12 INT UNSIGNED NOT NULL DEFAULT 0, ttft_b13 INT UNSIGNED NOT NULL DEFAULT 0,
  ttft_b14 INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, hour_start, gateway_key_id, provider, model, status, error_category),
  KEY ix_rollup_hour (hour_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
