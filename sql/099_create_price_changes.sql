-- Part of prices in the database: see 097_create_model_prices.sql.
CREATE TABLE price_changes (
  id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  changed_at         DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  source             ENUM('import','admin') NOT NULL,
  actor_id           BIGINT UNSIGNED NULL,
  provider_id        INT UNSIGNED    NULL,
  model              VARCHAR(255)    NOT NULL,
  old_input_price    BIGINT          NULL,
  old_output_price   BIGINT          NULL,
  new_input_price    BIGINT          NULL,
  new_output_price   BIGINT          NULL,
  PRIMARY KEY (id),
  KEY ix_pc_changed (changed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
