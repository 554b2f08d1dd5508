-- Site-wide switches an admin sets in the UI (issue 15). One row. While
-- maintenance is on, every request that would go upstream (chat, messages,
-- responses, embeddings; keys and browser sessions alike) is answered 503
-- with the admin's message; settings, reports and sign-in stay reachable.
-- The chat path reads the row with the key (a primary-key lookup).
CREATE TABLE site_settings (
  id                   TINYINT UNSIGNED NOT NULL,
  maintenance          TINYINT(1)       NOT NULL DEFAULT 0,
  maintenance_message  VARCHAR(500)     NULL,
  updated_at           DATETIME(6)      NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO site_settings (id, maintenance) VALUES (1, 0);
