-- Solutions, their files, and the durable check queue (one row per check run).
-- Timestamps are Unix milliseconds (see src/db/timestamp.rs).

CREATE TABLE solutions (
    id INTEGER PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    author_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Counts per author and task from 1, without gaps.
    number BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    -- SHA-256 over the files' names and contents: the student's receipt.
    files_hash TEXT NOT NULL,
    -- The latest check's state, kept here for lists: saved, queued, running, finished, cancelled.
    status TEXT NOT NULL,
    verdict TEXT,
    tests_total BIGINT NOT NULL DEFAULT 0,
    tests_passed BIGINT NOT NULL DEFAULT 0,
    UNIQUE (author_id, task_id, number)
);
CREATE INDEX solutions_task_id ON solutions (task_id);

-- Kept in the database, not on a disk: in one transaction with the solution, and readable by the
-- workers of every instance.
CREATE TABLE solution_files (
    solution_id BIGINT NOT NULL REFERENCES solutions (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (solution_id, name)
);

CREATE TABLE checks (
    id INTEGER PRIMARY KEY,
    solution_id BIGINT NOT NULL REFERENCES solutions (id) ON DELETE CASCADE,
    -- The solution's author, here for the rule "one running check per student".
    author_id BIGINT NOT NULL,
    -- 0: students' checks; 1: staff re-runs, which never delay students.
    lane BIGINT NOT NULL DEFAULT 0,
    -- queued, running, done or cancelled
    status TEXT NOT NULL DEFAULT 'queued',
    attempts BIGINT NOT NULL DEFAULT 0,
    -- An infrastructure failure is retried, not before this time.
    not_before BIGINT NOT NULL,
    queued_at BIGINT NOT NULL,
    started_at BIGINT,
    heartbeat_at BIGINT,
    finished_at BIGINT,
    worker TEXT NOT NULL DEFAULT '',
    image TEXT NOT NULL DEFAULT '',
    verdict TEXT,
    exit_code BIGINT,
    duration_ms BIGINT,
    stdout TEXT NOT NULL DEFAULT '',
    stderr TEXT NOT NULL DEFAULT '',
    -- JSON: the parsed JUnit suites, and notes such as unreadable reports.
    reports TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '[]',
    -- For staff only: what went wrong in the infrastructure.
    staff_message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX checks_queue ON checks (status, lane, id);
CREATE INDEX checks_solution_id ON checks (solution_id);
CREATE UNIQUE INDEX checks_one_running_per_author ON checks (author_id) WHERE status = 'running';

CREATE TABLE check_files (
    check_id BIGINT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    truncated BOOLEAN NOT NULL,
    PRIMARY KEY (check_id, name)
);
