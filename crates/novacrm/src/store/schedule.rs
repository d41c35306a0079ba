//! What a host offers: the weekly availability (versioned, so caches know when it changed),
//! meeting types, blocked time.

use super::db::{Result, Store, Tx};
use super::records::{self, BlockedRecord, MeetingTypeRecord, ScheduleRecord};
use scheduling::{AvailabilitySettings, Instant};
use sqlx::Row;

/// What [`Store::schedule_header`] reads.
#[derive(Debug)]
pub struct ScheduleHeader {
    pub version: i64,
    pub settings: AvailabilitySettings,
    pub synced: Option<Instant>,
    pub covered: Option<Instant>,
    pub meeting: Option<MeetingTypeRecord>,
}

impl Store {
    // ---- availability ------------------------------------------------------------------

    pub async fn availability(&self, host_id: &str) -> Result<AvailabilitySettings> {
        load_availability(&self.pool, host_id).await
    }

    pub async fn availability_in(
        conn: &mut sqlx::AnyConnection,
        host_id: &str,
    ) -> Result<AvailabilitySettings> {
        load_availability(conn, host_id).await
    }

    /// The host's schedule version and settings, the summary of their conflict calendars
    /// (when all were last read, how far ahead they are known) and one of their meeting
    /// types (`None` if there is no such type), in one read on `conn`.
    pub async fn schedule_header(
        conn: &mut sqlx::AnyConnection,
        host_id: &str,
        meeting_type_id: &str,
    ) -> Result<ScheduleHeader> {
        let row = sqlx::query(records::SCHEDULE_HEADER_SELECT)
            .bind(host_id)
            .bind(meeting_type_id)
            .fetch_one(conn)
            .await?;
        let at = |c: &str| -> Result<Option<Instant>> {
            Ok(row.try_get::<Option<i64>, _>(c)?.map(Instant::from_millis))
        };
        let found: Option<String> = row.try_get("meeting_type_id")?;
        // The type's named schedule, when it has one, else the host's default.
        let named: Option<String> = row.try_get("schedule_settings")?;
        let settings = match named {
            Some(text) => records::schedule_settings(
                &serde_json::from_str(&text)
                    .map_err(|e| super::StoreError::Corrupt(format!("schedule: {e}")))?,
            )?,
            None => records::availability_from_row(&row)?,
        };
        Ok(ScheduleHeader {
            version: row.try_get("booking_version")?,
            settings,
            synced: at("busy_synced_at")?,
            covered: at("busy_covered_until")?,
            meeting: found
                .map(|_| MeetingTypeRecord::from_row(&row))
                .transpose()?,
        })
    }

    pub async fn save_availability(
        tx: &mut Tx,
        host_id: &str,
        settings: &AvailabilitySettings,
        now: Instant,
    ) -> Result<()> {
        save_availability(tx, host_id, settings, now).await
    }

    /// The hours `meeting` is offered in: its named schedule's, else the host's default.
    pub async fn type_settings(
        &self,
        host_id: &str,
        meeting: &MeetingTypeRecord,
    ) -> Result<AvailabilitySettings> {
        match &meeting.schedule_id {
            Some(id) => match self.schedule(host_id, id).await? {
                Some(named) => Ok(named.settings),
                None => self.availability(host_id).await,
            },
            None => self.availability(host_id).await,
        }
    }

    // ---- named schedules ---------------------------------------------------------------

    pub async fn schedules(&self, host_id: &str) -> Result<Vec<ScheduleRecord>> {
        self.all(
            sqlx::query(
                "SELECT schedule_id, name, settings FROM schedule WHERE app_user_id = $1 \
                 ORDER BY created_at, schedule_id",
            )
            .bind(host_id),
            ScheduleRecord::from_row,
        )
        .await
    }

    pub async fn schedule(&self, host_id: &str, id: &str) -> Result<Option<ScheduleRecord>> {
        fetch_schedule(&self.pool, host_id, id).await
    }

    pub async fn schedule_in(
        conn: &mut sqlx::AnyConnection,
        host_id: &str,
        id: &str,
    ) -> Result<Option<ScheduleRecord>> {
        fetch_schedule(conn, host_id, id).await
    }

