-- A cap on a user's requests in flight at once, over all their keys and the
-- browser: NULL = [limits] user_max_concurrent (0 = none).
ALTER TABLE user_rate_limits ADD COLUMN max_concurrent INT UNSIGNED NULL;
