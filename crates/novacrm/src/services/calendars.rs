//! The host's calendars: CalDAV connections made (discovery) and changed (two flags per
//! calendar), busy times read into the store as data for the engine, and bookings written
//! out as events. Reading happens in jobs every few minutes and on demand when a page finds
//! the data stale; a calendar that cannot be read makes the host's page offer nothing,
//! never everything (`availability` checks the summary this keeps on the host row).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use scheduling::{BookingStatus, FieldError, Instant, Obj};
use serde_json::{Value, json};

use super::sealed::Sealer;
use super::{Result, ServiceError};
use crate::integrations::SendError;
use crate::integrations::caldav::{CalDav, CalDavError};
use crate::integrations::outbound::OutboundPolicy;
use crate::jobs::{Found, Recipient, Sender};
use crate::store::{CalendarRecord, ConnectionRecord, Host, Store, new_id};

/// How often busy times are read again.
pub const REFRESH_MS: i64 = 5 * 60_000;
/// Past this age without a successful read, the page offers nothing.
pub const STALE_MS: i64 = 15 * 60_000;
/// Busy times are read from a day back …
const PAST_MS: i64 = 86_400_000;
/// … to the host's horizon (at least 93 days: a request's longest range), capped at a year.
const MIN_AHEAD_DAYS: i64 = 95;
const MAX_AHEAD_DAYS: i64 = 400;

/// Connections a host may have.
pub const MAX_CONNECTIONS: usize = 10;

/// The context a connection's secret is sealed under.
fn secret_context(connection_id: &str) -> String {
    format!("calendar-connection:{connection_id}")
}

pub fn connection_json(c: &ConnectionRecord, calendars: &[CalendarRecord]) -> Value {
    let calendars: Vec<Value> = calendars
        .iter()
        .filter(|cal| cal.connection_id == c.id)
        .map(|cal| {
            json!({"id": cal.id, "name": cal.name, "checkConflicts": cal.check_conflicts,
                   "addBookings": cal.add_bookings, "writable": cal.writable,
                   "lastSyncAt": cal.synced_at.map(|t| t.to_string()),
                   "syncError": cal.sync_error})
        })
        .collect();
    json!({"id": c.id, "provider": c.provider, "status": c.status, "url": c.url,
           "username": c.username, "lastError": c.last_error,
           "lastSyncAt": c.last_sync_at.map(|t| t.to_string()),
           "createdAt": c.created_at.to_string(), "calendars": calendars})
}

/// What reading and writing calendars needs: the store, the key to the credentials, the
/// outbound guard, and how this service names its own events (to skip them when reading).
#[derive(Debug, Clone)]
pub struct Calendars {
    pub store: Store,
    pub sealer: Arc<Sealer>,
    pub policy: OutboundPolicy,
    pub sender: Arc<Sender>,
    /// Hosts being read right now (a page's on-demand refresh never doubles a job's).
    running: Arc<Mutex<HashSet<String>>>,
}

impl Calendars {
    pub fn new(
        store: Store,
        sealer: Arc<Sealer>,
        policy: OutboundPolicy,
        sender: Arc<Sender>,
    ) -> Self {
        Self {
            store,
            sealer,
            policy,
            sender,
            running: Arc::default(),
        }
    }

    fn client(&self, connection: &ConnectionRecord) -> std::result::Result<CalDav, String> {
        let password = self
            .sealer
            .open(&connection.secret_sealed, &secret_context(&connection.id))
            .ok_or("the saved password cannot be read (NOVACRM_SECRET changed?); connect again")?;
        Ok(CalDav::new(&self.policy, &connection.username, &password))
    }

