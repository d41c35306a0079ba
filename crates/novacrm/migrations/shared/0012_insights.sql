-- Insights (issue 10): the facts each booking records from now on, the host's two insight
-- settings, and the cookie-free funnel. Keep in step with the other folder.
--
-- Rows made before this migration did not record where they came from: they count as 'api'
-- (never as public, so they stay out of conversion and lead time), and their first start is
-- taken to be their start. A past cancellation is late when it fell inside the type's guest
-- cut-off, or inside 24 h of the start for a type without one.
ALTER TABLE booking ADD COLUMN source TEXT NOT NULL DEFAULT 'api';
ALTER TABLE booking ADD COLUMN first_start_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE booking ADD COLUMN late_cancel BIGINT NOT NULL DEFAULT 0;
UPDATE booking SET first_start_at = start_time;
UPDATE booking SET late_cancel = 1
WHERE status = 'CANCELLED' AND cancelled_at IS NOT NULL
  AND cancelled_at >= start_time - 3600000 * COALESCE(
      (SELECT NULLIF(m.guest_cutoff_hours, 0) FROM meeting_type m
       WHERE m.meeting_type_id = booking.meeting_type_id), 24);
CREATE INDEX booking_app_user_created ON booking (app_user_id, created_at);
CREATE INDEX booking_app_user_cancelled ON booking (app_user_id, cancelled_at);
-- The export (and every bookings page) walks (start, id): ordered by the index, not sorted.
CREATE INDEX booking_app_user_start_id ON booking (app_user_id, start_time, booking_id);

ALTER TABLE app_user ADD COLUMN page_analytics BIGINT NOT NULL DEFAULT 1;
ALTER TABLE app_user ADD COLUMN week_start TEXT NOT NULL DEFAULT 'mon';

-- The day's random key of the visitor hash (by UTC date); deleted after 48 h, after which
-- no stored hash can be linked to an address again.
CREATE TABLE visit_salt (
    day        TEXT PRIMARY KEY,
    salt       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- Which hashed visitors were already counted for a step on a host-local day (kept 48 h).
CREATE TABLE visit_seen (
    visitor    TEXT NOT NULL,
    day        TEXT NOT NULL,
    step       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (visitor, day, step)
);
CREATE INDEX visit_seen_created ON visit_seen (created_at);
-- Daily-unique visitors per host, host-local date and step: only counts are kept.
CREATE TABLE visit_day (
    app_user_id TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    step        TEXT NOT NULL,
    visitors    BIGINT NOT NULL,
    PRIMARY KEY (app_user_id, day, step)
);
