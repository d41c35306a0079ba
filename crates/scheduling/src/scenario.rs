//! The `novacrm slots` scenario (docs/DESIGN.md §5): JSON in, slots out.
//!
//! This is the contract the test harnesses use to check the rules, so every field is read
//! through [`crate::field`] and a mistake names its field. The readers for a meeting type's
//! rules, a booking and a blocked time live here too and are shared with the HTTP API.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::blocked::BlockedTime;
use crate::booking::BookingStatus;
use crate::engine::{
    BookedTime, Busy, Limits, MeetingRules, Query, Slot, TypePolicy, free_slots, horizon_end,
};
use crate::field::{FieldError, Obj};
use crate::instant::Instant;
use crate::recurrence::RecurrenceRule;
use crate::settings::AvailabilitySettings;
use crate::types::{AdvanceDays, BufferMinutes, MeetingDuration, NoticeHours, SlotInterval};

/// A whole scenario, parsed.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub availability: AvailabilitySettings,
    pub meeting: MeetingRules,
    pub bookings: Vec<BookedTime>,
    pub blocked: Vec<BlockedTime>,
    /// Starts of the live bookings whose `meetingTypeId` is the type's `id` (its limits).
    pub counted: Vec<Instant>,
    /// With `seats`: the bookings of the type itself (its sessions), not in `bookings`.
    pub sessions: Vec<BookedTime>,
    pub query: Query,
}

fn timestamp(obj: &Obj<'_>, key: &str) -> Result<Option<Timestamp>, FieldError> {
    obj.parse_str(key, Instant::parse_timestamp)
}

fn required_timestamp(obj: &Obj<'_>, key: &str) -> Result<Timestamp, FieldError> {
    timestamp(obj, key)?.ok_or_else(|| obj.error(key, "is required"))
}

/// Reads `{"duration": 30, "slotInterval": 15}` (`slotInterval` optional or null) with the
/// type's own policy (docs/DESIGN.md §11): `minNotice`, `maxAdvance`, `bufferTime`,
/// `firstSlotOnly`, `limits` — each missing or null takes the host's.
pub fn read_meeting_rules(obj: &Obj<'_>) -> Result<MeetingRules, FieldError> {
    let duration = obj
        .int("duration")?
        .ok_or_else(|| obj.error("duration", "is required"))?;
    let duration = MeetingDuration::new(duration).map_err(|m| obj.error("duration", m))?;
    let slot_interval = obj
        .int("slotInterval")?
        .map(|n| SlotInterval::new(n).map_err(|m| obj.error("slotInterval", m)))
        .transpose()?;
    Ok(MeetingRules {
        duration,
        slot_interval,
        policy: read_type_policy(obj)?,
    })
}

/// The most bookings a limit may allow per day, week or month.
pub const MAX_LIMIT: i64 = 1000;

/// The policy fields a meeting type carries (read by [`read_type_policy`]).
pub const POLICY_FIELDS: [&str; 6] = [
    "minNotice",
    "maxAdvance",
    "bufferTime",
    "firstSlotOnly",
    "limits",
    "seats",
];

/// The most guests one slot of a seated type may hold.
pub const MAX_SEATS: i64 = 1000;

/// A type's policy in the wire form [`read_type_policy`] reads (every field, `null` = the
/// host's).
pub fn type_policy_json(policy: &TypePolicy) -> Value {
    let limits = policy.limits;
    json!({
        "minNotice": policy.min_notice.map(NoticeHours::get),
        "maxAdvance": policy.max_advance.map(AdvanceDays::get),
        "bufferTime": policy.buffer.map(BufferMinutes::get),
        "firstSlotOnly": policy.first_slot_only,
        "limits": (!limits.is_empty()).then(|| json!({
            "day": limits.day, "week": limits.week, "month": limits.month,
        })),
        "seats": policy.seats,
    })
}

/// Reads a meeting type's own policy fields (all optional).
pub fn read_type_policy(obj: &Obj<'_>) -> Result<TypePolicy, FieldError> {
    fn own<T>(
        obj: &Obj<'_>,
        key: &str,
        new: fn(i64) -> Result<T, String>,
    ) -> Result<Option<T>, FieldError> {
        obj.int(key)?
            .map(|n| new(n).map_err(|m| obj.error(key, m)))
            .transpose()
    }
    let limits = match obj.get("limits") {
        None => Limits::default(),
        Some(value) => {
            let path = obj.field("limits");
            let inner = Obj::new(value, &path)?;
            let Value::Object(map) = value else {
                unreachable!("Obj::new checked the object")
            };
            if let Some(key) = map
                .keys()
                .find(|k| !["day", "week", "month"].contains(&k.as_str()))
            {
                return Err(inner.error(key, "is not a limit (use day, week or month)"));
            }
            let limit = |key| -> Result<Option<u32>, FieldError> {
                Ok(inner.bounded(key, 1, MAX_LIMIT)?.map(|n| n as u32))
            };
            Limits {
                day: limit("day")?,
                week: limit("week")?,
                month: limit("month")?,
            }
        }
    };
    Ok(TypePolicy {
        min_notice: own(obj, "minNotice", NoticeHours::new)?,
        max_advance: own(obj, "maxAdvance", AdvanceDays::new)?,
        buffer: own(obj, "bufferTime", BufferMinutes::new)?,
        first_slot_only: obj.bool("firstSlotOnly")?.unwrap_or(false),
        limits,
        seats: obj.bounded("seats", 1, MAX_SEATS)?.map(|n| n as u32),
    })
}

