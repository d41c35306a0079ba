-- Version 18, continued: NOTIFY novacrm_host, <username> after any change to what a cached
-- page depends on (the schedule version, embed sites, calendar freshness, the name itself),
-- and after a host is deleted. Delivered after commit, to every listening process.
CREATE OR REPLACE FUNCTION novacrm_host_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('novacrm_host', OLD.username);
    IF TG_OP = 'UPDATE' AND NEW.username IS DISTINCT FROM OLD.username THEN
        PERFORM pg_notify('novacrm_host', NEW.username);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER app_user_page_changed AFTER UPDATE ON app_user FOR EACH ROW
    WHEN (OLD.booking_version IS DISTINCT FROM NEW.booking_version
          OR OLD.embed_origins IS DISTINCT FROM NEW.embed_origins
          OR OLD.busy_synced_at IS DISTINCT FROM NEW.busy_synced_at
          OR OLD.busy_covered_until IS DISTINCT FROM NEW.busy_covered_until
          OR OLD.username IS DISTINCT FROM NEW.username)
    EXECUTE FUNCTION novacrm_host_changed();

CREATE TRIGGER app_user_page_deleted AFTER DELETE ON app_user FOR EACH ROW
    EXECUTE FUNCTION novacrm_host_changed();
