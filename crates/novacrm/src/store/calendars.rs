//! The host's calendar connections, their calendars, the busy times read from them (data
//! for the engine like bookings), and where each booking's event was written.

use scheduling::Instant;
use sqlx::any::AnyRow;

use super::db::{Result, Store, Tx, get};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRecord {
    pub id: String,
    pub host_id: String,
    pub provider: String,
    pub url: String,
    pub username: String,
    pub secret_sealed: String,
    /// What the provider granted (OAuth scopes, space-separated; empty for CalDAV).
    pub scopes: String,
    /// When the access token expires (OAuth), as last refreshed.
    pub token_expires_at: Option<Instant>,
    pub status: String,
    pub last_error: Option<String>,
    pub last_sync_at: Option<Instant>,
    pub created_at: Instant,
}

impl ConnectionRecord {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: get(r, "connection_id")?,
            host_id: get(r, "app_user_id")?,
            provider: get(r, "provider")?,
            url: get(r, "url")?,
            username: get(r, "username")?,
            secret_sealed: get(r, "secret_sealed")?,
            scopes: get(r, "scopes")?,
            token_expires_at: get::<Option<i64>>(r, "token_expires_at")?.map(Instant::from_millis),
            status: get(r, "status")?,
            last_error: get(r, "last_error")?,
            last_sync_at: get::<Option<i64>>(r, "last_sync_at")?.map(Instant::from_millis),
            created_at: Instant::from_millis(get(r, "created_at")?),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarRecord {
    pub id: String,
    pub connection_id: String,
    pub host_id: String,
    /// The collection's URL (CalDAV) or the calendar's id (Google).
    pub remote_id: String,
    pub name: String,
    pub writable: bool,
    pub check_conflicts: bool,
    pub add_bookings: bool,
    pub position: i64,
    pub busy_from: Option<Instant>,
    pub busy_to: Option<Instant>,
    pub synced_at: Option<Instant>,
    pub sync_error: Option<String>,
    /// The collection's RFC 6578 sync token after the last incremental read.
    pub sync_token: Option<String>,
}

impl CalendarRecord {
    /// A calendar just found on `connection`, at `position` in its list: not read yet, and
    /// neither checked for conflicts nor given bookings until the caller says so.
    pub fn found(
        connection: &ConnectionRecord,
        position: usize,
        remote_id: String,
        name: String,
        writable: bool,
    ) -> Self {
        Self {
            id: super::db::new_id(),
            connection_id: connection.id.clone(),
            host_id: connection.host_id.clone(),
            remote_id,
            name,
            writable,
            check_conflicts: false,
            add_bookings: false,
            position: position as i64,
            busy_from: None,
            busy_to: None,
            synced_at: None,
            sync_error: None,
            sync_token: None,
        }
    }

