//! The one store: every SQL statement of the service, over sqlx's `Any` pool.
//!
//! One dialect that SQLite and PostgreSQL both accept (docs/DESIGN.md §4): `$n` placeholders,
//! instants as BIGINT milliseconds, ids as TEXT UUIDv7, booleans as BIGINT 0/1, JSON as TEXT.
//! The backend is chosen by the URL scheme in exactly one `match` ([`Backend::of`]); only the
//! migration folders differ. Nothing here decides a rule: it loads and saves.

mod bookings;
mod calendars;
mod contacts;
mod db;
mod domains;
mod follow;
mod guard;
mod hosts;
mod insights;
mod jobs;
mod migrate;
mod records;
mod schedule;
pub use schedule::ScheduleHeader;
mod webhooks;

use std::time::Duration;

use sqlx::any::AnyPoolOptions;

pub use bookings::{BookingFilter, BusyTimes, parse_cursor};
pub use calendars::{CalendarRecord, ConnectionRecord};
use db::sqlite_url;
pub use db::{Backend, Result, Store, StoreError, Tx, new_id};
pub use domains::{DomainRecord, DomainStatus};
pub use follow::{PageHost, PageRows};
pub use guard::{GuestStanding, Spend};
pub use hosts::OnboardingStep;
pub use insights::{BookingFact, VISIT_KEYS_KEPT_MS, VisitedHost};
pub use jobs::{Fanout, JobFilter, JobRecord, JobRow};
pub use records::{
    Actor, BlockedRecord, BookingRecord, ContactRecord, Host, MeetingTypeRecord, NewBooking,
    Onboarding, ScheduleRecord, Source,
};
pub use webhooks::WebhookRecord;

/// A write transaction. On SQLite it also holds this process's writer slot (see
/// [`Store::write`]); it derefs to the connection, so queries run on `&mut **tx`.
impl Store {
    /// Connects and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url)?;
        let (url, max) = match backend {
            Backend::Sqlite => (sqlite_url(url)?, 8),
            Backend::Postgres => (url.to_owned(), 16),
        };
        // One connection first, on its own: a database that is down, or a wrong name or
        // password, is told at once with its cause (the pool would only time out, silently).
        let unreachable = |e: &dyn std::fmt::Display| {
            let shown = crate::config::redact_url(&url);
            StoreError::Config(format!("cannot open the database {shown}: {e}"))
        };
        let probe = tokio::time::timeout(
            Duration::from_secs(10),
            <sqlx::AnyConnection as sqlx::Connection>::connect(&url),
        )
        .await
        .map_err(|_| unreachable(&"no answer within 10 seconds"))?
        .map_err(|e| unreachable(&e))?;
        sqlx::Connection::close(probe)
            .await
            .map_err(|e| unreachable(&e))?;
        let options = || {
            AnyPoolOptions::new()
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            sqlx::raw_sql(
                                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA wal_autocheckpoint = 10000;",
                            )
                            .execute(conn)
                            .await?;
                        }
                        Ok(())
                    })
                })
        };
        let pool = options().max_connections(max).connect(&url).await?;
        // SQLite has one writer at a time: its write transactions take turns on one
        // connection of their own, queued in order by the pool (its busy handler's
        // sleep-and-retry gave a 0.7 s p99 under load). That connection's page cache also
        // stays warm, since no other connection of this process writes the file.
        let writes = match backend {
            Backend::Sqlite => {
                options()
                    .max_connections(1)
                    .min_connections(1)
                    .connect(&url)
                    .await?
            }
            Backend::Postgres => pool.clone(),
        };
        let store = Self {
            pool,
            writes,
            backend,
            url: url.as_str().into(),
            pages: std::sync::Arc::default(),
        };
        migrate::run(&store).await?;
        if backend == Backend::Sqlite {
            store.spawn_checkpoints();
        }
        Ok(store)
    }
}

impl Store {
    /// Copies SQLite's write-ahead log into the database file every [`CHECKPOINT_EVERY`], on a
    /// reader connection: a checkpoint syncs the file, and in the writer's commit (SQLite's
    /// automatic one, every 1 000 pages) it cost booking writes a tenth of their throughput.
    /// The writer's automatic checkpoint stays as a backstop at 10 000 pages. Ends when the
    /// pool is closed.
    fn spawn_checkpoints(&self) {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(CHECKPOINT_EVERY).await;
                if pool.is_closed() {
                    return;
                }
                if let Err(e) = sqlx::raw_sql("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await
                {
                    tracing::warn!(error = %e, "SQLite checkpoint failed; the next one retries");
                }
            }
        });
    }
}

/// How often the SQLite log is checkpointed off the writer.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
