-- The processes that run check workers, for the queue's start estimate across instances.
-- Each worker pool writes its row at start and every few seconds; a row whose heartbeat is old
-- belongs to an instance that stopped. Timestamps are Unix milliseconds (see src/db/timestamp.rs).

CREATE TABLE worker_instances (
    -- The instance's stable name (`INLOOP_INSTANCE`, else host name and port or worker pid).
    instance TEXT PRIMARY KEY,
    workers BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);
