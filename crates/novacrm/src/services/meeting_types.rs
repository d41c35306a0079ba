//! A host's meeting types: created, changed and archived under the host's lock (which bumps
//! the version that keys the availability cache).

use jiff::Timestamp;
use scheduling::{FieldError, Instant, MeetingDuration, Obj, SlotInterval};
use serde_json::Value;

use super::validate::{self, gather};
use super::{Result, ServiceError};
use crate::integrations::meetings::MeetingLinks;
use crate::store::{Host, MeetingTypeRecord, OnboardingStep, Store, new_id};

/// Applies the fields present in `body` to `m` (a new type starts from defaults).
fn apply_meeting_type(m: &mut MeetingTypeRecord, body: &Value, creating: bool) -> Result<()> {
    let obj = Obj::new(body, "")?;
    let mut errors = Vec::new();
    if (creating || obj.has("name"))
        && let Some(name) = gather(&mut errors, validate::required_line(&obj, "name", 100))
    {
        m.name = name;
    }
    if creating || obj.has("duration") {
        let d = obj.int("duration").and_then(|d| {
            let d = d.ok_or_else(|| obj.error("duration", "is required"))?;
            MeetingDuration::new(d)
                .map_err(|e| obj.error("duration", e))
                .map(|d| i64::from(d.get()))
        });
        if let Some(d) = gather(&mut errors, d) {
            m.duration = d;
        }
    }
    if obj.has("description") {
        m.description = gather(
            &mut errors,
            validate::optional_text(&obj, "description", 1000),
        )
        .flatten();
    }
    if let Some(color) = gather(&mut errors, validate::color(&obj, "color")).flatten() {
        m.color = color;
    }
    if let Some(questions) = gather(&mut errors, validate::questions(&obj, "questions")).flatten() {
        m.questions = questions;
    }
    if obj.has("confirmationMessage") {
        m.confirmation_message = gather(
            &mut errors,
            validate::optional_text(&obj, "confirmationMessage", 2000),
        )
        .flatten();
    }
    if obj.has("slotInterval") {
        let interval = obj.int("slotInterval").and_then(|i| {
            i.map(|i| {
                SlotInterval::new(i)
                    .map(|s| i64::from(s.get()))
                    .map_err(|e| obj.error("slotInterval", e))
            })
            .transpose()
        });
        match interval {
            Ok(i) => m.slot_interval = i,
            Err(e) => errors.push(e),
        }
    }
    if obj.has("location") {
        let location = match obj.get("location") {
            None | Some(Value::Null) => Ok(None),
            Some(value) => scheduling::Location::read(value, "location").map(Some),
        };
        match location {
            Ok(l) => m.location = l,
            Err(e) => errors.push(e),
        }
    }
    match obj.bounded("guestCutoffHours", 0, 8760) {
        Ok(Some(hours)) => m.guest_cutoff_hours = hours,
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    if scheduling::scenario::POLICY_FIELDS
        .iter()
        .any(|f| obj.has(f))
    {
        // The fields present replace the type's; the others stay.
        let mut merged = scheduling::scenario::type_policy_json(&m.policy);
        for field in scheduling::scenario::POLICY_FIELDS {
            if let Some(value) = body.get(field) {
                merged[field] = value.clone();
            }
        }
        let policy = Obj::new(&merged, "").and_then(|o| scheduling::scenario::read_type_policy(&o));
        if let Some(policy) = gather(&mut errors, policy) {
            m.policy = policy;
        }
    }
    if scheduling::offer::OFFER_FIELDS.iter().any(|f| obj.has(f)) {
        let length = m.length()?;
        let mut merged = scheduling::offer::offer_json(&m.offer, length);
        for field in scheduling::offer::OFFER_FIELDS {
            if let Some(value) = body.get(field) {
                merged[field] = value.clone();
            }
        }
        let offer = Obj::new(&merged, "").and_then(|o| scheduling::offer::read_offer(&o, length));
        if let Some(offer) = gather(&mut errors, offer) {
            m.offer = offer;
        }
    }
    match obj.bool("active") {
        Ok(Some(active)) => m.active = active,
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

pub async fn create_meeting_type(
    store: &Store,
    meetings: &MeetingLinks,
    host: &Host,
    body: &Value,
    now: Timestamp,
) -> Result<MeetingTypeRecord> {
    check_video(store, meetings, &host.id, body).await?;
    let mut m = MeetingTypeRecord::with_defaults(new_id(), &host.id);
    apply_meeting_type(&mut m, body, true)?;
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    if let Some(schedule) = super::schedules::read_schedule_id(&mut tx, &host.id, body).await? {
        m.schedule_id = schedule;
    }
    Store::insert_meeting_type(&mut tx, &m, Instant::from(now)).await?;
    Store::tick_onboarding(&mut tx, &host.id, OnboardingStep::Types).await?;
    tx.commit().await?;
    Ok(m)
}

pub async fn update_meeting_type(
    store: &Store,
    meetings: &MeetingLinks,
    host: &Host,
    id: &str,
    body: &Value,
    now: Timestamp,
) -> Result<MeetingTypeRecord> {
    check_video(store, meetings, &host.id, body).await?;
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    let mut m = Store::meeting_type_in(&mut tx, &host.id, id)
        .await?
        .filter(|m| !m.archived)
        .ok_or_else(|| ServiceError::NotFound("no such meeting type".into()))?;
    apply_meeting_type(&mut m, body, false)?;
    if let Some(schedule) = super::schedules::read_schedule_id(&mut tx, &host.id, body).await? {
        m.schedule_id = schedule;
    }
    Store::update_meeting_type(&mut tx, &m, Instant::from(now)).await?;
    Store::tick_onboarding(&mut tx, &host.id, OnboardingStep::Types).await?;
    tx.commit().await?;
    Ok(m)
}

/// Deletes a meeting type; one with bookings is archived instead, so its bookings keep it.
pub async fn delete_meeting_type(
    store: &Store,
    host: &Host,
    id: &str,
    now: Timestamp,
) -> Result<()> {
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    let mut m = Store::meeting_type_in(&mut tx, &host.id, id)
        .await?
        .filter(|m| !m.archived)
        .ok_or_else(|| ServiceError::NotFound("no such meeting type".into()))?;
    if Store::meeting_type_has_bookings(&mut tx, id).await? {
        m.archived = true;
        m.active = false;
        Store::update_meeting_type(&mut tx, &m, Instant::from(now)).await?;
    } else {
        Store::delete_meeting_type(&mut tx, &host.id, id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Refuses a meeting type whose video provider cannot make links for this host (a body
/// with `location: {"kind":"video","provider"}`), so no booking ever waits for a link
/// that cannot come.
async fn check_video(
    store: &Store,
    meetings: &MeetingLinks,
    host_id: &str,
    body: &Value,
) -> Result<(), FieldError> {
    use scheduling::{Location, VideoProvider};
    let Ok(Location::Video { provider }) = Location::read(&body["location"], "location") else {
        return Ok(());
    };
    let refuse = |m: &str| Err(scheduling::FieldError::new("location.provider", m));
    match provider {
        VideoProvider::Zoom if !meetings.offers_zoom() => {
            refuse("Zoom is not set up on this server; choose another location")
        }
        VideoProvider::Teams if !meetings.offers_teams() => {
            refuse("Microsoft Teams is not set up on this server; choose another location")
        }
        VideoProvider::GoogleMeet => {
            let google = store
                .connections(host_id)
                .await
                .is_ok_and(|c| c.iter().any(|c| c.provider == "google"));
            if google {
                Ok(())
            } else {
                refuse(
                    "Google Meet links need a connected Google Calendar (Dashboard → Integrations)",
                )
            }
        }
        VideoProvider::Jitsi | VideoProvider::Zoom | VideoProvider::Teams => Ok(()),
    }
}