    fn from_row(r: &AnyRow) -> Result<Self> {
        let at = |c: &str| -> Result<Option<Instant>> {
            Ok(get::<Option<i64>>(r, c)?.map(Instant::from_millis))
        };
        Ok(Self {
            id: get(r, "calendar_id")?,
            connection_id: get(r, "connection_id")?,
            host_id: get(r, "app_user_id")?,
            remote_id: get(r, "remote_id")?,
            name: get(r, "name")?,
            writable: get::<i64>(r, "writable")? != 0,
            check_conflicts: get::<i64>(r, "check_conflicts")? != 0,
            add_bookings: get::<i64>(r, "add_bookings")? != 0,
            position: get(r, "position")?,
            busy_from: at("busy_from")?,
            busy_to: at("busy_to")?,
            synced_at: at("synced_at")?,
            sync_error: get(r, "sync_error")?,
            sync_token: get(r, "sync_token")?,
        })
    }
}

const CONNECTION_COLUMNS: &str = "connection_id, app_user_id, provider, url, username, \
     secret_sealed, scopes, token_expires_at, status, last_error, last_sync_at, created_at \
     FROM calendar_connection";
const CALENDAR_COLUMNS: &str = "calendar_id, connection_id, app_user_id, remote_id, name, \
     writable, check_conflicts, add_bookings, position, busy_from, busy_to, synced_at, \
     sync_error, sync_token FROM calendar";

impl Store {
    /// Saves a new connection with its calendars, in one transaction.
    pub async fn add_connection(
        &self,
        connection: &ConnectionRecord,
        calendars: &[CalendarRecord],
    ) -> Result<()> {
        let mut tx = self.write().await?;
        // Its calendars may get the host's bookings: a booking's fan-out read before the
        // lock must see this as a change.
        Store::lock_host(&mut tx, &connection.host_id).await?;
        sqlx::query(
            "INSERT INTO calendar_connection (connection_id, app_user_id, provider, url, \
             username, secret_sealed, status, last_error, last_sync_at, created_at, scopes, \
             token_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&connection.id)
        .bind(&connection.host_id)
        .bind(&connection.provider)
        .bind(&connection.url)
        .bind(&connection.username)
        .bind(&connection.secret_sealed)
        .bind(&connection.status)
        .bind(&connection.last_error)
        .bind(connection.last_sync_at.map(Instant::as_millis))
        .bind(connection.created_at.as_millis())
        .bind(&connection.scopes)
        .bind(connection.token_expires_at.map(Instant::as_millis))
        .execute(&mut *tx)
        .await?;
        for c in calendars {
            sqlx::query(
                "INSERT INTO calendar (calendar_id, connection_id, app_user_id, remote_id, name, \
                 writable, check_conflicts, add_bookings, position) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&c.id)
            .bind(&c.connection_id)
            .bind(&c.host_id)
            .bind(&c.remote_id)
            .bind(&c.name)
            .bind(i64::from(c.writable))
            .bind(i64::from(c.check_conflicts))
            .bind(i64::from(c.add_bookings))
            .bind(c.position)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn connections(&self, host_id: &str) -> Result<Vec<ConnectionRecord>> {
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} WHERE app_user_id = $1 ORDER BY created_at, connection_id"
        );
        self.all(
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(host_id),
            ConnectionRecord::from_row,
        )
        .await
    }

    /// One connection by id (any host's: services check the owner).
    pub async fn connection(&self, id: &str) -> Result<Option<ConnectionRecord>> {
        let sql = format!("SELECT {CONNECTION_COLUMNS} WHERE connection_id = $1");
        self.one(
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id),
            ConnectionRecord::from_row,
        )
        .await
    }

    pub async fn set_connection_status(
        &self,
        id: &str,
        status: &str,
        error: Option<&str>,
        synced: Option<Instant>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE calendar_connection SET status = $2, last_error = $3, \
             last_sync_at = COALESCE($4, last_sync_at) WHERE connection_id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(error)
        .bind(synced.map(Instant::as_millis))
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    /// Replaces a connection's sealed secret (a refreshed or rotated token) and its expiry.
    pub async fn set_connection_secret(
        &self,
        id: &str,
        sealed: &str,
        expires: Instant,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE calendar_connection SET secret_sealed = $2, token_expires_at = $3 \
             WHERE connection_id = $1",
        )
        .bind(id)
        .bind(sealed)
        .bind(expires.as_millis())
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    /// Remembers an OAuth `state` for the host until `expires`.
    pub async fn add_oauth_state(
        &self,
        state: &str,
        host_id: &str,
        provider: &str,
        expires: Instant,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO oauth_state (state, app_user_id, provider, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(state)
        .bind(host_id)
        .bind(provider)
        .bind(expires.as_millis())
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    /// Spends an OAuth `state`: true when it was the host's, for `provider`, and unexpired.
    pub async fn spend_oauth_state(
        &self,
        state: &str,
        host_id: &str,
        provider: &str,
        now: Instant,
    ) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM oauth_state WHERE state = $1 AND app_user_id = $2 AND provider = $3 \
             AND expires_at > $4",
        )
        .bind(state)
        .bind(host_id)
        .bind(provider)
        .bind(now.as_millis())
        .execute(&self.writes)
        .await?;
        sqlx::query("DELETE FROM oauth_state WHERE expires_at <= $1")
            .bind(now.as_millis())
            .execute(&self.writes)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes a host's connection, its calendars and their busy times, in a transaction
    /// that locks the host (the busy times were part of its schedule).
    pub async fn delete_connection(&self, host_id: &str, id: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        Store::lock_host(&mut tx, host_id).await?;
        let calendars = "SELECT calendar_id FROM calendar WHERE connection_id = $1";
        for table in ["calendar_busy", "calendar_event"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE calendar_id IN ({calendars})"
            )))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM calendar WHERE connection_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query(
            "DELETE FROM calendar_connection WHERE connection_id = $1 AND app_user_id = $2",
        )
        .bind(id)
        .bind(host_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        Store::refresh_busy_summary(&mut tx, host_id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A host's calendars, in connection order.
    pub async fn calendars(&self, host_id: &str) -> Result<Vec<CalendarRecord>> {
        let sql = format!(
            "SELECT {CALENDAR_COLUMNS} WHERE app_user_id = $1 ORDER BY connection_id, position"
        );
        self.all(
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(host_id),
            CalendarRecord::from_row,
        )
        .await
    }

    pub async fn calendar(&self, id: &str) -> Result<Option<CalendarRecord>> {
        let sql = format!("SELECT {CALENDAR_COLUMNS} WHERE calendar_id = $1");
        self.one(
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id),
            CalendarRecord::from_row,
        )
        .await
    }

    /// Sets a calendar's two flags; the host's schedule changes with them.
    pub async fn set_calendar_flags(
        &self,
        host_id: &str,
        id: &str,
        check_conflicts: bool,
        add_bookings: bool,
    ) -> Result<bool> {
        let mut tx = self.write().await?;
        Store::lock_host(&mut tx, host_id).await?;
        let done = sqlx::query(
            "UPDATE calendar SET check_conflicts = $3, add_bookings = $4 \
             WHERE calendar_id = $1 AND app_user_id = $2",
        )
        .bind(id)
        .bind(host_id)
        .bind(i64::from(check_conflicts))
        .bind(i64::from(add_bookings))
        .execute(&mut *tx)
        .await?;
        if !check_conflicts {
            sqlx::query("DELETE FROM calendar_busy WHERE calendar_id = $1 AND app_user_id = $2")
                .bind(id)
                .bind(host_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE calendar SET synced_at = NULL, busy_from = NULL, busy_to = NULL, sync_error = NULL WHERE calendar_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        Store::refresh_busy_summary(&mut tx, host_id).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// The busy intervals cached for a calendar, sorted (read in the transaction that may
    /// replace them).
    async fn calendar_busy_in(tx: &mut Tx, calendar_id: &str) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT start_time, end_time FROM calendar_busy WHERE calendar_id = $1 \
             ORDER BY start_time, end_time",
        )
        .bind(calendar_id)
        .fetch_all(&mut **tx)
        .await?;
        rows.iter()
            .map(|r| Ok((get(r, "start_time")?, get(r, "end_time")?)))
            .collect()
    }

    /// Records a successful read of a calendar over `[from, to)`. The busy rows are replaced
    /// (and the host's schedule version bumped, so caches recompute) only when they changed.
    pub async fn save_calendar_busy(
        &self,
        calendar: &CalendarRecord,
        mut busy: Vec<(i64, i64)>,
        from: Instant,
        to: Instant,
        now: Instant,
    ) -> Result<()> {
        busy.sort_unstable();
        busy.dedup();
        let mut tx = self.write().await?;
        if Store::calendar_busy_in(&mut tx, &calendar.id).await? != busy {
            Store::lock_host(&mut tx, &calendar.host_id).await?;
            sqlx::query("DELETE FROM calendar_busy WHERE calendar_id = $1")
                .bind(&calendar.id)
                .execute(&mut *tx)
                .await?;
            for (start, end) in &busy {
                sqlx::query(
                    "INSERT INTO calendar_busy (calendar_id, app_user_id, start_time, end_time) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&calendar.id)
                .bind(&calendar.host_id)
                .bind(start)
                .bind(end)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query(
            "UPDATE calendar SET busy_from = $2, busy_to = $3, synced_at = $4, sync_error = NULL \
             WHERE calendar_id = $1",
        )
        .bind(&calendar.id)
        .bind(from.as_millis())
        .bind(to.as_millis())
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await?;
        Store::refresh_busy_summary(&mut tx, &calendar.host_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The event resources kept for a calendar (incremental reads), as iCalendar texts.
    pub async fn calendar_resources(&self, calendar_id: &str) -> Result<Vec<String>> {
        let rows =
            sqlx::query("SELECT ics FROM calendar_resource WHERE calendar_id = $1 ORDER BY href")
                .bind(calendar_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| get(r, "ics")).collect()
    }

    /// Applies one incremental read: resources fetched (href, etag, text) and removed, and
    /// the new sync token; `full` replaces everything kept (a first read or a token the
    /// server no longer knows).
    pub async fn apply_calendar_sync(
        &self,
        calendar_id: &str,
        full: bool,
        fetched: &[(String, Option<String>, String)],
        removed: &[String],
        token: &str,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        if full {
            sqlx::query("DELETE FROM calendar_resource WHERE calendar_id = $1")
                .bind(calendar_id)
                .execute(&mut *tx)
                .await?;
        }
        for href in removed {
            sqlx::query("DELETE FROM calendar_resource WHERE calendar_id = $1 AND href = $2")
                .bind(calendar_id)
                .bind(href)
                .execute(&mut *tx)
                .await?;
        }
        for (href, etag, ics) in fetched {
            sqlx::query(
                "INSERT INTO calendar_resource (calendar_id, href, etag, ics) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (calendar_id, href) DO UPDATE SET etag = excluded.etag, ics = excluded.ics",
            )
            .bind(calendar_id)
            .bind(href)
            .bind(etag)
            .bind(ics)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE calendar SET sync_token = $2 WHERE calendar_id = $1")
            .bind(calendar_id)
            .bind(token)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed read: the calendar counts as unreadable until a read succeeds.
    pub async fn fail_calendar_sync(&self, calendar: &CalendarRecord, error: &str) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE calendar SET sync_error = $2, synced_at = NULL WHERE calendar_id = $1")
            .bind(&calendar.id)
            .bind(error)
            .execute(&mut *tx)
            .await?;
        Store::refresh_busy_summary(&mut tx, &calendar.host_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the host row's summary of its conflict calendars current: when they were all
    /// last read (0 when one is unreadable or never read, NULL when there are none) and how
    /// far ahead all of them are known.
    async fn refresh_busy_summary(tx: &mut Tx, host_id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE app_user SET \
             busy_synced_at = (SELECT CASE WHEN COUNT(*) = 0 THEN NULL \
               WHEN COUNT(synced_at) < COUNT(*) THEN 0 ELSE MIN(synced_at) END \
               FROM calendar WHERE app_user_id = $1 AND check_conflicts = 1), \
             busy_covered_until = (SELECT MIN(busy_to) FROM calendar \
               WHERE app_user_id = $1 AND check_conflicts = 1) \
             WHERE app_user_id = $1",
        )
        .bind(host_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Sets a booking's video link once (a retried job never replaces it).
    pub async fn set_meeting_link(&self, booking_id: &str, link: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE booking SET meeting_link = $2 WHERE booking_id = $1 AND meeting_link IS NULL",
        )
        .bind(booking_id)
        .bind(link)
        .execute(&self.writes)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Where a booking's event lives in a calendar, if it was written.
    pub async fn calendar_event(
        &self,
        booking_id: &str,
        calendar_id: &str,
    ) -> Result<Option<(String, Option<String>)>> {
        let row = sqlx::query(
            "SELECT href, etag FROM calendar_event WHERE booking_id = $1 AND calendar_id = $2",
        )
        .bind(booking_id)
        .bind(calendar_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((get(&r, "href")?, get(&r, "etag")?)))
            .transpose()
    }

    pub async fn save_calendar_event(
        &self,
        booking_id: &str,
        calendar_id: &str,
        href: &str,
        etag: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO calendar_event (booking_id, calendar_id, href, etag) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (booking_id, calendar_id) DO UPDATE SET href = excluded.href, etag = excluded.etag",
        )
        .bind(booking_id)
        .bind(calendar_id)
        .bind(href)
        .bind(etag)
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    pub async fn forget_calendar_event(&self, booking_id: &str, calendar_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM calendar_event WHERE booking_id = $1 AND calendar_id = $2")
            .bind(booking_id)
            .bind(calendar_id)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    /// What the public page needs to know of the host's calendars: when they were all last
    /// read (`None`: no conflict calendars) and how far ahead they are known.
    pub async fn busy_summary(&self, host_id: &str) -> Result<(Option<Instant>, Option<Instant>)> {
        let row = sqlx::query(
            "SELECT busy_synced_at, busy_covered_until FROM app_user WHERE app_user_id = $1",
        )
        .bind(host_id)
        .fetch_one(&self.pool)
        .await?;
        let at = |c: &str| -> Result<Option<Instant>> {
            Ok(get::<Option<i64>>(&row, c)?.map(Instant::from_millis))
        };
        Ok((at("busy_synced_at")?, at("busy_covered_until")?))
    }
}