    pub async fn schedule_count(tx: &mut Tx, host_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM schedule WHERE app_user_id = $1")
            .bind(host_id)
            .fetch_one(&mut **tx)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Inserts or updates a named schedule.
    pub async fn save_schedule(
        tx: &mut Tx,
        host_id: &str,
        schedule: &ScheduleRecord,
        now: Instant,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO schedule (schedule_id, app_user_id, name, settings, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (schedule_id) DO UPDATE SET \
             name = excluded.name, settings = excluded.settings, updated_at = excluded.updated_at",
        )
        .bind(&schedule.id)
        .bind(host_id)
        .bind(&schedule.name)
        .bind(schedule.settings.to_json().to_string())
        .bind(now.as_millis())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Deletes a named schedule; the types that used it go back to the default hours.
    pub async fn delete_schedule(tx: &mut Tx, host_id: &str, id: &str) -> Result<bool> {
        sqlx::query(
            "UPDATE meeting_type SET schedule_id = NULL WHERE app_user_id = $1 AND schedule_id = $2",
        )
        .bind(host_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        let gone = sqlx::query("DELETE FROM schedule WHERE app_user_id = $1 AND schedule_id = $2")
            .bind(host_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(gone.rows_affected() == 1)
    }

    // ---- meeting types -----------------------------------------------------------------

    pub async fn meeting_types(&self, host_id: &str) -> Result<Vec<MeetingTypeRecord>> {
        self.all(
            sqlx::query(records::MEETING_TYPE_SELECT_BY_HOST).bind(host_id),
            MeetingTypeRecord::from_row,
        )
        .await
    }

    /// Every meeting type of the host, archived ones too (old bookings name them).
    pub async fn meeting_types_all(&self, host_id: &str) -> Result<Vec<MeetingTypeRecord>> {
        self.all(
            sqlx::query(records::MEETING_TYPE_SELECT_ALL_BY_HOST).bind(host_id),
            MeetingTypeRecord::from_row,
        )
        .await
    }

    pub async fn meeting_type(&self, host_id: &str, id: &str) -> Result<Option<MeetingTypeRecord>> {
        fetch_meeting_type(&self.pool, host_id, id).await
    }

    pub async fn meeting_type_in(
        conn: &mut sqlx::AnyConnection,
        host_id: &str,
        id: &str,
    ) -> Result<Option<MeetingTypeRecord>> {
        fetch_meeting_type(conn, host_id, id).await
    }

    pub async fn insert_meeting_type(
        tx: &mut Tx,
        m: &MeetingTypeRecord,
        now: Instant,
    ) -> Result<()> {
        save_meeting_type(
            tx,
            m,
            now,
            "INSERT INTO meeting_type (meeting_type_id, app_user_id, name, duration, description, \
             color, questions, confirmation_message, slot_interval, active, archived, created_at, \
             updated_at, location_kind, location, guest_cutoff_hours, policy, schedule_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, \
             $17)",
        )
        .await
    }

    pub async fn update_meeting_type(
        tx: &mut Tx,
        m: &MeetingTypeRecord,
        now: Instant,
    ) -> Result<()> {
        save_meeting_type(
            tx,
            m,
            now,
            "UPDATE meeting_type SET name = $3, duration = $4, description = $5, color = $6, \
             questions = $7, confirmation_message = $8, slot_interval = $9, active = $10, \
             archived = $11, updated_at = $12, location_kind = $13, location = $14, \
             guest_cutoff_hours = $15, policy = $16, schedule_id = $17 \
             WHERE meeting_type_id = $1 AND app_user_id = $2",
        )
        .await
    }

    pub async fn delete_meeting_type(tx: &mut Tx, host_id: &str, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM meeting_type WHERE meeting_type_id = $1 AND app_user_id = $2")
            .bind(id)
            .bind(host_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn meeting_type_has_bookings(tx: &mut Tx, id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM booking WHERE meeting_type_id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    pub async fn blocked_times(
        conn: impl sqlx::AnyExecutor<'_>,
        host_id: &str,
    ) -> Result<Vec<BlockedRecord>> {
        let rows = sqlx::query(
            "SELECT blocked_time_id, start_time, end_time, reason, recurrence_rule \
             FROM blocked_time WHERE app_user_id = $1 ORDER BY start_time",
        )
        .bind(host_id)
        .fetch_all(conn)
        .await?;
        rows.iter().map(BlockedRecord::from_row).collect()
    }

    pub async fn insert_blocked_time(
        tx: &mut Tx,
        host_id: &str,
        b: &BlockedRecord,
        now: Instant,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO blocked_time (blocked_time_id, app_user_id, start_time, end_time, reason, \
             recurrence_rule, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&b.id)
        .bind(host_id)
        .bind(b.start.as_millis())
        .bind(b.end.as_millis())
        .bind(&b.reason)
        .bind(&b.rule)
        .bind(now.as_millis())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn blocked_time_count(tx: &mut Tx, host_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM blocked_time WHERE app_user_id = $1")
            .bind(host_id)
            .fetch_one(&mut **tx)
            .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn delete_blocked_time(tx: &mut Tx, host_id: &str, id: &str) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM blocked_time WHERE blocked_time_id = $1 AND app_user_id = $2")
                .bind(id)
                .bind(host_id)
                .execute(&mut **tx)
                .await?;
        Ok(done.rows_affected() > 0)
    }
}

pub(super) async fn load_availability(
    conn: impl sqlx::AnyExecutor<'_>,
    host_id: &str,
) -> Result<AvailabilitySettings> {
    let row = sqlx::query(records::AVAILABILITY_SELECT)
        .bind(host_id)
        .fetch_one(conn)
        .await?;
    records::availability_from_row(&row)
}

pub(super) async fn save_availability(
    tx: &mut Tx,
    host_id: &str,
    s: &AvailabilitySettings,
    now: Instant,
) -> Result<()> {
    let json = s.to_json();
    sqlx::query(
        "INSERT INTO availability (app_user_id, timezone, working_days, start_time, end_time, \
         weekly_hours, buffer_time, min_notice, max_advance, updated_at, date_overrides) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (app_user_id) DO UPDATE SET \
         timezone = excluded.timezone, working_days = excluded.working_days, \
         start_time = excluded.start_time, end_time = excluded.end_time, \
         weekly_hours = excluded.weekly_hours, buffer_time = excluded.buffer_time, \
         min_notice = excluded.min_notice, max_advance = excluded.max_advance, \
         updated_at = excluded.updated_at, date_overrides = excluded.date_overrides",
    )
    .bind(host_id)
    .bind(s.zone.name())
    .bind(json["workingDays"].to_string())
    .bind(s.start_time.to_string())
    .bind(s.end_time.to_string())
    .bind(
        s.weekly_hours
            .as_ref()
            .map(|_| json["weeklyHours"].to_string()),
    )
    .bind(i64::from(s.buffer.get()))
    .bind(i64::from(s.min_notice.get()))
    .bind(i64::from(s.max_advance.get()))
    .bind(now.as_millis())
    .bind((!s.date_overrides.is_empty()).then(|| json["dateOverrides"].to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn fetch_schedule(
    conn: impl sqlx::AnyExecutor<'_>,
    host_id: &str,
    id: &str,
) -> Result<Option<ScheduleRecord>> {
    let row = sqlx::query(
        "SELECT schedule_id, name, settings FROM schedule WHERE app_user_id = $1 AND schedule_id = $2",
    )
    .bind(host_id)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| ScheduleRecord::from_row(&r)).transpose()
}

pub(super) async fn fetch_meeting_type(
    conn: impl sqlx::AnyExecutor<'_>,
    host_id: &str,
    id: &str,
) -> Result<Option<MeetingTypeRecord>> {
    let row = sqlx::query(records::MEETING_TYPE_SELECT_ONE)
        .bind(host_id)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| MeetingTypeRecord::from_row(&r)).transpose()
}

/// Runs `sql` (an insert or an update) with a meeting type's columns bound as `$1`…`$17`, in
/// the one order both statements name them.
async fn save_meeting_type(
    tx: &mut Tx,
    m: &MeetingTypeRecord,
    now: Instant,
    sql: &'static str,
) -> Result<()> {
    sqlx::query(sql)
        .bind(&m.id)
        .bind(&m.host_id)
        .bind(&m.name)
        .bind(m.duration)
        .bind(&m.description)
        .bind(&m.color)
        .bind(m.questions.to_string())
        .bind(&m.confirmation_message)
        .bind(m.slot_interval)
        .bind(i64::from(m.active))
        .bind(i64::from(m.archived))
        .bind(now.as_millis())
        .bind(m.location.as_ref().map(|l| l.to_columns().0))
        .bind(m.location.as_ref().and_then(|l| l.to_columns().1))
        .bind(m.guest_cutoff_hours)
        .bind(m.policy_json().map(|p| p.to_string()))
        .bind(&m.schedule_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
