-- Regrades with a preview (issue 14): after a change of a task's tests or limits, staff re-run
-- its students' latest solutions in a shadow lane (checks.lane 2) that students never see, look
-- at the verdicts that would change, then publish them or discard them. Timestamps are Unix
-- milliseconds (see src/db/timestamp.rs).
CREATE TABLE regrades (
    id INTEGER PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    requested_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    requested_at BIGINT NOT NULL,
    -- preview, published or discarded
    status TEXT NOT NULL DEFAULT 'preview',
    decided_at BIGINT
);
-- One open preview per task: a second one would queue every solution again beside it.
CREATE UNIQUE INDEX regrades_one_preview_per_task ON regrades (task_id) WHERE status = 'preview';

-- The regrade a shadow check (lane 2) belongs to, kept when it is published (lane 1); NULL for
-- every other check.
ALTER TABLE checks ADD COLUMN regrade_id BIGINT REFERENCES regrades (id) ON DELETE SET NULL;
CREATE INDEX checks_regrade_id ON checks (regrade_id);
