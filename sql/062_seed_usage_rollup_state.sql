-- Start with nothing rolled up and nothing pruned (idempotent).
INSERT IGNORE INTO usage_rollup_state (id, rolled_until, pruned_before)
VALUES (1, '2000-01-01 00:00:00', '2000-01-01 00:00:00');
