-- A user's budget window (see 100_widen_budget_periods_period.sql); their own
-- cap and an admin's share it.
ALTER TABLE user_budgets ADD COLUMN budget_window ENUM('month','week','day') NOT NULL DEFAULT 'month';
