-- Admin API tokens and the audit log (issue 15). A token (sb-adm-…) is shown
-- once and stored as its SHA-256; it acts as the admin who made it, on the
-- management API only, within its scopes (reports: read-only usage and
-- budgets; keys; providers; users), without a session or CSRF token. Every
-- management write, by session or token, leaves an audit row: who, how,
-- what (method and path, never a body), the status, from where, when.
CREATE TABLE admin_tokens (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id       BIGINT UNSIGNED NOT NULL,
  name          VARCHAR(64)     NOT NULL,
  prefix        VARCHAR(16)     NOT NULL,
  token_hash    BINARY(32)      NOT NULL,
  scopes        VARCHAR(64)     NOT NULL,
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  last_used_at  DATETIME(6)     NULL,
  revoked_at    DATETIME(6)     NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_admin_tokens_hash (token_hash),
  KEY ix_admin_tokens_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  at          DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  user_id     BIGINT UNSIGNED NOT NULL,
  username    VARCHAR(64)     NOT NULL,
  via         VARCHAR(8)      NOT NULL,
  token_id    BIGINT UNSIGNED NULL,
  method      VARCHAR(8)      NOT NULL,
  path        VARCHAR(255)    NOT NULL,
  status      SMALLINT UNSIGNED NOT NULL,
  address     VARCHAR(64)     NULL,
  request_id  CHAR(32)        NOT NULL,
  PRIMARY KEY (id),
  KEY ix_audit_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
