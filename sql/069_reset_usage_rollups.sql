-- Unresolved requests are now grouped as '(unresolved)' instead of by their
-- free-form requested names: drop the roll-ups that raw rows can rebuild (from
-- pruned_before on) and roll them up again.
DELETE FROM usage_rollup_hourly
 WHERE hour_start >= (SELECT pruned_before FROM usage_rollup_state WHERE id = 1);
DELETE FROM usage_rollup_daily
 WHERE day >= (SELECT DATE(pruned_before) FROM usage_rollup_state WHERE id = 1);
UPDATE usage_rollup_state SET rolled_until = pruned_before WHERE id = 1;
