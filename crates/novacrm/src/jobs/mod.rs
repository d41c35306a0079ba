//! The durable outbox (DESIGN.md §9): what a booking change must tell someone is written as
//! job rows **in the transaction of the change** ([`booking_changed`]), so an aborted change
//! sends nothing and a committed one always sends. A [`Worker`] in every `serve` process
//! claims due jobs with a lease, calls the integration, and records the outcome; failures are
//! retried with exponential backoff and, after [`MAX_ATTEMPTS`], kept as failed and shown to
//! the host (never dropped).
//!
//! Delivery is at-least-once with a recognisable retry: a job is claimed by one worker at a
//! time (`FOR UPDATE SKIP LOCKED` / SQLite's single writer), and only a worker that dies (or
//! stalls past its lease) between handing a message to the server and recording it leads to
//! a second send — with the same `Message-ID` (the job id), which mail systems use to
//! recognise duplicates.

mod messages;
mod payload;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use scheduling::{Instant, Phone, reminders};

pub use messages::{Found, Sender};
pub use payload::{EmailJob, Message, Recipient, SmsJob, SmsText};
pub use webhooks::{EVENTS, WEBHOOK, WebhookJob, secret_context};

use crate::integrations::{Integrations, SendError};
use crate::services::calendars::Calendars;
use crate::services::sealed::Sealer;
use crate::store::{BookingRecord, JobRecord, JobRow, Store, StoreError, Tx};

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
/// A new booking's video link (Jitsi, Google Meet, Zoom, Teams), made before its emails.
pub const MEETING_LINK: &str = "meeting_link";

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

/// What happened to a booking, as far as messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Booked,
    Rescheduled {
        previous_start: Instant,
    },
    Cancelled,
    /// Marked completed or no-show: nothing to tell, but pending reminders go.
    Closed,
}

fn job(booking: &BookingRecord, kind: &str, payload: String, run_at: Instant) -> JobRecord {
    JobRecord {
        host_id: Some(booking.host_id.clone()),
        booking_id: Some(booking.id.clone()),
        kind: kind.to_owned(),
        payload,
        run_at,
        ordering_key: None,
    }
}

/// Enqueues, in `tx`, every message that `change` (already applied to `booking`) calls for:
/// confirmations and notices to both sides now, the reminders at T−24 h (absolute time, so
/// DST cannot move them), the host's webhooks; and drops reminders a move or a cancellation
/// made obsolete.
pub async fn booking_changed(
    tx: &mut Tx,
    booking: &BookingRecord,
    change: Change,
    now: Instant,
) -> Result<(), StoreError> {
    if change != Change::Booked {
        Store::drop_pending_jobs(tx, &booking.id, REMINDER, now).await?;
        Store::drop_pending_jobs(tx, &booking.id, SMS_REMINDER, now).await?;
    }
    // A video link is made first, and the new booking's emails wait for it.
    let mut notice_key = None;
    if change == Change::Booked {
        let meeting =
            Store::meeting_type_in(tx, &booking.host_id, &booking.meeting_type_id).await?;
        if let Some(scheduling::Location::Video { .. }) = meeting.and_then(|m| m.location) {
            let payload = serde_json::json!({ "bookingId": booking.id }).to_string();
            let mut record = job(booking, MEETING_LINK, payload, now);
            record.ordering_key = Some(booking_key(booking));
            Store::enqueue(tx, &record, now).await?;
            notice_key = Some(booking_key(booking));
        }
    }
    let email = |message, to, previous_start: Option<Instant>| EmailJob {
        message,
        to,
        booking_id: booking.id.clone(),
        sequence: booking.sequence,
        previous_start,
    };
    let notices = match change {
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
        Store::enqueue(tx, &record, now).await?;
    }
    let plans_reminders = matches!(change, Change::Booked | Change::Rescheduled { .. });
    if plans_reminders && let Some(due) = reminders::reminder_at(now, booking.start) {
        let reminder = email(Message::Reminder, Recipient::Guest, None);
        Store::enqueue(tx, &job(booking, REMINDER, reminder.to_json(), due), now).await?;
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
            Store::enqueue(tx, &job(booking, SMS_REMINDER, sms.to_json(), due), now).await?;
        }
    }
    calendar_events(tx, booking, change, now).await?;
    webhooks::enqueue(tx, booking, change, now).await
}

