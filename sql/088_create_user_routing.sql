-- A user's routing choices (issue 12): auto_fallback = when every target of
-- a model failed, try the same model on the user's other providers (the
-- equivalence GET /api/providers/compare shows).
CREATE TABLE user_routing (
  user_id        BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  auto_fallback  TINYINT(1)      NOT NULL DEFAULT 0,
  updated_at     DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
