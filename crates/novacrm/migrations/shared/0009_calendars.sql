-- Calendar connections (CalDAV now, Google next): credentials sealed with AES-GCM
-- (services::sealed), a status the dashboard shows, and per calendar whether it is checked
-- for conflicts and whether bookings are added to it. Keep in step with the other folder.
CREATE TABLE calendar_connection (
    connection_id    TEXT PRIMARY KEY,
    app_user_id      TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    provider         TEXT NOT NULL,
    url              TEXT NOT NULL,
    username         TEXT NOT NULL,
    secret_sealed    TEXT NOT NULL,
    token_expires_at BIGINT,
    scopes           TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    last_error       TEXT,
    last_sync_at     BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX calendar_connection_host ON calendar_connection (app_user_id, created_at);

CREATE TABLE calendar (
    calendar_id     TEXT PRIMARY KEY,
    connection_id   TEXT NOT NULL REFERENCES calendar_connection (connection_id) ON DELETE CASCADE,
    app_user_id     TEXT NOT NULL,
    remote_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    writable        BIGINT NOT NULL,
    check_conflicts BIGINT NOT NULL,
    add_bookings    BIGINT NOT NULL,
    position        BIGINT NOT NULL,
    -- The busy times cached for it cover [busy_from, busy_to), read at synced_at.
    busy_from       BIGINT,
    busy_to         BIGINT,
    synced_at       BIGINT,
    sync_error      TEXT
);
CREATE INDEX calendar_host ON calendar (app_user_id);

-- Busy times read from conflict calendars: data for the engine like any booking.
CREATE TABLE calendar_busy (
    calendar_id TEXT NOT NULL REFERENCES calendar (calendar_id) ON DELETE CASCADE,
    app_user_id TEXT NOT NULL,
    start_time  BIGINT NOT NULL,
    end_time    BIGINT NOT NULL
);
CREATE INDEX calendar_busy_host ON calendar_busy (app_user_id, start_time);
CREATE INDEX calendar_busy_calendar ON calendar_busy (calendar_id);

-- Where a booking's event was written, with its ETag for the next update.
CREATE TABLE calendar_event (
    booking_id  TEXT NOT NULL,
    calendar_id TEXT NOT NULL,
    href        TEXT NOT NULL,
    etag        TEXT,
    PRIMARY KEY (booking_id, calendar_id)
);

-- When the host's conflict calendars were last all read (NULL: none to read); a public page
-- offers nothing while this is too old, and nothing past busy_covered_until.
ALTER TABLE app_user ADD COLUMN busy_synced_at BIGINT;
ALTER TABLE app_user ADD COLUMN busy_covered_until BIGINT;
