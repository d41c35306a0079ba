//! NovaCRM's scheduling rules, with no I/O: domain values parsed at the boundary, the
//! availability engine of docs/DESIGN.md §5, RRULE expansion for blocked time, the booking
//! state machine, and the iCalendar invite a booking is sent as.
//!
//! Everything here is a pure function of its inputs; time is an input too (`now`). The
//! service crate loads data, calls in, and stores what comes out.

pub mod blocked;
pub mod booking;
pub mod busy;
pub mod civil;
pub mod engine;
pub mod field;
pub mod instant;
pub mod invite;
pub mod location;
pub mod offer;
pub mod phone;
pub mod recurrence;
pub mod reminders;
pub mod scenario;
pub mod settings;
pub mod types;

pub use blocked::BlockedTime;
pub use booking::BookingStatus;
pub use civil::Zone;
pub use engine::{
    BookedTime, Busy, Limits, MeetingRules, Query, Refusal, Slot, TypePolicy, check_start,
    free_slots,
};
pub use field::{FieldError, Obj};
pub use instant::Instant;
pub use location::{Location, VideoProvider};
pub use offer::{Approval, Offer};
pub use phone::Phone;
pub use recurrence::RecurrenceRule;
pub use scenario::Scenario;
pub use settings::{AvailabilitySettings, DateOverrides, WeeklyHours, Window};
pub use types::{
    AdvanceDays, BufferMinutes, MeetingDuration, NoticeHours, SlotInterval, TimeOfDay, Weekday,
};
