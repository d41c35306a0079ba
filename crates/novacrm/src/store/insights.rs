//! What the insights read and the funnel writes: the facts of a host's bookings in a range,
//! the daily-unique visitor counts, the day's hashing salt, and the host's two insight
//! settings. Nothing here buckets or decides: instants go out as they are stored.

use futures_util::TryStreamExt;
use scheduling::{BookingStatus, Instant};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::db::{Result, Store, StoreError, get};
use super::records::{Actor, BookingRecord, Source};

/// Salts and seen-visitor rows are kept this long, then deleted.
pub const VISIT_KEYS_KEPT_MS: i64 = 48 * 3_600_000;

/// `$1` host, `$2..$3` the instant range. One `OR` over the host's rows measured faster than
/// a `UNION` of three index ranges on SQLite (whose de-duplication sorts every row), and
/// PostgreSQL combines the three indexes by itself.
const BOOKING_FACTS: &str = "SELECT meeting_type_id, status, source, created_at, start_time, \
     end_time, first_start_at, cancelled_at, cancelled_by, late_cancel FROM booking \
     WHERE app_user_id = $1 AND ((created_at >= $2 AND created_at < $3) \
     OR (start_time >= $2 AND start_time < $3) OR (cancelled_at >= $2 AND cancelled_at < $3))";

/// The facts of one booking that the insights count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingFact {
    pub meeting_type_id: String,
    pub status: BookingStatus,
    pub source: Source,
    pub created_at: Instant,
    pub start: Instant,
    pub end: Instant,
    pub first_start: Instant,
    pub cancelled_at: Option<Instant>,
    pub cancelled_by: Option<Actor>,
    pub late_cancel: bool,
}

impl BookingFact {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let status: String = get(r, "status")?;
        Ok(Self {
            meeting_type_id: get(r, "meeting_type_id")?,
            status: status.parse().map_err(StoreError::Corrupt)?,
            source: Source::parse(&get::<String>(r, "source")?),
            created_at: Instant::from_millis(get(r, "created_at")?),
            start: Instant::from_millis(get(r, "start_time")?),
            end: Instant::from_millis(get(r, "end_time")?),
            first_start: Instant::from_millis(get(r, "first_start_at")?),
            cancelled_at: get::<Option<i64>>(r, "cancelled_at")?.map(Instant::from_millis),
            cancelled_by: get::<Option<String>>(r, "cancelled_by")?
                .map(|a| Actor::parse(&a))
                .transpose()
                .map_err(StoreError::Corrupt)?,
            late_cancel: get::<i64>(r, "late_cancel")? != 0,
        })
    }
}

/// What counting a visit needs to know of the host behind a booking page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitedHost {
    pub id: String,
    pub page_analytics: bool,
    pub timezone: String,
}

impl Store {
    /// The facts of every booking of the host created, starting or cancelled in `[from, to)`,
    /// read row by row into small records rather than held as rows.
    pub async fn booking_facts(
        &self,
        host_id: &str,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<BookingFact>> {
        let mut rows = sqlx::query(BOOKING_FACTS)
            .bind(host_id)
            .bind(from.as_millis())
            .bind(to.as_millis())
            .fetch(&self.pool);
        let mut facts = Vec::new();
        while let Some(row) = rows.try_next().await? {
            facts.push(BookingFact::from_row(&row)?);
        }
        Ok(facts)
    }

    /// The host's bookings after the `(start, id)` cursor (from the first without one), oldest
    /// first, `limit` at most.
    pub async fn bookings_after(
        &self,
        host_id: &str,
        after: Option<(Instant, &str)>,
        limit: i64,
    ) -> Result<Vec<BookingRecord>> {
        let (at, id) = after.map_or((i64::MIN, ""), |(at, id)| (at.as_millis(), id));
        self.all(
            sqlx::query(super::records::BOOKING_SELECT_AFTER)
                .bind(host_id)
                .bind(at)
                .bind(id)
                .bind(limit),
            BookingRecord::from_row,
        )
        .await
    }

    /// Daily-unique visitors of the host as `(day, step, visitors)`, days `YYYY-MM-DD` in
    /// `[from, to)`.
    pub async fn visitors(
        &self,
        host_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT day, step, visitors FROM visit_day WHERE app_user_id = $1 AND day >= $2 \
             AND day < $3 ORDER BY day, step",
        )
        .bind(host_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((get(r, "day")?, get(r, "step")?, get(r, "visitors")?)))
            .collect()
    }

    /// The host behind a booking page, for counting a visit to it.
    pub async fn visited_host(&self, username: &str) -> Result<Option<VisitedHost>> {
        let row = sqlx::query(
            "SELECT u.app_user_id, u.page_analytics, a.timezone FROM app_user u \
             JOIN availability a ON a.app_user_id = u.app_user_id WHERE u.username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(VisitedHost {
                id: get(&r, "app_user_id")?,
                page_analytics: get::<i64>(&r, "page_analytics")? != 0,
                timezone: get(&r, "timezone")?,
            })
        })
        .transpose()
    }

    /// The salt of UTC day `day`: `candidate` unless another process stored one first. Salts
    /// and seen-visitor rows older than 48 h are deleted on the way.
    pub async fn visit_salt(&self, day: &str, candidate: &str, now: Instant) -> Result<String> {
        let mut tx = self.write().await?;
        let before = now.as_millis() - VISIT_KEYS_KEPT_MS;
        sqlx::query("DELETE FROM visit_salt WHERE created_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM visit_seen WHERE created_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO visit_salt (day, salt, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (day) DO NOTHING",
        )
        .bind(day)
        .bind(candidate)
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT salt FROM visit_salt WHERE day = $1")
            .bind(day)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.try_get("salt")?)
    }

    /// Counts each `(host, visitor, day, step)` once: a visitor already seen that day for
    /// that step adds nothing. One transaction for the whole batch.
    pub async fn count_visits(
        &self,
        visits: &[(String, String, String, &'static str)],
        now: Instant,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        for (host_id, visitor, day, step) in visits {
            let fresh = sqlx::query(
                "INSERT INTO visit_seen (visitor, day, step, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (visitor, day, step) DO NOTHING",
            )
            .bind(visitor)
            .bind(day)
            .bind(*step)
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            if fresh.rows_affected() == 1 {
                sqlx::query(
                    "INSERT INTO visit_day (app_user_id, day, step, visitors) \
                     VALUES ($1, $2, $3, 1) ON CONFLICT (app_user_id, day, step) \
                     DO UPDATE SET visitors = visit_day.visitors + 1",
                )
                .bind(host_id)
                .bind(day)
                .bind(*step)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
