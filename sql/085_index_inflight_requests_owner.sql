-- Counting a user's and a key's requests in flight (concurrency caps).
ALTER TABLE inflight_requests ADD KEY ix_inflight_user (user_id, started_at),
  ADD KEY ix_inflight_key (key_id, started_at);
