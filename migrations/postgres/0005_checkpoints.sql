-- The editor's checkpoints: the files a student last saved for a task, and the versions before.
-- Each save adds the next version of (user, task); the newest row is the latest checkpoint, and
-- only the newest 20 are kept (the history the student can preview and restore). The primary key
-- makes two saves from the same version collide, so the later one is refused as stale.
-- Timestamps are Unix milliseconds (see src/db/timestamp.rs).

CREATE TABLE checkpoints (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    saved_at BIGINT NOT NULL,
    -- What changed against the version before, in a few words.
    summary TEXT NOT NULL,
    -- The files as a JSON array of {"name", "content"} (text; NUL stays escaped in JSON).
    files TEXT NOT NULL,
    PRIMARY KEY (user_id, task_id, version)
);
