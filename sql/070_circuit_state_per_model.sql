-- Circuits per (provider config, upstream model) (issue 12): one failing model
-- no longer pauses the provider's other models. model_id '' is the
-- provider-level circuit, fed by connection failures (refused, DNS, TLS).
-- cooldown_until is a rate-limit pause taken from the upstream's Retry-After
-- (a 429 is not ill health and never counts as a failure). last_category is
-- what the failures were, so that a request finding every target paused is
-- answered with the same kind of error. The state is transient: recreated.
DROP TABLE circuit_state;
CREATE TABLE circuit_state (
  config_id       BIGINT UNSIGNED NOT NULL,
  model_id        VARCHAR(255)    NOT NULL DEFAULT '',
  failures        INT UNSIGNED    NOT NULL DEFAULT 0,
  open_until      DATETIME(6)     NULL,
  cooldown_until  DATETIME(6)     NULL,
  last_category   VARCHAR(16)     NULL,
  last_failure_at DATETIME(6)     NULL,
  updated_at      DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (config_id, model_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
