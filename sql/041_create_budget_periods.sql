-- Monthly budget accounting per user or gateway key (chat proxy, issue 4). A request
-- reserves its worst-case cost with one guarded UPDATE
-- (spent + reserved + cost <= limit), then settles the real cost. alert_at records when
-- spend first crossed the alert threshold, so the UI can warn.
CREATE TABLE budget_periods (
  scope            ENUM('user','key') NOT NULL,
  scope_id         BIGINT UNSIGNED NOT NULL,
  period           CHAR(7)         NOT NULL,
  limit_micros     BIGINT          NULL,
  spent_micros     BIGINT          NOT NULL DEFAULT 0,
  reserved_micros  BIGINT          NOT NULL DEFAULT 0,
  alert_at         DATETIME(6)     NULL,
  exhausted_at     DATETIME(6)     NULL,
  updated_at       DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (scope, scope_id, period)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
