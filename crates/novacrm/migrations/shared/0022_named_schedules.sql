-- Named schedules (docs/DESIGN.md §11): a host's other sets of hours, each with its own zone,
-- seed fields or weekly hours and date overrides, stored as the API's JSON. A meeting type's
-- schedule_id picks one (NULL: the host's default, the availability row).
CREATE TABLE schedule (
    schedule_id TEXT PRIMARY KEY,
    app_user_id TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX schedule_by_host ON schedule (app_user_id, created_at);
ALTER TABLE meeting_type ADD COLUMN schedule_id TEXT;
