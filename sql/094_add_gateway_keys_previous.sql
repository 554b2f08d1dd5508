-- Key rotation with an overlap (issue 15): POST /api/keys/{id}/rotate gives
-- the key a new secret; the previous one keeps working until
-- prev_expires_at (NULL: not at all), then stops. Looked up only when a
-- secret matches no current key.
ALTER TABLE gateway_keys
  ADD COLUMN prev_key_hash BINARY(32) NULL,
  ADD COLUMN prev_expires_at DATETIME(6) NULL,
  ADD UNIQUE KEY uq_gateway_keys_prev_hash (prev_key_hash);
