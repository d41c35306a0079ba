//! Booking, rescheduling and status changes: the path that must never double-book.
//!
//! Every write runs in one transaction that first locks the host (bumping the schedule
//! version), then re-checks the requested slot with the engine against the rules and every
//! non-cancelled booking of the host (any meeting type, buffers included), then writes. Two
//! requests for one host therefore serialise in the database, across any number of
//! processes, and the loser sees the winner's booking.
//!
//! Every change also enqueues, in the same transaction, the messages it calls for
//! (`outbox::booking_changed`): a change that rolls back tells no one, a committed one always
//! does. `sequence` counts the changes a guest's calendar must follow (moves, cancellation).
//!
//! The facts the insights read are recorded here as they happen: where a booking was made
//! (`source`), the start it was first booked for, how often it moved, and who cancelled it
//! and whether late. A reschedule moves the same booking (never a cancel plus a create); a
//! meeting is marked held or a no-show only once it has begun, and a cancelled one never.

use jiff::Timestamp;
use scheduling::{
    BookingStatus, Busy, FieldError, Instant, MeetingDuration, MeetingRules, Obj, Phone, Refusal,
    Zone, check_start, reminders,
};
use serde_json::Value;

use super::validate::{self, gather};
use super::{Result, ServiceError};
use crate::messages::SmsText;
use crate::outbox::{self, Change};
use crate::sealed::Sealer;
use crate::store::{
    Actor, BookingRecord, Fanout, Host, MeetingTypeRecord, NewBooking, Source, Store, Tx, new_id,
};

/// Upcoming meetings one guest (by email) may hold with one host.
pub const MAX_UPCOMING_PER_GUEST: i64 = 3;

const TAKEN: &str = "this time is no longer available; please pick another slot";

