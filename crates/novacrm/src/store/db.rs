//! The pool and its transactions: which backend a URL names, the write transaction (SQLite's
//! single writer), the store's error, and reading a column. Every table's file builds on it.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row, Transaction};

#[derive(Debug)]
pub struct Tx {
    inner: Transaction<'static, sqlx::Any>,
    /// This process's kept page rows: a write may have changed any, and this process must
    /// read its own writes at once (other processes hear of them by notification).
    pages: std::sync::Arc<super::follow::PageRows>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await?;
        self.pages.forget_all();
        Ok(())
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
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
    pub(super) pool: AnyPool,
    pub(super) backend: Backend,
    /// Where write transactions run: on SQLite one connection of its own (see
    /// `Store::connect`; other processes on the same file still wait on the busy timeout),
    /// on PostgreSQL the pool.
    pub(super) writes: AnyPool,
    /// The URL it was opened with (the change listener opens its own connection).
    pub(super) url: std::sync::Arc<str>,
    /// Hosts' page rows, kept while change notifications arrive (PostgreSQL).
    pub(super) pages: std::sync::Arc<super::follow::PageRows>,
}

/// A new random id (UUIDv7: time-ordered, so indexes stay append-mostly).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Opens a `sqlite://path` file (created if missing, with its folder), never `:memory:`.
pub(super) fn sqlite_url(url: &str) -> Result<String> {
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
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.writes.close().await;
        self.pool.close().await;
    }

    /// A write transaction. SQLite takes its write lock up front (`BEGIN IMMEDIATE`), so two
    /// writers queue on the busy timeout instead of failing to upgrade a read lock.
    pub async fn write(&self) -> Result<Tx> {
        let inner = match self.backend {
            Backend::Sqlite => self.writes.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writes.begin().await?,
        };
        Ok(Tx {
            inner,
            pages: self.pages.clone(),
        })
    }
}

/// A query with its arguments bound, ready to run.
pub(super) type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

impl Store {
    /// Every row `query` finds, read by `read`.
    pub(super) async fn all<T>(
        &self,
        query: Query<'_>,
        read: fn(&AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(read)
            .collect()
    }

    /// The row `query` finds, if any, read by `read`.
    pub(super) async fn one<T>(
        &self,
        query: Query<'_>,
        read: fn(&AnyRow) -> Result<T>,
    ) -> Result<Option<T>> {
        query
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(read)
            .transpose()
    }
}

pub(crate) fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get(column)?)
}
