-- Staff-editable Markdown pages at fixed paths (/about/<slug>/). A page without a row shows its
-- built-in default. Timestamps are Unix milliseconds (see src/db/timestamp.rs).

CREATE TABLE pages (
    -- help, privacy, legal-notice
    slug TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- The body rendered and sanitised when saved.
    body_html TEXT NOT NULL,
    login_only BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);
