-- Dashboard sessions: the cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE session (
    token_hash  TEXT PRIMARY KEY,
    app_user_id TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX session_app_user ON session (app_user_id);
