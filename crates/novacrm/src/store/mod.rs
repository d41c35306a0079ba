//! The one store: every SQL statement of the service, over sqlx's `Any` pool.
//!
//! One dialect that SQLite and PostgreSQL both accept (docs/DESIGN.md §4): `$n` placeholders,
//! instants as BIGINT milliseconds, ids as TEXT UUIDv7, booleans as BIGINT 0/1, JSON as TEXT.
//! The backend is chosen by the URL scheme in exactly one `match` ([`Backend::of`]); only the
//! migration folders differ. Nothing here decides a rule: it loads and saves.

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

mod bookings;
mod calendars;
mod contacts;
mod guard;
mod hosts;
mod insights;
mod jobs;
mod migrate;
mod records;
mod schedule;
mod webhooks;

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row, Transaction};

pub use bookings::{BookingFilter, parse_cursor};
pub use calendars::{CalendarRecord, ConnectionRecord};
pub use hosts::OnboardingStep;
pub use insights::{BookingFact, VISIT_KEYS_KEPT_MS, VisitedHost};
pub use jobs::{JobFilter, JobRecord, JobRow};
pub use records::{
    Actor, BlockedRecord, BookingRecord, ContactRecord, Host, MeetingTypeRecord, NewBooking,
    Onboarding, PageHost, Source,
};
pub use webhooks::WebhookRecord;

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
}

pub(crate) fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get(column)?)
}
