//! The run side of the outbox: a [`Worker`] in every `serve` process claims due jobs with a
//! lease, calls the integration, and records the outcome; failures are retried with
//! exponential backoff and, after [`MAX_ATTEMPTS`](crate::outbox::MAX_ATTEMPTS), kept as
//! failed and shown to the host (never dropped). It sits above the services: it runs the
//! calendar sync and makes video links; the outbox it reads sits below them.

mod webhook;

use crate::integrations::{Integrations, SendError};
use crate::messages::{EmailJob, Found, Sender, SmsJob};
use crate::outbox::{
    CALENDAR_EVENT, CALENDAR_SYNC, DOMAIN_CHECK, EMAIL, MAX_ATTEMPTS, MEETING_LINK, PENDING_EXPIRY,
    REMINDER, SMS, SMS_REMINDER, backoff,
};
use crate::outbox::{WEBHOOK, WebhookJob};
use crate::sealed::Sealer;
use crate::services::calendars::Calendars;
use crate::store::{JobRecord, JobRow, Store, StoreError};
use jiff::Timestamp;
use scheduling::Instant;
use std::sync::Arc;
use std::time::Duration;

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
        calendars: Calendars,
        lease: Duration,
    ) -> Self {
        Self {
            store,
            integrations,
            sender,
            sealer,
            calendars,
            lease,
        }
    }

    /// Runs every job due at `now` (in batches), returning how many ran.
    pub async fn run_due(&self, now: Timestamp) -> Result<usize, StoreError> {
        self.run_due_until(now, || false).await
    }

    /// [`Self::run_due`], claiming no further batch once `stop()` says so.
    async fn run_due_until(
        &self,
        now: Timestamp,
        stop: impl Fn() -> bool,
    ) -> Result<usize, StoreError> {
        let now = Instant::from(now);
        let mut total = 0;
        loop {
            if stop() {
                return Ok(total);
            }
            let lease = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX);
            let batch = self.store.claim_jobs(now, lease, 32).await?;
            if batch.is_empty() {
                return Ok(total);
            }
            // One claim covers the batch.
            let claim = batch[0].claim.clone();
            total += batch.len();
            let mut running = tokio::task::JoinSet::new();
            for job in batch {
                let worker = self.clone();
                running.spawn(async move { worker.run_one(job, now).await });
            }
            // What finished is recorded together, as soon as it finished: under load one
            // statement records many jobs (one write instead of one per message).
            while let Some(first) = running.join_next().await {
                let mut done = Vec::new();
                let mut next = Some(first);
                while let Some(joined) = next {
                    match joined {
                        Ok(Ok(Some(id))) => done.push(id),
                        Ok(Err(e)) => {
                            tracing::error!(error = %e, "could not record a job's outcome");
                        }
                        Ok(Ok(None)) | Err(_) => {}
                    }
                    next = running.try_join_next();
                }
                if let Some(claim) = claim.as_deref()
                    && !done.is_empty()
                    && let Err(e) = self.store.finish_jobs(&done, claim, now).await
                {
                    tracing::error!(error = %e, "could not record finished jobs");
                }
            }
        }
    }

    /// Runs one claimed job: the id when it is done (to record with the others that
    /// finished with it), `None` when its failure was recorded.
    async fn run_one(&self, job: JobRow, now: Instant) -> Result<Option<String>, StoreError> {
        let claim = job.claim.clone().unwrap_or_default();
        match self.execute(&job, now).await {
            Ok(outcome) => {
                if let Outcome::Skipped(why) = &outcome {
                    tracing::debug!(job = %job.id, kind = %job.kind, why, "job skipped");
                }
                Ok(Some(job.id))
            }
            Err(e) => {
                crate::metrics::count(crate::metrics::Counter::OutboundFailures, &job.kind);
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
                Ok(None)
            }
        }
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
                let Some(delivery) = webhook::delivery(&self.store, &self.sealer, &webhook).await?
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
            PENDING_EXPIRY => {
                let booking = payload["bookingId"].as_str().unwrap_or_default();
                let expired = crate::services::booking::expire_request(
                    &self.store,
                    booking,
                    now.to_timestamp(),
                )
                .await
                .map_err(|e| SendError::transient(e.to_string()))?;
                Ok(if expired {
                    Outcome::Sent
                } else {
                    Outcome::Skipped("the request was answered".into())
                })
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
                    self.again(job, next, now).await?;
                }
                Ok(Outcome::Sent)
            }
            DOMAIN_CHECK => {
                let host_id = job.host_id.clone().unwrap_or_default();
                let watching = crate::services::domains::recheck_host(
                    &self.store,
                    &self.integrations.dns,
                    &host_id,
                    now,
                )
                .await
                .map_err(|e| SendError::transient(e.to_string()))?;
                if watching {
                    let next = now.as_millis() + crate::services::domains::RECHECK_MS;
                    self.again(job, Instant::from_millis(next), now).await?;
                }
                Ok(Outcome::Sent)
            }
            other => Err(SendError::permanent(format!("unknown job kind {other:?}"))),
        }
    }

    /// Queues the next run of a periodic job (this one is still pending until it finishes,
    /// so the usual "unless one is queued" test would find itself).
    async fn again(&self, job: &JobRow, run_at: Instant, now: Instant) -> Result<(), SendError> {
        let transient = |e: &dyn std::fmt::Display| SendError::transient(e.to_string());
        let record = JobRecord {
            host_id: job.host_id.clone(),
            booking_id: None,
            kind: job.kind.clone(),
            payload: job.payload.clone(),
            run_at,
            ordering_key: None,
        };
        let mut tx = self.store.write().await.map_err(|e| transient(&e))?;
        Store::enqueue(&mut tx, &record, now)
            .await
            .map_err(|e| transient(&e))?;
        tx.commit().await.map_err(|e| transient(&e))
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

    /// Runs due jobs every `poll` until `stop` turns true; then finishes the jobs it holds
    /// (claiming no more) and ends: await the handle to drain.
    pub fn spawn(
        self,
        clock: Arc<dyn crate::clock::Clock>,
        poll: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let stopping = stop.clone();
                if let Err(e) = self.run_due_until(clock.now(), || *stopping.borrow()).await {
                    tracing::error!(error = %e, "the outbox worker could not read its jobs");
                }
                if *stop.borrow() {
                    return;
                }
                tokio::select! {
                    () = tokio::time::sleep(poll) => {}
                    _ = stop.changed() => {}
                }
            }
        })
    }
}
