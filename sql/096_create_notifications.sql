-- Alerts (issue 15). `switchboard cron` (job "alerts") turns events into
-- notifications: a budget crossing its alert threshold or its limit (user,
-- key and admin-set budgets; budget_periods.alert_at / exhausted_at), a
-- provider refusing a stored key, a circuit that keeps opening. event_key
-- makes it one notification per event and period, never a storm. Each is
-- shown under the bell in the header and delivered to the user's channels
-- (webhooks; the URL sealed like provider keys), retried with backoff, every
-- attempt recorded.
CREATE TABLE notifications (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id     BIGINT UNSIGNED NOT NULL,
  event_key   VARCHAR(190)    NOT NULL,
  kind        VARCHAR(32)     NOT NULL,
  title       VARCHAR(255)    NOT NULL,
  body        VARCHAR(1000)   NOT NULL,
  link        VARCHAR(255)    NULL,
  created_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  read_at     DATETIME(6)     NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_notifications_event (user_id, event_key),
  KEY ix_notifications_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE alert_channels (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id     BIGINT UNSIGNED NOT NULL,
  kind        VARCHAR(16)     NOT NULL DEFAULT 'webhook',
  format      VARCHAR(16)     NOT NULL DEFAULT 'json',
  url_enc     VARBINARY(2200) NOT NULL,
  url_key_id  SMALLINT UNSIGNED NOT NULL,
  url_hint    VARCHAR(80)     NOT NULL,
  created_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  KEY ix_alert_channels_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE alert_deliveries (
  notification_id  BIGINT UNSIGNED NOT NULL,
  channel_id       BIGINT UNSIGNED NOT NULL,
  attempts         INT UNSIGNED    NOT NULL DEFAULT 0,
  next_at          DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  delivered_at     DATETIME(6)     NULL,
  last_status      SMALLINT UNSIGNED NULL,
  last_error       VARCHAR(255)    NULL,
  PRIMARY KEY (notification_id, channel_id),
  KEY ix_alert_deliveries_due (delivered_at, next_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
