//! The outbox table (docs/DESIGN.md §9): enqueue inside a change's transaction, claim due jobs
//! with a lease, record the outcome. What a job means and when to retry it is decided in
//! `crate::jobs`; this file only loads and saves.
//!
//! A claim writes a fresh random `claim` and `locked_until = now + lease`. Only the holder of
//! that claim can finish the job, so a worker whose lease ran out (and whose job another
//! worker took over) cannot overwrite the newer outcome.

use scheduling::Instant;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::fmt::Write as _;

use super::db::{Backend, Result, Store, Tx, get, new_id};

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub host_id: Option<String>,
    pub booking_id: Option<String>,
    pub kind: String,
    pub payload: String,
    pub run_at: Instant,
    /// Jobs sharing a key run in the order they were enqueued, one at a time.
    pub ordering_key: Option<String>,
}

/// Where a host's booking changes go besides the two inboxes: the calendars that get the
/// host's bookings and the webhook endpoints, read in one statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fanout {
    /// Ids of the calendars that receive bookings, by connection and position.
    pub calendars: Vec<String>,
    /// Webhook endpoints, oldest first: `(id, the events it listens to)`.
    pub webhooks: Vec<(String, String)>,
}

/// Whether a webhook endpoint's stored `events` (space-separated) include `event`.
pub(super) fn listens(events: &str, event: &str) -> bool {
    events.split_whitespace().any(|e| e == event)
}

impl Fanout {
    /// The endpoints that listen to `event`, oldest first.
    pub fn endpoints_for<'a>(&'a self, event: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.webhooks
            .iter()
            .filter(move |(_, events)| listens(events, event))
            .map(|(id, _)| id.as_str())
    }
}

/// A stored job, as listed and as claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub id: String,
    pub host_id: Option<String>,
    pub booking_id: Option<String>,
    pub kind: String,
    pub payload: String,
    pub run_at: Instant,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub locked_until: Option<Instant>,
    pub claim: Option<String>,
    pub done_at: Option<Instant>,
    pub failed_at: Option<Instant>,
    pub created_at: Instant,
}

const COLUMNS: &str = "job_id, app_user_id, booking_id, kind, payload, run_at, attempts, \
                       last_error, locked_until, claim, done_at, failed_at, created_at";

impl JobRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let instant = |column: &str| -> Result<Option<Instant>> {
            Ok(get::<Option<i64>>(r, column)?.map(Instant::from_millis))
        };
        Ok(Self {
            id: get(r, "job_id")?,
            host_id: get(r, "app_user_id")?,
            booking_id: get(r, "booking_id")?,
            kind: get(r, "kind")?,
            payload: get(r, "payload")?,
            run_at: Instant::from_millis(get(r, "run_at")?),
            attempts: get(r, "attempts")?,
            last_error: get(r, "last_error")?,
            locked_until: instant("locked_until")?,
            claim: get(r, "claim")?,
            done_at: instant("done_at")?,
            failed_at: instant("failed_at")?,
            created_at: Instant::from_millis(get(r, "created_at")?),
        })
    }
}

/// Which jobs a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobFilter {
    /// Not done and not failed (due or waiting).
    Pending,
    Failed,
    /// Pending and failed together.
    Open,
    /// Pending after two or more failed attempts: late, and about to be retried.
    Retrying,
}

/// A job whose ordering key has an earlier job still pending waits its turn.
const IN_TURN: &str = "(j.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM job e \
     WHERE e.ordering_key = j.ordering_key AND e.ordinal < j.ordinal \
     AND e.done_at IS NULL AND e.failed_at IS NULL))";

impl Store {
    /// Adds a job in the transaction of the change that causes it.
    pub async fn enqueue(tx: &mut Tx, job: &JobRecord, now: Instant) -> Result<String> {
        let mut ids = Self::enqueue_all(tx, std::slice::from_ref(job), now).await?;
        Ok(ids.pop().expect("one job, one id"))
    }

