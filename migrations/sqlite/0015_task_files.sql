-- The files of a task's attachments/ and images/ folders, stored by each import with its task
-- record (issue 16): every instance serves them from here, none from a repository copy on disk.

CREATE TABLE task_files (
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    -- attachments or images
    folder TEXT NOT NULL,
    -- Relative to the folder, '/'-separated, UTF-8 without NUL.
    path TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- Hex SHA-256 of the content: the ETag, and how an import tells a changed file.
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (task_id, folder, path)
);
