-- An admin-set budget is binding (issue 10, defect 6): the admin's cap and the
-- user's own cap are kept apart, and monthly_budget_micros (what the chat path
-- enforces) is the lower of the two. A cap an admin set before this migration
-- cannot be told apart from the user's own and becomes the user's own.
-- While an admin cap exists, budget_hard_stop stays on.
ALTER TABLE user_budgets
  ADD COLUMN own_budget_micros   BIGINT NULL AFTER monthly_budget_micros,
  ADD COLUMN admin_budget_micros BIGINT NULL AFTER own_budget_micros;
UPDATE user_budgets SET own_budget_micros = monthly_budget_micros;
