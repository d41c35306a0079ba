//! Rows as the store reads and writes them, and their decoding from `AnyRow`.

use scheduling::{AvailabilitySettings, BookingStatus, Instant};
use serde_json::{Value, json};
use sqlx::any::AnyRow;

/// The columns `Host::from_row` reads, bare and qualified by the alias `u` (macros, so that
/// statements stay literals: `concat!`).
macro_rules! host_columns {
    () => {
        "app_user_id, username, name, email, booking_version, embed_origins, welcome, \
         brand_color, photo_digest, hours_set, types_set, link_shared, page_analytics, week_start"
    };
    (u) => {
        "u.app_user_id, u.username, u.name, u.email, u.booking_version, u.embed_origins, \
         u.welcome, u.brand_color, u.photo_digest, u.hours_set, u.types_set, u.link_shared, \
         u.page_analytics, u.week_start"
    };
}
pub(super) use host_columns;

use super::db::{Result, StoreError, get};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub id: String,
    pub username: String,
    pub name: String,
    pub email: String,
    pub booking_version: i64,
    /// Origins allowed to frame the booking pages, space-separated (empty: this site only).
    pub embed_origins: String,
    /// The booking page's profile: a welcome line, a brand colour (`#rrggbb`, empty for the
    /// default) and the digest of the photo, if there is one (it names the photo's URL).
    pub welcome: String,
    pub brand_color: String,
    pub photo_digest: Option<String>,
    pub onboarding: Onboarding,
    /// Whether the booking pages count visitors for the host's funnel (on by default).
    pub page_analytics: bool,
    /// The first day of the host's week in insights (Monday by default).
    pub week_start: scheduling::Weekday,
}

/// The onboarding checklist: hours saved, a meeting type created or edited, the link shared
/// (the host said so, or copied it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Onboarding {
    pub hours: bool,
    pub types: bool,
    pub shared: bool,
}

