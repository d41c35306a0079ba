//! The host's calendars: CalDAV connections made (discovery) and changed (two flags per
//! calendar), busy times read into the store as data for the engine, and bookings written
//! out as events. Reading happens in jobs every few minutes and on demand when a page finds
//! the data stale; a calendar that cannot be read makes the host's page offer nothing,
//! never everything (`availability` checks the summary this keeps on the host row).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use scheduling::{FieldError, Instant, Obj};
use serde_json::{Value, json};

use super::{Result, ServiceError};
use crate::integrations::caldav::{CalDav, CalDavError};
use crate::integrations::google::Google;
use crate::integrations::outbound::OutboundPolicy;
use crate::messages::Sender;
use crate::sealed::Sealer;
use crate::store::{CalendarRecord, ConnectionRecord, Host, Store, new_id};

/// How often busy times are read again.
pub const REFRESH_MS: i64 = 5 * 60_000;
/// Past this age without a successful read, the page offers nothing.
pub const STALE_MS: i64 = 15 * 60_000;
/// Busy times are read from a day back …
pub(super) const PAST_MS: i64 = 86_400_000;
/// … to the host's horizon (at least 93 days: a request's longest range), capped at a year.
pub(super) const MIN_AHEAD_DAYS: i64 = 95;
pub(super) const MAX_AHEAD_DAYS: i64 = 400;

/// Connections a host may have.
pub const MAX_CONNECTIONS: usize = 10;

/// The context a connection's secret is sealed under.
pub(super) fn secret_context(connection_id: &str) -> String {
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
    pub(super) running: Arc<Mutex<HashSet<String>>>,
    /// One token refresh at a time per connection (the others wait and use its result).
    pub(super) refreshing: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
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

    pub(super) fn client(
        &self,
        connection: &ConnectionRecord,
    ) -> std::result::Result<CalDav, String> {
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
                check_conflicts: true,
                add_bookings: Some(i) == first_writable,
                ..CalendarRecord::found(&connection, i, c.url, c.name, c.writable)
            })
            .collect();
        self.attach(&host.id, &connection, &calendars, now_i)
            .await?;
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

    /// A new connection saved with its calendars, read at once, and put on the periodic
    /// sync: the last step of connecting Google and CalDAV alike.
    pub(super) async fn attach(
        &self,
        host_id: &str,
        connection: &ConnectionRecord,
        calendars: &[CalendarRecord],
        now: Instant,
    ) -> Result<()> {
        self.store.add_connection(connection, calendars).await?;
        self.sync_host(host_id, now).await?;
        crate::outbox::schedule_calendar_sync(&self.store, host_id, now).await?;
        Ok(())
    }

    async fn owned(&self, host: &Host, id: &str) -> Result<ConnectionRecord> {
        self.store
            .connection(id)
            .await?
            .filter(|c| c.host_id == host.id)
            .ok_or_else(|| ServiceError::NotFound("no such calendar connection".into()))
    }
}
