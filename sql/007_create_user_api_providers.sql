-- A user's configured provider (seed table): encrypted key (AES-256-GCM, key id beside it),
-- HMAC fingerprint for duplicate detection, optional endpoint override, priority, status.
CREATE TABLE user_api_providers (
  id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id          BIGINT UNSIGNED NOT NULL,
  provider_id      INT UNSIGNED    NOT NULL,
  name             VARCHAR(64)     NOT NULL,
  api_key_enc      VARBINARY(4096) NOT NULL,
  key_id           INT UNSIGNED    NOT NULL,
  key_hint         VARCHAR(16)     NOT NULL,
  key_fingerprint  BINARY(32)      NOT NULL,
  base_url         VARCHAR(512)    NULL,
  priority         INT             NOT NULL DEFAULT 100,
  is_active        TINYINT(1)      NOT NULL DEFAULT 1,
  status           VARCHAR(16)     NOT NULL DEFAULT 'unknown',
  last_error       VARCHAR(255)    NULL,
  last_sync_at     DATETIME(6)     NULL,
  created_at       DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at       DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_uap_user_name (user_id, name),
  KEY ix_uap_user_fp (user_id, key_fingerprint),
  KEY ix_uap_provider (provider_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
