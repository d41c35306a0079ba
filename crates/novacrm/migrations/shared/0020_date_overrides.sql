-- Days whose hours differ from their weekday's (docs/DESIGN.md §11): JSON
-- {"2026-12-24": [["09:00","12:00"]], "2026-12-26": []}, local dates of the host's zone.
-- NULL: none.
ALTER TABLE availability ADD COLUMN date_overrides TEXT;
