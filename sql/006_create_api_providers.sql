-- The provider catalog (seed table): what Switchboard knows how to talk to.
CREATE TABLE api_providers (
  id                  INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name                VARCHAR(64)  NOT NULL,
  display_name        VARCHAR(128) NOT NULL,
  provider_type       ENUM('aggregator','direct') NOT NULL,
  api_format          ENUM('openai','anthropic','gemini') NOT NULL,
  base_url            VARCHAR(512) NOT NULL,
  docs_url            VARCHAR(512) NULL,
  keys_url            VARCHAR(512) NULL,
  supports_streaming  TINYINT(1)   NOT NULL DEFAULT 1,
  supports_vision     TINYINT(1)   NOT NULL DEFAULT 0,
  supports_functions  TINYINT(1)   NOT NULL DEFAULT 0,
  supports_audio      TINYINT(1)   NOT NULL DEFAULT 0,
  is_active           TINYINT(1)   NOT NULL DEFAULT 1,
  created_at          DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at          DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_api_providers_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
