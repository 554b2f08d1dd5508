-- Budgets by day and by week, not only by calendar month (issue 15). Each
-- budget (a user's, a key's) has a window, and budget_periods rows are named
-- by it: "2026-12" (month), "2026-W49" (ISO week, from Monday) or
-- "2026-12-04" (day), all in UTC.
ALTER TABLE budget_periods MODIFY period VARCHAR(10) NOT NULL;
