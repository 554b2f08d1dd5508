-- Part of prices in the database: see 097_create_model_prices.sql.
CREATE TABLE price_overrides (
  provider_id        INT UNSIGNED    NOT NULL,
  model_id           VARCHAR(255)    NOT NULL,
  input_price        BIGINT          NOT NULL,
  output_price       BIGINT          NOT NULL,
  cache_read_price   BIGINT          NULL,
  cache_write_price  BIGINT          NULL,
  set_by             BIGINT UNSIGNED NULL,
  set_at             DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (provider_id, model_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
