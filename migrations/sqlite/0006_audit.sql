-- The audit log: every change made in the admin area, one row per changed field.
-- Timestamps are Unix milliseconds (see src/db/timestamp.rs). Ids grow with time, so pages are
-- read by id (keyset pagination), newest first.

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    -- The acting user; the name stays readable after the account is deleted.
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,
    -- setting, user, category, task, page
    object_kind TEXT NOT NULL,
    -- The object's id (a setting's key), and how it was called at the time.
    object_id TEXT NOT NULL,
    object_label TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX audit_log_object ON audit_log (object_kind, object_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
