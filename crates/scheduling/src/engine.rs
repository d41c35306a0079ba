//! The availability engine: docs/DESIGN.md §5, exactly, and fast.
//!
//! Pure: settings, the meeting type, busy data and `now` come in as values; slots come out.
//! The shape of the work: resolve the day's windows into instants (compatible rule), step
//! through candidates in absolute minutes, and test each against one sorted, merged list of
//! busy intervals (buffered bookings and blocked occurrences) with a cursor, so a month
//! view costs about one pass over its candidates plus one sort of the busy data that touches
//! the range.

use crate::blocked::BlockedTime;
use crate::booking::BookingStatus;
use crate::civil::{Zone, weekday};
use crate::instant::Instant;
use crate::settings::AvailabilitySettings;
use crate::types::{MeetingDuration, SlotInterval, Weekday};

/// What the engine needs of a meeting type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingRules {
    pub duration: MeetingDuration,
    pub slot_interval: Option<SlotInterval>,
}

impl MeetingRules {
    fn duration_ms(self) -> i64 {
        i64::from(self.duration.get()) * 60_000
    }

    fn step_ms(self) -> i64 {
        i64::from(
            self.slot_interval
                .map_or(self.duration.get(), SlotInterval::get),
        ) * 60_000
    }
}

/// An existing booking as the engine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookedTime {
    pub start: Instant,
    pub end: Instant,
    pub status: BookingStatus,
}

/// The busy data of one host: bookings of every meeting type, and blocked time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Busy<'a> {
    pub bookings: &'a [BookedTime],
    pub blocked: &'a [BlockedTime],
}

/// The half-open query range `[from, to)` and the clock. Build it with [`Query::new`] from
/// timestamps, which rounds so that millisecond instants compare exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    pub from: Instant,
    pub to: Instant,
    pub now: Instant,
}

impl Query {
    pub fn new(from: jiff::Timestamp, to: jiff::Timestamp, now: jiff::Timestamp) -> Self {
        Self {
            from: Instant::ceil(from),
            to: Instant::ceil(to),
            now: Instant::ceil(now),
        }
    }
}

/// An offered slot `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub start: Instant,
    pub end: Instant,
}

/// The first instant a guest may book: `now + minNotice`.
pub fn earliest_start(settings: &AvailabilitySettings, now: Instant) -> Instant {
    now.plus_minutes(i64::from(settings.min_notice.get()) * 60)
}

/// The first instant past the horizon: the start of local day `today + maxAdvance + 1`.
pub fn horizon_end(settings: &AvailabilitySettings, now: Instant) -> Instant {
    let zone = &settings.zone;
    let today = zone.instant_to_local(now).0;
    zone.start_of_day(today + settings.max_advance.get() as i32 + 1)
}

/// The slots offered for `meeting` in `[query.from, query.to)`, sorted and unique.
pub fn free_slots(
    settings: &AvailabilitySettings,
    meeting: MeetingRules,
    busy: Busy<'_>,
    query: Query,
) -> Vec<Slot> {
    let lower = query.from.max(earliest_start(settings, query.now));
    let upper = query.to.min(horizon_end(settings, query.now));
    let mut slots = Vec::new();
    if lower >= upper {
        return slots;
    }
    let duration = meeting.duration_ms();
    let step = meeting.step_ms();
    let taken = merged_busy(settings, busy, lower, upper.plus_millis(duration));
    let zone = &settings.zone;
    let first_day = zone.instant_to_local(lower).0 - 1;
    let last_day = zone.instant_to_local(upper).0 + 1;
    for day in first_day..=last_day {
        for window in settings.windows(Weekday::from_index(weekday(day))) {
            let ws = zone
                .local_to_instant(day, window.start.seconds())
                .as_millis();
            let we = zone.local_to_instant(day, window.end.seconds()).as_millis();
            // First k with ws + k·step ≥ lower; candidates before it are filtered anyway.
            let skip = (lower.as_millis() - ws).max(0);
            let mut start = ws + (skip + step - 1) / step * step;
            let mut cursor = taken.partition_point(|&(_, end)| end <= start);
            while start + duration <= we && start < upper.as_millis() {
                while cursor < taken.len() && taken[cursor].1 <= start {
                    cursor += 1;
                }
                match taken.get(cursor) {
                    // The next busy interval begins before this candidate ends: skip past it.
                    Some(&(busy_start, busy_end)) if busy_start < start + duration => {
                        let past = busy_end - start;
                        start += (past + step - 1) / step * step;
                    }
                    _ => {
                        slots.push(Slot {
                            start: Instant::from_millis(start),
                            end: Instant::from_millis(start + duration),
                        });
                        start += step;
                    }
                }
            }
        }
    }
    // Windows only overlap as instants around a gap; sort and dedup only then.
    if !slots.is_sorted_by(|a, b| a.start < b.start) {
        slots.sort_unstable();
        slots.dedup();
    }
    slots
}

/// Whether a slot starting at `start` is offered right now: the booking path's re-check,
/// through the very same rules as [`free_slots`].
pub fn is_offered(
    settings: &AvailabilitySettings,
    meeting: MeetingRules,
    busy: Busy<'_>,
    start: Instant,
    now: Instant,
) -> bool {
    let query = Query {
        from: start,
        to: start.plus_millis(1),
        now,
    };
    free_slots(settings, meeting, busy, query)
        .first()
        .is_some_and(|slot| slot.start == start)
}

/// Busy intervals that touch `[lo, hi)` as sorted, disjoint `(start, end)` milliseconds.
fn merged_busy(
    settings: &AvailabilitySettings,
    busy: Busy<'_>,
    lo: Instant,
    hi: Instant,
) -> Vec<(i64, i64)> {
    let buffer = i64::from(settings.buffer.get()) * 60_000;
    let mut intervals: Vec<(i64, i64)> = busy
        .bookings
        .iter()
        .filter(|b| b.status.holds_time())
        .map(|b| (b.start.as_millis() - buffer, b.end.as_millis() + buffer))
        .filter(|&(start, end)| start < hi.as_millis() && end > lo.as_millis())
        .collect();
    let zone: &Zone = &settings.zone;
    for block in busy.blocked {
        block.intervals_within(zone, lo, hi, |start, end| {
            intervals.push((start.as_millis(), end.as_millis()));
        });
    }
    // An empty interval overlaps nothing, but would trip the cursor's overlap test.
    intervals.retain(|&(start, end)| start < end);
    // Stable sort: bookings usually arrive ordered by start, and runs make it near-linear.
    intervals.sort_by_key(|&(start, _)| start);
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}
