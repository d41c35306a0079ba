//! The one store: every SQL statement of the service, over sqlx's `Any` pool.
//!
//! One dialect that SQLite and PostgreSQL both accept (DESIGN.md §4): `$n` placeholders,
//! instants as BIGINT milliseconds, ids as TEXT UUIDv7, booleans as BIGINT 0/1, JSON as TEXT.
//! The backend is chosen by the URL scheme in exactly one `match` ([`Backend::of`]); only the
//! migration folders differ. Nothing here decides a rule: it loads and saves.

mod calendars;
mod guard;
mod insights;
mod jobs;
mod migrate;
mod records;
mod webhooks;

use std::time::Duration;

use scheduling::{AvailabilitySettings, BookingStatus, Instant};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row, Transaction};

pub use calendars::{CalendarRecord, ConnectionRecord};
pub use insights::{BookingFact, VISIT_KEYS_KEPT_MS, VisitedHost};
pub use jobs::{JobFilter, JobRecord, JobRow};
pub use records::{
    Actor, BlockedRecord, BookingRecord, ContactRecord, Host, MeetingTypeRecord, NewBooking,
    Onboarding, PageHost, Source,
};
pub use webhooks::WebhookRecord;

/// A step of the onboarding checklist the host ticks by doing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnboardingStep {
    Hours,
    Types,
}

/// The columns `Host::from_row` reads, bare and qualified by the alias `u` (macros, so that
/// statements stay literals: `concat!`).
macro_rules! host_columns {
    () => {
        "app_user_id, username, name, email, booking_version, embed_origins, welcome, \
         brand_color, photo_digest, hours_set, types_set, link_shared, page_analytics, week_start"
    };
    (u) => {
        "u.app_user_id, u.username, u.name, u.email, u.booking_version, u.embed_origins, \
         u.welcome, u.brand_color, u.photo_digest, u.hours_set, u.types_set, u.link_shared, \
         u.page_analytics, u.week_start"
    };
}

/// Which bookings a listing shows: a status, a start-time range and a meeting type, each
/// optional; oldest first unless `newest_first`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingFilter {
    pub status: Option<BookingStatus>,
    /// Leave cancelled bookings out (when no `status` is given).
    pub not_cancelled: bool,
    pub from: Option<Instant>,
    pub to: Option<Instant>,
    pub meeting_type: Option<String>,
    pub newest_first: bool,
}

/// A page cursor (`<start ms>.<id>`, see [`BookingRecord::cursor`]) read back.
pub fn parse_cursor(text: &str) -> Option<(Instant, &str)> {
    let (ms, id) = text.split_once('.')?;
    Some((Instant::from_millis(ms.parse().ok()?), id)).filter(|(_, id)| !id.is_empty())
}

/// A write transaction. On SQLite it also holds this process's writer slot (see
/// [`Store::write`]); it derefs to the connection, so queries run on `&mut **tx`.
#[derive(Debug)]
pub struct Tx {
    tx: Transaction<'static, sqlx::Any>,
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Result<Self, StoreError> {
        match url.split(':').next().unwrap_or_default() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            other => Err(StoreError::Config(format!(
                "DATABASE_URL scheme {other:?} is not supported (use sqlite:// or postgres://)"
            ))),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; queueing here, in order, beats its busy handler's
    /// sleep-and-retry (which gave a 0.7 s p99 under load). Other processes on the same
    /// file still wait on the busy timeout.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A new random id (UUIDv7: time-ordered, so indexes stay append-mostly).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Opens a `sqlite://path` file (created if missing, with its folder), never `:memory:`.
fn sqlite_url(url: &str) -> Result<String> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Err(StoreError::Config(
            "use a SQLite file (sqlite://data/novacrm.db): an in-memory database is empty on \
             every pooled connection"
                .into(),
        ));
    }
    if let Some(dir) = std::path::Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Config(format!(
                "cannot create the database folder {}: {e}",
                dir.display()
            ))
        })?;
    }
    Ok(if url.contains('?') {
        url.to_owned()
    } else {
        format!("sqlite://{path}?mode=rwc")
    })
}

