-- The host's booking-page profile: a welcome line, a brand colour ('' = the default blue),
-- the onboarding step "share the link" once done, and a photo kept in the database
-- (validated PNG, JPEG or WebP, at most 512 KB), served under its digest with a long cache.
ALTER TABLE app_user ADD COLUMN welcome TEXT NOT NULL DEFAULT '';
ALTER TABLE app_user ADD COLUMN brand_color TEXT NOT NULL DEFAULT '';
ALTER TABLE app_user ADD COLUMN photo_digest TEXT;
ALTER TABLE app_user ADD COLUMN link_shared INTEGER NOT NULL DEFAULT 0;
CREATE TABLE host_photo (
    app_user_id TEXT PRIMARY KEY REFERENCES app_user(app_user_id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL
);
