-- A user's fallback list per model or alias (issue 12): when every target of
-- the name the request used failed, these config/model names are tried next,
-- in order (LiteLLM's fallbacks; a request's own "models" list comes first).
CREATE TABLE model_fallbacks (
  user_id     BIGINT UNSIGNED NOT NULL,
  model_ref   VARCHAR(320)    NOT NULL,
  fallbacks   TEXT            NOT NULL,
  updated_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (user_id, model_ref)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
