# The guest pages in English. Every message here is in de, fr and es too, with the same
# variables (a unit test in src/i18n.rs checks). Dates and times are not here: src/format.rs.

## Shared
meta-description = Pick a time that suits you and book it in seconds.
language-switcher = Language
duration-minutes = { $minutes } min
duration-long = { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}
type-with-host = { $type } with { $host }
with-host = with { $host }
card-label = About this meeting
other-times = Other times

## Meeting types
types-heading = Book a meeting with { $host }
types-description = Pick a meeting with { $host } and a time that suits you; booked in seconds.
types-none = { $host } has no meeting types open for booking right now.

## Calendar
calendar-heading = Select a date and time
calendar-description = Pick a time for { $type } with { $host } and book it in seconds.
gap-closed = That time isn’t open for booking. Please pick one of the times below.
gap-taken = Sorry — that time was just taken. Please pick another.
zone-unknown = “{ $zone }” is not a time zone we know; showing { $place }.
month-previous = Previous month
month-next = Next month
day-free = { $day }, times available
day-free-today = { $day } (today), times available
today = (today)
legend-free = Free times
legend-closed = Fully booked or closed
part-morning = Morning
part-afternoon = Afternoon
part-evening = Evening
pick-day = Pick a day with free times.
no-times-month = No free times in this month.
zone-label = Time zone
zone-now = now { $time }
zone-show = Show times
zone-search = Search a city, country or zone
zone-search-label = Search time zones
region-americas = Americas
region-europe = Europe
region-africa = Africa
region-asia = Asia
region-pacific = Australia and Pacific
region-atlantic = Atlantic
region-indian = Indian Ocean
region-antarctica = Antarctica
region-other = Other

## Details form
details-title = Your details — { $type } with { $host }
details-heading = Enter your details
details-check = Please check the fields marked below.
field-trap = Leave this field empty
field-name = Name
field-email = Email
field-phone = Phone (optional, with country code)
field-phone-needed = Phone, with country code (the host will call you)
field-company = Company (optional)
field-notes = What would you like to discuss?
details-submit = Book meeting
booking-failed = Something went wrong on our side; nothing was booked. Please try again.

## Where the meeting happens
location-in-person = In person: { $address }
location-host-calls = Phone call: { $host } will call you
location-host-calls-at = Phone call: { $host } will call you at { $phone }
location-guest-calls = Phone call: please call { $host } at { $phone }
location-link = Video call: { $url }
location-video = Video call on { $provider }: the link comes with the confirmation

## The guest's booking page
manage-booked = You're booked!
manage-moved = Your meeting has a new time
manage-cancelled = This meeting is cancelled
manage-passed = This meeting has taken place
manage-title = { $heading } — { $type } with { $host }
your-time = your time
host-time = { $host }’s time
cancelled-by = { $who ->
    [guest] Cancelled by you.
    [system] Cancelled by the system.
   *[host] Cancelled by { $host }.
}
cancelled-by-on = { $who ->
    [guest] Cancelled by you on { $when }.
    [system] Cancelled by the system on { $when }.
   *[host] Cancelled by { $host } on { $when }.
}
book-again = Book another time with { $host }
download-ics = Download .ics
add-google = Add to Google Calendar
add-outlook = Add to Outlook
need-change = Need a change?
reschedule = Reschedule
manage-elsewhere = Reschedule or cancel (opens in a new tab)
cancel-reason = Reason for cancelling (optional, shared with { $host })
cancel-submit = Cancel meeting
flash-cancelled = Your meeting is cancelled. We let the host know.
flash-moved = Done — your meeting has a new time. We let the host know.
booking-unknown = We could not find this booking. The link may be incomplete or mistyped.
form-expired = This form has expired. Please try again.
error-ours = Something went wrong on our side and nothing was changed. Please try again.
changes-closed = { $hours ->
    [one] changes are closed { $hours } hour before the meeting; please contact the host directly
   *[other] changes are closed { $hours } hours before the meeting; please contact the host directly
}

## Moving a booking
back-your-booking = Your booking
move-heading = Pick a new time for { $type }
move-note = Now: { $when } ({ $zone }). Your current time stays booked until you confirm a new one.
move-title = Move your meeting — { $type } with { $host }
move-question = Move your meeting?
move-submit = Move to this time

## Not found, too many requests
no-page = There is no booking page at /book/{ $name }.
type-closed = This meeting type of { $host } is not open for booking.
page-unavailable = This booking page is not available right now.
photo-gone = This photo is no longer here.
not-found-title = Not found
not-found-heading = Nothing to book here
not-found-hint = Check the link you were given, or ask its owner for a new one.
too-many-title = One moment
too-many-heading = One moment, please
too-many-body = We received a lot of requests from your connection in a short time, so we paused them for a moment.
retry-in = { $seconds ->
    [one] Please try again in { $seconds } second. Nothing you entered was booked or changed.
   *[other] Please try again in { $seconds } seconds. Nothing you entered was booked or changed.
}

## Lengths, seats and requests the host approves
duration-label = Duration
seats-left = { $count ->
    [one] 1 seat left
   *[other] { $count } seats left
}
request-note = { $host } confirms each booking personally: this time is held for you until they answer, and you will hear by email.
request-submit = Request meeting
manage-pending = Request sent
manage-rejected = This request was declined
manage-expired = This request expired
pending-line = { $host } has been asked to confirm. The time is held for you, and we will email you as soon as they answer.
rejected-line = { $host } cannot make this time. Nothing was added to any calendar.
expired-line = { $host } did not answer in time, so the time is no longer held.
withdraw-submit = Withdraw request
