-- A guest's private handle on their booking: the confirmation page, the .ics file, and later
-- the cancel and reschedule links in emails. Random, unguessable, unique.
ALTER TABLE booking ADD COLUMN guest_token TEXT;
CREATE UNIQUE INDEX booking_guest_token ON booking (guest_token);
