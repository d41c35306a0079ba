-- NovaCRM scheduling: initial schema, read alike by SQLite and PostgreSQL. Instants are BIGINT
-- unix milliseconds (UTC), ids are TEXT UUIDv7, booleans BIGINT 0/1, JSON is TEXT.
CREATE TABLE app_user (
    app_user_id     TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    booking_version BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE availability (
    app_user_id  TEXT PRIMARY KEY REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    timezone     TEXT NOT NULL,
    working_days TEXT NOT NULL,
    start_time   TEXT NOT NULL,
    end_time     TEXT NOT NULL,
    weekly_hours TEXT,
    buffer_time  BIGINT NOT NULL,
    min_notice   BIGINT NOT NULL,
    max_advance  BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE meeting_type (
    meeting_type_id      TEXT PRIMARY KEY,
    app_user_id          TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    duration             BIGINT NOT NULL,
    description          TEXT,
    color                TEXT NOT NULL,
    questions            TEXT NOT NULL,
    confirmation_message TEXT,
    slot_interval        BIGINT,
    active               BIGINT NOT NULL,
    archived             BIGINT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX meeting_type_app_user ON meeting_type (app_user_id);

CREATE TABLE contact (
    contact_id  TEXT PRIMARY KEY,
    app_user_id TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    email_key   TEXT NOT NULL,
    phone       TEXT,
    company     TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (app_user_id, email_key)
);

CREATE TABLE booking (
    booking_id        TEXT PRIMARY KEY,
    app_user_id       TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    meeting_type_id   TEXT NOT NULL REFERENCES meeting_type (meeting_type_id),
    contact_id        TEXT REFERENCES contact (contact_id),
    guest_name        TEXT NOT NULL,
    guest_email       TEXT NOT NULL,
    guest_phone       TEXT,
    guest_company     TEXT,
    start_time        BIGINT NOT NULL,
    end_time          BIGINT NOT NULL,
    timezone          TEXT NOT NULL,
    meeting_notes     TEXT,
    answers           TEXT NOT NULL,
    status            TEXT NOT NULL,
    cancel_reason     TEXT,
    calendar_event_id TEXT,
    meeting_link      TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX booking_app_user_start ON booking (app_user_id, start_time);
CREATE INDEX booking_status ON booking (status);

CREATE TABLE blocked_time (
    blocked_time_id TEXT PRIMARY KEY,
    app_user_id     TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    start_time      BIGINT NOT NULL,
    end_time        BIGINT NOT NULL,
    reason          TEXT,
    recurrence_rule TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX blocked_time_app_user ON blocked_time (app_user_id);

CREATE TABLE api_token (
    api_token_id TEXT PRIMARY KEY,
    app_user_id  TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL
);

CREATE TABLE idempotency_key (
    scope           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    response_status BIGINT NOT NULL,
    response_body   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);
