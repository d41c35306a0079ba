-- The host's booking-page profile: a welcome line, a brand colour ('' = the default blue),
-- and a photo kept in the database
-- (validated PNG, JPEG or WebP, at most 512 KB), served under its digest with a long cache;
-- and the steps of the onboarding checklist. The photo's table is in each dialect's folder
-- (`BLOB` on SQLite, `BYTEA` on PostgreSQL).
ALTER TABLE app_user ADD COLUMN welcome TEXT NOT NULL DEFAULT '';
ALTER TABLE app_user ADD COLUMN brand_color TEXT NOT NULL DEFAULT '';
ALTER TABLE app_user ADD COLUMN photo_digest TEXT;
-- The onboarding checklist: hours saved, a meeting type created or edited, the link shared.
ALTER TABLE app_user ADD COLUMN hours_set INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_user ADD COLUMN types_set INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_user ADD COLUMN link_shared INTEGER NOT NULL DEFAULT 0;
-- Hosts from before the checklist: what they have already done counts.
UPDATE app_user SET types_set = 1
    WHERE EXISTS (SELECT 1 FROM meeting_type m WHERE m.app_user_id = app_user.app_user_id);
UPDATE app_user SET hours_set = 1
    WHERE EXISTS (SELECT 1 FROM availability a WHERE a.app_user_id = app_user.app_user_id
                  AND a.updated_at > app_user.created_at);
UPDATE app_user SET link_shared = 1
    WHERE EXISTS (SELECT 1 FROM booking b WHERE b.app_user_id = app_user.app_user_id);
-- The host's own notes on a contact (the contact page).
ALTER TABLE contact ADD COLUMN notes TEXT NOT NULL DEFAULT '';
-- A dashboard message waiting for the next page of its session ("The meeting with … is
-- cancelled"): carried on the server, so no text rides in a link. One per session.
CREATE TABLE flash_message (
    session_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
