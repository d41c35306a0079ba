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
mod webhooks;

use std::time::Duration;

use sqlx::any::AnyPoolOptions;

pub use bookings::{BookingFilter, parse_cursor};
pub use calendars::{CalendarRecord, ConnectionRecord};
use db::sqlite_url;
pub use db::{Backend, Result, Store, StoreError, Tx, new_id};
pub use domains::{DomainRecord, DomainStatus};
pub use follow::{PageHost, PageRows};
pub use guard::Spend;
pub use hosts::OnboardingStep;
pub use insights::{BookingFact, VISIT_KEYS_KEPT_MS, VisitedHost};
pub use jobs::{JobFilter, JobRecord, JobRow};
pub use records::{
    Actor, BlockedRecord, BookingRecord, ContactRecord, Host, MeetingTypeRecord, NewBooking,
    Onboarding, Source,
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
            url: url.as_str().into(),
            pages: std::sync::Arc::default(),
        };
        migrate::run(&store).await?;
        Ok(store)
    }
}
