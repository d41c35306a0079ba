-- A host's own addresses (docs/DESIGN.md §13): `book.example.com` CNAMEd to the service,
-- proven by a TXT record `_novacrm.<domain>` holding `txt_value`. One domain, one host.
-- status: pending (added, not yet proven), verified (serving), lapsed (was verified, the
-- record is gone: not serving until verified again).
CREATE TABLE custom_domain (
    custom_domain_id TEXT PRIMARY KEY,
    app_user_id TEXT NOT NULL REFERENCES app_user (app_user_id) ON DELETE CASCADE,
    domain TEXT NOT NULL UNIQUE,
    txt_value TEXT NOT NULL,
    status TEXT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    checked_at BIGINT,
    verified_at BIGINT
);
CREATE INDEX custom_domain_host ON custom_domain (app_user_id);
