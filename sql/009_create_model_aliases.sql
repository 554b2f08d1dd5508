-- alias -> provider/model; user_id 0 marks a global alias set by an admin.
CREATE TABLE model_aliases (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id       BIGINT UNSIGNED NOT NULL DEFAULT 0,
  alias         VARCHAR(128)    NOT NULL,
  target_model  VARCHAR(320)    NOT NULL,
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_alias_user (user_id, alias)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
