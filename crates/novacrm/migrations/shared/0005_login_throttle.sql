-- Failed log-ins, by account and by client address, so throttling holds across every
-- `serve` process. Rows older than a day are deleted as new ones come in.
CREATE TABLE login_failure (
    throttle_key TEXT NOT NULL,
    failed_at    BIGINT NOT NULL
);
CREATE INDEX login_failure_key ON login_failure (throttle_key, failed_at);
CREATE INDEX login_failure_at ON login_failure (failed_at);