impl Host {
    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: get(r, "app_user_id")?,
            username: get(r, "username")?,
            name: get(r, "name")?,
            email: get(r, "email")?,
            booking_version: get(r, "booking_version")?,
            embed_origins: get(r, "embed_origins")?,
            welcome: get(r, "welcome")?,
            brand_color: get(r, "brand_color")?,
            photo_digest: get(r, "photo_digest")?,
            onboarding: Onboarding {
                hours: get::<i64>(r, "hours_set")? != 0,
                types: get::<i64>(r, "types_set")? != 0,
                shared: get::<i64>(r, "link_shared")? != 0,
            },
            page_analytics: get::<i64>(r, "page_analytics")? != 0,
            week_start: scheduling::Weekday::from_key(&get::<String>(r, "week_start")?)
                .ok_or_else(|| StoreError::Corrupt("app_user.week_start".into()))?,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeetingTypeRecord {
    pub id: String,
    pub host_id: String,
    pub name: String,
    pub duration: i64,
    pub description: Option<String>,
    pub color: String,
    pub questions: Value,
    pub confirmation_message: Option<String>,
    pub slot_interval: Option<i64>,
    pub active: bool,
    pub archived: bool,
    pub location: Option<scheduling::Location>,
    /// Guests may not cancel or move a meeting this many hours before it (0 = any time).
    pub guest_cutoff_hours: i64,
    /// The type's own notice, horizon, buffer, first-slot rule, limits and seats.
    pub policy: scheduling::TypePolicy,
    /// Its other lengths, per-guest limit and approval (stored with the policy).
    pub offer: scheduling::Offer,
    /// The named schedule whose hours it offers (`None`: the host's default).
    pub schedule_id: Option<String>,
}

macro_rules! meeting_type_columns {
    () => {
        "SELECT meeting_type_id, app_user_id, name, duration, description, color, questions, \
         confirmation_message, slot_interval, active, archived, location_kind, location, \
         guest_cutoff_hours, policy, schedule_id FROM meeting_type "
    };
}

pub const MEETING_TYPE_SELECT_BY_HOST: &str = concat!(
    meeting_type_columns!(),
    "WHERE app_user_id = $1 AND archived = 0 ORDER BY created_at, meeting_type_id"
);
pub const MEETING_TYPE_SELECT_ALL_BY_HOST: &str = concat!(
    meeting_type_columns!(),
    "WHERE app_user_id = $1 ORDER BY created_at, meeting_type_id"
);
pub const MEETING_TYPE_SELECT_ONE: &str = concat!(
    meeting_type_columns!(),
    "WHERE app_user_id = $1 AND meeting_type_id = $2"
);

/// The columns [`availability_from_row`] reads.
macro_rules! availability_columns {
    () => {
        "timezone, working_days, start_time, end_time, weekly_hours, buffer_time, min_notice, \
         max_advance, date_overrides"
    };
}

pub const AVAILABILITY_SELECT: &str = concat!(
    "SELECT ",
    availability_columns!(),
    " FROM availability WHERE app_user_id = $1"
);

/// `Store::schedule_header`: the host's schedule version and calendar summary, their
/// availability and one meeting type (`$2`; its columns NULL when there is no such type).
pub const SCHEDULE_HEADER_SELECT: &str = concat!(
    "SELECT u.booking_version, u.busy_synced_at, u.busy_covered_until, a.*, m.*, \
     s.settings AS schedule_settings \
     FROM app_user u JOIN (SELECT app_user_id AS owner, ",
    availability_columns!(),
    " FROM availability) a ON a.owner = u.app_user_id LEFT JOIN (",
    meeting_type_columns!(),
    "WHERE meeting_type_id = $2) m ON m.app_user_id = u.app_user_id \
     LEFT JOIN schedule s ON s.schedule_id = m.schedule_id AND s.app_user_id = u.app_user_id \
     WHERE u.app_user_id = $1"
);

/// A host's named schedule.
#[derive(Debug, Clone)]
pub struct ScheduleRecord {
    pub id: String,
    pub name: String,
    pub settings: AvailabilitySettings,
}

impl ScheduleRecord {
    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: get(r, "schedule_id")?,
            name: get(r, "name")?,
            settings: schedule_settings(&json_column(r, "settings")?)?,
        })
    }

    /// `{"id", "name", …the availability object}`.
    pub fn to_json(&self) -> Value {
        let mut out = json!({"id": self.id, "name": self.name});
        if let (Value::Object(out), Value::Object(settings)) = (&mut out, self.settings.to_json()) {
            out.extend(settings);
        }
        out
    }
}

