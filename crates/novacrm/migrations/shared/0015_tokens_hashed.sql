-- Guest and feed tokens stop being stored in clear (issue 24): each is looked up by its
-- SHA-256 and kept sealed (AES-GCM under NOVACRM_SECRET) for the links later emails carry.
-- Existing tokens are moved at startup, in Rust (SQLite has no SHA-256): hashed, sealed,
-- and the clear column emptied.
ALTER TABLE booking ADD COLUMN guest_token_hash TEXT;
ALTER TABLE booking ADD COLUMN guest_token_sealed TEXT;
CREATE UNIQUE INDEX booking_guest_token_hash ON booking (guest_token_hash);
ALTER TABLE app_user ADD COLUMN feed_token_hash TEXT;
ALTER TABLE app_user ADD COLUMN feed_token_sealed TEXT;
CREATE UNIQUE INDEX app_user_feed_token_hash ON app_user (feed_token_hash);