/// Reads a `[startTime, endTime)` pair and checks that it is not reversed. An empty one is
/// allowed (docs/DESIGN.md §5 refuses only an end before the start); it overlaps nothing.
fn read_interval(obj: &Obj<'_>) -> Result<(Instant, Instant), FieldError> {
    let start = Instant::floor(required_timestamp(obj, "startTime")?);
    let end = Instant::ceil(required_timestamp(obj, "endTime")?);
    if end < start {
        return Err(obj.error("endTime", format!("{end} must be after startTime {start}")));
    }
    Ok((start, end))
}

/// Reads `{"startTime", "endTime", "status"}`; status defaults to `CONFIRMED`.
pub fn read_booking(obj: &Obj<'_>) -> Result<BookedTime, FieldError> {
    let (start, end) = read_interval(obj)?;
    let status = obj
        .parse_str("status", str::parse)?
        .unwrap_or(BookingStatus::Confirmed);
    Ok(BookedTime { start, end, status })
}

/// Reads `{"startTime", "endTime", "recurrenceRule"?}`.
pub fn read_blocked_time(obj: &Obj<'_>) -> Result<BlockedTime, FieldError> {
    let (start, end) = read_interval(obj)?;
    let rule = obj.parse_str("recurrenceRule", RecurrenceRule::parse)?;
    BlockedTime::new(start, end, rule).map_err(|m| obj.error("endTime", m))
}

fn read_list<T>(
    root: &Obj<'_>,
    key: &str,
    read: impl Fn(&Obj<'_>) -> Result<T, FieldError>,
) -> Result<Vec<T>, FieldError> {
    let mut out = Vec::new();
    for (i, item) in root.array(key)?.into_iter().flatten().enumerate() {
        let path = format!("{}[{i}]", root.field(key));
        out.push(read(&Obj::new(item, &path)?)?);
    }
    Ok(out)
}

impl Scenario {
    /// Parses scenario text. `from` defaults to `now` and `to` to the end of the horizon, as
    /// in the availability API.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| FieldError::new("", format!("the scenario is not valid JSON: {e}")))?;
        let root = Obj::new(&value, "")?;
        let now = required_timestamp(&root, "now")?;
        let availability = match root.get("availability") {
            Some(v) => AvailabilitySettings::read(v, "availability")?,
            None => AvailabilitySettings::seed_default(),
        };
        let meeting = root
            .get("meetingType")
            .ok_or_else(|| root.error("meetingType", "is required"))?;
        let meeting_obj = Obj::new(meeting, "meetingType")?;
        let type_id = meeting_obj.str("id")?;
        let meeting = read_meeting_rules(&meeting_obj)?;
        let from = timestamp(&root, "from")?.unwrap_or(now);
        let to = match timestamp(&root, "to")? {
            Some(to) if to < from => {
                return Err(root.error("to", format!("{to} is before from {from}")));
            }
            Some(to) => to,
            // A `from` past the horizon simply offers nothing.
            None => horizon_end(&availability, meeting, Instant::ceil(now))
                .to_timestamp()
                .max(from),
        };
        let typed = read_list(&root, "bookings", |obj| {
            Ok((
                read_booking(obj)?,
                obj.str("meetingTypeId")?.map(str::to_owned),
            ))
        })?;
        let own = |of: &Option<String>| type_id.is_some() && of.as_deref() == type_id;
        let counted = typed
            .iter()
            .filter(|(b, of)| b.status.holds_time() && own(of))
            .map(|(b, _)| b.start)
            .collect();
        let (sessions, bookings): (Vec<_>, Vec<_>) = typed
            .into_iter()
            .partition(|(_, of)| meeting.policy.seats.is_some() && own(of));
        Ok(Self {
            meeting,
            counted,
            bookings: bookings.into_iter().map(|(b, _)| b).collect(),
            sessions: sessions.into_iter().map(|(b, _)| b).collect(),
            blocked: read_list(&root, "blockedTimes", read_blocked_time)?,
            query: Query::new(from, to, now),
            availability,
        })
    }

    pub fn slots(&self) -> Vec<Slot> {
        let busy = Busy {
            bookings: &self.bookings,
            blocked: &self.blocked,
            counted: &self.counted,
            sessions: &self.sessions,
        };
        free_slots(&self.availability, self.meeting, busy, self.query)
    }
}

/// `{"slots":[{"start":"…Z","end":"…Z"}]}`.
pub fn slots_json(slots: &[Slot]) -> Value {
    let list: Vec<Value> = slots
        .iter()
        .map(|s| json!({"start": s.start.to_string(), "end": s.end.to_string()}))
        .collect();
    json!({ "slots": list })
}
