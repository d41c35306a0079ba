//! Bookings: inserting under the host lock, finding one by guest token or id, the host's
//! filtered and paged list, busy times, and stored answers of idempotent requests.

use super::db::{Result, Store, StoreError, Tx, get};
use super::records::{self, BookingRecord};
use crate::crypto::token_hash;
use scheduling::{BookingStatus, Instant};
use sqlx::Row;

/// What the slot engine subtracts from a host's hours, as [`Store::busy_times`] reads it.
#[derive(Debug, Default)]
pub struct BusyTimes {
    pub bookings: Vec<scheduling::BookedTime>,
    pub blocked: Vec<scheduling::BlockedTime>,
    /// The seated type's own bookings, when one was named (not in `bookings`).
    pub sessions: Vec<scheduling::BookedTime>,
}

/// The statuses that hold no time (`BookingStatus::holds_time`), as every query filters them.
macro_rules! freed_statuses {
    () => {
        "('CANCELLED', 'REJECTED', 'EXPIRED')"
    };
}

impl Store {
    // ---- busy data ---------------------------------------------------------------------

    /// What keeps the host busy around `[from, to)`, in one statement: non-cancelled bookings
    /// (but `except`) and conflict-calendar events that could touch it once buffered
    /// (≤ 1 day), and every blocked time (recurring ones reach any range). The bookings of
    /// the `seated` type go to `sessions`.
    pub async fn busy_times(
        conn: impl sqlx::AnyExecutor<'_>,
        host_id: &str,
        from: Instant,
        to: Instant,
        except: Option<&str>,
        seated: Option<&str>,
    ) -> Result<BusyTimes> {
        let day = 86_400_000;
        let rows = sqlx::query(concat!(
            "SELECT 'booking' AS kind, start_time, end_time, status, '' AS blocked_time_id, \
             '' AS reason, '' AS recurrence_rule, meeting_type_id FROM booking \
             WHERE app_user_id = $1 AND status NOT IN ",
            freed_statuses!(),
            " AND start_time < $2 AND end_time > $3 AND booking_id <> $4 \
             UNION ALL SELECT 'booking', start_time, end_time, 'CONFIRMED', '', '', '', '' \
             FROM calendar_busy WHERE app_user_id = $1 AND start_time < $2 AND end_time > $3 \
             UNION ALL SELECT 'blocked', start_time, end_time, '', blocked_time_id, reason, \
             recurrence_rule, '' FROM blocked_time WHERE app_user_id = $1 ORDER BY 2"
        ))
        .bind(host_id)
        .bind(to.as_millis() + day)
        .bind(from.as_millis() - day)
        .bind(except.unwrap_or(""))
        .fetch_all(conn)
        .await?;
        let mut busy = BusyTimes::default();
        for r in &rows {
            if get::<String>(r, "kind")? == "blocked" {
                busy.blocked
                    .push(records::BlockedRecord::from_row(r)?.to_blocked_time()?);
                continue;
            }
            let status: String = r.try_get("status")?;
            let booked = scheduling::BookedTime {
                start: Instant::from_millis(r.try_get("start_time")?),
                end: Instant::from_millis(r.try_get("end_time")?),
                status: status.parse().map_err(StoreError::Corrupt)?,
            };
            let session = seated.is_some_and(|t| {
                r.try_get::<String, _>("meeting_type_id")
                    .is_ok_and(|m| m == t)
            });
            if session {
                busy.sessions.push(booked);
            } else {
                busy.bookings.push(booked);
            }
        }
        Ok(busy)
    }

