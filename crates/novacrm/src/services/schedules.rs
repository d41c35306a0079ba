//! A host's named schedules (docs/DESIGN.md §11): other sets of hours — a zone, the seed
//! fields or weekly hours, date overrides — that a meeting type picks by `scheduleId`. The
//! default schedule stays `/api/availability`; a booking of any type keeps the host busy on
//! every schedule (busy time is the host's, whatever hours offered it). Every change takes
//! the host's lock, which bumps the version the availability caches are keyed by.

use jiff::Timestamp;
use scheduling::{FieldError, Instant, Obj};
use serde_json::Value;

use super::validate;
use super::{Result, ServiceError};
use crate::store::{Host, ScheduleRecord, Store, Tx, new_id};

/// Most named schedules one host may keep.
pub const MAX_SCHEDULES: usize = 50;

/// The body's schedule fields (everything but `id` and `name`) applied to `base`.
fn patched(
    base: &scheduling::AvailabilitySettings,
    body: &Value,
) -> Result<scheduling::AvailabilitySettings> {
    let Value::Object(fields) = body else {
        return Err(FieldError::new("", "the body must be a JSON object").into());
    };
    let mut changes = fields.clone();
    changes.remove("id");
    changes.remove("name");
    Ok(base.patched(&Value::Object(changes))?)
}

fn name_of(body: &Value, required: bool) -> Result<Option<String>> {
    let obj = Obj::new(body, "")?;
    if required || obj.has("name") {
        return Ok(Some(validate::required_line(&obj, "name", 100)?));
    }
    Ok(None)
}

/// A new schedule: the host's default hours with the body's fields on top.
pub async fn create(
    store: &Store,
    host: &Host,
    body: &Value,
    now: Timestamp,
) -> Result<ScheduleRecord> {
    let name = name_of(body, true)?.expect("required");
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    if Store::schedule_count(&mut tx, &host.id).await? >= MAX_SCHEDULES as i64 {
        return Err(ServiceError::Conflict(format!(
            "a host may keep at most {MAX_SCHEDULES} schedules; delete one first"
        )));
    }
    let base = Store::availability_in(&mut tx, &host.id).await?;
    let schedule = ScheduleRecord {
        id: new_id(),
        name,
        settings: patched(&base, body)?,
    };
    Store::save_schedule(&mut tx, &host.id, &schedule, Instant::from(now)).await?;
    tx.commit().await?;
    Ok(schedule)
}

fn unknown() -> ServiceError {
    ServiceError::NotFound("no such schedule".into())
}

/// Changes the fields present in `body`.
pub async fn update(
    store: &Store,
    host: &Host,
    id: &str,
    body: &Value,
    now: Timestamp,
) -> Result<ScheduleRecord> {
    let name = name_of(body, false)?;
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    let mut schedule = Store::schedule_in(&mut tx, &host.id, id)
        .await?
        .ok_or_else(unknown)?;
    if let Some(name) = name {
        schedule.name = name;
    }
    schedule.settings = patched(&schedule.settings, body)?;
    Store::save_schedule(&mut tx, &host.id, &schedule, Instant::from(now)).await?;
    tx.commit().await?;
    Ok(schedule)
}

/// Deletes a schedule; the types that offered its hours go back to the default schedule.
pub async fn delete(store: &Store, host: &Host, id: &str) -> Result<()> {
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    if !Store::delete_schedule(&mut tx, &host.id, id).await? {
        return Err(unknown());
    }
    tx.commit().await?;
    Ok(())
}

/// Reads a type's `scheduleId` (`null`: the default) and checks, in `tx`, that it names one
/// of the host's schedules.
pub async fn read_schedule_id(
    tx: &mut Tx,
    host_id: &str,
    body: &Value,
) -> Result<Option<Option<String>>> {
    let obj = Obj::new(body, "")?;
    if !obj.has("scheduleId") {
        return Ok(None);
    }
    let Some(id) = obj.str("scheduleId")? else {
        return Ok(Some(None));
    };
    if Store::schedule_in(tx, host_id, id).await?.is_none() {
        return Err(
            FieldError::new("scheduleId", format!("{id:?} is not one of your schedules")).into(),
        );
    }
    Ok(Some(Some(id.to_owned())))
}
