//! The durable outbox (docs/DESIGN.md §9): what a booking change must tell someone is written as
//! job rows **in the transaction of the change** ([`booking_changed`]), so an aborted change
//! sends nothing and a committed one always sends. The worker (`crate::worker`) in every `serve`
//! process claims due jobs with a lease, calls the integration, and records the outcome;
//! failures are retried with exponential backoff and, after [`MAX_ATTEMPTS`], kept as failed
//! and shown to the host (never dropped). This is the write side, below the services that
//! enqueue; the worker that runs the jobs sits above them.
//!
//! Delivery is at-least-once with a recognisable retry: a job is claimed by one worker at a
//! time (`FOR UPDATE SKIP LOCKED` / SQLite's single writer), and only a worker that dies (or
//! stalls past its lease) between handing a message to the server and recording it leads to
//! a second send — with the same `Message-ID` (the job id), which mail systems use to
//! recognise duplicates.

use crate::messages::{EmailJob, Message, Recipient, SmsJob, SmsText};
use crate::store::{
    BookingRecord, Fanout, JobRecord, JobRow, MeetingTypeRecord, Store, StoreError, Tx,
};
use scheduling::{Instant, Phone, reminders};
use std::time::Duration;

mod job;
pub mod webhooks;

pub(crate) use job::job;
pub use job::{
    CALENDAR_EVENT, CALENDAR_SYNC, Change, DOMAIN_CHECK, EMAIL, MEETING_LINK, PENDING_EXPIRY,
    REMINDER, SMS, SMS_REMINDER,
};
pub use webhooks::{EVENTS, WEBHOOK, WebhookJob, secret_context};

/// The ordering key of a booking's outward jobs that must not overtake each other: its
/// video link, then the emails that show it, then its calendar events.
fn booking_key(booking: &BookingRecord) -> String {
    format!("booking:{}", booking.id)
}

/// Attempts before a job is marked failed for good.
pub const MAX_ATTEMPTS: i64 = 8;

/// The wait before attempt `attempts + 1`: 30 s, 1 min, 2 min … capped at an hour.
pub fn backoff(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 16) - 1).unwrap_or(0);
    Duration::from_secs((30u64 << exponent).min(3600))
}

/// Enqueues, in `tx`, every message that `change` (already applied to `booking`) calls for:
/// confirmations and notices to both sides now, the reminders at T−24 h (absolute time, so
/// DST cannot move them), the host's calendars and webhooks; and drops reminders a move or a
/// cancellation made obsolete. A new booking goes through [`booked`].
pub async fn booking_changed(
    tx: &mut Tx,
    booking: &BookingRecord,
    change: Change,
    now: Instant,
) -> Result<(), StoreError> {
    debug_assert!(
        !matches!(change, Change::Booked | Change::Approved),
        "a new or approved booking goes through booked()"
    );
    drop_planned(tx, booking, now).await?;
    let fanout = Store::fanout_in(tx, &booking.host_id).await?;
    let jobs = plan(booking, change, false, &fanout, None, now);
    Store::enqueue_all(tx, &jobs, now).await?;
    Ok(())
}

/// Drops what was planned for a booking's future (reminders, a request's deadline): a
/// change plans again what still holds.
async fn drop_planned(
    tx: &mut Tx,
    booking: &BookingRecord,
    now: Instant,
) -> Result<(), StoreError> {
    for kind in [REMINDER, SMS_REMINDER, PENDING_EXPIRY] {
        Store::drop_pending_jobs(tx, &booking.id, kind, now).await?;
    }
    Ok(())
}

/// [`booking_changed`] for a new booking of `meeting` (`Change::Booked`, a request when it
/// is pending) or an approved request (`Change::Approved`), with the host's `fanout` read
/// under its lock: every job in one statement.
pub async fn booked(
    tx: &mut Tx,
    booking: &BookingRecord,
    change: Change,
    meeting: &MeetingTypeRecord,
    fanout: &Fanout,
    now: Instant,
) -> Result<(), StoreError> {
    if change == Change::Approved {
        drop_planned(tx, booking, now).await?;
    }
    let video = matches!(meeting.location, Some(scheduling::Location::Video { .. }));
    let expires = (booking.status == scheduling::BookingStatus::Pending).then(|| {
        meeting
            .offer
            .pending_expiry(booking.created_at, booking.start)
    });
    let jobs = plan(booking, change, video, fanout, expires, now);
    Store::enqueue_all(tx, &jobs, now).await?;
    Ok(())
}

