-- A gateway key's budget window (see 100_widen_budget_periods_period.sql).
ALTER TABLE gateway_keys ADD COLUMN budget_window ENUM('month','week','day') NOT NULL DEFAULT 'month';
