-- Plagiarism checks: a run compares the latest passed solutions of a task (or of every task of a
-- category) and keeps the pairs at or above its threshold. Runs are jobs like imports: any
-- instance may take a pending one. Timestamps are Unix milliseconds (see src/db/timestamp.rs).

CREATE TABLE plagiarism_runs (
    id INTEGER PRIMARY KEY,
    -- One of the two: the task, or every task of the category.
    task_id BIGINT REFERENCES tasks (id) ON DELETE CASCADE,
    category_id BIGINT REFERENCES categories (id) ON DELETE CASCADE,
    -- Pairs at or above this similarity (0 to 1) are kept.
    min_similarity DOUBLE PRECISION NOT NULL,
    requested_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    requested_at BIGINT NOT NULL,
    started_at BIGINT,
    heartbeat_at BIGINT,
    finished_at BIGINT,
    -- pending, running, succeeded or failed
    status TEXT NOT NULL DEFAULT 'pending',
    worker TEXT NOT NULL DEFAULT '',
    -- Progress: tasks compared of tasks to compare, and what was compared.
    tasks_done BIGINT NOT NULL DEFAULT 0,
    tasks_total BIGINT NOT NULL DEFAULT 0,
    solutions BIGINT NOT NULL DEFAULT 0,
    full_comparisons BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    CHECK ((task_id IS NULL) <> (category_id IS NULL))
);
CREATE INDEX plagiarism_runs_status ON plagiarism_runs (status);

-- A detection: two students' solutions of one task that share code. Staff may dismiss it (a
-- veto, with a note); a dismissed pair found again by a later run stays dismissed.
CREATE TABLE plagiarism_pairs (
    id INTEGER PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES plagiarism_runs (id) ON DELETE CASCADE,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    solution_a BIGINT NOT NULL REFERENCES solutions (id) ON DELETE CASCADE,
    solution_b BIGINT NOT NULL REFERENCES solutions (id) ON DELETE CASCADE,
    author_a BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_b BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    similarity DOUBLE PRECISION NOT NULL,
    -- JSON: the shared regions (file and line ranges in both solutions).
    matches TEXT NOT NULL DEFAULT '[]',
    dismissed_at BIGINT,
    dismissed_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    dismissal_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plagiarism_pairs_run_id ON plagiarism_pairs (run_id, similarity);
CREATE INDEX plagiarism_pairs_author_a ON plagiarism_pairs (author_a, task_id);
CREATE INDEX plagiarism_pairs_author_b ON plagiarism_pairs (author_b, task_id);