    /// Adds jobs in one statement (a booking's whole fan-out is one round trip); jobs that
    /// share an ordering key run in the order given.
    pub async fn enqueue_all(tx: &mut Tx, jobs: &[JobRecord], now: Instant) -> Result<Vec<String>> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        // The ordinal after the key's last: writers of one key hold its host's lock. Every
        // row of one statement sees the same last ordinal on PostgreSQL (SQLite may see the
        // rows before it), so each adds its place among the batch's rows of its key: the
        // ordinals rise in the order given either way (gaps are harmless).
        let mut sql = String::from(
            "INSERT INTO job (job_id, app_user_id, booking_id, kind, payload, run_at, attempts, \
             created_at, ordering_key, ordinal) VALUES ",
        );
        let mut places: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
        let mut ranks = Vec::with_capacity(jobs.len());
        for (i, job) in jobs.iter().enumerate() {
            let p = i * 9;
            if i > 0 {
                sql.push_str(", ");
            }
            let _ = write!(
                sql,
                "(${}, ${}, ${}, ${}, ${}, ${}, 0, ${}, ${}, CASE WHEN ${} IS NULL THEN 0 ELSE \
                 (SELECT COALESCE(MAX(ordinal), 0) + ${} FROM job WHERE ordering_key = ${}) END)",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7,
                p + 8,
                p + 8,
                p + 9,
                p + 8
            );
            let rank = job.ordering_key.as_deref().map_or(0, |key| {
                let place = places.entry(key).or_insert(0);
                *place += 1;
                *place
            });
            ranks.push(rank);
        }
        let ids: Vec<String> = jobs.iter().map(|_| new_id()).collect();
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((job, id), rank) in jobs.iter().zip(&ids).zip(ranks) {
            query = query
                .bind(id)
                .bind(&job.host_id)
                .bind(&job.booking_id)
                .bind(&job.kind)
                .bind(&job.payload)
                .bind(job.run_at.as_millis())
                .bind(now.as_millis())
                .bind(&job.ordering_key)
                .bind(rank);
        }
        query.execute(&mut **tx).await?;
        Ok(ids)
    }

    /// The host's [`Fanout`]. Every change to it moves the host's schedule version, so a
    /// read before the host's lock is current when the version moved only by the lock.
    pub async fn fanout_in(conn: &mut sqlx::AnyConnection, host_id: &str) -> Result<Fanout> {
        let rows = sqlx::query(
            "SELECT 'calendar' AS kind, calendar_id AS id, '' AS events, connection_id AS k1, \
             position AS k2 FROM calendar WHERE app_user_id = $1 AND add_bookings = 1 \
             UNION ALL SELECT 'webhook', webhook_id, events, '', created_at \
             FROM webhook_endpoint WHERE app_user_id = $1 ORDER BY 1, 4, 5",
        )
        .bind(host_id)
        .fetch_all(conn)
        .await?;
        let mut fanout = Fanout::default();
        for row in &rows {
            let id: String = get(row, "id")?;
            match get::<String>(row, "kind")?.as_str() {
                "calendar" => fanout.calendars.push(id),
                _ => fanout.webhooks.push((id, get(row, "events")?)),
            }
        }
        Ok(fanout)
    }

    /// Removes a booking's jobs of `kind` that have not run yet (a reminder that a move or a
    /// cancellation made obsolete). A job being sent right now finishes; its guard at send
    /// time sees the booking changed.
    pub async fn drop_pending_jobs(
        tx: &mut Tx,
        booking_id: &str,
        kind: &str,
        now: Instant,
    ) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM job WHERE booking_id = $1 AND kind = $2 AND done_at IS NULL \
             AND failed_at IS NULL AND (locked_until IS NULL OR locked_until <= $3)",
        )
        .bind(booking_id)
        .bind(kind)
        .bind(now.as_millis())
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected())
    }

    /// Claims up to `limit` due jobs for `lease_ms`, oldest due first. On PostgreSQL rows
    /// locked by another claimer are skipped (`FOR UPDATE SKIP LOCKED`); on SQLite the write
    /// transaction serialises claimers.
    pub async fn claim_jobs(&self, now: Instant, lease_ms: i64, limit: i64) -> Result<Vec<JobRow>> {
        // Idle is the common case: a plain read, so an idle worker never takes SQLite's
        // writer lock away from a booking.
        let due = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT job_id FROM job j WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $1 \
             AND (locked_until IS NULL OR locked_until <= $1) AND {IN_TURN} LIMIT 1"
        )))
        .bind(now.as_millis())
        .fetch_optional(&self.pool)
        .await?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let skip_locked = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE job SET locked_until = $1, claim = $2, attempts = attempts + 1 \
             WHERE job_id IN (SELECT job_id FROM job j WHERE done_at IS NULL AND failed_at IS NULL \
             AND run_at <= $3 AND (locked_until IS NULL OR locked_until <= $3) AND {IN_TURN} \
             ORDER BY run_at, job_id LIMIT $4{skip_locked}) RETURNING {COLUMNS}"
        );
        let mut tx = self.write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now.as_millis() + lease_ms)
            .bind(new_id())
            .bind(now.as_millis())
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut jobs = rows
            .iter()
            .map(JobRow::from_row)
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id.clone()));
        Ok(jobs)
    }

    /// Marks claimed jobs done (one statement); a job whose claim was lost meanwhile is
    /// left to its new holder. Returns how many were recorded.
    pub async fn finish_jobs(&self, ids: &[String], claim: &str, now: Instant) -> Result<u64> {
        let mut sql = String::from(
            "UPDATE job SET done_at = $1, locked_until = NULL WHERE claim = $2 AND job_id IN (",
        );
        for i in 0..ids.len() {
            let _ = write!(sql, "{}${}", if i > 0 { ", " } else { "" }, i + 3);
        }
        sql.push(')');
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now.as_millis())
            .bind(claim);
        for id in ids {
            query = query.bind(id);
        }
        Ok(query.execute(&self.writes).await?.rows_affected())
    }

    /// Records a failed attempt: to run again at `retry_at`, or failed for good (`None`).
    pub async fn fail_job(
        &self,
        id: &str,
        claim: &str,
        error: &str,
        retry_at: Option<Instant>,
        now: Instant,
    ) -> Result<bool> {
        let (set, at) = match retry_at {
            Some(at) => ("run_at", at),
            None => ("failed_at", now),
        };
        let sql = format!(
            "UPDATE job SET last_error = $3, {set} = $4, locked_until = NULL \
             WHERE job_id = $1 AND claim = $2"
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(claim)
            .bind(error)
            .bind(at.as_millis())
            .execute(&self.writes)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Jobs by state, oldest due first; `host_id` limits them to one host's.
    pub async fn jobs(
        &self,
        host_id: Option<&str>,
        filter: JobFilter,
        limit: i64,
    ) -> Result<Vec<JobRow>> {
        let state = match filter {
            JobFilter::Pending => "done_at IS NULL AND failed_at IS NULL",
            JobFilter::Failed => "failed_at IS NOT NULL",
            JobFilter::Open => "done_at IS NULL",
            JobFilter::Retrying => {
                "done_at IS NULL AND failed_at IS NULL AND attempts >= 2 AND last_error IS NOT NULL"
            }
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM job WHERE {state} AND ($1 = '' OR app_user_id = $1) \
             ORDER BY run_at, job_id LIMIT $2"
        );
        self.all(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(host_id.unwrap_or(""))
                .bind(limit),
            JobRow::from_row,
        )
        .await
    }

    /// Whether the host has a job of `kind` still to run.
    /// The queue by kind: jobs due at `now` and not finished, and the oldest one's due time.
    pub async fn job_queue(&self, now: Instant) -> Result<Vec<(String, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS n, MIN(run_at) AS oldest FROM job WHERE done_at IS NULL \
             AND failed_at IS NULL AND run_at <= $1 GROUP BY kind ORDER BY kind",
        )
        .bind(now.as_millis())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((get(r, "kind")?, get(r, "n")?, get(r, "oldest")?)))
            .collect()
    }

    pub async fn has_pending_job(tx: &mut Tx, host_id: &str, kind: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM job WHERE app_user_id = $1 AND kind = $2 \
             AND done_at IS NULL AND failed_at IS NULL",
        )
        .bind(host_id)
        .bind(kind)
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// One of a host's jobs of `kind`, by id.
    pub async fn host_job(&self, host_id: &str, kind: &str, id: &str) -> Result<Option<JobRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM job WHERE job_id = $1 AND app_user_id = $2 AND kind = $3"
        );
        self.one(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(host_id)
                .bind(kind),
            JobRow::from_row,
        )
        .await
    }

    /// A host's latest jobs of one kind, newest first.
    pub async fn host_jobs_of_kind(
        &self,
        host_id: &str,
        kind: &str,
        limit: i64,
    ) -> Result<Vec<JobRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM job WHERE app_user_id = $1 AND kind = $2 \
             ORDER BY created_at DESC, job_id DESC LIMIT $3"
        );
        self.all(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(host_id)
                .bind(kind)
                .bind(limit),
            JobRow::from_row,
        )
        .await
    }

    /// Every job of one booking, in order of creation (for tests and the dashboard).
    pub async fn booking_jobs(&self, booking_id: &str) -> Result<Vec<JobRow>> {
        let sql =
            format!("SELECT {COLUMNS} FROM job WHERE booking_id = $1 ORDER BY created_at, job_id");
        self.all(
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(booking_id),
            JobRow::from_row,
        )
        .await
    }

    /// Puts a failed job back in the queue, due now, with a fresh set of attempts. With
    /// `host_id`, only that host's job; false when there is no such failed job.
    pub async fn retry_job(&self, id: &str, host_id: Option<&str>, now: Instant) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE job SET failed_at = NULL, attempts = 0, run_at = $2, locked_until = NULL \
             WHERE job_id = $1 AND failed_at IS NOT NULL AND ($3 = '' OR app_user_id = $3)",
        )
        .bind(id)
        .bind(now.as_millis())
        .bind(host_id.unwrap_or(""))
        .execute(&self.writes)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Whether a phone number has opted out of text messages (STOP).
    pub async fn sms_opted_out(&self, phone: &str) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM sms_opt_out WHERE phone = $1")
            .bind(phone)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Records STOP (`opted_out`) or START for a number.
    pub async fn set_sms_opt_out(&self, phone: &str, opted_out: bool, now: Instant) -> Result<()> {
        if opted_out {
            sqlx::query(
                "INSERT INTO sms_opt_out (phone, created_at) VALUES ($1, $2) \
                 ON CONFLICT (phone) DO NOTHING",
            )
            .bind(phone)
            .bind(now.as_millis())
            .execute(&self.writes)
            .await?;
        } else {
            sqlx::query("DELETE FROM sms_opt_out WHERE phone = $1")
                .bind(phone)
                .execute(&self.writes)
                .await?;
        }
        Ok(())
    }
}
