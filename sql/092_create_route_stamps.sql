-- Change stamps (issue 14): every write to what the chat path caches per
-- process (a user's configs, their models, aliases and circuits; the
-- provider catalog and global aliases) bumps a generation counter, the
-- user's row or row 0 for everyone. The chat path reads both with the key
-- row (primary-key lookups) and reuses its caches while they match.
CREATE TABLE route_stamps (
  scope_id  BIGINT UNSIGNED NOT NULL,
  gen       BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (scope_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO route_stamps (scope_id, gen) VALUES (0, 0);
