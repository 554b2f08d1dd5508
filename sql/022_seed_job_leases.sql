-- The lease rows the jobs compete for. Idempotent.
INSERT IGNORE INTO job_leases (name, holder, lease_until) VALUES ('sync_all', NULL, NULL);
