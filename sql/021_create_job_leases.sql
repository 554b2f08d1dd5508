-- Leases for scheduled jobs (e.g. 'sync_all'): a run takes the row with one
-- conditional UPDATE (free or expired lease), renews it while working and
-- frees it at the end. No GET_LOCK: correct on a Galera cluster too.
CREATE TABLE job_leases (
  name          VARCHAR(64)     NOT NULL PRIMARY KEY,
  holder        CHAR(32)        NULL,
  lease_until   DATETIME(6)     NULL,
  updated_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