    /// Connects `{"provider":"caldav","url","username","password"}`: discovers the
    /// calendars (every one checks conflicts, the first writable one gets bookings), saves
    /// the password sealed, and reads busy times once.
    pub async fn connect(
        &self,
        host: &Host,
        body: &Value,
        now: Timestamp,
    ) -> Result<(ConnectionRecord, Vec<CalendarRecord>)> {
        let obj = Obj::new(body, "")?;
        let provider = obj.required_str("provider")?;
        if provider != "caldav" {
            let message = "only \"caldav\" connects here; Google starts at /dashboard/integrations/google/start";
            return Err(FieldError::new("provider", message).into());
        }
        let url = obj.required_str("url")?.trim();
        let username = obj.required_str("username")?;
        let password = obj.required_str("password")?;
        for (field, value) in [("url", url), ("username", username), ("password", password)] {
            if value.trim().is_empty() || value.len() > 2000 {
                return Err(FieldError::new(field, "is required (at most 2000 characters)").into());
            }
        }
        let parsed = self
            .policy
            .check_url(url)
            .map_err(|m| FieldError::new("url", m))?;
        self.policy
            .check_reachable(&parsed)
            .await
            .map_err(|m| FieldError::new("url", m))?;
        if self.store.connections(&host.id).await?.len() >= MAX_CONNECTIONS {
            let message = format!("a host may connect at most {MAX_CONNECTIONS} accounts");
            return Err(FieldError::new("url", message).into());
        }
        let found = CalDav::new(&self.policy, username, password)
            .discover(url)
            .await
            .map_err(|e| match e {
                CalDavError::Unauthorized(m) => FieldError::new("password", m),
                other => FieldError::new("url", other.to_string()),
            })?;
        let found: Vec<_> = found.into_iter().filter(|c| c.events).collect();
        if found.is_empty() {
            return Err(FieldError::new("url", "this account has no calendar for events").into());
        }
        let id = new_id();
        let now_i = Instant::from(now);
        let connection = ConnectionRecord {
            secret_sealed: self.sealer.seal(password, &secret_context(&id)),
            id,
            host_id: host.id.clone(),
            provider: "caldav".into(),
            url: url.to_owned(),
            username: username.to_owned(),
            status: "ok".into(),
            last_error: None,
            last_sync_at: None,
            created_at: now_i,
        };
        let first_writable = found.iter().position(|c| c.writable);
        let calendars: Vec<CalendarRecord> = found
            .into_iter()
            .enumerate()
            .map(|(i, c)| CalendarRecord {
                id: new_id(),
                connection_id: connection.id.clone(),
                host_id: host.id.clone(),
                remote_id: c.url,
                name: c.name,
                writable: c.writable,
                check_conflicts: true,
                add_bookings: Some(i) == first_writable,
                position: i as i64,
                busy_from: None,
                busy_to: None,
                synced_at: None,
                sync_error: None,
            })
            .collect();
        self.store.add_connection(&connection, &calendars).await?;
        self.sync_host(&host.id, now_i).await?;
        crate::jobs::schedule_calendar_sync(&self.store, &host.id, now_i).await?;
        let connection = self
            .store
            .connection(&connection.id)
            .await?
            .unwrap_or(connection);
        let calendars = self.store.calendars(&host.id).await?;
        Ok((connection, calendars))
    }

    /// `{"calendars":[{"id","checkConflicts"?,"addBookings"?}]}` on one of the host's
    /// connections.
    pub async fn patch(&self, host: &Host, id: &str, body: &Value, now: Timestamp) -> Result<()> {
        let connection = self.owned(host, id).await?;
        let obj = Obj::new(body, "")?;
        let list = obj
            .array("calendars")?
            .ok_or_else(|| FieldError::new("calendars", "is required"))?;
        let calendars = self.store.calendars(&host.id).await?;
        let mut changes = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let path = format!("calendars[{i}]");
            let o = Obj::new(item, &path)?;
            let cal_id = o.required_str("id")?;
            let Some(cal) = calendars
                .iter()
                .find(|c| c.id == cal_id && c.connection_id == connection.id)
            else {
                return Err(FieldError::new(
                    format!("{path}.id"),
                    "no such calendar in this connection",
                )
                .into());
            };
            let check = o.bool("checkConflicts")?.unwrap_or(cal.check_conflicts);
            let add = o.bool("addBookings")?.unwrap_or(cal.add_bookings);
            if add && !cal.writable {
                return Err(FieldError::new(
                    format!("{path}.addBookings"),
                    "this calendar is read-only",
                )
                .into());
            }
            changes.push((cal.id.clone(), check, add));
        }
        for (cal_id, check, add) in changes {
            self.store
                .set_calendar_flags(&host.id, &cal_id, check, add)
                .await?;
        }
        self.sync_host(&host.id, Instant::from(now)).await?;
        Ok(())
    }

    pub async fn delete(&self, host: &Host, id: &str) -> Result<()> {
        self.owned(host, id).await?;
        self.store.delete_connection(&host.id, id).await?;
        Ok(())
    }

    async fn owned(&self, host: &Host, id: &str) -> Result<ConnectionRecord> {
        self.store
            .connection(id)
            .await?
            .filter(|c| c.host_id == host.id)
            .ok_or_else(|| ServiceError::NotFound("no such calendar connection".into()))
    }

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
                let read = client
                    .events(&cal.remote_id, from, to)
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
                        busy.sort_unstable();
                        busy.dedup();
                        Ok(busy)
                    });
                match read {
                    Ok(busy) => {
                        let before = self.store.calendar_busy(&cal.id).await?;
                        let changed = (before != busy).then_some(busy.as_slice());
                        self.store
                            .save_calendar_busy(cal, changed, from, to, now)
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
