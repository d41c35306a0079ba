-- Server secrets generated on first use (when NOVACRM_SECRET is not set), shared by every
-- `serve` process of this database.
CREATE TABLE server_secret (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- CAPTCHA challenges already spent, remembered until they could no longer be used (and an
-- hour longer for the per-host count of form bookings made without the proof of work).
CREATE TABLE captcha_spent (
    signature  TEXT PRIMARY KEY,
    app_user_id TEXT NOT NULL,
    fallback   INTEGER NOT NULL,
    spent_at   BIGINT NOT NULL,
    keep_until BIGINT NOT NULL
);
CREATE INDEX captcha_spent_keep ON captcha_spent (keep_until);
CREATE INDEX captcha_spent_host ON captcha_spent (app_user_id, fallback, spent_at);

-- Addresses (`eve@example.com`) and domains (`example.com`) a host refuses bookings from.
CREATE TABLE guest_block (
    app_user_id TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    pattern    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_user_id, pattern)
);