/// A stored schedule's settings, read back.
pub(super) fn schedule_settings(value: &Value) -> Result<AvailabilitySettings> {
    AvailabilitySettings::read(value, "schedule").map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn json_column(r: &AnyRow, column: &str) -> Result<Value> {
    let text: String = get(r, column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// A JSON text column that may be NULL.
fn optional_json_column(r: &AnyRow, column: &str) -> Result<Option<Value>> {
    get::<Option<String>>(r, column)?
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

impl MeetingTypeRecord {
    /// A new type with the seed's defaults (30 min, blue, active, no questions).
    pub fn with_defaults(id: String, host_id: &str) -> Self {
        Self {
            id,
            host_id: host_id.to_owned(),
            name: String::new(),
            duration: 30,
            description: None,
            color: "#3B82F6".into(),
            questions: json!([]),
            confirmation_message: None,
            slot_interval: None,
            active: true,
            archived: false,
            location: None,
            guest_cutoff_hours: 0,
            policy: scheduling::TypePolicy::default(),
            offer: scheduling::Offer::default(),
            schedule_id: None,
        }
    }

    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        let location_value: Option<String> = get(r, "location")?;
        let duration: i64 = get(r, "duration")?;
        let (policy, offer) = match optional_json_column(r, "policy")? {
            None => Default::default(),
            Some(value) => {
                let length =
                    scheduling::MeetingDuration::new(duration).map_err(StoreError::Corrupt)?;
                scheduling::Obj::new(&value, "policy")
                    .and_then(|obj| {
                        Ok((
                            scheduling::scenario::read_type_policy(&obj)?,
                            scheduling::offer::read_offer(&obj, length)?,
                        ))
                    })
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?
            }
        };
        Ok(Self {
            id: get(r, "meeting_type_id")?,
            host_id: get(r, "app_user_id")?,
            name: get(r, "name")?,
            duration,
            description: get(r, "description")?,
            color: get(r, "color")?,
            questions: json_column(r, "questions")?,
            confirmation_message: get(r, "confirmation_message")?,
            slot_interval: get(r, "slot_interval")?,
            active: get::<i64>(r, "active")? != 0,
            archived: get::<i64>(r, "archived")? != 0,
            location: get::<Option<String>>(r, "location_kind")?
                .map(|kind| scheduling::Location::from_columns(&kind, location_value))
                .transpose()
                .map_err(StoreError::Corrupt)?,
            guest_cutoff_hours: get(r, "guest_cutoff_hours")?,
            policy,
            offer,
            schedule_id: get(r, "schedule_id")?,
        })
    }

    /// The type's policy and offer in their one wire form, `None` while both are defaults.
    pub fn policy_json(&self) -> Option<Value> {
        if self.policy == scheduling::TypePolicy::default()
            && self.offer == scheduling::Offer::default()
        {
            return None;
        }
        Some(self.policy_fields())
    }

    /// Every policy and offer field (`null` or default where the type has none of its own).
    fn policy_fields(&self) -> Value {
        let mut fields = scheduling::scenario::type_policy_json(&self.policy);
        if let (Value::Object(fields), Ok(length)) = (&mut fields, self.length())
            && let Value::Object(offer) = scheduling::offer::offer_json(&self.offer, length)
        {
            fields.extend(offer);
        }
        fields
    }

    /// The type's own length (checked when it was written).
    pub fn length(&self) -> Result<scheduling::MeetingDuration> {
        scheduling::MeetingDuration::new(self.duration).map_err(StoreError::Corrupt)
    }

    /// The lengths a guest may pick, shortest first (the type's own among them).
    pub fn durations(&self) -> Result<Vec<scheduling::MeetingDuration>> {
        Ok(self.offer.durations(self.length()?))
    }

    /// The engine's view of this type booked for `minutes` (`None` = its own length): a
    /// length it does not offer is refused by name.
    pub fn rules_for(
        &self,
        minutes: Option<i64>,
    ) -> std::result::Result<scheduling::MeetingRules, scheduling::FieldError> {
        let corrupt = |e: StoreError| scheduling::FieldError::new("duration", e.to_string());
        let mut rules = self.rules().map_err(corrupt)?;
        if let Some(minutes) = minutes {
            let offered = self.durations().map_err(corrupt)?;
            rules.duration = offered
                .iter()
                .copied()
                .find(|d| i64::from(d.get()) == minutes)
                .ok_or_else(|| {
                    let list: Vec<String> = offered.iter().map(|d| d.get().to_string()).collect();
                    scheduling::FieldError::new(
                        "duration",
                        format!(
                            "{} is not offered for {minutes} minutes (choose {})",
                            self.name,
                            list.join(", ")
                        ),
                    )
                })?;
        }
        Ok(rules)
    }

    /// Whether a guest must leave a phone number (the host calls them).
    pub fn needs_guest_phone(&self) -> bool {
        self.location
            .as_ref()
            .is_some_and(scheduling::Location::needs_guest_phone)
    }

    /// The engine's view of this type.
    pub fn rules(&self) -> Result<scheduling::MeetingRules> {
        let duration = self.length()?;
        let slot_interval = self
            .slot_interval
            .map(scheduling::SlotInterval::new)
            .transpose()
            .map_err(StoreError::Corrupt)?;
        let mut rules = scheduling::MeetingRules::new(duration, slot_interval);
        rules.policy = self.policy;
        Ok(rules)
    }

    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "id": self.id,
            "name": self.name,
            "duration": self.duration,
            "description": self.description,
            "color": self.color,
            "questions": self.questions,
            "confirmationMessage": self.confirmation_message,
            "slotInterval": self.slot_interval,
            "active": self.active,
            "location": self.location.as_ref().map(scheduling::Location::to_json),
            "guestCutoffHours": self.guest_cutoff_hours,
            "scheduleId": self.schedule_id,
        });
        if let (Value::Object(out), Value::Object(policy)) = (&mut out, self.policy_fields()) {
            out.extend(policy);
        }
        out
    }

    /// The public view (docs/DESIGN.md §7): no internal flags.
    pub fn to_public_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "duration": self.duration,
            "description": self.description,
            "color": self.color,
            "questions": self.questions,
            "location": self.location.as_ref().map(scheduling::Location::to_json),
            "durations": self.durations().unwrap_or_default().iter().map(|d| d.get()).collect::<Vec<_>>(),
            "seats": self.policy.seats,
            "approval": self.length().map_or(Value::Null, |length| {
                scheduling::offer::offer_json(&self.offer, length)["approval"].take()
            }),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedRecord {
    pub id: String,
    pub start: Instant,
    pub end: Instant,
    pub reason: Option<String>,
    pub rule: Option<String>,
}

impl BlockedRecord {
    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: get(r, "blocked_time_id")?,
            start: Instant::from_millis(get(r, "start_time")?),
            end: Instant::from_millis(get(r, "end_time")?),
            reason: get(r, "reason")?,
            rule: get(r, "recurrence_rule")?,
        })
    }

    /// The engine's view; rules were validated on the way in.
    pub fn to_blocked_time(&self) -> Result<scheduling::BlockedTime> {
        let rule = self
            .rule
            .as_deref()
            .map(scheduling::RecurrenceRule::parse)
            .transpose()
            .map_err(StoreError::Corrupt)?;
        scheduling::BlockedTime::new(self.start, self.end, rule).map_err(StoreError::Corrupt)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "startTime": self.start.to_string(),
            "endTime": self.end.to_string(),
            "reason": self.reason,
            "recurring": self.rule.is_some(),
            "recurrenceRule": self.rule,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company: Option<String>,
    /// The host's own notes.
    pub notes: String,
}

