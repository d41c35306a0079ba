//! The host's calendars: CalDAV connections made (discovery) and changed (two flags per
//! calendar), busy times read into the store as data for the engine, and bookings written
//! out as events. Reading happens in jobs every few minutes and on demand when a page finds
//! the data stale; a calendar that cannot be read makes the host's page offer nothing,
//! never everything (`availability` checks the summary this keeps on the host row).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use scheduling::{BookingStatus, FieldError, Instant, Obj};
use serde_json::{Value, json};

use super::{Result, ServiceError};
use crate::integrations::caldav::{CalDav, CalDavError};
use crate::integrations::google::{EventDraft, Google, GoogleError, Tokens};
use crate::integrations::outbound::OutboundPolicy;
use crate::integrations::{BoxFuture, SendError};
use crate::messages::{Found, Recipient, Sender};
use crate::sealed::Sealer;
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
    let scopes: Vec<&str> = c.scopes.split_whitespace().collect();
    json!({"id": c.id, "provider": c.provider, "status": c.status, "url": c.url,
           "username": c.username, "scopes": scopes, "lastError": c.last_error,
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
    pub google: Option<Google>,
    /// Hosts being read right now (a page's on-demand refresh never doubles a job's).
    running: Arc<Mutex<HashSet<String>>>,
    /// One token refresh at a time per connection (the others wait and use its result).
    refreshing: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Calendars {
    pub fn new(
        store: Store,
        sealer: Arc<Sealer>,
        policy: OutboundPolicy,
        sender: Arc<Sender>,
        google: Option<Google>,
    ) -> Self {
        Self {
            store,
            sealer,
            policy,
            sender,
            google,
            running: Arc::default(),
            refreshing: Arc::default(),
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
            scopes: String::new(),
            token_expires_at: None,
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
                sync_token: None,
            })
            .collect();
        self.store.add_connection(&connection, &calendars).await?;
        self.sync_host(&host.id, now_i).await?;
        crate::outbox::schedule_calendar_sync(&self.store, &host.id, now_i).await?;
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

/// What a Google connection keeps sealed.
fn tokens_json(access: &str, refresh: &str, expires_at: Instant) -> String {
    json!({"access": access, "refresh": refresh, "expiresAt": expires_at.as_millis()}).to_string()
}

fn failed(e: &GoogleError) -> SendError {
    match e {
        GoogleError::InvalidGrant(_) => SendError::permanent(e.to_string()),
        _ => SendError::transient(e.to_string()),
    }
}

impl Calendars {
    fn google(&self) -> Result<&Google> {
        self.google.as_ref().ok_or_else(|| {
            ServiceError::NotFound("Google Calendar is not set up on this server".into())
        })
    }

    /// Connects the Google account that granted `code`: the scopes are checked, the tokens
    /// sealed, the calendars listed (the primary one gets bookings; owned ones are checked for
    /// conflicts), and busy times read once.
    pub async fn connect_google(
        &self,
        host: &Host,
        code: &str,
        redirect_uri: &str,
        now: Timestamp,
    ) -> Result<Vec<CalendarRecord>> {
        let google = self.google()?;
        let now_i = Instant::from(now);
        let refused = |m: String| ServiceError::Invalid(vec![FieldError::new("google", m)]);
        let tokens: Tokens = google
            .exchange(code, redirect_uri, now_i)
            .await
            .map_err(|e| refused(e.to_string()))?;
        let missing: Vec<&str> = crate::integrations::google::SCOPES
            .iter()
            .copied()
            .filter(|scope| !tokens.scopes.iter().any(|g| g == scope))
            .collect();
        if !missing.is_empty() {
            return Err(refused(
                "Google did not grant access to your calendars; connect again and tick both boxes"
                    .into(),
            ));
        }
        let Some(refresh) = tokens.refresh_token.clone() else {
            return Err(refused("Google sent no refresh token; remove NovaCRM's access in your Google account and connect again".into()));
        };
        let listed = google
            .calendars(&tokens.access_token)
            .await
            .map_err(|e| refused(e.to_string()))?;
        let account = listed
            .iter()
            .find(|c| c.primary)
            .map_or_else(|| "Google account".to_owned(), |c| c.id.clone());
        let id = new_id();
        let connection = ConnectionRecord {
            secret_sealed: self.sealer.seal(
                &tokens_json(&tokens.access_token, &refresh, tokens.expires_at),
                &secret_context(&id),
            ),
            id,
            host_id: host.id.clone(),
            provider: "google".into(),
            url: String::new(),
            username: account,
            scopes: tokens.scopes.join(" "),
            token_expires_at: Some(tokens.expires_at),
            status: "ok".into(),
            last_error: None,
            last_sync_at: None,
            created_at: now_i,
        };
        let calendars: Vec<CalendarRecord> = listed
            .into_iter()
            .enumerate()
            .map(|(i, c)| CalendarRecord {
                id: new_id(),
                connection_id: connection.id.clone(),
                host_id: host.id.clone(),
                remote_id: c.id,
                name: c.name,
                writable: c.writable,
                check_conflicts: c.primary || c.writable,
                add_bookings: c.primary && c.writable,
                position: i as i64,
                busy_from: None,
                busy_to: None,
                synced_at: None,
                sync_error: None,
                sync_token: None,
            })
            .collect();
        self.store.add_connection(&connection, &calendars).await?;
        self.sync_host(&host.id, now_i).await?;
        crate::outbox::schedule_calendar_sync(&self.store, &host.id, now_i).await?;
        Ok(self.store.calendars(&host.id).await?)
    }

    /// A usable access token: the stored one, or a refreshed one when it is about to expire
    /// or `refused` (the token Google just refused) is still the stored one. One refresh at a
    /// time per connection; a rotated refresh token is saved; `invalid_grant` marks the
    /// connection for reconnecting.
    async fn access_token(
        &self,
        connection_id: &str,
        now: Instant,
        refused: Option<&str>,
    ) -> std::result::Result<String, GoogleError> {
        let google = self.google.as_ref().ok_or_else(|| {
            GoogleError::Failed("Google Calendar is not set up on this server".into())
        })?;
        let lock = self
            .refreshing
            .lock()
            .expect("refresh lock map")
            .entry(connection_id.to_owned())
            .or_default()
            .clone();
        let _held = lock.lock().await;
        let store_error = |e: crate::store::StoreError| GoogleError::Failed(e.to_string());
        let connection = self
            .store
            .connection(connection_id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| GoogleError::Failed("the connection was removed".into()))?;
        let sealed = self
            .sealer
            .open(&connection.secret_sealed, &secret_context(&connection.id))
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .ok_or_else(|| GoogleError::InvalidGrant("the saved tokens cannot be read".into()))?;
        let access = sealed["access"].as_str().unwrap_or_default().to_owned();
        let refresh = sealed["refresh"].as_str().unwrap_or_default().to_owned();
        let expires = Instant::from_millis(sealed["expiresAt"].as_i64().unwrap_or(0));
        let expiring = expires.as_millis() - now.as_millis() < 60_000;
        if !expiring && refused != Some(access.as_str()) {
            return Ok(access);
        }
        match google.refresh(&refresh, now).await {
            Ok(fresh) => {
                let refresh = fresh.refresh_token.unwrap_or(refresh);
                let sealed = self.sealer.seal(
                    &tokens_json(&fresh.access_token, &refresh, fresh.expires_at),
                    &secret_context(&connection.id),
                );
                self.store
                    .set_connection_secret(&connection.id, &sealed, fresh.expires_at)
                    .await
                    .map_err(store_error)?;
                Ok(fresh.access_token)
            }
            Err(e) => {
                if matches!(e, GoogleError::InvalidGrant(_)) {
                    let message = "Google no longer accepts this connection; connect again";
                    self.store
                        .set_connection_status(
                            &connection.id,
                            "needs_reconnect",
                            Some(message),
                            None,
                        )
                        .await
                        .map_err(store_error)?;
                }
                Err(e)
            }
        }
    }

    /// Runs `call` with a token, refreshing once and retrying once if Google refuses it.
    async fn with_token<'a, T>(
        &self,
        connection_id: &str,
        now: Instant,
        call: impl Fn(String) -> BoxFuture<'a, std::result::Result<T, GoogleError>>,
    ) -> std::result::Result<T, GoogleError> {
        let token = self.access_token(connection_id, now, None).await?;
        match call(token.clone()).await {
            Err(GoogleError::Unauthorized) => {
                let fresh = self.access_token(connection_id, now, Some(&token)).await?;
                call(fresh).await
            }
            other => other,
        }
    }

    async fn sync_google(
        &self,
        connection: &ConnectionRecord,
        calendars: &[&CalendarRecord],
        from: Instant,
        to: Instant,
        now: Instant,
    ) -> Result<()> {
        let Some(google) = &self.google else {
            return Ok(());
        };
        let ids: Vec<String> = calendars.iter().map(|c| c.remote_id.clone()).collect();
        let ids = &ids;
        let read = self
            .with_token(&connection.id, now, |token| {
                Box::pin(async move { google.free_busy(&token, ids, from, to).await })
            })
            .await;
        match read {
            Ok(found) => {
                let mut failure = None;
                for cal in calendars {
                    match found.get(&cal.remote_id) {
                        Some(Ok(busy)) => {
                            let busy = busy
                                .iter()
                                .map(|(s, e)| (s.as_millis(), e.as_millis()))
                                .collect();
                            self.store
                                .save_calendar_busy(cal, busy, from, to, now)
                                .await?;
                        }
                        Some(Err(message)) => {
                            self.store.fail_calendar_sync(cal, message).await?;
                            failure = Some(format!("{:?}: {message}", cal.name));
                        }
                        None => {
                            self.store
                                .fail_calendar_sync(cal, "not in Google's answer")
                                .await?;
                            failure = Some(format!("{:?} was not in Google's answer", cal.name));
                        }
                    }
                }
                let (status, error, synced) = match &failure {
                    Some(m) => ("error", Some(m.as_str()), None),
                    None => ("ok", None, Some(now)),
                };
                self.store
                    .set_connection_status(&connection.id, status, error, synced)
                    .await?;
            }
            Err(e) => {
                let message = e.to_string();
                for cal in calendars {
                    self.store.fail_calendar_sync(cal, &message).await?;
                }
                let status = if matches!(e, GoogleError::InvalidGrant(_)) {
                    "needs_reconnect"
                } else {
                    "error"
                };
                self.store
                    .set_connection_status(&connection.id, status, Some(&message), None)
                    .await?;
            }
        }
        Ok(())
    }

    /// A Google Meet link for a booking: its event is written now, with a conference, in the
    /// host's Google calendar that gets bookings (else their first writable one), and
    /// recorded so the booking's calendar job updates that event rather than making another.
    pub async fn meet_link(
        &self,
        found: &Found,
        now: Instant,
    ) -> std::result::Result<String, SendError> {
        let transient = |e: crate::store::StoreError| SendError::transient(e.to_string());
        let host_id = &found.host.id;
        let connections = self.store.connections(host_id).await.map_err(transient)?;
        let calendars = self.store.calendars(host_id).await.map_err(transient)?;
        let google: Vec<&ConnectionRecord> = connections
            .iter()
            .filter(|c| c.provider == "google")
            .collect();
        let target = calendars
            .iter()
            .filter(|c| google.iter().any(|g| g.id == c.connection_id) && c.writable)
            .max_by_key(|c| (c.add_bookings, c.position == 0));
        let Some(cal) = target else {
            return Err(SendError::permanent(
                "Google Meet links need a connected Google Calendar (Dashboard → Integrations)",
            ));
        };
        let connection = google
            .iter()
            .find(|g| g.id == cal.connection_id)
            .copied()
            .expect("the calendar's connection is in the list");
        self.write_google(connection, cal, found, now)
            .await?
            .flatten()
            .ok_or_else(|| SendError::transient("Google made no Meet link yet"))
    }

    async fn write_google(
        &self,
        connection: &ConnectionRecord,
        cal: &CalendarRecord,
        found: &Found,
        now: Instant,
    ) -> std::result::Result<Option<Option<String>>, SendError> {
        let google = self
            .google
            .as_ref()
            .ok_or_else(|| SendError::permanent("Google Calendar is not set up on this server"))?;
        let transient = |e: crate::store::StoreError| SendError::transient(e.to_string());
        let b = &found.booking;
        let recorded = self
            .store
            .calendar_event(&b.id, &cal.id)
            .await
            .map_err(transient)?;
        if b.status == BookingStatus::Cancelled {
            let Some((event_id, _)) = recorded else {
                return Ok(None);
            };
            let event_id = &event_id;
            self.with_token(&connection.id, now, |token| {
                Box::pin(async move { google.delete_event(&token, &cal.remote_id, event_id).await })
            })
            .await
            .map_err(|e| failed(&e))?;
            self.store
                .forget_calendar_event(&b.id, &cal.id)
                .await
                .map_err(transient)?;
            return Ok(Some(None));
        }
        let (summary, description, location) = self.sender.with_invite(
            b,
            &found.host,
            &found.meeting,
            scheduling::invite::Method::Publish,
            Recipient::Host,
            |i| {
                (
                    i.summary.to_owned(),
                    i.description.to_owned(),
                    i.location.map(str::to_owned),
                )
            },
        );
        let draft = EventDraft {
            ical_uid: self.sender.uid(&b.id),
            summary,
            description,
            location,
            start: b.start,
            end: b.end,
            attendee_name: b.guest_name.clone(),
            attendee_email: b.guest_email.clone(),
            meet_request: matches!(
                found.meeting.location,
                Some(scheduling::Location::Video {
                    provider: scheduling::VideoProvider::GoogleMeet
                })
            )
            .then(|| b.id.clone()),
        };
        let draft = &draft;
        if let Some((event_id, _)) = recorded {
            let event_id = &event_id;
            self.with_token(&connection.id, now, |token| {
                Box::pin(async move {
                    google
                        .update_event(&token, &cal.remote_id, event_id, draft)
                        .await
                })
            })
            .await
            .map_err(|e| failed(&e))?;
        } else {
            let (event_id, meet) = self
                .with_token(&connection.id, now, |token| {
                    Box::pin(
                        async move { google.insert_event(&token, &cal.remote_id, draft).await },
                    )
                })
                .await
                .map_err(|e| failed(&e))?;
            self.store
                .save_calendar_event(&b.id, &cal.id, &event_id, None)
                .await
                .map_err(transient)?;
            return Ok(Some(meet));
        }
        Ok(Some(None))
    }
}
