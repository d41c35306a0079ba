-- Rate-limit budgets counted in the database (PostgreSQL: every `serve` process spends one
-- budget). GCRA: `tat` is the bucket's theoretical arrival time in ms; a bucket whose tat has
-- passed is full again, so old rows are just deleted.
CREATE TABLE rate_bucket (
    bucket_key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);
CREATE INDEX rate_bucket_tat ON rate_bucket (tat);