impl ContactRecord {
    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: get(r, "contact_id")?,
            name: get(r, "name")?,
            email: get(r, "email")?,
            phone: get(r, "phone")?,
            company: get(r, "company")?,
            notes: get(r, "notes")?,
        })
    }
}

/// A validated booking request, before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBooking {
    pub meeting_type_id: String,
    pub start: Instant,
    pub timezone: String,
    pub guest_name: String,
    pub guest_email: String,
    pub guest_phone: Option<String>,
    pub guest_company: Option<String>,
    pub meeting_notes: Option<String>,
    pub answers: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BookingRecord {
    pub id: String,
    pub host_id: String,
    pub meeting_type_id: String,
    pub contact_id: Option<String>,
    pub guest_name: String,
    pub guest_email: String,
    pub guest_phone: Option<String>,
    pub guest_company: Option<String>,
    pub start: Instant,
    pub end: Instant,
    pub timezone: String,
    pub meeting_notes: Option<String>,
    pub answers: Value,
    pub status: BookingStatus,
    pub cancel_reason: Option<String>,
    pub calendar_event_id: Option<String>,
    pub meeting_link: Option<String>,
    pub created_at: Instant,
    pub updated_at: Instant,
    /// The guest's private handle on this booking, in clear: known only where it was
    /// issued or presented (never read back from the database, which keeps its hash).
    pub guest_token: Option<String>,
    /// The same token sealed for `booking:ID`, for the links later messages carry.
    pub guest_token_sealed: Option<String>,
    /// Bumped by every change the guest is told about: the invite's SEQUENCE.
    pub sequence: i64,
    pub reschedule_count: i64,
    pub cancelled_at: Option<Instant>,
    pub cancelled_by: Option<Actor>,
    /// Where the booking was made.
    pub source: Source,
    /// The start it was booked for (a reschedule moves `start`, never this).
    pub first_start: Instant,
    /// Cancelled inside the type's guest cut-off, or inside 24 h of the start without one.
    pub late_cancel: bool,
}

/// Where a booking was made: the insights tell public bookings from the host's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The guest's booking pages (`/book/…`).
    PublicPage,
    /// `POST /api/public/booking/…/book` without the host's token.
    PublicApi,
    /// The host's dashboard.
    HostDashboard,
    /// The API with the host's token, and every booking older than these facts.
    Api,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PublicPage => "public_page",
            Self::PublicApi => "public_api",
            Self::HostDashboard => "host_dashboard",
            Self::Api => "api",
        }
    }

    /// Unknown values read as `Api`, as the migration backfills them.
    pub fn parse(text: &str) -> Self {
        match text {
            "public_page" => Self::PublicPage,
            "public_api" => Self::PublicApi,
            "host_dashboard" => Self::HostDashboard,
            _ => Self::Api,
        }
    }

    /// Whether a guest made the booking through the public pages or API.
    pub fn is_public(self) -> bool {
        matches!(self, Self::PublicPage | Self::PublicApi)
    }
}

