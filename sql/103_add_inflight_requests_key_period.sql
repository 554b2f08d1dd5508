-- An in-flight note keeps both budgets' periods: period is the user's, and
-- key_period the key's (NULL: the same as period, as notes written before).
ALTER TABLE inflight_requests MODIFY period VARCHAR(10) NOT NULL,
  ADD COLUMN key_period VARCHAR(10) NULL;
