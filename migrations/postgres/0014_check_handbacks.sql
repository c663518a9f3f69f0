-- Claims a stopping instance gave back to the queue (issue 16): a check handed back at shutdown
-- was no failure, so `attempts - handbacks` is what counts towards giving up.

ALTER TABLE checks ADD COLUMN handbacks BIGINT NOT NULL DEFAULT 0;
