//! Calendar arithmetic on plain day numbers, and the one bridge between wall-clock time and
//! instants.
//!
//! The engine and the recurrence expander walk many days; doing that on `i32` day numbers
//! (days since 1970-01-01) keeps the hot loops free of allocation and validation. Only
//! [`Zone`] talks to jiff, and it does so with the *compatible* rule of docs/DESIGN.md §5: a
//! wall-clock time in a gap moves later by the gap, one in a fold takes the earlier instant.

use std::fmt;

use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, civil};

use crate::instant::Instant;

/// Seconds in a civil day (ignoring the zone's transitions, as wall clocks do).
pub const SECONDS_PER_DAY: i32 = 86_400;

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The `(year, month, day)` of a day number; the inverse of [`days_from_civil`].
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD` as a day number (days since 1970-01-01); an impossible date is refused.
pub fn parse_date(text: &str) -> Result<i32, String> {
    let bad = || format!("{text:?} is not a date (YYYY-MM-DD)");
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let digits = |r: std::ops::Range<usize>| -> Result<u32, String> {
        let part = &text[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let year = i32::try_from(year).map_err(|_| bad())?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(format!("{text} is not a day of the calendar"));
    }
    Ok(days_from_civil(year, month, day))
}

/// A day number as `YYYY-MM-DD`.
pub fn format_date(day: i32) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Weekday of a day number, Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
pub fn weekday(days: i32) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

pub fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub fn days_in_year(year: i32) -> i32 {
    if is_leap_year(year) { 366 } else { 365 }
}

/// An IANA time zone, parsed at the boundary. Keeps its name for display and storage.
#[derive(Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    /// Looks up an IANA zone name such as `Europe/Berlin`.
    pub fn parse(name: &str) -> Result<Self, String> {
        let trimmed = name.trim();
        if trimmed.is_empty() {
            return Err("is empty; expected an IANA time zone such as \"Europe/Berlin\"".into());
        }
        let tz = TimeZone::get(trimmed).map_err(|_| {
            format!("{trimmed:?} is not a known IANA time zone (e.g. \"America/New_York\")")
        })?;
        let name = tz.iana_name().unwrap_or(trimmed).to_owned();
        Ok(Self { name, tz })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The instant of wall-clock `second` (0 ..= 86 400) on local day `day`, by the
    /// compatible rule. `86_400` is 24:00, the start of the next day.
    pub fn local_to_instant(&self, day: i32, second: i32) -> Instant {
        let day = day + second.div_euclid(SECONDS_PER_DAY);
        let second = second.rem_euclid(SECONDS_PER_DAY);
        let (y, m, d) = civil_from_days(day);
        let dt = civil::DateTime::new(
            y as i16,
            m as i8,
            d as i8,
            (second / 3600) as i8,
            (second / 60 % 60) as i8,
            (second % 60) as i8,
            0,
        )
        .expect("day numbers in the supported range make valid civil datetimes");
        let offset = match self.tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset }
            | AmbiguousOffset::Gap { before: offset, .. }
            | AmbiguousOffset::Fold { before: offset, .. } => offset,
        };
        let local = i64::from(day) * i64::from(SECONDS_PER_DAY) + i64::from(second);
        Instant::from_millis((local - i64::from(offset.seconds())) * 1000)
    }

    /// The local day number and second of day (0 .. 86 400) at `instant`.
    pub fn instant_to_local(&self, instant: Instant) -> (i32, i32) {
        let ms = instant.as_millis();
        let secs = ms.div_euclid(1000);
        let ts = Timestamp::from_second(secs).expect("instants are within jiff's range");
        let local = secs + i64::from(self.tz.to_offset(ts).seconds());
        let day = local.div_euclid(i64::from(SECONDS_PER_DAY));
        let second = local.rem_euclid(i64::from(SECONDS_PER_DAY));
        (day as i32, second as i32)
    }

    /// The first instant whose local date is `day` (handles days that start in a gap).
    pub fn start_of_day(&self, day: i32) -> Instant {
        self.local_to_instant(day, 0)
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Zone").field(&self.name).finish()
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_across_centuries() {
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            weekday(days_from_civil(2026, 11, 24)),
            1,
            "2026-11-24 is a Tuesday"
        );
    }

    #[test]
    fn gap_moves_later_and_fold_takes_the_earlier_instant() {
        let ny = Zone::parse("America/New_York").unwrap();
        let spring = days_from_civil(2026, 3, 8);
        // 02:30 does not exist; compatible gives 03:30 EDT = 07:30Z.
        let t = ny.local_to_instant(spring, 2 * 3600 + 1800);
        assert_eq!(t.to_string(), "2026-03-08T07:30:00Z");
        let fall = days_from_civil(2026, 11, 1);
        // 01:30 happens twice; the earlier is EDT = 05:30Z.
        let t = ny.local_to_instant(fall, 3600 + 1800);
        assert_eq!(t.to_string(), "2026-11-01T05:30:00Z");
    }

    #[test]
    fn a_day_that_starts_in_a_gap_starts_when_the_clock_resumes() {
        let havana = Zone::parse("America/Havana").unwrap();
        // Cuba springs forward at 00:00 → 01:00 on 2026-03-08.
        let day = days_from_civil(2026, 3, 8);
        assert_eq!(havana.start_of_day(day).to_string(), "2026-03-08T05:00:00Z");
        assert_eq!(
            havana.instant_to_local(havana.start_of_day(day)),
            (day, 3600)
        );
    }

    #[test]
    fn unknown_zones_are_refused_with_a_hint() {
        let err = Zone::parse("Mars/Olympus").unwrap_err();
        assert!(err.contains("not a known IANA time zone"), "{err}");
        assert!(Zone::parse("").is_err());
    }
}