/// Who made a change to a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Guest,
    Host,
    System,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guest => "guest",
            Self::Host => "host",
            Self::System => "system",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "guest" => Ok(Self::Guest),
            "host" => Ok(Self::Host),
            "system" => Ok(Self::System),
            other => Err(format!("unknown actor {other:?}")),
        }
    }
}

macro_rules! booking_columns {
    () => {
        "SELECT booking_id, app_user_id, meeting_type_id, contact_id, guest_name, guest_email, \
         guest_phone, guest_company, start_time, end_time, timezone, meeting_notes, answers, status, \
         cancel_reason, calendar_event_id, meeting_link, created_at, updated_at, guest_token_sealed, sequence, \
         reschedule_count, cancelled_at, cancelled_by, source, first_start_at, late_cancel FROM booking "
    };
}

pub const BOOKING_SELECT_ONE: &str = concat!(
    booking_columns!(),
    "WHERE app_user_id = $1 AND booking_id = $2"
);
pub const BOOKING_SELECT_BY_GUEST_TOKEN: &str =
    concat!(booking_columns!(), "WHERE guest_token_hash = $1");
/// `$1` host, `$2` status or '', `$3..$4` start range, `$5, $6` cursor, `$7` limit,
/// `$8` meeting type or '', `$9` 1 to leave cancelled bookings out.
macro_rules! booking_page_filter {
    () => {
        "WHERE app_user_id = $1 AND ($2 = '' OR status = $2) AND start_time >= $3 \
         AND start_time < $4 AND ($8 = '' OR meeting_type_id = $8) \
         AND ($9 = 0 OR status <> 'CANCELLED') "
    };
}
pub const BOOKING_SELECT_PAGE: &str = concat!(
    booking_columns!(),
    booking_page_filter!(),
    "AND (start_time > $5 OR (start_time = $5 AND booking_id > $6)) \
     ORDER BY start_time, booking_id LIMIT $7"
);
pub const BOOKING_SELECT_PAGE_DESC: &str = concat!(
    booking_columns!(),
    booking_page_filter!(),
    "AND (start_time < $5 OR (start_time = $5 AND booking_id < $6)) \
     ORDER BY start_time DESC, booking_id DESC LIMIT $7"
);
/// Confirmed bookings of host `$1` not yet ended at `$2`, from address `$3` or any address
/// `LIKE $4` (`%@domain`); an empty `$3`/`$4` matches nothing real.
pub const BOOKING_SELECT_FROM_GUEST: &str = concat!(
    booking_columns!(),
    "WHERE app_user_id = $1 AND status = 'CONFIRMED' AND end_time > $2 \
     AND (LOWER(guest_email) = $3 OR LOWER(guest_email) LIKE $4) ORDER BY start_time, booking_id"
);
/// Host `$1`'s bookings after the `($2 start, $3 id)` cursor, `$4` at most: one index range
/// (the exports walk every booking this way).
pub const BOOKING_SELECT_AFTER: &str = concat!(
    booking_columns!(),
    "WHERE app_user_id = $1 AND (start_time, booking_id) > ($2, $3) \
     ORDER BY start_time, booking_id LIMIT $4"
);
pub const BOOKING_SELECT_BY_ID: &str = concat!(booking_columns!(), "WHERE booking_id = $1");
pub const BOOKING_SELECT_NEXT_BY_PHONE: &str = concat!(
    booking_columns!(),
    "WHERE guest_phone = $1 AND status = 'CONFIRMED' AND start_time > $2 \
     ORDER BY start_time, booking_id LIMIT 1"
);
pub const BOOKING_SELECT_BY_CONTACT: &str = concat!(
    booking_columns!(),
    "WHERE app_user_id = $1 AND contact_id = $2 ORDER BY start_time DESC, booking_id LIMIT $3"
);

