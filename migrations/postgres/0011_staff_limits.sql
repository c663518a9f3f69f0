-- Staff's own check limits for a task (issue 14), under the keys of meta.json's (time_limit,
-- memory_limit, cpus, process_limit): a key set here wins over the repository's, and admins'
-- maximums cap both. Imports never change it.
ALTER TABLE tasks ADD COLUMN staff_limits TEXT NOT NULL DEFAULT '{}';