/// One job per calendar that gets the host's bookings, in order per booking (after its
/// video link: a Meet link comes with the Google event).
async fn calendar_events(
    tx: &mut Tx,
    booking: &BookingRecord,
    change: Change,
    now: Instant,
) -> Result<(), StoreError> {
    let moves = match change {
        Change::Booked | Change::Rescheduled { .. } | Change::Cancelled => true,
        Change::Closed => booking.status == scheduling::BookingStatus::Cancelled,
    };
    if !moves {
        return Ok(());
    }
    for calendar in Store::booking_calendars_in(tx, &booking.host_id).await? {
        let payload = serde_json::json!({"calendarId": calendar.id, "bookingId": booking.id});
        let mut record = job(booking, CALENDAR_EVENT, payload.to_string(), now);
        record.ordering_key = Some(booking_key(booking));
        Store::enqueue(tx, &record, now).await?;
    }
    Ok(())
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
                },
                e.to.as_str()
            ),
            Err(_) => "Email".into(),
        },
        SMS_REMINDER => "Text reminder to the guest".into(),
        SMS => "Text message to the guest".into(),
        WEBHOOK => WebhookJob::read(&payload)
            .map_or_else(|| "Webhook".into(), |w| format!("Webhook {}", w.event)),
        other => other.to_owned(),
    }
}

/// How one run of a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Nothing to send any more (the booking moved, was cancelled, SMS is off…).
    Skipped(String),
}

/// Claims and runs due jobs. `serve` runs one in the background ([`Worker::spawn`]); tests
/// call [`Worker::run_due`] with the time they choose.
#[derive(Debug, Clone)]
pub struct Worker {
    store: Store,
    integrations: Integrations,
    sender: Arc<Sender>,
    sealer: Arc<Sealer>,
    calendars: Calendars,
    lease: Duration,
}

impl Worker {
    pub fn new(
        store: Store,
        integrations: Integrations,
        sender: Arc<Sender>,
        sealer: Arc<Sealer>,
        lease: Duration,
    ) -> Self {
        let calendars = Calendars::new(
            store.clone(),
            sealer.clone(),
            integrations.outbound.clone(),
            sender.clone(),
            integrations.google.clone(),
        );
        Self {
            store,
            integrations,
            sender,
            sealer,
            calendars,
            lease,
        }
    }

    /// Refuses a meeting type whose video provider cannot make links for this host (a body
    /// with `location: {"kind":"video","provider"}`), so no booking ever waits for a link
    /// that cannot come.
    pub async fn check_video(
        &self,
        host_id: &str,
        body: &serde_json::Value,
    ) -> Result<(), scheduling::FieldError> {
        use scheduling::{Location, VideoProvider};
        let Ok(Location::Video { provider }) = Location::read(&body["location"], "location") else {
            return Ok(());
        };
        let refuse = |m: &str| Err(scheduling::FieldError::new("location.provider", m));
        match provider {
            VideoProvider::Zoom if !self.integrations.meetings.offers_zoom() => {
                refuse("Zoom is not set up on this server; choose another location")
            }
            VideoProvider::Teams if !self.integrations.meetings.offers_teams() => {
                refuse("Microsoft Teams is not set up on this server; choose another location")
            }
            VideoProvider::GoogleMeet => {
                let google = self
                    .store
                    .connections(host_id)
                    .await
                    .is_ok_and(|c| c.iter().any(|c| c.provider == "google"));
                if google {
                    Ok(())
                } else {
                    refuse(
                        "Google Meet links need a connected Google Calendar (Dashboard → Integrations)",
                    )
                }
            }
            VideoProvider::Jitsi | VideoProvider::Zoom | VideoProvider::Teams => Ok(()),
        }
    }

