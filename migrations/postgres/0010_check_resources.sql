-- The resource profile of each check (issue 15): what it used, sampled through Docker's stats
-- while it ran, and the limits in force for that run, so its page compares against what
-- applied then. NULL: not measured (stats unreadable, or a check from before this migration);
-- a NULL limit: none applied.

ALTER TABLE checks ADD COLUMN cpu_ms BIGINT;
ALTER TABLE checks ADD COLUMN peak_memory_bytes BIGINT;
ALTER TABLE checks ADD COLUMN peak_pids BIGINT;
ALTER TABLE checks ADD COLUMN memory_limit_bytes BIGINT;
ALTER TABLE checks ADD COLUMN pids_limit BIGINT;
ALTER TABLE checks ADD COLUMN time_limit_ms BIGINT;
