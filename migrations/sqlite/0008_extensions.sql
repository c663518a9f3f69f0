-- Per-student deadline extensions: a later deadline for one task or a whole category, granted to
-- one student or a group. A task's deadline for a student is the latest of its own and theirs.
-- Timestamps are Unix milliseconds (see src/db/timestamp.rs).

CREATE TABLE deadline_extensions (
    id INTEGER PRIMARY KEY,
    -- One of the two: the task, or every task of the category.
    task_id BIGINT REFERENCES tasks (id) ON DELETE CASCADE,
    category_id BIGINT REFERENCES categories (id) ON DELETE CASCADE,
    -- One of the two: the student, or every member of the group.
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    group_id BIGINT REFERENCES groups (id) ON DELETE CASCADE,
    deadline BIGINT NOT NULL,
    reason TEXT NOT NULL,
    granted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    granted_at BIGINT NOT NULL,
    CHECK ((task_id IS NULL) <> (category_id IS NULL)),
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX deadline_extensions_user_id ON deadline_extensions (user_id);
CREATE INDEX deadline_extensions_group_id ON deadline_extensions (group_id);
