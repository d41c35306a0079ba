//! When the messages around a meeting are due, and whether a guest may still change it.
//!
//! Every instant here is computed on the absolute time line from the meeting's start, never
//! in wall-clock time: a reminder "24 hours before" is exactly 86 400 s before, so a DST change
//! between the two can neither move it nor make it fire twice (docs/DESIGN.md §9).

use crate::Instant;

/// How long before the start the reminder goes out.
pub const REMINDER_LEAD_MINUTES: i64 = 24 * 60;

/// The instant the reminder for a meeting starting at `start` is due, given when the booking
/// was made (or last moved). A meeting made less than a full lead ahead gets none: its
/// confirmation *is* the reminder.
pub fn reminder_at(changed_at: Instant, start: Instant) -> Option<Instant> {
    let due = start.plus_minutes(-REMINDER_LEAD_MINUTES);
    (changed_at <= due).then_some(due)
}

/// Whether a guest may still cancel or move a meeting themselves: not once it has started,
/// and not inside the meeting type's cut-off (`cutoff_hours` before the start; 0 = none).
pub fn guest_may_change(start: Instant, now: Instant, cutoff_hours: i64) -> Result<(), String> {
    if now >= start {
        return Err("this meeting has already started, so it can no longer be changed here".into());
    }
    if cutoff_hours > 0 && now > start.plus_minutes(-cutoff_hours * 60) {
        let hours = if cutoff_hours == 1 { "hour" } else { "hours" };
        return Err(format!(
            "changes are closed {cutoff_hours} {hours} before the meeting; please contact the host \
             directly"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Instant {
        Instant::from(text.parse::<jiff::Timestamp>().unwrap())
    }

    #[test]
    fn the_reminder_is_exactly_a_day_of_seconds_before_even_across_a_dst_change() {
        // New York falls back on 2026-11-01: 24 h before 09:00 EST on Monday 2 Nov is 08:00
        // EST (09:00 EDT) on Sunday 1 Nov, not 09:00 wall-clock.
        let start = at("2026-11-02T14:00:00Z");
        let due = reminder_at(at("2026-10-20T12:00:00Z"), start).unwrap();
        assert_eq!(due, at("2026-11-01T14:00:00Z"));
    }

    #[test]
    fn a_meeting_booked_less_than_a_day_ahead_gets_no_reminder() {
        let start = at("2026-11-02T14:00:00Z");
        assert_eq!(reminder_at(at("2026-11-01T14:00:01Z"), start), None);
        assert!(reminder_at(at("2026-11-01T14:00:00Z"), start).is_some());
    }

    #[test]
    fn the_cut_off_closes_guest_changes() {
        let start = at("2026-11-02T14:00:00Z");
        assert!(guest_may_change(start, at("2026-11-01T14:00:00Z"), 24).is_ok());
        assert!(guest_may_change(start, at("2026-11-01T14:00:01Z"), 24).is_err());
        assert!(guest_may_change(start, at("2026-11-02T13:59:00Z"), 0).is_ok());
        assert!(guest_may_change(start, start, 0).is_err());
    }
}