/// Reads and checks a guest's booking request (everything but the slot's availability).
pub fn read_request(body: &Value, meeting: &MeetingTypeRecord) -> Result<NewBooking> {
    let obj = Obj::new(body, "")?;
    let mut errors = Vec::new();
    let start = gather(
        &mut errors,
        obj.parse_str("startTime", scheduling::Instant::parse_timestamp)
            .and_then(|t| t.ok_or_else(|| obj.error("startTime", "is required"))),
    );
    let timezone = gather(
        &mut errors,
        obj.parse_str("timezone", Zone::parse)
            .and_then(|z| z.ok_or_else(|| obj.error("timezone", "is required"))),
    );
    let guest_name = gather(
        &mut errors,
        validate::single_line(&obj, "guestName", 200)
            .and_then(|n| n.ok_or_else(|| obj.error("guestName", "is required"))),
    );
    let guest_email = gather(&mut errors, validate::email(&obj, "guestEmail"));
    let guest_phone = gather(&mut errors, validate::phone(&obj, "guestPhone"));
    let guest_company = gather(
        &mut errors,
        validate::single_line(&obj, "guestCompany", 200),
    );
    let meeting_notes = gather(
        &mut errors,
        validate::optional_text(&obj, "meetingNotes", 5000),
    );
    let answers = match validate::answers(&obj, &meeting.questions) {
        Ok(a) => Some(a),
        Err(mut e) => {
            errors.append(&mut e);
            None
        }
    };
    if meeting.needs_guest_phone() && matches!(guest_phone, Some(None)) {
        errors.push(obj.error(
            "guestPhone",
            "is required: the host will call you at this number",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let start = start.expect("checked");
    if start.subsec_nanosecond() != 0 || start.as_second() % 60 != 0 {
        return Err(FieldError::new("startTime", "must be a slot start (a whole minute)").into());
    }
    Ok(NewBooking {
        meeting_type_id: meeting.id.clone(),
        start: Instant::from(start),
        timezone: timezone.expect("checked").name().to_owned(),
        guest_name: guest_name.expect("checked"),
        guest_email: guest_email.expect("checked"),
        guest_phone: guest_phone.expect("checked"),
        guest_company: guest_company.expect("checked"),
        meeting_notes: meeting_notes.expect("checked"),
        answers: answers.expect("checked"),
    })
}

/// A guest's booking request, read and checked against the schedule it was read with.
#[derive(Debug)]
pub struct Prepared {
    host: Host,
    schedule: Schedule,
    request: NewBooking,
    /// The length the guest picked, as the engine sees the type with it.
    rules: MeetingRules,
    source: Source,
}

impl Prepared {
    pub fn host(&self) -> &Host {
        &self.host
    }

    pub fn meeting(&self) -> &MeetingTypeRecord {
        self.schedule
            .meeting
            .as_ref()
            .expect("prepare checked the meeting type")
    }

    /// Records where the request came from (the booking pages unless said otherwise).
    pub fn made_through(&mut self, source: Source) {
        self.source = source;
    }
}

/// Reads a guest's request: the host and meeting type must exist and be bookable (404),
/// every field must be valid (422, all problems at once). The schedule is read here, before
/// any lock, so the serialised part of [`book`] stays short.
pub async fn prepare(
    store: &Store,
    username: &str,
    body: &Value,
    now: Timestamp,
) -> Result<Prepared> {
    let host = store
        .host_by_username(username)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no booking page for {username:?}")))?;
    let obj = Obj::new(body, "")?;
    let meeting_type_id = obj.required_str("meetingTypeId")?;
    // Leniently here: a bad startTime is reported with every other field below.
    let start = obj
        .parse_str("startTime", Instant::parse_timestamp)
        .ok()
        .flatten()
        .unwrap_or(now);
    let mut conn = store.pool().acquire().await?;
    let schedule = Schedule::load(
        &mut conn,
        &host.id,
        meeting_type_id,
        Instant::from(start),
        None,
    )
    .await?;
    drop(conn);
    let meeting = schedule.bookable()?;
    let rules = obj
        .int("duration")
        .and_then(|minutes| meeting.rules_for(minutes));
    let request = read_request(body, meeting);
    let (request, rules) = match (request, rules) {
        (Ok(request), Ok(rules)) => (request, rules),
        (Err(ServiceError::Invalid(mut errors)), Err(e)) => {
            errors.push(e);
            return Err(ServiceError::Invalid(errors));
        }
        (Err(e), _) => return Err(e),
        (_, Err(e)) => return Err(e.into()),
    };
    Ok(Prepared {
        host,
        schedule,
        request,
        rules,
        source: Source::PublicPage,
    })
}

/// What the slot check reads of a host, as of one schedule version.
#[derive(Debug)]
struct Schedule {
    version: i64,
    settings: scheduling::AvailabilitySettings,
    /// When the host's conflict calendars were all last read, and how far ahead.
    calendars: (Option<Instant>, Option<Instant>),
    meeting: Option<MeetingTypeRecord>,
    bookings: Vec<scheduling::BookedTime>,
    blocked: Vec<scheduling::BlockedTime>,
    /// Where a new booking's jobs go (calendars, webhooks).
    fanout: Fanout,
    /// Starts of the type's live bookings around `start`, when the type has limits.
    counted: Vec<Instant>,
    /// The type's own bookings when it has seats (not in `bookings`).
    sessions: Vec<scheduling::BookedTime>,
}

impl Schedule {
    /// Reads the version first: any later change bumps it, so a caller that later sees the
    /// version move by exactly its own bump knows this read is still current.
    async fn load(
        conn: &mut sqlx::AnyConnection,
        host_id: &str,
        meeting_type_id: &str,
        start: Instant,
        except: Option<&str>,
    ) -> Result<Self> {
        let header = Store::schedule_header(&mut *conn, host_id, meeting_type_id).await?;
        let seated = header
            .meeting
            .as_ref()
            .is_some_and(|m| m.policy.seats.is_some());
        // The longest meeting is a day; the store pads the range by a day for buffers.
        let busy = Store::busy_times(
            &mut *conn,
            host_id,
            start,
            start.plus_minutes(24 * 60),
            except,
            seated.then_some(meeting_type_id),
        )
        .await?;
        let fanout = Store::fanout_in(&mut *conn, host_id).await?;
        let limited = header
            .meeting
            .as_ref()
            .is_some_and(|m| !m.policy.limits.is_empty());
        let counted = if limited {
            Store::type_starts(conn, host_id, meeting_type_id, start, start).await?
        } else {
            Vec::new()
        };
        Ok(Self {
            version: header.version,
            settings: header.settings,
            calendars: (header.synced, header.covered),
            meeting: header.meeting,
            bookings: busy.bookings,
            blocked: busy.blocked,
            sessions: busy.sessions,
            fanout,
            counted,
        })
    }

    /// The meeting type, if it may still be booked.
    fn bookable(&self) -> Result<&MeetingTypeRecord> {
        self.meeting
            .as_ref()
            .filter(|m| m.active && !m.archived)
            .ok_or_else(|| ServiceError::NotFound("this meeting type is not available".into()))
    }

    /// The end of `[start, start + duration)` if `rules` (the meeting type with the length
    /// booked) offer that slot as of `asked`; `now` judges the host's calendars.
    fn check(
        &self,
        meeting: &MeetingTypeRecord,
        rules: MeetingRules,
        start: Instant,
        asked: Instant,
        now: Timestamp,
    ) -> Result<Instant> {
        let busy = Busy {
            bookings: &self.bookings,
            blocked: &self.blocked,
            counted: &self.counted,
            sessions: &self.sessions,
        };
        let end = start.plus_minutes(i64::from(rules.duration.get()));
        let now_i = Instant::ceil(now);
        if let (Some(synced), covered) = self.calendars {
            let stale = now_i.as_millis() - synced.as_millis() > super::calendars::STALE_MS;
            if stale || covered.is_none_or(|c| end > c) {
                return Err(ServiceError::Conflict(
                    "this time cannot be confirmed right now: the host's calendar could not be \
                     checked; please try again in a few minutes"
                        .into(),
                ));
            }
        }
        match check_start(&self.settings, rules, busy, start, asked) {
            Ok(()) => Ok(end),
            Err(why) => Err(ServiceError::Refused {
                code: why.code(),
                message: match why {
                    Refusal::SlotTaken => TAKEN.into(),
                    Refusal::LimitReached => format!(
                        "{} is fully booked for that period; please pick another day",
                        meeting.name
                    ),
                    Refusal::SeatsFull => {
                        "every seat at this time has been taken; please pick another slot".into()
                    }
                },
            }),
        }
    }

    /// Sets aside one count of `start` from the type's limits (the booking being checked
    /// again is itself among them).
    fn uncount(&mut self, start: Instant) {
        if let Some(at) = self.counted.iter().position(|&s| s == start) {
            self.counted.swap_remove(at);
        }
    }
}

/// Books a prepared request. The transaction is handed back uncommitted so the caller can
/// record an idempotent answer in it.
///
/// The schedule was read before the host is locked; if anything changed in between (the
/// version moved by more than our own bump), it is read again under the lock. Either way the
/// check runs on data no other write can change before this transaction commits.
pub async fn book(
    store: &Store,
    sealer: &Sealer,
    prepared: Prepared,
    now: Timestamp,
) -> Result<(BookingRecord, Tx)> {
    let Prepared {
        host,
        schedule: early,
        request,
        rules,
        source,
    } = prepared;
    let request = &request;
    let mut tx = store.write().await?;
    let version = Store::lock_host(&mut tx, &host.id).await?;
    let schedule = if version == early.version + 1 {
        early
    } else {
        let meeting_type_id = early.bookable()?.id.clone();
        Schedule::load(&mut tx, &host.id, &meeting_type_id, request.start, None).await?
    };
    let meeting = schedule.bookable()?;
    let at = Instant::from(now);
    let guest = Store::guest_standing_in(
        &mut tx,
        &host.id,
        &request.guest_email,
        &meeting.id,
        request.start,
        at,
    )
    .await?;
    if guest.blocked {
        return Err(FieldError::new(
            "guestEmail",
            format!(
                "cannot book with {}: please contact them another way",
                host.name
            ),
        )
        .into());
    }
    let end = schedule.check(meeting, rules, request.start, Instant::ceil(now), now)?;
    if guest.at_start {
        return Err(FieldError::new(
            "guestEmail",
            "you already hold a seat at this time (the link is in its confirmation email)",
        )
        .into());
    }
    if let Some(limit) = meeting.offer.guest_limit
        && guest.of_type >= i64::from(limit)
    {
        return Err(ServiceError::Refused {
            code: "guest_limit",
            message: format!(
                "you already have {} upcoming {} with {}; each guest may hold {limit} at a \
                 time, so cancel one (the link is in its confirmation email) to book another",
                guest.of_type,
                if guest.of_type == 1 {
                    "meeting"
                } else {
                    "meetings"
                },
                host.name
            ),
        });
    }
    // One guest cannot fill a host's calendar: a few upcoming meetings each.
    if guest.upcoming >= MAX_UPCOMING_PER_GUEST {
        return Err(FieldError::new(
            "guestEmail",
            format!(
                "you already have {} upcoming meetings with {}; cancel one of them \
                 (the link is in its confirmation email) before booking another",
                guest.upcoming, host.name
            ),
        )
        .into());
    }
    let contact_id = Store::upsert_contact(&mut tx, &host.id, request, at).await?;
    let id = new_id();
    let token = crate::crypto::random_token("nvb_");
    let guest_token_sealed = Some(sealer.seal(&token, &format!("booking:{id}")));
    let booking = BookingRecord {
        id,
        host_id: host.id.clone(),
        meeting_type_id: meeting.id.clone(),
        contact_id: Some(contact_id),
        guest_name: request.guest_name.clone(),
        guest_email: request.guest_email.clone(),
        guest_phone: request.guest_phone.clone(),
        guest_company: request.guest_company.clone(),
        start: request.start,
        end,
        timezone: request.timezone.clone(),
        meeting_notes: request.meeting_notes.clone(),
        answers: request.answers.clone(),
        status: if meeting.offer.approval.needed(request.start, at) {
            BookingStatus::Pending
        } else {
            BookingStatus::Confirmed
        },
        cancel_reason: None,
        calendar_event_id: None,
        meeting_link: None,
        created_at: at,
        updated_at: at,
        guest_token: Some(token),
        guest_token_sealed,
        sequence: 0,
        reschedule_count: 0,
        cancelled_at: None,
        cancelled_by: None,
        source,
        first_start: request.start,
        late_cancel: false,
    };
    Store::insert_booking(&mut tx, &booking).await?;
    outbox::booked(
        &mut tx,
        &booking,
        Change::Booked,
        meeting,
        &schedule.fanout,
        at,
    )
    .await?;
    Ok((booking, tx))
}

/// `PATCH /api/bookings/{id}`: `{"status", "cancelReason"}` or `{"startTime"}`.
pub async fn update(
    store: &Store,
    host: &Host,
    id: &str,
    body: &Value,
    now: Timestamp,
) -> Result<BookingRecord> {
    let obj = Obj::new(body, "")?;
    let status: Option<BookingStatus> = obj.parse_str("status", str::parse)?;
    let start = obj.parse_str("startTime", Instant::parse_timestamp)?;
    let reason = validate::optional_text(&obj, "cancelReason", 1000)?;
    if status.is_none() && start.is_none() {
        return Err(FieldError::new("status", "give a status or a new startTime").into());
    }
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    let mut booking = Store::booking_in(&mut tx, &host.id, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("no such booking".into()))?;
    if let Some(next) = status {
        set_status(&mut tx, &mut booking, next, reason, Actor::Host, false, now).await?;
    }
    if let Some(start) = start {
        move_to(&mut tx, &mut booking, Instant::from(start), now).await?;
    }
    tx.commit().await?;
    Ok(booking)
}

/// Changes a booking's status in `tx` (the host is locked), telling both sides what a
/// cancellation means unless `quiet` (spam). Setting the status it already has changes
/// nothing and tells no one.
pub(super) async fn set_status(
    tx: &mut Tx,
    booking: &mut BookingRecord,
    next: BookingStatus,
    reason: Option<String>,
    by: Actor,
    quiet: bool,
    now: Timestamp,
) -> Result<()> {
    let before = booking.status;
    let next = before
        .transition(next)
        .map_err(|m| FieldError::new("status", m))?;
    if before == next {
        return Ok(());
    }
    if before == BookingStatus::Pending && next == BookingStatus::Confirmed {
        return approve(tx, booking, now).await;
    }
    let at = Instant::from(now);
    if matches!(next, BookingStatus::Completed | BookingStatus::NoShow) && booking.start > at {
        return Err(FieldError::new(
            "status",
            "a meeting can be marked held or a no-show only once it has begun",
        )
        .into());
    }
    booking.status = next;
    let change = if next == BookingStatus::Cancelled {
        let cutoff = Store::meeting_type_in(tx, &booking.host_id, &booking.meeting_type_id)
            .await?
            .map_or(0, |m| m.guest_cutoff_hours);
        booking.cancel_reason = reason.or(booking.cancel_reason.take());
        booking.cancelled_at = Some(at);
        booking.cancelled_by = Some(by);
        booking.late_cancel = is_late_cancel(booking.start, at, cutoff);
        booking.sequence += 1;
        if quiet {
            Change::Closed
        } else {
            Change::Cancelled
        }
    } else if next == BookingStatus::Rejected {
        Change::Declined
    } else if next == BookingStatus::Expired {
        Change::Expired
    } else {
        Change::Closed
    };
    booking.updated_at = at;
    Store::update_booking(tx, booking).await?;
    outbox::booking_changed(tx, booking, change, at).await?;
    Ok(())
}

/// Approves a pending request in `tx` (the host is locked), checked again as of when it was
/// asked (the notice, horizon and limits the guest met) against everything booked, blocked
/// or busy since: two requests for one slot never both confirm.
async fn approve(tx: &mut Tx, booking: &mut BookingRecord, now: Timestamp) -> Result<()> {
    let at = Instant::from(now);
    if booking.start <= at {
        return Err(ServiceError::Conflict(
            "this request's time has passed; ask the guest to book again".into(),
        ));
    }
    let (schedule, _) = recheck(tx, booking, booking.start, booking.created_at, now).await?;
    let meeting = schedule.meeting.as_ref().expect("recheck found the type");
    booking.status = BookingStatus::Confirmed;
    booking.updated_at = at;
    Store::update_booking(tx, booking).await?;
    outbox::booked(tx, booking, Change::Approved, meeting, &schedule.fanout, at).await?;
    Ok(())
}

/// A request's deadline (the outbox's job): expires it unless the host answered first. A
/// second run finds it answered or expired and changes nothing.
pub async fn expire_request(store: &Store, booking_id: &str, now: Timestamp) -> Result<bool> {
    let Some(found) = store.booking_by_id(booking_id).await? else {
        return Ok(false);
    };
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &found.host_id).await?;
    let Some(mut booking) = Store::booking_in(&mut tx, &found.host_id, booking_id).await? else {
        return Ok(false);
    };
    if booking.status != BookingStatus::Pending {
        return Ok(false);
    }
    let expired = BookingStatus::Expired;
    set_status(
        &mut tx,
        &mut booking,
        expired,
        None,
        Actor::System,
        false,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Checks an existing booking again at `start` in `tx` (the host is locked), as of `asked`,
/// with its own time and its own count in the type's limits set aside: the schedule read,
/// and the end the booked length gives.
async fn recheck(
    tx: &mut Tx,
    booking: &BookingRecord,
    start: Instant,
    asked: Instant,
    now: Timestamp,
) -> Result<(Schedule, Instant)> {
    let mut schedule = Schedule::load(
        tx,
        &booking.host_id,
        &booking.meeting_type_id,
        start,
        Some(&booking.id),
    )
    .await?;
    schedule.uncount(booking.start);
    let meeting = schedule
        .meeting
        .as_ref()
        .ok_or_else(|| ServiceError::NotFound("the booking's meeting type is gone".into()))?;
    let rules = booked_rules(meeting, booking)?;
    let end = schedule.check(meeting, rules, start, asked, now)?;
    Ok((schedule, end))
}

/// The engine's view of a booking's type with the booking's own length (a length the host
/// no longer offers still moves as booked).
fn booked_rules(meeting: &MeetingTypeRecord, booking: &BookingRecord) -> Result<MeetingRules> {
    let mut rules = meeting.rules()?;
    let minutes = (booking.end.as_millis() - booking.start.as_millis()) / 60_000;
    rules.duration = MeetingDuration::new(minutes).map_err(crate::store::StoreError::Corrupt)?;
    Ok(rules)
}

/// Whether a cancellation at `at` is late: inside the type's guest cut-off (`cutoff_hours`),
/// or inside 24 h of the start for a type without one. After the start is late too: it is
/// still a cancellation, never a no-show.
pub fn is_late_cancel(start: Instant, at: Instant, cutoff_hours: i64) -> bool {
    let hours = if cutoff_hours > 0 { cutoff_hours } else { 24 };
    at >= start.plus_minutes(-hours * 60)
}

/// Moves a confirmed booking to `start` in `tx` (the host is locked): the same slot check
/// as a new booking, with this booking's own time left out of the busy times.
async fn move_to(
    tx: &mut Tx,
    booking: &mut BookingRecord,
    start: Instant,
    now: Timestamp,
) -> Result<()> {
    if booking.status != BookingStatus::Confirmed {
        return Err(ServiceError::Conflict(format!(
            "a {} booking cannot be rescheduled",
            booking.status
        )));
    }
    if start == booking.start {
        return Ok(());
    }
    let previous_start = booking.start;
    booking.end = recheck(tx, booking, start, Instant::ceil(now), now)
        .await?
        .1;
    booking.start = start;
    booking.sequence += 1;
    booking.reschedule_count += 1;
    let at = Instant::from(now);
    booking.updated_at = at;
    Store::update_booking(tx, booking).await?;
    outbox::booking_changed(tx, booking, Change::Rescheduled { previous_start }, at).await?;
    Ok(())
}

/// What a guest may do with their booking through its private link.
#[derive(Debug, Clone)]
pub enum GuestAction {
    Cancel { reason: Option<String> },
    Reschedule { start: Instant },
}

/// A guest's cancel or move through their link (or a text message): allowed while the
/// meeting is confirmed, has not started and is outside its type's cut-off. Cancelling twice
/// (a double click) is not an error and tells no one twice. `reply_to` also texts the guest
/// a confirmation of the cancellation.
pub async fn guest_change(
    store: &Store,
    token: &str,
    action: GuestAction,
    reply_to: Option<&Phone>,
    now: Timestamp,
) -> Result<BookingRecord> {
    let found = store
        .booking_by_guest_token(token)
        .await?
        .ok_or_else(unknown_booking)?;
    change_for_guest(store, found, action, reply_to, now).await
}

fn unknown_booking() -> ServiceError {
    ServiceError::NotFound("we could not find this booking".into())
}

/// `found`, read again under its host's lock, changed as its guest asked.
async fn change_for_guest(
    store: &Store,
    found: BookingRecord,
    action: GuestAction,
    reply_to: Option<&Phone>,
    now: Timestamp,
) -> Result<BookingRecord> {
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &found.host_id).await?;
    let mut booking = Store::booking_in(&mut tx, &found.host_id, &found.id)
        .await?
        .ok_or_else(unknown_booking)?;
    booking.guest_token = found.guest_token;
    if booking.status == BookingStatus::Cancelled && matches!(action, GuestAction::Cancel { .. }) {
        return Ok(booking);
    }
    // A guest may withdraw a request the host has not answered yet.
    let withdraws =
        booking.status == BookingStatus::Pending && matches!(action, GuestAction::Cancel { .. });
    if booking.status != BookingStatus::Confirmed && !withdraws {
        return Err(ServiceError::Conflict(format!(
            "this meeting is {} and can no longer be changed here",
            booking.status.as_str().to_lowercase().replace('_', "-")
        )));
    }
    let cutoff = Store::meeting_type_in(&mut tx, &booking.host_id, &booking.meeting_type_id)
        .await?
        .map_or(0, |m| m.guest_cutoff_hours);
    reminders::guest_may_change(booking.start, Instant::from(now), cutoff)
        .map_err(ServiceError::Conflict)?;
    match action {
        GuestAction::Cancel { reason } => {
            set_status(
                &mut tx,
                &mut booking,
                BookingStatus::Cancelled,
                reason,
                Actor::Guest,
                false,
                now,
            )
            .await?;
            if let Some(phone) = reply_to {
                outbox::text_about(
                    &mut tx,
                    &booking,
                    SmsText::CancelConfirmation,
                    phone,
                    Instant::from(now),
                )
                .await?;
            }
        }
        GuestAction::Reschedule { start } => {
            reminders::guest_may_change(start, Instant::from(now), cutoff)
                .map_err(ServiceError::Conflict)?;
            move_to(&mut tx, &mut booking, start, now).await?;
        }
    }
    tx.commit().await?;
    Ok(booking)
}

/// A guest's "C" by text message: cancels the next confirmed meeting booked with that number
/// (only that one) and texts a confirmation. `None` when there is no such meeting.
pub async fn cancel_by_phone(
    store: &Store,
    phone: &Phone,
    now: Timestamp,
) -> Result<Option<BookingRecord>> {
    let Some(next) = store
        .next_booking_by_phone(phone.as_str(), Instant::from(now))
        .await?
    else {
        return Ok(None);
    };
    let action = GuestAction::Cancel {
        reason: Some("Cancelled by text message".into()),
    };
    change_for_guest(store, next, action, Some(phone), now)
        .await
        .map(Some)
}
