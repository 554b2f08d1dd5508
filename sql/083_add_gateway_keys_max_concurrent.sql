-- A cap on a gateway key's requests in flight at once (issue 10, defect 5):
-- NULL = none. Counted over inflight_requests (src/chat/inflight.c).
ALTER TABLE gateway_keys ADD COLUMN max_concurrent INT UNSIGNED NULL;
