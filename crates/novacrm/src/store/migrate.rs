//! Embedded migrations, one folder per backend, applied in order and recorded in
//! `schema_migration`. On PostgreSQL an advisory lock lets many processes start at once.

use scheduling::Instant;
use sqlx::Row;

use super::{Backend, Result, Store};

#[rustfmt::skip]
const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_initial.sql")),
    (2, include_str!("../../migrations/sqlite/0002_session.sql")),
    (3, include_str!("../../migrations/sqlite/0003_guest_token.sql")),
    (4, include_str!("../../migrations/sqlite/0004_messages.sql")),
    (5, include_str!("../../migrations/sqlite/0005_login_throttle.sql")),
    (6, include_str!("../../migrations/sqlite/0006_guard.sql")),
    (7, include_str!("../../migrations/sqlite/0007_embed.sql")),
    (8, include_str!("../../migrations/sqlite/0008_webhooks.sql")),
    (9, include_str!("../../migrations/sqlite/0009_calendars.sql")),
    (10, include_str!("../../migrations/sqlite/0010_oauth.sql")),
    (11, include_str!("../../migrations/sqlite/0011_calendar_sync.sql")),
    (12, include_str!("../../migrations/sqlite/0012_insights.sql")),
    (13, include_str!("../../migrations/sqlite/0013_profile.sql")),
];
#[rustfmt::skip]
const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_initial.sql")),
    (2, include_str!("../../migrations/postgres/0002_session.sql")),
    (3, include_str!("../../migrations/postgres/0003_guest_token.sql")),
    (4, include_str!("../../migrations/postgres/0004_messages.sql")),
    (5, include_str!("../../migrations/postgres/0005_login_throttle.sql")),
    (6, include_str!("../../migrations/postgres/0006_guard.sql")),
    (7, include_str!("../../migrations/postgres/0007_embed.sql")),
    (8, include_str!("../../migrations/postgres/0008_webhooks.sql")),
    (9, include_str!("../../migrations/postgres/0009_calendars.sql")),
    (10, include_str!("../../migrations/postgres/0010_oauth.sql")),
    (11, include_str!("../../migrations/postgres/0011_calendar_sync.sql")),
    (12, include_str!("../../migrations/postgres/0012_insights.sql")),
    (13, include_str!("../../migrations/postgres/0013_profile.sql")),
];

/// An arbitrary constant naming NovaCRM's migration lock.
const LOCK_KEY: i64 = 0x006E_6F76_6163_726D;

pub async fn run(store: &Store) -> Result<()> {
    let mut conn = store.pool.acquire().await?;
    let steps = match store.backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(LOCK_KEY)
                .execute(&mut *conn)
                .await?;
            POSTGRES
        }
    };
    let result = apply(store, &mut conn, steps).await;
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn apply(
    store: &Store,
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    steps: &[(i64, &'static str)],
) -> Result<()> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut **conn)
    .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migration")
        .fetch_all(&mut **conn)
        .await?
        .iter()
        .map(|r| r.try_get("version"))
        .collect::<Result<_, _>>()?;
    for &(version, sql) in steps.iter().filter(|(v, _)| !applied.contains(v)) {
        let mut tx = store.write().await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO schema_migration (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(Instant::from(jiff::Timestamp::now()).as_millis())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, "applied migration");
    }
    Ok(())
}
