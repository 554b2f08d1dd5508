-- The stamps lease (issue 14): at most one host at a time counts the change
-- stamps in its own shared memory instead of asking route_stamps on every
-- request (nodestamp.c). holder is that host's segment id while lease_until
-- is ahead; a change made on another host sets contested_until, which stops
-- any host from taking or renewing the lease until it passes, and waits out
-- lease_until before it answers. One row.
CREATE TABLE stamp_lease (
  id               TINYINT UNSIGNED NOT NULL,
  holder           CHAR(32) NULL,
  lease_until      DATETIME(6) NULL,
  contested_until  DATETIME(6) NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO stamp_lease (id) VALUES (1);
