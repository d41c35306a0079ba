//! Booking, rescheduling and status changes: the path that must never double-book.
//!
//! Every write runs in one transaction that first locks the host (bumping the schedule
//! version), then re-checks the requested slot with the engine against the rules and every
//! non-cancelled booking of the host (any meeting type, buffers included), then writes. Two
//! requests for one host therefore serialise in the database, across any number of
//! processes, and the loser sees the winner's booking.

use jiff::Timestamp;
use scheduling::{BookingStatus, Busy, FieldError, Instant, Obj, Zone, is_offered};
use serde_json::Value;

use super::validate::{self, gather};
use super::{Result, ServiceError};
use crate::store::{BookingRecord, Host, MeetingTypeRecord, NewBooking, Store, Tx, new_id};

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
    let guest_name = gather(&mut errors, validate::required_text(&obj, "guestName", 200));
    let guest_email = gather(&mut errors, validate::email(&obj, "guestEmail"));
    let guest_phone = gather(&mut errors, validate::phone(&obj, "guestPhone"));
    let guest_company = gather(
        &mut errors,
        validate::optional_text(&obj, "guestCompany", 200),
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
}

impl Prepared {
    pub fn meeting(&self) -> &MeetingTypeRecord {
        self.schedule
            .meeting
            .as_ref()
            .expect("prepare checked the meeting type")
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
    let request = read_request(body, schedule.bookable()?)?;
    Ok(Prepared {
        host,
        schedule,
        request,
    })
}

/// What the slot check reads of a host, as of one schedule version.
#[derive(Debug)]
struct Schedule {
    version: i64,
    settings: scheduling::AvailabilitySettings,
    meeting: Option<MeetingTypeRecord>,
    bookings: Vec<scheduling::BookedTime>,
    blocked: Vec<scheduling::BlockedTime>,
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
        let (version, settings) = Store::versioned_availability(conn, host_id).await?;
        let meeting = Store::meeting_type_in(conn, host_id, meeting_type_id).await?;
        // The longest meeting is a day; the store pads the range by a day for buffers.
        let bookings = Store::busy_bookings(
            &mut *conn,
            host_id,
            start,
            start.plus_minutes(24 * 60),
            except,
        )
        .await?;
        let blocked = Store::blocked_times(&mut *conn, host_id)
            .await?
            .iter()
            .map(crate::store::BlockedRecord::to_blocked_time)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            version,
            settings,
            meeting,
            bookings,
            blocked,
        })
    }

    /// The meeting type, if it may still be booked.
    fn bookable(&self) -> Result<&MeetingTypeRecord> {
        self.meeting
            .as_ref()
            .filter(|m| m.active && !m.archived)
            .ok_or_else(|| ServiceError::NotFound("this meeting type is not available".into()))
    }

    /// The end of `[start, start + duration)` if the rules offer that slot now.
    fn check(
        &self,
        meeting: &MeetingTypeRecord,
        start: Instant,
        now: Timestamp,
    ) -> Result<Instant> {
        let rules = meeting.rules()?;
        let busy = Busy {
            bookings: &self.bookings,
            blocked: &self.blocked,
        };
        if is_offered(&self.settings, rules, busy, start, Instant::ceil(now)) {
            Ok(start.plus_minutes(i64::from(rules.duration.get())))
        } else {
            Err(ServiceError::Conflict(TAKEN.into()))
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
    prepared: Prepared,
    now: Timestamp,
) -> Result<(BookingRecord, Tx)> {
    let Prepared {
        host,
        schedule: early,
        request,
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
    let end = schedule.check(meeting, request.start, now)?;
    let at = Instant::from(now);
    let contact_id = Store::upsert_contact(&mut tx, &host.id, request, at).await?;
    let booking = BookingRecord {
        id: new_id(),
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
        status: BookingStatus::Confirmed,
        cancel_reason: None,
        calendar_event_id: None,
        meeting_link: None,
        created_at: at,
        updated_at: at,
        guest_token: Some(crate::services::host::random_token("nvb_")),
    };
    Store::insert_booking(&mut tx, &booking).await?;
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
        booking.status = booking
            .status
            .transition(next)
            .map_err(|m| FieldError::new("status", m))?;
        if next == BookingStatus::Cancelled {
            booking.cancel_reason = reason.or(booking.cancel_reason);
        }
    }
    if let Some(start) = start {
        if booking.status != BookingStatus::Confirmed {
            return Err(FieldError::new(
                "startTime",
                format!("a {} booking cannot be rescheduled", booking.status),
            )
            .into());
        }
        let start = Instant::from(start);
        let schedule = Schedule::load(
            &mut tx,
            &host.id,
            &booking.meeting_type_id,
            start,
            Some(&booking.id),
        )
        .await?;
        let meeting = schedule
            .meeting
            .as_ref()
            .ok_or_else(|| ServiceError::NotFound("the booking's meeting type is gone".into()))?;
        booking.end = schedule.check(meeting, start, now)?;
        booking.start = start;
    }
    booking.updated_at = Instant::from(now);
    Store::update_booking(&mut tx, &booking).await?;
    tx.commit().await?;
    Ok(booking)
}
