-- Keys API clients use against the gateway; only the SHA-256 of the secret is stored.
CREATE TABLE gateway_keys (
  id                     BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id                BIGINT UNSIGNED NOT NULL,
  name                   VARCHAR(100)    NOT NULL,
  prefix                 VARCHAR(16)     NOT NULL,
  key_hash               BINARY(32)      NOT NULL,
  monthly_budget_micros  BIGINT          NULL,
  budget_alert_pct       TINYINT UNSIGNED NOT NULL DEFAULT 80,
  budget_hard_stop       TINYINT(1)      NOT NULL DEFAULT 1,
  rpm_limit              INT UNSIGNED    NULL,
  tpm_limit              INT UNSIGNED    NULL,
  allowed_models         TEXT            NULL,
  expires_at             DATETIME(6)     NULL,
  revoked_at             DATETIME(6)     NULL,
  last_used_at           DATETIME(6)     NULL,
  created_at             DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_gateway_keys_hash (key_hash),
  KEY ix_gateway_keys_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
