//! Embedded migrations, applied in order and recorded in `schema_migration`: one file in
//! `migrations/shared` where SQLite and PostgreSQL read the same SQL, and only the part they
//! write differently in a dialect's folder. On PostgreSQL an advisory lock lets many processes start at once.
//!
//! Not sqlx's `migrate!`: its migrator reads one folder per database, so every shared file
//! would be written twice again, and it keeps its own table (`_sqlx_migrations`, with
//! checksums) — databases already running record their versions in `schema_migration`.

use scheduling::Instant;
use sqlx::Row;

use super::db::{Backend, Result, Store};

/// One migration: its SQL on SQLite and on PostgreSQL (the same text where the dialects agree).
struct Step {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

/// A migration whose SQL both databases read alike: one file in `migrations/shared`.
macro_rules! shared {
    ($version:literal, $file:literal) => {{
        const SQL: &str = include_str!(concat!("../../migrations/shared/", $file));
        Step {
            version: $version,
            sqlite: SQL,
            postgres: SQL,
        }
    }};
}

/// A migration read alike but for a part each dialect writes its own way (a column type): the
/// shared file, then the dialect's file of the same version.
macro_rules! with_dialects {
    ($version:literal, $shared:literal, $own:literal) => {
        Step {
            version: $version,
            sqlite: concat!(
                include_str!(concat!("../../migrations/shared/", $shared)),
                include_str!(concat!("../../migrations/sqlite/", $own)),
            ),
            postgres: concat!(
                include_str!(concat!("../../migrations/shared/", $shared)),
                include_str!(concat!("../../migrations/postgres/", $own)),
            ),
        }
    };
}

/// Every migration, in order. Applied ones never change (a database records only their
/// version); a change to the schema is a new step.
#[rustfmt::skip]
const STEPS: &[Step] = &[
    shared!(1, "0001_initial.sql"),
    shared!(2, "0002_session.sql"),
    shared!(3, "0003_guest_token.sql"),
    shared!(4, "0004_messages.sql"),
    shared!(5, "0005_login_throttle.sql"),
    shared!(6, "0006_guard.sql"),
    shared!(7, "0007_embed.sql"),
    shared!(8, "0008_webhooks.sql"),
    shared!(9, "0009_calendars.sql"),
    shared!(10, "0010_oauth.sql"),
    shared!(11, "0011_calendar_sync.sql"),
    shared!(12, "0012_insights.sql"),
    with_dialects!(13, "0013_profile.sql", "0013_host_photo.sql"),
    shared!(14, "0014_inbound_sms.sql"),
    shared!(15, "0015_tokens_hashed.sql"),
    shared!(16, "0016_custom_domains.sql"),
    shared!(17, "0017_rate_bucket.sql"),
    with_dialects!(18, "0018_host_changes.sql", "0018_host_changes.sql"),
    shared!(19, "0019_booking_contact.sql"),
    shared!(20, "0020_date_overrides.sql"),
    shared!(21, "0021_type_policy.sql"),
    shared!(22, "0022_named_schedules.sql"),
];

/// An arbitrary constant naming NovaCRM's migration lock.
const LOCK_KEY: i64 = 0x006E_6F76_6163_726D;

pub async fn run(store: &Store) -> Result<()> {
    let mut conn = store.pool.acquire().await?;
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    let result = apply(store, &mut conn).await;
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn apply(store: &Store, conn: &mut sqlx::pool::PoolConnection<sqlx::Any>) -> Result<()> {
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
    for step in STEPS.iter().filter(|s| !applied.contains(&s.version)) {
        let (version, sql) = match store.backend {
            Backend::Sqlite => (step.version, step.sqlite),
            Backend::Postgres => (step.version, step.postgres),
        };
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

impl Store {
    /// Ready to serve: the database answers within two seconds and has every migration this
    /// build knows (a newer build may have added more). The reason when not.
    pub async fn ready(&self) -> std::result::Result<(), String> {
        let latest = STEPS.iter().map(|s| s.version).max().unwrap_or(0);
        let probe =
            sqlx::query("SELECT MAX(version) AS v FROM schema_migration").fetch_one(&self.pool);
        let row = tokio::time::timeout(std::time::Duration::from_secs(2), probe)
            .await
            .map_err(|_| "the database did not answer within 2 s".to_owned())?
            .map_err(|e| format!("the database is unreachable: {e}"))?;
        let applied: i64 = super::db::get::<Option<i64>>(&row, "v")
            .map_err(|e| e.to_string())?
            .unwrap_or(0);
        if applied < latest {
            return Err(format!(
                "the database is at migration {applied}, this build needs {latest}"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::STEPS;

    #[test]
    fn versions_run_one_to_n_and_name_their_files() {
        for (i, step) in STEPS.iter().enumerate() {
            assert_eq!(step.version, i as i64 + 1);
            assert!(!step.sqlite.trim().is_empty() && !step.postgres.trim().is_empty());
        }
    }
}
