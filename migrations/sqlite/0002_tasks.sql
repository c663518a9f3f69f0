-- Tasks imported from the task repository, their categories, and the import runs.
-- Timestamps are Unix milliseconds (see src/db/timestamp.rs).

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    -- Markdown as written by staff, and its rendering.
    description TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    ordering BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    system_name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    category_id BIGINT NOT NULL REFERENCES categories (id),
    pubdate BIGINT NOT NULL,
    deadline BIGINT,
    -- Rendered once per import from task.md.
    text_html TEXT NOT NULL,
    -- Gone from the repository (or disabled there): kept for its solutions, shown to no one.
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    -- Set by admins; imports never touch them.
    submission_limit BIGINT,
    group_id BIGINT REFERENCES groups (id) ON DELETE SET NULL,
    -- From meta.json: JSON object of optional checker limits.
    limits TEXT NOT NULL DEFAULT '{}',
    -- JSON list of {"name", "content"}: the editor's start files.
    templates TEXT NOT NULL DEFAULT '[]',
    imported_at BIGINT NOT NULL
);
CREATE INDEX tasks_category_id ON tasks (category_id);

CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY,
    -- webhook, admin, schedule or command
    trigger TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    started_at BIGINT,
    heartbeat_at BIGINT,
    finished_at BIGINT,
    -- pending, running, succeeded or failed
    status TEXT NOT NULL DEFAULT 'pending',
    commit_hash TEXT NOT NULL DEFAULT '',
    commit_message TEXT NOT NULL DEFAULT '',
    make_output TEXT NOT NULL DEFAULT '',
    image_tag TEXT NOT NULL DEFAULT '',
    -- '', built, reused or failed
    image_status TEXT NOT NULL DEFAULT '',
    image_log TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT ''
);
-- Requests coalesce: at most one run waits at any time.
CREATE UNIQUE INDEX import_runs_one_pending ON import_runs (status) WHERE status = 'pending';

CREATE TABLE import_task_results (
    id INTEGER PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
    directory TEXT NOT NULL,
    -- added, updated, unchanged, hidden or invalid
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX import_task_results_run_id ON import_task_results (run_id);
