-- Stored Responses (issue 13): a /v1/responses request with "store": true
-- keeps its conversation (the canonical messages without instructions, then
-- the answer) and the response object, so that a later request can continue
-- it with previous_response_id and its owner can GET or DELETE it. Rows are
-- the caller's own, deleted with the user, and pruned with the raw usage rows
-- (switchboard prune, [usage] retention_days).
CREATE TABLE stored_responses (
  id            VARCHAR(64)     NOT NULL PRIMARY KEY,
  user_id       BIGINT UNSIGNED NOT NULL,
  conversation  MEDIUMTEXT      NOT NULL,
  response      MEDIUMTEXT      NOT NULL,
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_stored_responses_age (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
