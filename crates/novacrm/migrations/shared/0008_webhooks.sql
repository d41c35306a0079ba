-- Webhooks (and, later, calendar writes) go through the outbox in order per booking: jobs that
-- share an ordering key run one after another by ordinal (a later one is not claimed while
-- an earlier one is pending). Keep in step with the other backend's folder.
ALTER TABLE job ADD COLUMN ordering_key TEXT;
ALTER TABLE job ADD COLUMN ordinal BIGINT NOT NULL DEFAULT 0;
CREATE INDEX job_ordering ON job (ordering_key, ordinal);
CREATE INDEX job_app_user_kind ON job (app_user_id, kind, created_at);

-- A host's webhook endpoints; the signing secret is sealed (AES-GCM, services::sealed).
CREATE TABLE webhook_endpoint (
    webhook_id    TEXT PRIMARY KEY,
    app_user_id   TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    events        TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX webhook_endpoint_host ON webhook_endpoint (app_user_id, created_at);

-- The secret token of the host's subscribable calendar feed (/cal/{token}.ics).
ALTER TABLE app_user ADD COLUMN feed_token TEXT;
CREATE UNIQUE INDEX app_user_feed_token ON app_user (feed_token);
