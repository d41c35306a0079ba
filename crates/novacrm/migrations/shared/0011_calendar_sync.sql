-- Incremental CalDAV reads (RFC 6578 sync-collection): the collection's last sync token, and
-- its event resources as last fetched, expanded again on every read. Keep in step with the
-- other folder.
ALTER TABLE calendar ADD COLUMN sync_token TEXT;
CREATE TABLE calendar_resource (
    calendar_id TEXT NOT NULL REFERENCES calendar (calendar_id) ON DELETE CASCADE,
    href        TEXT NOT NULL,
    etag        TEXT,
    ics         TEXT NOT NULL,
    PRIMARY KEY (calendar_id, href)
);
