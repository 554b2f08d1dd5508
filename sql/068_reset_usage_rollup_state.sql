-- Roll-ups were recreated (065-067): roll everything up again from the raw log.
UPDATE usage_rollup_state SET rolled_until = pruned_before WHERE id = 1;
