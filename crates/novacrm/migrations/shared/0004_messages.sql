-- Messages (DESIGN.md §9): the durable outbox, the booking's change counter for invites
-- (iCalendar SEQUENCE), the facts a guest page shows ("Cancelled by …", "Moved to …"), where a
-- meeting happens, the guest's change cut-off, and SMS opt-outs. Keep in step with postgres/.
CREATE TABLE job (
    job_id       TEXT PRIMARY KEY,
    app_user_id  TEXT REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    booking_id   TEXT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT,
    locked_until BIGINT,
    claim        TEXT,
    done_at      BIGINT,
    failed_at    BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX job_due ON job (run_at) WHERE done_at IS NULL AND failed_at IS NULL;
CREATE INDEX job_booking ON job (booking_id);
CREATE INDEX job_app_user_failed ON job (app_user_id, failed_at);

ALTER TABLE booking ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE booking ADD COLUMN reschedule_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE booking ADD COLUMN cancelled_at BIGINT;
ALTER TABLE booking ADD COLUMN cancelled_by TEXT;
CREATE INDEX booking_guest_phone ON booking (guest_phone, start_time);

ALTER TABLE meeting_type ADD COLUMN location_kind TEXT;
ALTER TABLE meeting_type ADD COLUMN location TEXT;
ALTER TABLE meeting_type ADD COLUMN guest_cutoff_hours BIGINT NOT NULL DEFAULT 0;

CREATE TABLE sms_opt_out (
    phone      TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