impl BookingRecord {
    /// The booked length in minutes (a type offering several lengths books one of them).
    pub fn minutes(&self) -> i64 {
        (self.end.as_millis() - self.start.as_millis()) / 60_000
    }

    /// Where a page that ends with this booking continues: `<start ms>.<id>`.
    pub fn cursor(&self) -> String {
        format!("{}.{}", self.start.as_millis(), self.id)
    }

    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        let status: String = get(r, "status")?;
        Ok(Self {
            id: get(r, "booking_id")?,
            host_id: get(r, "app_user_id")?,
            meeting_type_id: get(r, "meeting_type_id")?,
            contact_id: get(r, "contact_id")?,
            guest_name: get(r, "guest_name")?,
            guest_email: get(r, "guest_email")?,
            guest_phone: get(r, "guest_phone")?,
            guest_company: get(r, "guest_company")?,
            start: Instant::from_millis(get(r, "start_time")?),
            end: Instant::from_millis(get(r, "end_time")?),
            timezone: get(r, "timezone")?,
            meeting_notes: get(r, "meeting_notes")?,
            answers: json_column(r, "answers")?,
            status: status.parse().map_err(StoreError::Corrupt)?,
            cancel_reason: get(r, "cancel_reason")?,
            calendar_event_id: get(r, "calendar_event_id")?,
            meeting_link: get(r, "meeting_link")?,
            created_at: Instant::from_millis(get(r, "created_at")?),
            updated_at: Instant::from_millis(get(r, "updated_at")?),
            guest_token: None,
            guest_token_sealed: get(r, "guest_token_sealed")?,
            sequence: get(r, "sequence")?,
            reschedule_count: get(r, "reschedule_count")?,
            cancelled_at: get::<Option<i64>>(r, "cancelled_at")?.map(Instant::from_millis),
            cancelled_by: get::<Option<String>>(r, "cancelled_by")?
                .map(|a| Actor::parse(&a))
                .transpose()
                .map_err(StoreError::Corrupt)?,
            source: Source::parse(&get::<String>(r, "source")?),
            first_start: Instant::from_millis(get(r, "first_start_at")?),
            late_cancel: get::<i64>(r, "late_cancel")? != 0,
        })
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "meetingTypeId": self.meeting_type_id,
            "hostId": self.host_id,
            "contactId": self.contact_id,
            "guestName": self.guest_name,
            "guestEmail": self.guest_email,
            "guestPhone": self.guest_phone,
            "guestCompany": self.guest_company,
            "startTime": self.start.to_string(),
            "endTime": self.end.to_string(),
            "timezone": self.timezone,
            "meetingNotes": self.meeting_notes,
            "answers": self.answers,
            "status": self.status.as_str(),
            "cancelReason": self.cancel_reason,
            "calendarEventId": self.calendar_event_id,
            "meetingLink": self.meeting_link,
            "createdAt": self.created_at.to_string(),
            "updatedAt": self.updated_at.to_string(),
            "sequence": self.sequence,
            "rescheduleCount": self.reschedule_count,
            "cancelledAt": self.cancelled_at.map(|at| at.to_string()),
            "cancelledBy": self.cancelled_by.map(Actor::as_str),
            "source": self.source.as_str(),
            "firstStartTime": self.first_start.to_string(),
            "lateCancel": self.late_cancel,
        })
    }
}

pub(super) fn availability_from_row(r: &AnyRow) -> Result<AvailabilitySettings> {
    let parse = |column: &str| optional_json_column(r, column);
    let value = json!({
        "timezone": get::<String>(r, "timezone")?,
        "workingDays": parse("working_days")?,
        "startTime": get::<String>(r, "start_time")?,
        "endTime": get::<String>(r, "end_time")?,
        "weeklyHours": parse("weekly_hours")?,
        "bufferTime": get::<i64>(r, "buffer_time")?,
        "minNotice": get::<i64>(r, "min_notice")?,
        "maxAdvance": get::<i64>(r, "max_advance")?,
        "dateOverrides": parse("date_overrides")?,
    });
    AvailabilitySettings::read(&value, "availability")
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}
