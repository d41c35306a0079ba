//! What a job is: the kinds stored, the booking change that calls for jobs, and a booking's
//! job row. The enqueueing (`outbox`) and each kind's own file build on it.

use crate::store::{BookingRecord, JobRecord};
use scheduling::Instant;

/// Kinds of job, as stored.
pub const EMAIL: &str = "email";
/// An email reminder: its own kind, so a move or a cancellation can drop it.
pub const REMINDER: &str = "reminder";
pub const SMS_REMINDER: &str = "sms_reminder";
pub const SMS: &str = "sms";
/// A booking's event written to (or removed from) one of the host's calendars.
pub const CALENDAR_EVENT: &str = "calendar_event";
/// A periodic read of the host's conflict calendars.
pub const CALENDAR_SYNC: &str = "calendar_sync";
/// A host's custom domains looked up again (every six hours while any is verified).
pub const DOMAIN_CHECK: &str = "domain_check";
/// A new booking's video link (Jitsi, Google Meet, Zoom, Teams), made before its emails.
pub const MEETING_LINK: &str = "meeting_link";
/// A pending request's deadline: expired then unless the host answered.
pub const PENDING_EXPIRY: &str = "pending_expiry";

/// What happened to a booking, as far as messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Booked,
    Rescheduled {
        previous_start: Instant,
    },
    Cancelled,
    /// A pending request approved by the host: now a booking like any other.
    Approved,
    /// A pending request declined by the host.
    Declined,
    /// A pending request not approved in time.
    Expired,
    /// Marked completed or no-show: nothing to tell, but pending reminders go.
    Closed,
}

pub(crate) fn job(
    booking: &BookingRecord,
    kind: &str,
    payload: String,
    run_at: Instant,
) -> JobRecord {
    JobRecord {
        host_id: Some(booking.host_id.clone()),
        booking_id: Some(booking.id.clone()),
        kind: kind.to_owned(),
        payload,
        run_at,
        ordering_key: None,
    }
}
