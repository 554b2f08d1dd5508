-- Nothing is lost when a process dies (issue 10, faults): a chat request that
-- reaches an upstream is noted here (with its budget reservation) and the
-- note is deleted once its usage row is written. A note whose process is gone
-- (same host, pid dead; or older than a day, any host) is turned into its usage
-- row (status error) and its reservation released, by the next chat process
-- that starts (src/chat/inflight.c).
CREATE TABLE inflight_requests (
  request_id       CHAR(32)        NOT NULL PRIMARY KEY,
  host             VARCHAR(64)     NOT NULL,
  pid              INT UNSIGNED    NOT NULL,
  user_id          BIGINT UNSIGNED NOT NULL,
  key_id           BIGINT UNSIGNED NULL,
  provider         VARCHAR(64)     NULL,
  config_id        BIGINT UNSIGNED NULL,
  endpoint         VARCHAR(32)     NOT NULL,
  requested_model  VARCHAR(320)    NULL,
  resolved_model   VARCHAR(255)    NULL,
  is_stream        TINYINT(1)      NOT NULL DEFAULT 0,
  period           CHAR(7)         NOT NULL,
  reserved_micros  BIGINT          NOT NULL DEFAULT 0,
  user_scope_id    BIGINT UNSIGNED NOT NULL DEFAULT 0,
  key_scope_id     BIGINT UNSIGNED NOT NULL DEFAULT 0,
  started_at       DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_inflight_host (host, pid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
