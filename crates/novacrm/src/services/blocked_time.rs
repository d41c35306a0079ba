//! A host's blocked time: one-off and repeating, bounded in number, under the host's lock.

use jiff::Timestamp;
use scheduling::{FieldError, Instant, Obj, RecurrenceRule};
use serde_json::Value;

use super::validate::{self};
use super::{Result, ServiceError};
use crate::store::{BlockedRecord, Host, Store, new_id};

/// Blocked times one host may keep; with [`MAX_TIMES_PER_DAY`], this bounds what any
/// schedule can cost an availability query.
pub const MAX_BLOCKED_TIMES: i64 = 200;
/// Occurrences a day one recurring blocked time may have.
pub const MAX_TIMES_PER_DAY: usize = 24;

pub async fn create_blocked_time(
    store: &Store,
    host: &Host,
    body: &Value,
    now: Timestamp,
) -> Result<BlockedRecord> {
    let obj = Obj::new(body, "")?;
    let blocked = scheduling::scenario::read_blocked_time(&obj)?;
    if blocked.end() <= blocked.start() {
        return Err(obj.error("endTime", "must be after startTime").into());
    }
    if obj.bool("recurring")? == Some(true) && blocked.rule().is_none() {
        return Err(obj
            .error("recurrenceRule", "is required when recurring is true")
            .into());
    }
    if let Some(rule) = blocked.rule()
        && rule.times_per_day() > MAX_TIMES_PER_DAY
    {
        return Err(obj
            .error(
                "recurrenceRule",
                format!(
                    "repeats {} times a day; at most {MAX_TIMES_PER_DAY} (hourly) are allowed — \
                     block one longer interval instead",
                    rule.times_per_day()
                ),
            )
            .into());
    }
    let record = BlockedRecord {
        id: new_id(),
        start: blocked.start(),
        end: blocked.end(),
        reason: validate::optional_text(&obj, "reason", 200)?,
        rule: blocked.rule().map(RecurrenceRule::to_string),
    };
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    if Store::blocked_time_count(&mut tx, &host.id).await? >= MAX_BLOCKED_TIMES {
        return Err(FieldError::new(
            "",
            format!(
                "you have {MAX_BLOCKED_TIMES} blocked times, the most a schedule may hold; \
                 delete old ones or combine them with a repeating rule"
            ),
        )
        .into());
    }
    Store::insert_blocked_time(&mut tx, &host.id, &record, Instant::from(now)).await?;
    tx.commit().await?;
    Ok(record)
}

pub async fn delete_blocked_time(store: &Store, host: &Host, id: &str) -> Result<()> {
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    if !Store::delete_blocked_time(&mut tx, &host.id, id).await? {
        return Err(ServiceError::NotFound("no such blocked time".into()));
    }
    tx.commit().await?;
    Ok(())
}
