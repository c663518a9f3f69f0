-- The build context of each checker image the import built, the tar Docker was given (issue 16),
-- keyed by the image's content-derived tag: a worker on another Docker host builds the image from
-- it when it is missing there. The import keeps the contexts of the current image and the one
-- before it (see `import::contexts`).

CREATE TABLE checker_contexts (
    tag TEXT PRIMARY KEY NOT NULL,
    context BLOB NOT NULL,
    created_at BIGINT NOT NULL
);
