-- When each job of `switchboard cron` last succeeded, so that one crontab
-- line (every few minutes) runs each job when it is due. The run itself holds
-- the 'cron' row of job_leases.
CREATE TABLE cron_runs (
  job       VARCHAR(32)  NOT NULL PRIMARY KEY,
  last_run  DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
