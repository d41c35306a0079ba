-- A meeting type's own policy (docs/DESIGN.md §11) as JSON: minNotice, maxAdvance,
-- bufferTime (each null: the host's), firstSlotOnly, limits {day, week, month}. NULL: none.
ALTER TABLE meeting_type ADD COLUMN policy TEXT;
