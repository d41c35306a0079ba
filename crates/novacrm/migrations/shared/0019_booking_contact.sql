-- A contact's meetings, newest first (every new-booking email shows the last few; the
-- contact page lists them): by contact, not by scanning the host's bookings.
CREATE INDEX booking_contact_start ON booking (contact_id, start_time);
-- A guest's upcoming meetings with a host, counted under the host's lock on every booking:
-- without it the count read all the host's upcoming bookings.
CREATE INDEX booking_app_user_guest ON booking (app_user_id, LOWER(guest_email), start_time);
