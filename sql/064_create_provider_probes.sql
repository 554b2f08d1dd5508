-- The latest health probe (`switchboard health --probe`, a cheap model-list
-- call) per configured provider, so a provider nobody used lately still has
-- a known state. One row per config, replaced on every probe.
CREATE TABLE provider_probes (
  config_id        BIGINT UNSIGNED   NOT NULL PRIMARY KEY,
  user_id          BIGINT UNSIGNED   NOT NULL,
  probed_at        DATETIME(6)       NOT NULL,
  ok               TINYINT(1)        NOT NULL,
  latency_ms       INT UNSIGNED      NOT NULL DEFAULT 0,
  http_status      SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  error_category   VARCHAR(16)       NULL,
  error_message    VARCHAR(255)      NULL,
  last_success_at  DATETIME(6)       NULL,
  KEY ix_probes_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