    /// The calendar side, shared with the pages (on-demand reads).
    pub fn calendars(&self) -> &Calendars {
        &self.calendars
    }

    /// Runs every job due at `now` (in batches), returning how many ran.
    pub async fn run_due(&self, now: Timestamp) -> Result<usize, StoreError> {
        let now = Instant::from(now);
        let mut total = 0;
        loop {
            let lease = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX);
            let batch = self.store.claim_jobs(now, lease, 32).await?;
            if batch.is_empty() {
                return Ok(total);
            }
            total += batch.len();
            let mut running = tokio::task::JoinSet::new();
            for job in batch {
                let worker = self.clone();
                running.spawn(async move { worker.run_one(job, now).await });
            }
            while let Some(done) = running.join_next().await {
                if let Ok(Err(e)) = done {
                    tracing::error!(error = %e, "could not record a job's outcome");
                }
            }
        }
    }

    async fn run_one(&self, job: JobRow, now: Instant) -> Result<(), StoreError> {
        let claim = job.claim.clone().unwrap_or_default();
        match self.execute(&job, now).await {
            Ok(outcome) => {
                if let Outcome::Skipped(why) = &outcome {
                    tracing::debug!(job = %job.id, kind = %job.kind, why, "job skipped");
                }
                self.store.finish_job(&job.id, &claim, now).await?;
            }
            Err(e) => {
                let give_up = e.permanent || job.attempts >= MAX_ATTEMPTS;
                let retry_at = (!give_up).then(|| {
                    let wait = i64::try_from(backoff(job.attempts).as_millis()).unwrap_or(0);
                    Instant::from_millis(now.as_millis() + wait)
                });
                if give_up {
                    tracing::error!(job = %job.id, kind = %job.kind, attempts = job.attempts,
                        error = %e, "message failed for good; shown to the host for a retry");
                } else {
                    tracing::warn!(job = %job.id, kind = %job.kind, attempts = job.attempts,
                        error = %e, "message failed; will retry");
                }
                self.store
                    .fail_job(&job.id, &claim, &e.message, retry_at, now)
                    .await?;
            }
        }
        Ok(())
    }

    async fn execute(&self, job: &JobRow, now: Instant) -> Result<Outcome, SendError> {
        let payload: serde_json::Value = serde_json::from_str(&job.payload)
            .map_err(|e| SendError::permanent(format!("unreadable payload: {e}")))?;
        let bad = |e: scheduling::FieldError| SendError::permanent(format!("bad payload: {e}"));
        match job.kind.as_str() {
            EMAIL | REMINDER => {
                let email_job = EmailJob::read(&payload).map_err(bad)?;
                let Some(email) = self
                    .sender
                    .email(&self.store, &job.id, &email_job, now)
                    .await?
                else {
                    return Ok(Outcome::Skipped("the booking changed since".into()));
                };
                self.integrations.mailer.send(&email).await?;
                Ok(Outcome::Sent)
            }
            SMS | SMS_REMINDER => {
                let Some(sender) = &self.integrations.sms else {
                    return Ok(Outcome::Skipped("SMS is not configured".into()));
                };
                let sms_job = SmsJob::read(&payload).map_err(bad)?;
                let opted_out = self
                    .store
                    .sms_opted_out(&sms_job.to)
                    .await
                    .map_err(|e| SendError::transient(e.to_string()))?;
                if opted_out {
                    return Ok(Outcome::Skipped("the number sent STOP".into()));
                }
                let Some(sms) = self.sender.sms(&self.store, &job.id, &sms_job).await? else {
                    return Ok(Outcome::Skipped("the booking changed since".into()));
                };
                sender.send(&sms).await?;
                Ok(Outcome::Sent)
            }
            WEBHOOK => {
                let webhook = WebhookJob::read(&payload)
                    .ok_or_else(|| SendError::permanent("bad webhook payload"))?;
                let Some(delivery) =
                    webhooks::delivery(&self.store, &self.sealer, &webhook).await?
                else {
                    return Ok(Outcome::Skipped("the endpoint was deleted".into()));
                };
                let timestamp = now.as_millis().div_euclid(1000);
                self.integrations
                    .webhooks
                    .send(&delivery, timestamp)
                    .await?;
                Ok(Outcome::Sent)
            }
            CALENDAR_EVENT => {
                let text = |k: &str| payload[k].as_str().map(str::to_owned);
                let (Some(calendar), Some(booking)) = (text("calendarId"), text("bookingId"))
                else {
                    return Err(SendError::permanent("bad calendar payload"));
                };
                if self.calendars.write_event(&calendar, &booking, now).await? {
                    Ok(Outcome::Sent)
                } else {
                    Ok(Outcome::Skipped("nothing to write".into()))
                }
            }
            MEETING_LINK => {
                let booking = payload["bookingId"].as_str().unwrap_or_default();
                self.meeting_link(booking, now).await
            }
            CALENDAR_SYNC => {
                let host_id = job.host_id.clone().unwrap_or_default();
                let transient = |e: &dyn std::fmt::Display| SendError::transient(e.to_string());
                self.calendars
                    .sync_host(&host_id, now)
                    .await
                    .map_err(|e| transient(&e))?;
                let next =
                    Instant::from_millis(now.as_millis() + crate::services::calendars::REFRESH_MS);
                let still = self
                    .store
                    .calendars(&host_id)
                    .await
                    .map_err(|e| transient(&e))?;
                if still.iter().any(|c| c.check_conflicts) {
                    // This job is still pending until it finishes: queue the next directly.
                    let record = JobRecord {
                        host_id: Some(host_id.clone()),
                        booking_id: None,
                        kind: CALENDAR_SYNC.into(),
                        payload: job.payload.clone(),
                        run_at: next,
                        ordering_key: None,
                    };
                    let mut tx = self.store.write().await.map_err(|e| transient(&e))?;
                    Store::enqueue(&mut tx, &record, now)
                        .await
                        .map_err(|e| transient(&e))?;
                    tx.commit().await.map_err(|e| transient(&e))?;
                }
                Ok(Outcome::Sent)
            }
            other => Err(SendError::permanent(format!("unknown job kind {other:?}"))),
        }
    }

    /// Makes a booking's video link with its meeting type's provider and keeps it on the
    /// booking (its emails, invite and calendar events then show it).
    async fn meeting_link(&self, booking_id: &str, now: Instant) -> Result<Outcome, SendError> {
        use crate::integrations::meetings::MeetingDraft;
        use scheduling::{Location, VideoProvider};
        let Some(found) = Found::load(&self.store, booking_id).await? else {
            return Ok(Outcome::Skipped("the booking is gone".into()));
        };
        let b = &found.booking;
        let Some(Location::Video { provider }) = found.meeting.location else {
            return Ok(Outcome::Skipped("no video provider".into()));
        };
        if b.meeting_link.is_some() || b.status == scheduling::BookingStatus::Cancelled {
            return Ok(Outcome::Skipped("nothing to make".into()));
        }
        let draft = MeetingDraft {
            topic: format!(
                "{} — {} and {}",
                found.meeting.name, found.host.name, b.guest_name
            ),
            start: b.start,
            end: b.end,
            host_email: found.host.email.clone(),
        };
        let links = &self.integrations.meetings;
        let link = match provider {
            VideoProvider::Jitsi => links.jitsi(),
            VideoProvider::Zoom => links.zoom(&draft).await?,
            VideoProvider::Teams => links.teams(&draft).await?,
            VideoProvider::GoogleMeet => self.calendars.meet_link(&found, now).await?,
        };
        let transient = |e: StoreError| SendError::transient(e.to_string());
        self.store
            .set_meeting_link(booking_id, &link)
            .await
            .map_err(transient)?;
        Ok(Outcome::Sent)
    }

    /// Runs due jobs every `poll` until the process stops.
    pub fn spawn(self, clock: Arc<dyn crate::clock::Clock>, poll: Duration) {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.run_due(clock.now()).await {
                    tracing::error!(error = %e, "the outbox worker could not read its jobs");
                }
                tokio::time::sleep(poll).await;
            }
        });
    }
}
