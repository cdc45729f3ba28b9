-- The scheduler claims due jobs in batches (claimed_at set while a job runs) instead of arming an
-- alarm per pending job; a crash leaves claims that the next start releases (jobs run at least once).
ALTER TABLE jobs ADD COLUMN claimed_at TEXT;
CREATE INDEX jobs_due ON jobs(status, claimed_at, due_at);
