-- OAuth `state` values handed to the host's browser on the way to Google, checked (and
-- spent) on the way back. Keep in step with the other folder.
CREATE TABLE oauth_state (
    state       TEXT PRIMARY KEY,
    app_user_id TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
