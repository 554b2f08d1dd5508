-- The first hourly roll-up kept status and error category in its key, which
-- multiplied rows; 066 recreates it with per-category counters instead. Roll-ups
-- are derived data: 068 resets the watermark so they are rebuilt from the log.
DROP TABLE IF EXISTS usage_rollup_hourly;
