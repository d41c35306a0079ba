//! The tables that guard the public surface: failed log-ins, spent CAPTCHA challenges, the
//! hosts' blocked guests, and secrets generated on first use. Each is shared by every `serve`
//! process of the database, so the limits they back hold across processes.

use scheduling::Instant;
use sqlx::Row;

use super::db::{Backend, Result, Store, Tx, get};

/// What spending a CAPTCHA challenge came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    Spent,
    /// It was spent before: a replay.
    Replayed,
    /// The host's no-JavaScript budget is spent for now.
    Capped,
}

/// A day of failed log-ins is kept; throttling looks back minutes.
const LOGIN_FAILURES_KEPT_MS: i64 = 86_400_000;

impl Store {
    // ---- rate limits -----------------------------------------------------------------------

    /// Spends one request of the budget `key` (a token bucket of `burst`, one back per
    /// `every_ms`) by GCRA in one statement: the row moves only if the request fits, so
    /// concurrent spenders in any process cannot overdraw it. `None` when it fits, else the
    /// milliseconds until it would.
    pub async fn spend_rate(
        &self,
        key: &str,
        now_ms: i64,
        every_ms: i64,
        burst: i64,
    ) -> Result<Option<i64>> {
        let allowed = sqlx::query(
            "INSERT INTO rate_bucket (bucket_key, tat) VALUES ($1, $2 + $3) \
             ON CONFLICT (bucket_key) DO UPDATE SET \
             tat = CASE WHEN rate_bucket.tat > $2 THEN rate_bucket.tat ELSE $2 END + $3 \
             WHERE (CASE WHEN rate_bucket.tat > $2 THEN rate_bucket.tat ELSE $2 END) + $3 - $2 <= $4 \
             RETURNING tat",
        )
        .bind(key)
        .bind(now_ms)
        .bind(every_ms)
        .bind(every_ms * burst)
        .fetch_optional(&self.writes)
        .await?;
        if allowed.is_some() {
            return Ok(None);
        }
        let row = sqlx::query("SELECT tat FROM rate_bucket WHERE bucket_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        let tat: i64 = match row {
            Some(row) => row.try_get("tat")?,
            None => now_ms,
        };
        Ok(Some((tat + every_ms - now_ms - every_ms * burst).max(1)))
    }

    /// Forgets buckets that are full again (their tat has passed).
    pub async fn forget_full_buckets(&self, now_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM rate_bucket WHERE tat < $1")
            .bind(now_ms)
            .execute(&self.writes)
            .await?;
        Ok(done.rows_affected())
    }

    // ---- log-in throttling ---------------------------------------------------------------

