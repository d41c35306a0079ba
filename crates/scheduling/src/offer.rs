//! How a meeting type is offered to guests beyond its slots (docs/DESIGN.md §11): the
//! lengths a guest may pick, how many meetings one guest may hold, and whether the host
//! approves each booking first.
//!
//! Read and written in the same wire form as the type's policy (`read_offer`,
//! `offer_json`), so the API, the store and the checks share one reader.

use serde_json::{Value, json};

use crate::field::{FieldError, Obj};
use crate::instant::Instant;
use crate::types::MeetingDuration;

/// The offer fields a meeting type carries (read by [`read_offer`]).
pub const OFFER_FIELDS: [&str; 4] = ["durations", "guestLimit", "approval", "pendingExpiresHours"];

/// Most lengths one type may offer.
pub const MAX_DURATIONS: usize = 8;

/// Whether the host approves a booking before it is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Approval {
    #[default]
    Never,
    Always,
    /// Only bookings starting within this many hours of the request.
    UnderNoticeHours(u32),
}

impl Approval {
    /// Whether a booking for `start` requested at `now` waits for the host.
    pub fn needed(self, start: Instant, now: Instant) -> bool {
        match self {
            Self::Never => false,
            Self::Always => true,
            Self::UnderNoticeHours(hours) => start < now.plus_minutes(i64::from(hours) * 60),
        }
    }
}

/// A type's offer: every default changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Offer {
    /// Other lengths a guest may pick besides the type's `duration` (sorted, without it).
    pub other_durations: Vec<MeetingDuration>,
    /// Active future bookings one guest email may hold on this type.
    pub guest_limit: Option<u32>,
    pub approval: Approval,
    /// A request not approved this many hours after it was made expires (it always does
    /// once its start has passed).
    pub pending_expires_hours: Option<u32>,
}

impl Offer {
    /// Every length a guest may pick, the type's own `duration` among them, shortest first.
    pub fn durations(&self, duration: MeetingDuration) -> Vec<MeetingDuration> {
        let mut all = self.other_durations.clone();
        all.push(duration);
        all.sort_unstable();
        all.dedup();
        all
    }

    /// When a request made at `created` for `start` expires unless approved.
    pub fn pending_expiry(&self, created: Instant, start: Instant) -> Instant {
        self.pending_expires_hours.map_or(start, |h| {
            created.plus_minutes(i64::from(h) * 60).min(start)
        })
    }
}

/// The wire form [`read_offer`] reads, `durations` listing every length (with `duration`).
pub fn offer_json(offer: &Offer, duration: MeetingDuration) -> Value {
    let durations: Vec<u32> = offer.durations(duration).iter().map(|d| d.get()).collect();
    json!({
        "durations": durations,
        "guestLimit": offer.guest_limit,
        "approval": match offer.approval {
            Approval::Never => json!("never"),
            Approval::Always => json!("always"),
            Approval::UnderNoticeHours(h) => json!({"underNoticeHours": h}),
        },
        "pendingExpiresHours": offer.pending_expires_hours,
    })
}

