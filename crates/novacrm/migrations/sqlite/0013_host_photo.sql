-- Version 13, continued: the host's photo, as bytes in the database.
CREATE TABLE host_photo (
    app_user_id TEXT PRIMARY KEY REFERENCES app_user(app_user_id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL
);
