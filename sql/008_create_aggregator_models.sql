-- Models discovered per configured provider (seed table). Prices are integer
-- micro-USD per 1M tokens; NULL means unknown (never pretend zero).
CREATE TABLE aggregator_models (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  config_id           BIGINT UNSIGNED NOT NULL,
  user_id             BIGINT UNSIGNED NOT NULL,
  model_id            VARCHAR(255)    NOT NULL,
  display_name        VARCHAR(255)    NOT NULL,
  model_type          ENUM('chat','embedding','image','audio','other') NOT NULL DEFAULT 'chat',
  context_window      INT UNSIGNED    NULL,
  max_output          INT UNSIGNED    NULL,
  input_price         BIGINT          NULL,
  output_price        BIGINT          NULL,
  cache_read_price    BIGINT          NULL,
  cache_write_price   BIGINT          NULL,
  price_source        ENUM('upstream','table','unknown') NOT NULL DEFAULT 'unknown',
  capabilities        VARCHAR(255)    NOT NULL DEFAULT '',
  is_available        TINYINT(1)      NOT NULL DEFAULT 1,
  first_seen_at       DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  last_seen_at        DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at          DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_am_config_model (config_id, model_id),
  KEY ix_am_user (user_id, is_available),
  KEY ix_am_model (model_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