    /// Reserves one log-in attempt under every key, unless `refuse` (shown each key's failures
    /// since `since`, with the oldest) says when the attempt may come back. Counted and written
    /// in one transaction that holds each key's lock — advisory locks on PostgreSQL, the one
    /// writer on SQLite — so concurrent attempts cannot all pass a count taken before any of
    /// them was written. A reserved attempt counts as failed until [`Self::release_login`].
    pub async fn reserve_login(
        &self,
        keys: &[String],
        since: Instant,
        now: Instant,
        refuse: impl FnOnce(&[(i64, Option<Instant>)]) -> Option<Instant>,
    ) -> Result<Option<Instant>> {
        let mut tx = self.write().await?;
        if self.backend == Backend::Postgres {
            let mut sorted: Vec<&String> = keys.iter().collect();
            sorted.sort();
            for key in sorted {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failure \
                 WHERE throttle_key = $1 AND failed_at >= $2",
            )
            .bind(key)
            .bind(since.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            let oldest = row.try_get::<Option<i64>, _>("oldest")?;
            counts.push((row.try_get("n")?, oldest.map(Instant::from_millis)));
        }
        if let Some(free_at) = refuse(&counts) {
            return Ok(Some(free_at));
        }
        for key in keys {
            sqlx::query("INSERT INTO login_failure (throttle_key, failed_at) VALUES ($1, $2)")
                .bind(key)
                .bind(now.as_millis())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM login_failure WHERE failed_at < $1")
            .bind(now.as_millis() - LOGIN_FAILURES_KEPT_MS)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(None)
    }

    /// A log-in that succeeded: its reservation under `keys` (made at `at`) is no failure, and
    /// `forget` loses every failure it held.
    pub async fn release_login(&self, keys: &[String], at: Instant, forget: &str) -> Result<()> {
        let mut tx = self.write().await?;
        for key in keys {
            sqlx::query("DELETE FROM login_failure WHERE throttle_key = $1 AND failed_at = $2")
                .bind(key)
                .bind(at.as_millis())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM login_failure WHERE throttle_key = $1")
            .bind(forget)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets every failed log-in of an account, from every network (the operator's
    /// `novacrm user unlock`): `account` and the keys `account|…`. How many went.
    pub async fn forget_login_failures(&self, account: &str) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM login_failure WHERE throttle_key = $1 OR throttle_key LIKE $2",
        )
        .bind(account)
        .bind(format!("{account}|%"))
        .execute(&self.writes)
        .await?;
        Ok(done.rows_affected())
    }

    // ---- secrets -----------------------------------------------------------------------

    /// The secret called `name`, made by `fresh` the first time any process asks (the first
    /// writer wins; everyone then reads the same value).
    pub async fn server_secret(
        &self,
        name: &str,
        fresh: impl FnOnce() -> String,
        now: Instant,
    ) -> Result<String> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO server_secret (name, value, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(fresh())
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await?;
        let value: String = sqlx::query("SELECT value FROM server_secret WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?
            .try_get("value")?;
        tx.commit().await?;
        Ok(value)
    }

    // ---- CAPTCHA -----------------------------------------------------------------------

    /// Marks a challenge as spent, unless it already was (a replay) or — for the no-JS path,
    /// with `cap = Some((since, most))` — the host's page has taken `most` such bookings since
    /// `since`. The count and the spend share one transaction under the host's row lock (the
    /// one writer on SQLite), so concurrent posts cannot all pass one count. Forgets the
    /// challenges nobody can use any more.
    pub async fn spend_captcha(
        &self,
        signature: &str,
        host_id: &str,
        cap: Option<(Instant, i64)>,
        now: Instant,
        keep_until: Instant,
    ) -> Result<Spend> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM captcha_spent WHERE keep_until < $1")
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
        if let Some((since, most)) = cap {
            if self.backend == Backend::Postgres {
                sqlx::query("SELECT app_user_id FROM app_user WHERE app_user_id = $1 FOR UPDATE")
                    .bind(host_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let row = sqlx::query(
                "SELECT COUNT(*) AS n FROM captcha_spent \
                 WHERE app_user_id = $1 AND fallback = 1 AND spent_at >= $2",
            )
            .bind(host_id)
            .bind(since.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            if row.try_get::<i64, _>("n")? >= most {
                return Ok(Spend::Capped);
            }
        }
        let inserted = sqlx::query(
            "INSERT INTO captcha_spent (signature, app_user_id, fallback, spent_at, keep_until) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (signature) DO NOTHING",
        )
        .bind(signature)
        .bind(host_id)
        .bind(i64::from(cap.is_some()))
        .bind(now.as_millis())
        .bind(keep_until.as_millis())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(if inserted == 1 {
            Spend::Spent
        } else {
            Spend::Replayed
        })
    }

    // ---- inbound texts ------------------------------------------------------------------

    /// Whether Twilio's message `sid` is seen here for the first time (it is then recorded,
    /// and texts older than 30 days forgotten).
    pub async fn first_sight_of_text(&self, sid: &str, now: Instant) -> Result<bool> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM inbound_sms WHERE received_at < $1")
            .bind(now.as_millis() - 30 * 86_400_000)
            .execute(&mut *tx)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO inbound_sms (message_sid, received_at) VALUES ($1, $2) \
             ON CONFLICT (message_sid) DO NOTHING",
        )
        .bind(sid)
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(inserted == 1)
    }

    // ---- blocked guests ----------------------------------------------------------------

    /// The host's blocked addresses and domains, newest first.
    pub async fn guest_blocks(&self, host_id: &str) -> Result<Vec<(String, Instant)>> {
        let rows = sqlx::query(
            "SELECT pattern, created_at FROM guest_block WHERE app_user_id = $1 \
             ORDER BY created_at DESC, pattern",
        )
        .bind(host_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("pattern")?,
                    Instant::from_millis(r.try_get("created_at")?),
                ))
            })
            .collect()
    }

    /// Adds a pattern in `tx`; `false` when the host had it already.
    pub async fn add_guest_block(
        tx: &mut Tx,
        host_id: &str,
        pattern: &str,
        now: Instant,
    ) -> Result<bool> {
        let added = sqlx::query(
            "INSERT INTO guest_block (app_user_id, pattern, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (app_user_id, pattern) DO NOTHING",
        )
        .bind(host_id)
        .bind(pattern)
        .bind(now.as_millis())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        Ok(added == 1)
    }

    pub async fn remove_guest_block(&self, host_id: &str, pattern: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        let removed =
            sqlx::query("DELETE FROM guest_block WHERE app_user_id = $1 AND pattern = $2")
                .bind(host_id)
                .bind(pattern)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        Ok(removed == 1)
    }

    /// Whether the host blocked this guest (the address or its domain), and how many upcoming
    /// confirmed meetings the guest has with the host: one statement, under the host's lock.
    pub async fn guest_standing_in(
        tx: &mut Tx,
        host_id: &str,
        email: &str,
        meeting_type_id: &str,
        start: Instant,
        now: Instant,
    ) -> Result<GuestStanding> {
        let blocked_as = email.to_ascii_lowercase();
        let domain = blocked_as
            .rsplit_once('@')
            .map_or("", |(_, d)| d)
            .to_owned();
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM guest_block WHERE app_user_id = $1 \
             AND (pattern = $2 OR pattern = $3)) AS blocked, \
             u.upcoming, u.of_type, u.at_start FROM (SELECT COUNT(*) AS upcoming, \
             COALESCE(SUM(CASE WHEN meeting_type_id = $6 THEN 1 ELSE 0 END), 0) AS of_type, \
             COALESCE(SUM(CASE WHEN meeting_type_id = $6 AND start_time = $7 THEN 1 ELSE 0 END), \
             0) AS at_start FROM booking WHERE app_user_id = $1 AND LOWER(guest_email) = $4 \
             AND status IN ('CONFIRMED', 'PENDING') AND start_time > $5) u",
        )
        .bind(host_id)
        .bind(&blocked_as)
        .bind(domain)
        .bind(email.to_lowercase())
        .bind(now.as_millis())
        .bind(meeting_type_id)
        .bind(start.as_millis())
        .fetch_one(&mut **tx)
        .await?;
        Ok(GuestStanding {
            blocked: get::<i64>(&row, "blocked")? > 0,
            upcoming: get(&row, "upcoming")?,
            of_type: get(&row, "of_type")?,
            at_start: get::<i64>(&row, "at_start")? > 0,
        })
    }
}

/// A guest as one host's booking rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestStanding {
    pub blocked: bool,
    /// Confirmed and pending meetings ahead with the host.
    pub upcoming: i64,
    /// Of those, of the meeting type asked for.
    pub of_type: i64,
    /// Whether one of them is of that type at the very start asked for (a seat held).
    pub at_start: bool,
}