impl Store {
    /// Connects and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url)?;
        let (url, max) = match backend {
            Backend::Sqlite => (sqlite_url(url)?, 8),
            Backend::Postgres => (url.to_owned(), 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlx::raw_sql(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                        )
                        .execute(conn)
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let store = Self {
            pool,
            backend,
            writer: std::sync::Arc::default(),
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction. SQLite takes its write lock up front (`BEGIN IMMEDIATE`), so two
    /// writers queue on the busy timeout instead of failing to upgrade a read lock.
    pub async fn write(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let writer = self.writer.clone().lock_owned().await;
                Tx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _writer: Some(writer),
                }
            }
            Backend::Postgres => Tx {
                tx: self.pool.begin().await?,
                _writer: None,
            },
        })
    }

    // ---- hosts -------------------------------------------------------------------------

    pub async fn create_host(
        &self,
        username: &str,
        name: &str,
        email: &str,
        password_hash: &str,
        settings: &AvailabilitySettings,
        now: Instant,
    ) -> Result<Host> {
        let mut tx = self.write().await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO app_user (app_user_id, username, name, email, password_hash, \
             booking_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
        )
        .bind(&id)
        .bind(username)
        .bind(name)
        .bind(email)
        .bind(password_hash)
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await?;
        save_availability(&mut tx, &id, settings, now).await?;
        tx.commit().await?;
        Ok(Host {
            id,
            username: username.into(),
            name: name.into(),
            email: email.into(),
            booking_version: 0,
            embed_origins: String::new(),
            welcome: String::new(),
            brand_color: String::new(),
            photo_digest: None,
            onboarding: Onboarding::default(),
            page_analytics: true,
            week_start: scheduling::Weekday::Mon,
        })
    }

    pub async fn host_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM app_user")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn host_by_username(&self, username: &str) -> Result<Option<Host>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            host_columns!(),
            " FROM app_user WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Host::from_row(&r)).transpose()
    }

    pub async fn host_by_id(&self, id: &str) -> Result<Option<Host>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            host_columns!(),
            " FROM app_user WHERE app_user_id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Host::from_row(&r)).transpose()
    }

    pub async fn host_by_token_hash(&self, token_hash: &str) -> Result<Option<Host>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            host_columns!(u),
            " FROM api_token t JOIN app_user u ON u.app_user_id = t.app_user_id \
             WHERE t.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Host::from_row(&r)).transpose()
    }

    /// The host and their password hash, for logging in.
    pub async fn credentials(&self, username: &str) -> Result<Option<(Host, String)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            host_columns!(),
            ", password_hash FROM app_user WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((Host::from_row(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    pub async fn add_session(
        &self,
        host_id: &str,
        token_hash: &str,
        expires: Instant,
        now: Instant,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO session (token_hash, app_user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(host_id)
        .bind(expires.as_millis())
        .bind(now.as_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn host_by_session(&self, token_hash: &str, now: Instant) -> Result<Option<Host>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            host_columns!(u),
            " FROM session s JOIN app_user u ON u.app_user_id = s.app_user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now.as_millis())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Host::from_row(&r)).transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM session WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn add_token(&self, host_id: &str, token_hash: &str, now: Instant) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_token (api_token_id, app_user_id, token_hash, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(new_id())
        .bind(host_id)
        .bind(token_hash)
        .bind(now.as_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Locks the host for a change of their schedule and bumps the version that keys the
    /// availability cache. Every booking write and every rule change goes through here.
    pub async fn lock_host(tx: &mut Tx, host_id: &str) -> Result<i64> {
        let row = sqlx::query(
            "UPDATE app_user SET booking_version = booking_version + 1 WHERE app_user_id = $1 \
             RETURNING booking_version",
        )
        .bind(host_id)
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get("booking_version")?)
    }

    /// The host's current schedule version (one indexed read).
    /// What a cached public page needs of its host: one indexed row.
    pub async fn host_version(&self, username: &str) -> Result<Option<PageHost>> {
        let row = sqlx::query(
            "SELECT app_user_id, booking_version, embed_origins, busy_synced_at, \
             busy_covered_until FROM app_user WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(PageHost {
                id: r.try_get("app_user_id")?,
                version: r.try_get("booking_version")?,
                embed_origins: r.try_get("embed_origins")?,
                busy_synced_at: r
                    .try_get::<Option<i64>, _>("busy_synced_at")?
                    .map(Instant::from_millis),
                busy_covered_until: r
                    .try_get::<Option<i64>, _>("busy_covered_until")?
                    .map(Instant::from_millis),
            })
        })
        .transpose()
    }

    /// Saves the host's booking-page profile (validated by the caller) and bumps the
    /// version that keys the cached pages, which show it.
    pub async fn set_profile(&self, host: &Host) -> Result<()> {
        let mut tx = self.write().await?;
        Self::lock_host(&mut tx, &host.id).await?;
        sqlx::query(
            "UPDATE app_user SET name = $1, welcome = $2, brand_color = $3, embed_origins = $4, \
             link_shared = $5, page_analytics = $6, week_start = $7 WHERE app_user_id = $8",
        )
        .bind(&host.name)
        .bind(&host.welcome)
        .bind(&host.brand_color)
        .bind(&host.embed_origins)
        .bind(i64::from(host.onboarding.shared))
        .bind(i64::from(host.page_analytics))
        .bind(host.week_start.key())
        .bind(&host.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ticks a step of the host's onboarding checklist (`hours_set` or `types_set`).
    pub async fn tick_onboarding(tx: &mut Tx, host_id: &str, step: OnboardingStep) -> Result<()> {
        let sql = match step {
            OnboardingStep::Hours => "UPDATE app_user SET hours_set = 1 WHERE app_user_id = $1",
            OnboardingStep::Types => "UPDATE app_user SET types_set = 1 WHERE app_user_id = $1",
        };
        sqlx::query(sql).bind(host_id).execute(&mut **tx).await?;
        Ok(())
    }

    /// Replaces (or with `None` removes) the host's photo; its digest names its URL.
    pub async fn set_photo(&self, host_id: &str, photo: Option<(&str, &[u8], &str)>) -> Result<()> {
        let mut tx = self.write().await?;
        Self::lock_host(&mut tx, host_id).await?;
        sqlx::query("DELETE FROM host_photo WHERE app_user_id = $1")
            .bind(host_id)
            .execute(&mut *tx)
            .await?;
        if let Some((content_type, bytes, _)) = photo {
            sqlx::query(
                "INSERT INTO host_photo (app_user_id, content_type, bytes) VALUES ($1, $2, $3)",
            )
            .bind(host_id)
            .bind(content_type)
            .bind(bytes)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE app_user SET photo_digest = $1 WHERE app_user_id = $2")
            .bind(photo.map(|(_, _, digest)| digest))
            .bind(host_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The host's photo, if it still has this digest: content type and bytes.
    pub async fn photo(&self, username: &str, digest: &str) -> Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT p.content_type, p.bytes FROM host_photo p \
             JOIN app_user u ON u.app_user_id = p.app_user_id \
             WHERE u.username = $1 AND u.photo_digest = $2",
        )
        .bind(username)
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("content_type")?, r.try_get("bytes")?)))
            .transpose()
    }

    // ---- availability ------------------------------------------------------------------

    pub async fn availability(&self, host_id: &str) -> Result<AvailabilitySettings> {
        load_availability(&self.pool, host_id).await
    }

    pub async fn availability_in(
        conn: &mut sqlx::AnyConnection,
        host_id: &str,
    ) -> Result<AvailabilitySettings> {
        load_availability(conn, host_id).await
    }

    /// The host's schedule version and availability settings, in one read on `conn`.
    /// The host's schedule version and settings, with the summary of their conflict
    /// calendars (when all were last read, how far ahead they are known).
    pub async fn versioned_availability(
        conn: &mut sqlx::AnyConnection,
        host_id: &str,
    ) -> Result<(i64, AvailabilitySettings, Option<Instant>, Option<Instant>)> {
        let row = sqlx::query(
            "SELECT u.booking_version, u.busy_synced_at, u.busy_covered_until, a.timezone, \
             a.working_days, a.start_time, a.end_time, \
             a.weekly_hours, a.buffer_time, a.min_notice, a.max_advance \
             FROM app_user u JOIN availability a ON a.app_user_id = u.app_user_id \
             WHERE u.app_user_id = $1",
        )
        .bind(host_id)
        .fetch_one(conn)
        .await?;
        let at = |c: &str| -> Result<Option<Instant>> {
            Ok(row.try_get::<Option<i64>, _>(c)?.map(Instant::from_millis))
        };
        Ok((
            row.try_get("booking_version")?,
            records::availability_from_row(&row)?,
            at("busy_synced_at")?,
            at("busy_covered_until")?,
        ))
    }

    pub async fn save_availability(
        tx: &mut Tx,
        host_id: &str,
        settings: &AvailabilitySettings,
        now: Instant,
    ) -> Result<()> {
        save_availability(tx, host_id, settings, now).await
    }

    // ---- meeting types -----------------------------------------------------------------

    pub async fn meeting_types(&self, host_id: &str) -> Result<Vec<MeetingTypeRecord>> {
        let rows = sqlx::query(records::MEETING_TYPE_SELECT_BY_HOST)
            .bind(host_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(MeetingTypeRecord::from_row).collect()
    }

    /// Every meeting type of the host, archived ones too (old bookings name them).
    pub async fn meeting_types_all(&self, host_id: &str) -> Result<Vec<MeetingTypeRecord>> {
        let rows = sqlx::query(records::MEETING_TYPE_SELECT_ALL_BY_HOST)
            .bind(host_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(MeetingTypeRecord::from_row).collect()
    }

    pub async fn meeting_type(&self, host_id: &str, id: &str) -> Result<Option<MeetingTypeRecord>> {
        fetch_meeting_type(&self.pool, host_id, id).await
    }

    pub async fn meeting_type_in(
        conn: &mut sqlx::AnyConnection,
        host_id: &str,
        id: &str,
    ) -> Result<Option<MeetingTypeRecord>> {
        fetch_meeting_type(conn, host_id, id).await
    }

    pub async fn insert_meeting_type(
        tx: &mut Tx,
        m: &MeetingTypeRecord,
        now: Instant,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO meeting_type (meeting_type_id, app_user_id, name, duration, description, \
             color, questions, confirmation_message, slot_interval, active, archived, created_at, \
             updated_at, location_kind, location, guest_cutoff_hours) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15)",
        )
        .bind(&m.id)
        .bind(&m.host_id)
        .bind(&m.name)
        .bind(m.duration)
        .bind(&m.description)
        .bind(&m.color)
        .bind(m.questions.to_string())
        .bind(&m.confirmation_message)
        .bind(m.slot_interval)
        .bind(i64::from(m.active))
        .bind(i64::from(m.archived))
        .bind(now.as_millis())
        .bind(m.location.as_ref().map(|l| l.to_columns().0))
        .bind(m.location.as_ref().and_then(|l| l.to_columns().1))
        .bind(m.guest_cutoff_hours)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn update_meeting_type(
        tx: &mut Tx,
        m: &MeetingTypeRecord,
        now: Instant,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE meeting_type SET name = $3, duration = $4, description = $5, color = $6, \
             questions = $7, confirmation_message = $8, slot_interval = $9, active = $10, \
             archived = $11, updated_at = $12, location_kind = $13, location = $14, \
             guest_cutoff_hours = $15 WHERE meeting_type_id = $1 AND app_user_id = $2",
        )
        .bind(&m.id)
        .bind(&m.host_id)
        .bind(&m.name)
        .bind(m.duration)
        .bind(&m.description)
        .bind(&m.color)
        .bind(m.questions.to_string())
        .bind(&m.confirmation_message)
        .bind(m.slot_interval)
        .bind(i64::from(m.active))
        .bind(i64::from(m.archived))
        .bind(now.as_millis())
        .bind(m.location.as_ref().map(|l| l.to_columns().0))
        .bind(m.location.as_ref().and_then(|l| l.to_columns().1))
        .bind(m.guest_cutoff_hours)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn delete_meeting_type(tx: &mut Tx, host_id: &str, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM meeting_type WHERE meeting_type_id = $1 AND app_user_id = $2")
            .bind(id)
            .bind(host_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn meeting_type_has_bookings(tx: &mut Tx, id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM booking WHERE meeting_type_id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    // ---- busy data ---------------------------------------------------------------------

    /// Non-cancelled bookings that could touch `[from, to)` once buffered (≤ 1 day).
    pub async fn busy_bookings(
        conn: impl sqlx::AnyExecutor<'_>,
        host_id: &str,
        from: Instant,
        to: Instant,
        except: Option<&str>,
    ) -> Result<Vec<scheduling::BookedTime>> {
        let day = 86_400_000;
        let rows = sqlx::query(
            "SELECT start_time, end_time, status FROM booking WHERE app_user_id = $1 \
             AND status <> 'CANCELLED' AND start_time < $2 AND end_time > $3 \
             AND booking_id <> $4 \
             UNION ALL SELECT start_time, end_time, 'CONFIRMED' AS status FROM calendar_busy \
             WHERE app_user_id = $1 AND start_time < $2 AND end_time > $3 ORDER BY start_time",
        )
        .bind(host_id)
        .bind(to.as_millis() + day)
        .bind(from.as_millis() - day)
        .bind(except.unwrap_or(""))
        .fetch_all(conn)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(scheduling::BookedTime {
                    start: Instant::from_millis(r.try_get("start_time")?),
                    end: Instant::from_millis(r.try_get("end_time")?),
                    status: status.parse().map_err(StoreError::Corrupt)?,
                })
            })
            .collect()
    }

    pub async fn blocked_times(
        conn: impl sqlx::AnyExecutor<'_>,
        host_id: &str,
    ) -> Result<Vec<BlockedRecord>> {
        let rows = sqlx::query(
            "SELECT blocked_time_id, start_time, end_time, reason, recurrence_rule \
             FROM blocked_time WHERE app_user_id = $1 ORDER BY start_time",
        )
        .bind(host_id)
        .fetch_all(conn)
        .await?;
        rows.iter().map(BlockedRecord::from_row).collect()
    }

    pub async fn insert_blocked_time(
        tx: &mut Tx,
        host_id: &str,
        b: &BlockedRecord,
        now: Instant,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO blocked_time (blocked_time_id, app_user_id, start_time, end_time, reason, \
             recurrence_rule, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&b.id)
        .bind(host_id)
        .bind(b.start.as_millis())
        .bind(b.end.as_millis())
        .bind(&b.reason)
        .bind(&b.rule)
        .bind(now.as_millis())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn blocked_time_count(tx: &mut Tx, host_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM blocked_time WHERE app_user_id = $1")
            .bind(host_id)
            .fetch_one(&mut **tx)
            .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn delete_blocked_time(tx: &mut Tx, host_id: &str, id: &str) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM blocked_time WHERE blocked_time_id = $1 AND app_user_id = $2")
                .bind(id)
                .bind(host_id)
                .execute(&mut **tx)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    // ---- bookings and contacts -----------------------------------------------------------

    /// Finds the host's contact with this email (case-insensitive) or creates it.
    pub async fn upsert_contact(
        tx: &mut Tx,
        host_id: &str,
        b: &NewBooking,
        now: Instant,
    ) -> Result<String> {
        let key = b.guest_email.to_lowercase();
        let row = sqlx::query(
            "INSERT INTO contact (contact_id, app_user_id, name, email, email_key, phone, company, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (app_user_id, email_key) DO UPDATE SET \
             phone = COALESCE(contact.phone, excluded.phone), \
             company = COALESCE(contact.company, excluded.company), updated_at = excluded.updated_at \
             RETURNING contact_id",
        )
        .bind(new_id())
        .bind(host_id)
        .bind(&b.guest_name)
        .bind(&b.guest_email)
        .bind(&key)
        .bind(&b.guest_phone)
        .bind(&b.guest_company)
        .bind(now.as_millis())
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get("contact_id")?)
    }

    /// The host's CRM contacts, by name.
    pub async fn contacts(&self, host_id: &str) -> Result<Vec<ContactRecord>> {
        let rows = sqlx::query(
            "SELECT contact_id, name, email, phone, company, notes FROM contact \
             WHERE app_user_id = $1 ORDER BY name, email",
        )
        .bind(host_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ContactRecord::from_row).collect()
    }

    /// One of the host's contacts (another host's id finds nothing).
    pub async fn contact(&self, host_id: &str, contact_id: &str) -> Result<Option<ContactRecord>> {
        let row = sqlx::query(
            "SELECT contact_id, name, email, phone, company, notes FROM contact \
             WHERE app_user_id = $1 AND contact_id = $2",
        )
        .bind(host_id)
        .bind(contact_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| ContactRecord::from_row(&r)).transpose()
    }

    /// Saves the host's notes on a contact; false when the host has no such contact.
    pub async fn set_contact_notes(
        &self,
        host_id: &str,
        contact_id: &str,
        notes: &str,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE contact SET notes = $1 WHERE app_user_id = $2 AND contact_id = $3")
                .bind(notes)
                .bind(host_id)
                .bind(contact_id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Leaves a message for the session's next dashboard page (replacing one not yet shown).
    pub async fn set_flash(
        &self,
        session_hash: &str,
        kind: &str,
        body: &str,
        now: Instant,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM flash_message WHERE session_hash = $1")
            .bind(session_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO flash_message (session_hash, kind, body, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(session_hash)
        .bind(kind)
        .bind(body)
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session's waiting message (kind, text), taken: it shows once.
    pub async fn take_flash(&self, session_hash: &str) -> Result<Option<(String, String)>> {
        let row =
            sqlx::query("DELETE FROM flash_message WHERE session_hash = $1 RETURNING kind, body")
                .bind(session_hash)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| Ok((r.try_get("kind")?, r.try_get("body")?)))
            .transpose()
    }

    pub async fn insert_booking(tx: &mut Tx, b: &BookingRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO booking (booking_id, app_user_id, meeting_type_id, contact_id, guest_name, \
             guest_email, guest_phone, guest_company, start_time, end_time, timezone, meeting_notes, \
             answers, status, cancel_reason, calendar_event_id, meeting_link, created_at, updated_at, \
             guest_token, sequence, reschedule_count, cancelled_at, cancelled_by, source, \
             first_start_at, late_cancel) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)",
        )
        .bind(&b.id)
        .bind(&b.host_id)
        .bind(&b.meeting_type_id)
        .bind(&b.contact_id)
        .bind(&b.guest_name)
        .bind(&b.guest_email)
        .bind(&b.guest_phone)
        .bind(&b.guest_company)
        .bind(b.start.as_millis())
        .bind(b.end.as_millis())
        .bind(&b.timezone)
        .bind(&b.meeting_notes)
        .bind(b.answers.to_string())
        .bind(b.status.as_str())
        .bind(&b.cancel_reason)
        .bind(&b.calendar_event_id)
        .bind(&b.meeting_link)
        .bind(b.created_at.as_millis())
        .bind(b.updated_at.as_millis())
        .bind(&b.guest_token)
        .bind(b.sequence)
        .bind(b.reschedule_count)
        .bind(b.cancelled_at.map(Instant::as_millis))
        .bind(b.cancelled_by.map(records::Actor::as_str))
        .bind(b.source.as_str())
        .bind(b.first_start.as_millis())
        .bind(i64::from(b.late_cancel))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// A booking by its guest token.
    pub async fn booking_by_guest_token(&self, token: &str) -> Result<Option<BookingRecord>> {
        fetch_booking_by_token(&self.pool, token).await
    }

    /// The guest's confirmed meetings with this host that have not started yet.
    pub async fn upcoming_for_guest(
        tx: &mut Tx,
        host_id: &str,
        email: &str,
        now: Instant,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM booking WHERE app_user_id = $1 AND LOWER(guest_email) = $2 \
             AND status = 'CONFIRMED' AND start_time > $3",
        )
        .bind(host_id)
        .bind(email.to_lowercase())
        .bind(now.as_millis())
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// A booking by id, whoever's it is (for jobs, which act on the system's behalf).
    pub async fn booking_by_id(&self, id: &str) -> Result<Option<BookingRecord>> {
        let row = sqlx::query(records::BOOKING_SELECT_BY_ID)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| BookingRecord::from_row(&r)).transpose()
    }

    /// The booking behind a guest token, in a write transaction (locks nothing by itself:
    /// callers lock the host first).
    pub async fn booking_by_guest_token_in(
        tx: &mut Tx,
        token: &str,
    ) -> Result<Option<BookingRecord>> {
        fetch_booking_by_token(&mut **tx, token).await
    }

    /// The next confirmed meeting, across hosts, booked with this phone number (E.164).
    pub async fn next_booking_by_phone(
        &self,
        phone: &str,
        now: Instant,
    ) -> Result<Option<BookingRecord>> {
        let row = sqlx::query(records::BOOKING_SELECT_NEXT_BY_PHONE)
            .bind(phone)
            .bind(now.as_millis())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| BookingRecord::from_row(&r)).transpose()
    }

    /// A contact's bookings with the host, newest first (the host's pre-meeting brief).
    pub async fn contact_bookings(
        &self,
        host_id: &str,
        contact_id: &str,
        limit: i64,
    ) -> Result<Vec<BookingRecord>> {
        let rows = sqlx::query(records::BOOKING_SELECT_BY_CONTACT)
            .bind(host_id)
            .bind(contact_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(BookingRecord::from_row).collect()
    }

    /// The host's confirmed, unfinished bookings from `email` (lower-case) or, when `email`
    /// is empty, from any address at `domain`.
    pub async fn bookings_from_guest(
        tx: &mut Tx,
        host_id: &str,
        email: &str,
        domain: &str,
        now: Instant,
    ) -> Result<Vec<BookingRecord>> {
        let like = if domain.is_empty() {
            String::new()
        } else {
            format!("%@{domain}")
        };
        let rows = sqlx::query(records::BOOKING_SELECT_FROM_GUEST)
            .bind(host_id)
            .bind(now.as_millis())
            .bind(email)
            .bind(like)
            .fetch_all(&mut **tx)
            .await?;
        rows.iter().map(BookingRecord::from_row).collect()
    }

    pub async fn booking_in(tx: &mut Tx, host_id: &str, id: &str) -> Result<Option<BookingRecord>> {
        let row = sqlx::query(records::BOOKING_SELECT_ONE)
            .bind(host_id)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        row.map(|r| BookingRecord::from_row(&r)).transpose()
    }

    pub async fn update_booking(tx: &mut Tx, b: &BookingRecord) -> Result<()> {
        sqlx::query(
            "UPDATE booking SET start_time = $3, end_time = $4, status = $5, cancel_reason = $6, \
             updated_at = $7, sequence = $8, reschedule_count = $9, cancelled_at = $10, \
             cancelled_by = $11, late_cancel = $12 WHERE booking_id = $1 AND app_user_id = $2",
        )
        .bind(&b.id)
        .bind(&b.host_id)
        .bind(b.start.as_millis())
        .bind(b.end.as_millis())
        .bind(b.status.as_str())
        .bind(&b.cancel_reason)
        .bind(b.updated_at.as_millis())
        .bind(b.sequence)
        .bind(b.reschedule_count)
        .bind(b.cancelled_at.map(Instant::as_millis))
        .bind(b.cancelled_by.map(records::Actor::as_str))
        .bind(i64::from(b.late_cancel))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The host's bookings, optionally filtered by status and a start-time range.
    pub async fn bookings(
        &self,
        host_id: &str,
        status: Option<BookingStatus>,
        from: Option<Instant>,
        to: Option<Instant>,
    ) -> Result<Vec<BookingRecord>> {
        let filter = BookingFilter {
            status,
            from,
            to,
            ..BookingFilter::default()
        };
        self.bookings_page(host_id, filter, None, i64::MAX).await
    }

    /// One page of [`Store::bookings`]: at most `limit`, after the `(start, id)` cursor (in
    /// the filter's order).
    pub async fn bookings_page(
        &self,
        host_id: &str,
        filter: BookingFilter,
        after: Option<(Instant, &str)>,
        limit: i64,
    ) -> Result<Vec<BookingRecord>> {
        let (sql, before_all) = if filter.newest_first {
            (records::BOOKING_SELECT_PAGE_DESC, (i64::MAX, ""))
        } else {
            (records::BOOKING_SELECT_PAGE, (i64::MIN, ""))
        };
        let rows = sqlx::query(sql)
            .bind(host_id)
            .bind(filter.status.map_or("", BookingStatus::as_str))
            .bind(filter.from.map_or(i64::MIN, Instant::as_millis))
            .bind(filter.to.map_or(i64::MAX, Instant::as_millis))
            .bind(after.map_or(before_all.0, |(at, _)| at.as_millis()))
            .bind(after.map_or(before_all.1, |(_, id)| id))
            .bind(limit)
            .bind(filter.meeting_type.as_deref().unwrap_or_default())
            .bind(i64::from(filter.not_cancelled))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(BookingRecord::from_row).collect()
    }

    // ---- idempotency -------------------------------------------------------------------

    pub async fn idempotent_response(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<(String, u16, String)>> {
        let row = sqlx::query(
            "SELECT request_hash, response_status, response_body FROM idempotency_key \
             WHERE scope = $1 AND idempotency_key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let status: i64 = r.try_get("response_status")?;
            Ok((
                r.try_get("request_hash")?,
                status as u16,
                r.try_get("response_body")?,
            ))
        })
        .transpose()
    }

    /// Records the answer to a keyed request inside the transaction that produced it.
    pub async fn save_idempotent_response(
        tx: &mut Tx,
        scope: &str,
        key: &str,
        request_hash: &str,
        status: u16,
        body: &str,
        now: Instant,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO idempotency_key (scope, idempotency_key, request_hash, response_status, \
             response_body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(i64::from(status))
        .bind(body)
        .bind(now.as_millis())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

async fn load_availability(
    conn: impl sqlx::AnyExecutor<'_>,
    host_id: &str,
) -> Result<AvailabilitySettings> {
    let row = sqlx::query(
        "SELECT timezone, working_days, start_time, end_time, weekly_hours, buffer_time, \
         min_notice, max_advance FROM availability WHERE app_user_id = $1",
    )
    .bind(host_id)
    .fetch_one(conn)
    .await?;
    records::availability_from_row(&row)
}

async fn save_availability(
    tx: &mut Tx,
    host_id: &str,
    s: &AvailabilitySettings,
    now: Instant,
) -> Result<()> {
    let json = s.to_json();
    sqlx::query(
        "INSERT INTO availability (app_user_id, timezone, working_days, start_time, end_time, \
         weekly_hours, buffer_time, min_notice, max_advance, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (app_user_id) DO UPDATE SET \
         timezone = excluded.timezone, working_days = excluded.working_days, \
         start_time = excluded.start_time, end_time = excluded.end_time, \
         weekly_hours = excluded.weekly_hours, buffer_time = excluded.buffer_time, \
         min_notice = excluded.min_notice, max_advance = excluded.max_advance, \
         updated_at = excluded.updated_at",
    )
    .bind(host_id)
    .bind(s.zone.name())
    .bind(json["workingDays"].to_string())
    .bind(s.start_time.to_string())
    .bind(s.end_time.to_string())
    .bind(
        s.weekly_hours
            .as_ref()
            .map(|_| json["weeklyHours"].to_string()),
    )
    .bind(i64::from(s.buffer.get()))
    .bind(i64::from(s.min_notice.get()))
    .bind(i64::from(s.max_advance.get()))
    .bind(now.as_millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn fetch_meeting_type(
    conn: impl sqlx::AnyExecutor<'_>,
    host_id: &str,
    id: &str,
) -> Result<Option<MeetingTypeRecord>> {
    let row = sqlx::query(records::MEETING_TYPE_SELECT_ONE)
        .bind(host_id)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| MeetingTypeRecord::from_row(&r)).transpose()
}

async fn fetch_booking_by_token(
    conn: impl sqlx::AnyExecutor<'_>,
    token: &str,
) -> Result<Option<BookingRecord>> {
    let row = sqlx::query(records::BOOKING_SELECT_BY_GUEST_TOKEN)
        .bind(token)
        .fetch_optional(conn)
        .await?;
    row.map(|r| BookingRecord::from_row(&r)).transpose()
}

pub(crate) fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get(column)?)
}
