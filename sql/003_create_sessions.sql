-- Browser sessions: only the SHA-256 of the cookie token is stored.
CREATE TABLE sessions (
  token_hash    BINARY(32)      NOT NULL PRIMARY KEY,
  user_id       BIGINT UNSIGNED NOT NULL,
  csrf_token    CHAR(64)        NOT NULL,
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  expires_at    DATETIME(6)     NOT NULL,
  KEY ix_sessions_user (user_id),
  KEY ix_sessions_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