/// The jobs of one change, in the order they must run where they share a key. A request
/// (`expires`, pending) tells both sides and waits: no link, calendar or reminder yet.
fn plan(
    booking: &BookingRecord,
    change: Change,
    video: bool,
    fanout: &Fanout,
    expires: Option<Instant>,
    now: Instant,
) -> Vec<JobRecord> {
    let mut jobs = Vec::new();
    let requested =
        change == Change::Booked && booking.status == scheduling::BookingStatus::Pending;
    let confirmed_now = matches!(change, Change::Booked | Change::Approved) && !requested;
    // A video link is made first, and the new booking's emails wait for it.
    let mut notice_key = None;
    if confirmed_now && video {
        let payload = serde_json::json!({ "bookingId": booking.id }).to_string();
        let mut record = job(booking, MEETING_LINK, payload, now);
        record.ordering_key = Some(booking_key(booking));
        jobs.push(record);
        notice_key = Some(booking_key(booking));
    }
    let email = |message, to, previous_start: Option<Instant>| EmailJob {
        message,
        to,
        booking_id: booking.id.clone(),
        sequence: booking.sequence,
        previous_start,
    };
    let notices = match change {
        Change::Booked if requested => vec![
            email(Message::Requested, Recipient::Guest, None),
            email(Message::ApprovalRequest, Recipient::Host, None),
        ],
        Change::Approved => vec![email(Message::Confirmation, Recipient::Guest, None)],
        Change::Declined => vec![email(Message::Declined, Recipient::Guest, None)],
        Change::Expired => vec![email(Message::Expired, Recipient::Guest, None)],
        Change::Booked => vec![
            email(Message::Confirmation, Recipient::Guest, None),
            email(Message::HostNotice, Recipient::Host, None),
        ],
        Change::Rescheduled { previous_start } => vec![
            email(Message::Rescheduled, Recipient::Guest, Some(previous_start)),
            email(Message::Rescheduled, Recipient::Host, Some(previous_start)),
        ],
        Change::Cancelled => vec![
            email(Message::Cancelled, Recipient::Guest, None),
            email(Message::Cancelled, Recipient::Host, None),
        ],
        Change::Closed => Vec::new(),
    };
    for notice in notices {
        let mut record = job(booking, EMAIL, notice.to_json(), now);
        record.ordering_key.clone_from(&notice_key);
        jobs.push(record);
    }
    if let Some(due) = expires.filter(|_| requested) {
        let payload = serde_json::json!({ "bookingId": booking.id }).to_string();
        jobs.push(job(booking, PENDING_EXPIRY, payload, due));
    }
    let plans_reminders = confirmed_now || matches!(change, Change::Rescheduled { .. });
    if plans_reminders && let Some(due) = reminders::reminder_at(now, booking.start) {
        let reminder = email(Message::Reminder, Recipient::Guest, None);
        jobs.push(job(booking, REMINDER, reminder.to_json(), due));
        if let Some(phone) = booking
            .guest_phone
            .as_deref()
            .and_then(|p| Phone::parse(p).ok())
        {
            let sms = SmsJob {
                text: SmsText::Reminder,
                to: phone.to_string(),
                booking_id: booking.id.clone(),
                sequence: booking.sequence,
            };
            jobs.push(job(booking, SMS_REMINDER, sms.to_json(), due));
        }
    }
    jobs.extend(calendar_events(booking, change, fanout, now));
    jobs.extend(webhooks::deliveries(booking, change, fanout, now));
    jobs
}

/// One job per calendar that gets the host's bookings, in order per booking (after its
/// video link: a Meet link comes with the Google event).
fn calendar_events(
    booking: &BookingRecord,
    change: Change,
    fanout: &Fanout,
    now: Instant,
) -> Vec<JobRecord> {
    let moves = match change {
        Change::Booked => booking.status != scheduling::BookingStatus::Pending,
        Change::Approved | Change::Rescheduled { .. } | Change::Cancelled => true,
        Change::Declined | Change::Expired => false,
        Change::Closed => booking.status == scheduling::BookingStatus::Cancelled,
    };
    if !moves {
        return Vec::new();
    }
    fanout
        .calendars
        .iter()
        .map(|calendar| {
            let payload = serde_json::json!({"calendarId": calendar, "bookingId": booking.id});
            let mut record = job(booking, CALENDAR_EVENT, payload.to_string(), now);
            record.ordering_key = Some(booking_key(booking));
            record
        })
        .collect()
}

/// Makes sure a periodic read of the host's calendars is queued (one at a time).
pub async fn schedule_calendar_sync(
    store: &Store,
    host_id: &str,
    run_at: Instant,
) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    if !Store::has_pending_job(&mut tx, host_id, CALENDAR_SYNC).await? {
        let record = JobRecord {
            host_id: Some(host_id.to_owned()),
            booking_id: None,
            kind: CALENDAR_SYNC.into(),
            payload: serde_json::json!({ "hostId": host_id }).to_string(),
            run_at,
            ordering_key: None,
        };
        Store::enqueue(&mut tx, &record, run_at).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Enqueues one text message about a booking (the answer to an inbound "C").
pub async fn text_about(
    tx: &mut Tx,
    booking: &BookingRecord,
    text: SmsText,
    to: &Phone,
    now: Instant,
) -> Result<(), StoreError> {
    let sms = SmsJob {
        text,
        to: to.to_string(),
        booking_id: booking.id.clone(),
        sequence: booking.sequence,
    };
    Store::enqueue(tx, &job(booking, SMS, sms.to_json(), now), now).await?;
    Ok(())
}

/// "Confirmation email to the guest": a job as the host's dashboard names it.
pub fn describe(job: &JobRow) -> String {
    let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
    match job.kind.as_str() {
        EMAIL | REMINDER => match EmailJob::read(&payload) {
            Ok(e) => format!(
                "{} email to the {}",
                match e.message {
                    Message::Confirmation => "Confirmation",
                    Message::HostNotice => "New-booking",
                    Message::Reminder => "Reminder",
                    Message::Cancelled => "Cancellation",
                    Message::Rescheduled => "Reschedule",
                    Message::Requested => "Request-received",
                    Message::ApprovalRequest => "Approval-request",
                    Message::Declined => "Declined-request",
                    Message::Expired => "Expired-request",
                },
                e.to.as_str()
            ),
            Err(_) => "Email".into(),
        },
        SMS_REMINDER => "Text reminder to the guest".into(),
        PENDING_EXPIRY => "Deadline of the booking request".into(),
        SMS => "Text message to the guest".into(),
        WEBHOOK => WebhookJob::read(&payload)
            .map_or_else(|| "Webhook".into(), |w| format!("Webhook {}", w.event)),
        other => other.to_owned(),
    }
}
