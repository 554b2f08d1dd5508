-- Several keys for one provider (issue 12): configs of equal priority share
-- the load in proportion to their weight (1..1000).
ALTER TABLE user_api_providers ADD COLUMN weight SMALLINT UNSIGNED NOT NULL DEFAULT 1;
