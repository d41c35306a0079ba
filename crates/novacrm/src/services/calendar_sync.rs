//! Reading a host's calendars into the store (busy times as data for the engine) and writing
//! bookings out as events: the sync engine that jobs run every few minutes and pages kick
//! when they find the data stale. A calendar that cannot be read is marked unreadable, so
//! the host's page offers nothing rather than everything.

use scheduling::{BookingStatus, Instant};

use super::Result;
use crate::integrations::SendError;
use crate::integrations::caldav::{CalDav, CalDavError};
use crate::messages::{Found, Recipient};
use crate::store::CalendarRecord;

use super::calendars::{Calendars, MAX_AHEAD_DAYS, MIN_AHEAD_DAYS, PAST_MS};

impl Calendars {
    /// Reads every conflict calendar of the host into the store. A calendar that fails is
    /// recorded as unreadable (its page offers nothing) and its connection says why; the
    /// others are still read.
    pub async fn sync_host(&self, host_id: &str, now: Instant) -> Result<()> {
        let settings = self.store.availability(host_id).await?;
        let ahead_days =
            (i64::from(settings.max_advance.get()) + 2).clamp(MIN_AHEAD_DAYS, MAX_AHEAD_DAYS);
        let from = now.plus_millis(-PAST_MS);
        let to = now.plus_minutes(ahead_days * 24 * 60);
        let ours = self.sender.uid("");
        let calendars = self.store.calendars(host_id).await?;
        for connection in self.store.connections(host_id).await? {
            let mine: Vec<&CalendarRecord> = calendars
                .iter()
                .filter(|c| c.connection_id == connection.id && c.check_conflicts)
                .collect();
            if mine.is_empty() {
                continue;
            }
            if connection.provider == "google" {
                self.sync_google(&connection, &mine, from, to, now).await?;
                continue;
            }
            let client = match self.client(&connection) {
                Ok(client) => client,
                Err(message) => {
                    for cal in &mine {
                        self.store.fail_calendar_sync(cal, &message).await?;
                    }
                    self.store
                        .set_connection_status(&connection.id, "error", Some(&message), None)
                        .await?;
                    continue;
                }
            };
            let mut failure: Option<(String, &str)> = None;
            for cal in mine {
                let read = self
                    .read_caldav(&client, cal, from, to)
                    .await
                    .map_err(|e| {
                        let status = if matches!(e, CalDavError::Unauthorized(_)) {
                            "needs_reconnect"
                        } else {
                            "error"
                        };
                        (e.to_string(), status)
                    })
                    .and_then(|texts| {
                        let mut busy = Vec::new();
                        for text in texts {
                            let found = scheduling::busy::busy_intervals(
                                &text,
                                &settings.zone,
                                from,
                                to,
                                &ours,
                            )
                            .map_err(|e| {
                                (
                                    format!("an event in {:?} cannot be read: {e}", cal.name),
                                    "error",
                                )
                            })?;
                            busy.extend(
                                found
                                    .into_iter()
                                    .map(|(s, e)| (s.as_millis(), e.as_millis())),
                            );
                        }
                        Ok(busy)
                    });
                match read {
                    Ok(busy) => {
                        self.store
                            .save_calendar_busy(cal, busy, from, to, now)
                            .await?;
                    }
                    Err((message, status)) => {
                        tracing::warn!(calendar = %cal.id, error = %message, "a calendar could not be read");
                        self.store.fail_calendar_sync(cal, &message).await?;
                        failure = Some((message, status));
                    }
                }
            }
            match failure {
                Some((message, status)) => {
                    self.store
                        .set_connection_status(&connection.id, status, Some(&message), None)
                        .await?;
                }
                None => {
                    self.store
                        .set_connection_status(&connection.id, "ok", None, Some(now))
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// A calendar's event texts: incrementally by sync-collection where the server offers it
    /// (only what changed is fetched; the kept resources are all expanded again), else every
    /// event in the range by a time-range query.
    async fn read_caldav(
        &self,
        client: &CalDav,
        cal: &CalendarRecord,
        from: Instant,
        to: Instant,
    ) -> std::result::Result<Vec<String>, CalDavError> {
        let kept = |e: crate::store::StoreError| CalDavError::Failed(e.to_string());
        let Some(changes) = client
            .changes(&cal.remote_id, cal.sync_token.as_deref())
            .await?
        else {
            return client.events(&cal.remote_id, from, to).await;
        };
        let fetched = client.fetch(&cal.remote_id, &changes.changed).await?;
        self.store
            .apply_calendar_sync(
                &cal.id,
                changes.full,
                &fetched,
                &changes.removed,
                &changes.token,
            )
            .await
            .map_err(kept)?;
        self.store.calendar_resources(&cal.id).await.map_err(kept)
    }

    /// Starts a background read of the host's calendars unless one is running.
    pub fn kick(&self, host_id: &str, now: Instant) {
        if !self
            .running
            .lock()
            .expect("sync set lock")
            .insert(host_id.to_owned())
        {
            return;
        }
        let me = self.clone();
        let host_id = host_id.to_owned();
        tokio::spawn(async move {
            if let Err(e) = me.sync_host(&host_id, now).await {
                tracing::error!(error = %e, "reading the host's calendars failed");
            }
            me.running.lock().expect("sync set lock").remove(&host_id);
        });
    }

    /// Writes (or removes) a booking's event in one of the host's calendars.
    pub async fn write_event(
        &self,
        calendar_id: &str,
        booking_id: &str,
        now: Instant,
    ) -> std::result::Result<bool, SendError> {
        let transient = |e: crate::store::StoreError| SendError::transient(e.to_string());
        let Some(cal) = self.store.calendar(calendar_id).await.map_err(transient)? else {
            return Ok(false);
        };
        let Some(connection) = self
            .store
            .connection(&cal.connection_id)
            .await
            .map_err(transient)?
        else {
            return Ok(false);
        };
        let Some(found) = Found::load(&self.store, booking_id).await? else {
            return Ok(false);
        };
        if connection.provider == "google" {
            return self
                .write_google(&connection, &cal, &found, now)
                .await
                .map(|written| written.is_some());
        }
        let client = self.client(&connection).map_err(SendError::permanent)?;
        let recorded = self
            .store
            .calendar_event(booking_id, calendar_id)
            .await
            .map_err(transient)?;
        let failed = |e: CalDavError| match e {
            CalDavError::Unauthorized(m) => SendError::permanent(m),
            other => SendError::transient(other.to_string()),
        };
        if found.booking.status == BookingStatus::Cancelled {
            let Some((href, etag)) = recorded else {
                return Ok(false);
            };
            match client.delete_event(&href, etag.as_deref()).await {
                // Changed on the server since we wrote it: it is still ours to remove.
                Err(CalDavError::PreconditionFailed) => {
                    client.delete_event(&href, None).await.map_err(failed)?;
                }
                other => other.map_err(failed)?,
            }
            self.store
                .forget_calendar_event(booking_id, calendar_id)
                .await
                .map_err(transient)?;
            return Ok(true);
        }
        let lines =
            self.sender
                .event_lines(&found.booking, &found.host, &found.meeting, Recipient::Host);
        let ics = scheduling::invite::resource(&lines);
        let uid = self.sender.uid(&found.booking.id);
        let written = match &recorded {
            None => client.put_event(&cal.remote_id, &uid, &ics, None).await,
            Some((_, etag)) => {
                client
                    .put_event(
                        &cal.remote_id,
                        &uid,
                        &ics,
                        Some(etag.as_deref().unwrap_or("*")),
                    )
                    .await
            }
        };
        let (href, etag) = match written {
            // Created before (a retry after a crash) or edited on the server meanwhile: the
            // booking is the truth, so the event is replaced.
            Err(CalDavError::PreconditionFailed) => client
                .put_event(&cal.remote_id, &uid, &ics, Some("*"))
                .await
                .map_err(failed)?,
            other => other.map_err(failed)?,
        };
        self.store
            .save_calendar_event(booking_id, calendar_id, &href, etag.as_deref())
            .await
            .map_err(transient)?;
        Ok(true)
    }
}