/// Reads the offer fields of a type whose own length is `duration` (all optional; a
/// `durations` list must contain it).
pub fn read_offer(obj: &Obj<'_>, duration: MeetingDuration) -> Result<Offer, FieldError> {
    let mut other_durations = Vec::new();
    if let Some(list) = obj.array("durations")? {
        if list.len() > MAX_DURATIONS {
            return Err(obj.error(
                "durations",
                format!("may list at most {MAX_DURATIONS} lengths"),
            ));
        }
        let mut seen = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let path = format!("{}[{i}]", obj.field("durations"));
            let minutes = item
                .as_i64()
                .ok_or_else(|| FieldError::new(&path, "must be a whole number of minutes"))?;
            let length = MeetingDuration::new(minutes).map_err(|m| FieldError::new(&path, m))?;
            seen.push(length);
        }
        if !list.is_empty() && !seen.contains(&duration) {
            return Err(obj.error(
                "durations",
                format!(
                    "must contain the type's duration ({} minutes)",
                    duration.get()
                ),
            ));
        }
        seen.sort_unstable();
        seen.dedup();
        other_durations = seen.into_iter().filter(|&d| d != duration).collect();
    }
    let approval = match obj.get("approval") {
        None | Some(Value::Null) => Approval::Never,
        Some(Value::String(s)) if s == "never" => Approval::Never,
        Some(Value::String(s)) if s == "always" => Approval::Always,
        Some(value @ Value::Object(_)) => {
            let path = obj.field("approval");
            let inner = Obj::new(value, &path)?;
            let hours = inner
                .bounded("underNoticeHours", 1, 8760)?
                .ok_or_else(|| inner.error("underNoticeHours", "is required"))?;
            Approval::UnderNoticeHours(hours as u32)
        }
        Some(_) => {
            return Err(obj.error(
                "approval",
                r#"must be "never", "always" or {"underNoticeHours": N}"#,
            ));
        }
    };
    Ok(Offer {
        other_durations,
        guest_limit: obj.bounded("guestLimit", 1, 1000)?.map(|n| n as u32),
        approval,
        pending_expires_hours: obj
            .bounded("pendingExpiresHours", 1, 8760)?
            .map(|n| n as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: Value) -> Result<Offer, FieldError> {
        read_offer(
            &Obj::new(&value, "").unwrap(),
            MeetingDuration::new(30).unwrap(),
        )
    }

    #[test]
    fn durations_must_contain_the_types_own_and_round_trip() {
        let offer = read(json!({"durations": [60, 30, 15, 60]})).unwrap();
        let all: Vec<u32> = offer
            .durations(MeetingDuration::new(30).unwrap())
            .iter()
            .map(|d| d.get())
            .collect();
        assert_eq!(all, [15, 30, 60]);
        let again = offer_json(&offer, MeetingDuration::new(30).unwrap());
        assert_eq!(read(again).unwrap(), offer);
        let err = read(json!({"durations": [15, 60]})).unwrap_err();
        assert_eq!(err.field, "durations");
        assert!(err.message.contains("30 minutes"), "{err}");
        assert_eq!(
            read(json!({"durations": [0]})).unwrap_err().field,
            "durations[0]"
        );
    }

    #[test]
    fn approval_reads_its_three_forms_and_refuses_others() {
        assert_eq!(read(json!({})).unwrap().approval, Approval::Never);
        assert_eq!(
            read(json!({"approval": "always"})).unwrap().approval,
            Approval::Always
        );
        assert_eq!(
            read(json!({"approval": {"underNoticeHours": 12}}))
                .unwrap()
                .approval,
            Approval::UnderNoticeHours(12)
        );
        assert_eq!(
            read(json!({"approval": "sometimes"})).unwrap_err().field,
            "approval"
        );
        assert_eq!(
            read(json!({"approval": {"underNoticeHours": 0}}))
                .unwrap_err()
                .field,
            "approval.underNoticeHours"
        );
        let now = Instant::from_millis(0);
        let soon = now.plus_minutes(60);
        let later = now.plus_minutes(13 * 60);
        assert!(Approval::UnderNoticeHours(12).needed(soon, now));
        assert!(!Approval::UnderNoticeHours(12).needed(later, now));
    }

    #[test]
    fn a_request_expires_by_its_deadline_or_its_start() {
        let created = Instant::from_millis(0);
        let start = created.plus_minutes(48 * 60);
        let mut offer = Offer::default();
        assert_eq!(offer.pending_expiry(created, start), start);
        offer.pending_expires_hours = Some(24);
        assert_eq!(
            offer.pending_expiry(created, start),
            created.plus_minutes(24 * 60)
        );
        offer.pending_expires_hours = Some(72);
        assert_eq!(offer.pending_expiry(created, start), start);
    }
}