    /// Starts of a type's live (not cancelled) bookings whose month or ISO week touches
    /// `[from, to]` (a wider range: 38 days either side), for the type's limits.
    pub async fn type_starts(
        conn: impl sqlx::AnyExecutor<'_>,
        host_id: &str,
        meeting_type_id: &str,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<Instant>> {
        let margin = 38 * 86_400_000;
        let rows = sqlx::query(concat!(
            "SELECT start_time FROM booking WHERE app_user_id = $1 AND meeting_type_id = $2 \
             AND start_time >= $3 AND start_time < $4 AND status NOT IN ",
            freed_statuses!()
        ))
        .bind(host_id)
        .bind(meeting_type_id)
        .bind(from.as_millis() - margin)
        .bind(to.as_millis() + margin)
        .fetch_all(conn)
        .await?;
        rows.iter()
            .map(|r| Ok(Instant::from_millis(r.try_get("start_time")?)))
            .collect()
    }

    pub async fn insert_booking(tx: &mut Tx, b: &BookingRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO booking (booking_id, app_user_id, meeting_type_id, contact_id, guest_name, \
             guest_email, guest_phone, guest_company, start_time, end_time, timezone, meeting_notes, \
             answers, status, cancel_reason, calendar_event_id, meeting_link, created_at, updated_at, \
             guest_token_hash, sequence, reschedule_count, cancelled_at, cancelled_by, source, \
             first_start_at, late_cancel, guest_token_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, \
             $25, $26, $27, $28)",
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
        .bind(b.guest_token.as_deref().map(token_hash))
        .bind(b.sequence)
        .bind(b.reschedule_count)
        .bind(b.cancelled_at.map(Instant::as_millis))
        .bind(b.cancelled_by.map(records::Actor::as_str))
        .bind(b.source.as_str())
        .bind(b.first_start.as_millis())
        .bind(i64::from(b.late_cancel))
        .bind(&b.guest_token_sealed)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Moves tokens stored in clear before migration 15 (guest and feed tokens) to their
    /// hash and a sealed copy (`seal(token, context)`), emptying the clear column. Run at
    /// startup; a no-op once done. Returns how many it moved.
    pub async fn seal_clear_tokens(&self, seal: impl Fn(&str, &str) -> String) -> Result<usize> {
        let mut moved = 0;
        for (table, id, clear, context) in [
            ("booking", "booking_id", "guest_token", "booking"),
            ("app_user", "app_user_id", "feed_token", "feed"),
        ] {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {id} AS id, {clear} AS token FROM {table} WHERE {clear} IS NOT NULL"
            )))
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                let (key, token): (String, String) = (get(&row, "id")?, get(&row, "token")?);
                let mut tx = self.write().await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {table} SET {clear}_hash = $1, {clear}_sealed = $2, {clear} = NULL \
                     WHERE {id} = $3 AND {clear} = $4"
                )))
                .bind(token_hash(&token))
                .bind(seal(&token, &format!("{context}:{key}")))
                .bind(&key)
                .bind(&token)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                moved += 1;
            }
        }
        Ok(moved)
    }

    /// A booking by its guest token.
    pub async fn booking_by_guest_token(&self, token: &str) -> Result<Option<BookingRecord>> {
        fetch_booking_by_token(&self.pool, token).await
    }

    /// A booking by id, whoever's it is (for jobs, which act on the system's behalf).
    pub async fn booking_by_id(&self, id: &str) -> Result<Option<BookingRecord>> {
        self.one(
            sqlx::query(records::BOOKING_SELECT_BY_ID).bind(id),
            BookingRecord::from_row,
        )
        .await
    }

    /// The next confirmed meeting, across hosts, booked with this phone number (E.164).
    pub async fn next_booking_by_phone(
        &self,
        phone: &str,
        now: Instant,
    ) -> Result<Option<BookingRecord>> {
        self.one(
            sqlx::query(records::BOOKING_SELECT_NEXT_BY_PHONE)
                .bind(phone)
                .bind(now.as_millis()),
            BookingRecord::from_row,
        )
        .await
    }

    /// A contact's bookings with the host, newest first (the host's pre-meeting brief).
    pub async fn contact_bookings(
        &self,
        host_id: &str,
        contact_id: &str,
        limit: i64,
    ) -> Result<Vec<BookingRecord>> {
        self.all(
            sqlx::query(records::BOOKING_SELECT_BY_CONTACT)
                .bind(host_id)
                .bind(contact_id)
                .bind(limit),
            BookingRecord::from_row,
        )
        .await
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
        self.all(
            sqlx::query(sql)
                .bind(host_id)
                .bind(filter.status.map_or("", BookingStatus::as_str))
                .bind(filter.from.map_or(i64::MIN, Instant::as_millis))
                .bind(filter.to.map_or(i64::MAX, Instant::as_millis))
                .bind(after.map_or(before_all.0, |(at, _)| at.as_millis()))
                .bind(after.map_or(before_all.1, |(_, id)| id))
                .bind(limit)
                .bind(filter.meeting_type.as_deref().unwrap_or_default())
                .bind(i64::from(filter.not_cancelled)),
            BookingRecord::from_row,
        )
        .await
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

pub(super) async fn fetch_booking_by_token(
    conn: impl sqlx::AnyExecutor<'_>,
    token: &str,
) -> Result<Option<BookingRecord>> {
    let row = sqlx::query(records::BOOKING_SELECT_BY_GUEST_TOKEN)
        .bind(token_hash(token))
        .fetch_optional(conn)
        .await?;
    let mut found = row.map(|r| BookingRecord::from_row(&r)).transpose()?;
    if let Some(b) = &mut found {
        b.guest_token = Some(token.to_owned());
    }
    Ok(found)
}
