//! Blocked time: a one-off interval, or a recurring one described by an RRULE.
//!
//! The entered interval is always blocked (calendars treat DTSTART as the first instance);
//! the rule adds its own occurrences, each as long as the entered interval, starting at the
//! same wall-clock time in the host's zone (docs/DESIGN.md §5.4).

use crate::civil::Zone;
use crate::instant::Instant;
use crate::recurrence::RecurrenceRule;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedTime {
    start: Instant,
    end: Instant,
    rule: Option<RecurrenceRule>,
}

impl BlockedTime {
    /// A blocked interval `[start, end)`; `end` must not be before `start` (an empty one
    /// blocks nothing).
    pub fn new(start: Instant, end: Instant, rule: Option<RecurrenceRule>) -> Result<Self, String> {
        if end < start {
            return Err(format!("endTime {end} must be after startTime {start}"));
        }
        Ok(Self { start, end, rule })
    }

    pub fn start(&self) -> Instant {
        self.start
    }

    pub fn end(&self) -> Instant {
        self.end
    }

    pub fn rule(&self) -> Option<&RecurrenceRule> {
        self.rule.as_ref()
    }

    /// Calls `emit(start, end)` for every blocked interval that overlaps `[lo, hi)`, the
    /// entered one first and then the rule's occurrences in order.
    pub fn intervals_within(
        &self,
        zone: &Zone,
        lo: Instant,
        hi: Instant,
        mut emit: impl FnMut(Instant, Instant),
    ) {
        let length = self.end.as_millis() - self.start.as_millis();
        let mut overlapping = |start: Instant| {
            let end = start.plus_millis(length);
            if start < hi && end > lo {
                emit(start, end);
            }
        };
        overlapping(self.start);
        if let Some(rule) = &self.rule {
            let (start_day, start_second) = zone.instant_to_local(self.start);
            // A day of margin either side covers any offset change near the range's edges.
            let first_day = zone.instant_to_local(lo.plus_millis(-length)).0 - 1;
            let last_day = zone.instant_to_local(hi).0 + 1;
            rule.expand(
                zone,
                start_day,
                start_second,
                first_day,
                last_day,
                overlapping,
            );
        }
    }

    /// The next `limit` occurrences (entered interval included) that end after `after`.
    pub fn upcoming(
        &self,
        zone: &Zone,
        after: Instant,
        until: Instant,
        limit: usize,
    ) -> Vec<Instant> {
        let mut starts = Vec::new();
        self.intervals_within(zone, after, until, |start, _| starts.push(start));
        starts.sort_unstable();
        starts.dedup();
        starts.truncate(limit);
        starts
    }
}
