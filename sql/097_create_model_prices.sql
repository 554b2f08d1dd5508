-- Prices in the database (issue 15). model_prices is the price list that
-- fills in what an upstream does not say: seeded from sql/prices.tsv by
-- `switchboard migrate`, loaded by `switchboard prices import FILE`.
-- price_overrides are an admin's prices for one provider's model; they beat
-- what the upstream reports. price_changes records every change of either
-- (append-only; usage rows keep the cost that was charged).
-- Prices are micro-USD per 1M tokens, NULL when unknown.
CREATE TABLE model_prices (
  model_key          VARCHAR(96)     NOT NULL,
  input_price        BIGINT          NULL,
  output_price       BIGINT          NULL,
  cache_read_price   BIGINT          NULL,
  cache_write_price  BIGINT          NULL,
  context_window     INT UNSIGNED    NOT NULL DEFAULT 0,
  max_output         INT UNSIGNED    NOT NULL DEFAULT 0,
  capabilities       VARCHAR(96)     NOT NULL DEFAULT '',
  source             ENUM('seed','import') NOT NULL DEFAULT 'seed',
  updated_at         DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (model_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
