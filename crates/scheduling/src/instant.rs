//! [`Instant`]: a point on the UTC time line as whole milliseconds since the Unix epoch.
//!
//! Storage keeps instants as BIGINT milliseconds (docs/DESIGN.md §4) and the engine compares
//! millions of them, so the engine works on this plain integer. Inputs with finer precision
//! are rounded *exactly*: a slot start or end is always a whole millisecond, so rounding an
//! interval's start down and its end up (and `now`, `from`, `to` up) gives the same answers
//! as comparing at nanosecond precision.

use std::fmt;

use jiff::Timestamp;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i64);

impl Instant {
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Rounds down to the millisecond: use for the start of a busy interval.
    pub fn floor(ts: Timestamp) -> Self {
        Self(ts.as_nanosecond().div_euclid(1_000_000) as i64)
    }

    /// Rounds up to the millisecond: use for ends and lower bounds.
    pub fn ceil(ts: Timestamp) -> Self {
        let ns = ts.as_nanosecond();
        let floor = ns.div_euclid(1_000_000) as i64;
        if ns.rem_euclid(1_000_000) == 0 {
            Self(floor)
        } else {
            Self(floor + 1)
        }
    }

    /// Parses an RFC 3339 instant (`2026-03-06T14:00:00Z`, any offset accepted) between the
    /// years 1900 and 9000: wide enough for any schedule, and far enough from the calendar's
    /// edges that a horizon or an expansion never steps off them.
    pub fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
        let ts: Timestamp = text.trim().parse().map_err(|_| {
            format!("{text:?} is not an RFC 3339 instant (e.g. \"2026-03-06T14:00:00Z\")")
        })?;
        let year = ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).year();
        if (1900..9000).contains(&year) {
            Ok(ts)
        } else {
            Err(format!("{text:?} is outside the years 1900 to 8999"))
        }
    }

    pub fn to_timestamp(self) -> Timestamp {
        Timestamp::from_millisecond(self.0).expect("instants stay within jiff's range")
    }

    #[must_use]
    pub const fn plus_minutes(self, minutes: i64) -> Self {
        Self(self.0 + minutes * 60_000)
    }

    #[must_use]
    pub const fn plus_millis(self, ms: i64) -> Self {
        Self(self.0 + ms)
    }
}

impl From<Timestamp> for Instant {
    /// Exact for whole milliseconds; finer inputs round down (see [`Instant::ceil`]).
    fn from(ts: Timestamp) -> Self {
        Self::floor(ts)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_timestamp(), f)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_far_from_the_calendar_are_refused() {
        assert!(
            Instant::parse_timestamp("9999-12-01T00:00:00Z")
                .unwrap_err()
                .contains("1900 to 8999")
        );
        assert!(Instant::parse_timestamp("-009999-12-01T00:00:00Z").is_err());
        assert!(Instant::parse_timestamp("2026-03-06T14:00:00+01:00").is_ok());
    }

    #[test]
    fn rounding_is_exact_for_whole_milliseconds_and_directed_otherwise() {
        let whole: Timestamp = "2026-03-06T14:00:00.250Z".parse().unwrap();
        assert_eq!(Instant::floor(whole), Instant::ceil(whole));
        let fine: Timestamp = "2026-03-06T14:00:00.250001Z".parse().unwrap();
        assert_eq!(
            Instant::ceil(fine).as_millis(),
            Instant::floor(fine).as_millis() + 1
        );
        let before_epoch: Timestamp = "1969-12-31T23:59:59.9995Z".parse().unwrap();
        assert_eq!(Instant::floor(before_epoch).as_millis(), -1);
        assert_eq!(Instant::ceil(before_epoch).as_millis(), 0);
    }
}
